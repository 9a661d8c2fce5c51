import { LINEAGE_PREFIX } from '../data/partitions.ts';
import type { ModelPackage, ModelRegistry } from '../ports/modelRegistry.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import { parsePackage } from '../registry/packageJson.ts';
import { lineageChampionKey, lineagePackageKey } from '../registry/registryKeys.ts';
import { DATA_CLASSES, type DataClassName, DERIVED_PREFIXES } from './dataClasses.ts';
import { readOnlyStore } from './readOnlyStore.ts';
import {
  type Comparison,
  compareObjects,
  type Mismatch,
  packageDifferences,
} from './storeComparison.ts';
import {
  deletePrefixes,
  type RebuildOutcome,
  rebuildCurated,
  rebuildFeatures,
  rebuildRegistry,
} from './storeRebuild.ts';

export interface DrillInput {
  /** The store being protected; only read (through a read-only view). */
  readonly original: ObjectStore;
  /** A full copy of it, which the drill damages and rebuilds. */
  readonly scratch: ObjectStore;
  /** The registry over the scratch store. */
  readonly scratchRegistry: ModelRegistry;
  readonly hash: (text: string) => string;
  /** Milliseconds, monotonic (performance.now), injected so tests can pin timings. */
  readonly clock: () => number;
  readonly onProgress?: (message: string) => void;
}

export interface ClassReport {
  readonly name: DataClassName;
  readonly kind: 'primary' | 'derived';
  /** Objects (or versions, pointers) the original holds. */
  readonly objects: number;
  readonly matched: number;
  /** Objects that differ, are missing or were added; see `mismatches`. */
  readonly mismatches: readonly Mismatch[];
  /** Problems the rebuild met (a record it could not read, a version it could not refit). */
  readonly problems: readonly Mismatch[];
  /** Time to rebuild this class; null for primary data (kept, not rebuilt). */
  readonly rebuildMs: number | null;
}

export interface DrillReport {
  readonly classes: readonly ClassReport[];
  /** Objects the drill deleted from the scratch copy before rebuilding. */
  readonly deleted: number;
  readonly timings: {
    readonly deleteMs: number;
    /** Curated, features and models together: the rebuild time of a real recovery. */
    readonly rebuildMs: number;
    readonly compareMs: number;
    readonly totalMs: number;
  };
  readonly ok: boolean;
}

/**
 * The recovery drill on a scratch copy: delete every derived class (curated/, features/,
 * registry/), rebuild them from raw/ and lineage/ alone, then compare each class with the
 * original — objects by sha256, registry versions field by field with timestamps aside.
 * The original is only read. ok is false on any mismatch or rebuild problem.
 */
export async function runRecoveryDrill(input: DrillInput): Promise<DrillReport> {
  const { scratch, clock } = input;
  const original = readOnlyStore(input.original);
  const deps = {
    store: scratch,
    registry: input.scratchRegistry,
    hash: input.hash,
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
  };
  const t0 = clock();
  const { deleted, deleteMs, curated, features, models } = await rebuildDerived(deps, clock);
  const t2 = clock();

  const [raw, lineage, cur, feat, artifacts] = await Promise.all([
    compareTrees(original, scratch, 'raw/'),
    compareTrees(original, scratch, LINEAGE_PREFIX),
    compareTrees(original, scratch, 'curated/'),
    compareTrees(original, scratch, 'features/'),
    compareTrees(original, scratch, 'registry/', (k) => k.includes('/artifacts/')),
  ]);
  const champions = await compareTrees(original, scratch, 'registry/', (k) =>
    k.endsWith('/champion.json'),
  );
  const versions = await compareVersions(original, scratch);
  const coverage = await lineageCoverage(original);
  const t3 = clock();

  const registryProblems = models.outcome.problems.filter((p) => !p.key.endsWith('champion.json'));
  const championProblems = models.outcome.problems.filter((p) => p.key.endsWith('champion.json'));
  const entries: Record<DataClassName, [Comparison, readonly Mismatch[], number | null]> = {
    raw: [raw, [], null],
    lineage: [lineage, coverage, null],
    curated: [cur, curated.outcome.problems, curated.ms],
    features: [feat, features.outcome.problems, features.ms],
    'model artifacts': [artifacts, [], models.ms],
    'registry versions': [versions, registryProblems, null],
    'champion pointers': [champions, championProblems, null],
  };
  const classes = DATA_CLASSES.map((c): ClassReport => {
    const [comparison, problems, rebuildMs] = entries[c.name];
    return {
      name: c.name,
      kind: c.kind,
      objects: comparison.expected,
      matched: comparison.matched,
      mismatches: comparison.mismatches,
      problems,
      rebuildMs,
    };
  });
  return {
    classes,
    deleted,
    timings: { deleteMs, rebuildMs: t2 - t0 - deleteMs, compareMs: t3 - t2, totalMs: t3 - t0 },
    ok: classes.every((c) => c.mismatches.length === 0 && c.problems.length === 0),
  };
}

export interface TimedOutcome {
  readonly outcome: RebuildOutcome;
  readonly ms: number;
}

export interface DerivedRebuild {
  readonly deleted: number;
  readonly deleteMs: number;
  readonly curated: TimedOutcome;
  readonly features: TimedOutcome;
  /** Model artifacts, registry versions and champion pointers. */
  readonly models: TimedOutcome;
}

/**
 * Deletes every derived class of a store and rebuilds it from raw/ and lineage/: what the
 * drill does to its scratch copy and what `stockops dr rebuild` does to a restored copy.
 */
export async function rebuildDerived(
  deps: Parameters<typeof rebuildCurated>[0],
  clock: () => number,
): Promise<DerivedRebuild> {
  const t0 = clock();
  const deleted = await deletePrefixes(deps.store, DERIVED_PREFIXES);
  const deleteMs = clock() - t0;
  const timed = async (step: () => Promise<RebuildOutcome>): Promise<TimedOutcome> => {
    const start = clock();
    const outcome = await step();
    return { outcome, ms: clock() - start };
  };
  const curated = await timed(() => rebuildCurated(deps));
  const features = await timed(() => rebuildFeatures(deps));
  const models = await timed(() => rebuildRegistry(deps));
  return { deleted, deleteMs, curated, features, models };
}

async function hashes(
  store: ObjectStore,
  prefix: string,
  keep: (key: string) => boolean,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await store.list(prefix)) {
    if (!keep(key)) continue;
    const info = await store.head(key);
    if (info) out.set(key, info.sha256);
  }
  return out;
}

async function compareTrees(
  original: ObjectStore,
  scratch: ObjectStore,
  prefix: string,
  keep: (key: string) => boolean = () => true,
): Promise<Comparison> {
  return compareObjects(await hashes(original, prefix, keep), await hashes(scratch, prefix, keep));
}

const PACKAGE_KEY = /^registry\/group=([^/]+)\/version=(\d+)\/package\.json$/;

async function packages(store: ObjectStore): Promise<Map<string, ModelPackage>> {
  const out = new Map<string, ModelPackage>();
  for (const key of await store.list('registry/')) {
    const m = PACKAGE_KEY.exec(key);
    if (!m) continue;
    const bytes = await store.get(key);
    if (!bytes) continue;
    const expected = { group: m[1] ?? '', version: Number(m[2]) };
    out.set(key, parsePackage(new TextDecoder().decode(bytes), key, expected));
  }
  return out;
}

/** Every original version must come back with the same fields, timestamps aside. */
async function compareVersions(original: ObjectStore, scratch: ObjectStore): Promise<Comparison> {
  const before = await packages(original);
  const after = await packages(scratch);
  const mismatches: Mismatch[] = [];
  let matched = 0;
  for (const [key, pkg] of before) {
    const rebuilt = after.get(key);
    if (!rebuilt) {
      mismatches.push({ key: pkg.id, problem: 'not rebuilt' });
      continue;
    }
    const diffs = packageDifferences(pkg, rebuilt);
    if (diffs.length === 0) matched++;
    else {
      const more = diffs.length > 3 ? ` (+${diffs.length - 3} more)` : '';
      mismatches.push({ key: pkg.id, problem: `${diffs.slice(0, 3).join('; ')}${more}` });
    }
  }
  for (const [key, pkg] of after) {
    if (!before.has(key))
      mismatches.push({ key: pkg.id, problem: 'rebuilt, but the original has no such version' });
  }
  return { expected: before.size, matched, mismatches };
}

/**
 * The records a rebuild needs: every package.json and champion.json of the original must have
 * an identical copy under lineage/. A missing or stale copy is data the drill cannot protect.
 */
async function lineageCoverage(original: ObjectStore): Promise<Mismatch[]> {
  const problems: Mismatch[] = [];
  for (const key of await original.list('registry/')) {
    const pkg = PACKAGE_KEY.exec(key);
    const champion = /^registry\/group=([^/]+)\/champion\.json$/.exec(key);
    const copy = pkg
      ? lineagePackageKey(pkg[1] ?? '', Number(pkg[2]))
      : champion
        ? lineageChampionKey(champion[1] ?? '')
        : undefined;
    if (copy === undefined) continue;
    const [a, b] = [await original.head(key), await original.head(copy)];
    if (!b) problems.push({ key: copy, problem: `missing: ${key} has no lineage copy` });
    else if (a?.sha256 !== b.sha256) {
      problems.push({ key: copy, problem: `differs from ${key}: the copy is stale` });
    }
  }
  return problems;
}
