import {
  type ApprovalStatus,
  type ApprovalUpdate,
  type ModelPackage,
  type ModelRegistry,
  type RegisterInput,
  RegistryError,
  TamperedArtifactError,
} from '../../core/ports/modelRegistry.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { planApproval, withStatus } from '../../core/registry/approval.ts';
import {
  type ChampionPointer,
  parseChampion,
  parsePackage,
  serializeChampion,
  serializePackage,
  withChampion,
} from '../../core/registry/packageJson.ts';
import {
  artifactKey,
  artifactsPrefix,
  championKey,
  lineageChampionKey,
  lineagePackageKey,
  nextVersion,
  packageId,
  packageKey,
  versionsInKeys,
  versionsPrefix,
} from '../../core/registry/registryKeys.ts';
import {
  assertGroup,
  assertIsoTime,
  assertReason,
  assertRegisterInput,
  assertStatus,
  assertVersion,
} from '../../core/registry/validation.ts';
import { sha256Hex } from './sha256.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The model registry as objects in any ObjectStore (files locally, S3 the same way), laid out
 * as in docs/model-registry.md. A version exists once its package.json exists: artifacts are
 * written first and package.json last, so a crash mid-register leaves no visible half version,
 * and its number is skipped, never reused (its leftover files must not mix with a new model's).
 *
 * Writes within one instance are serialised, so concurrent calls cannot take the same version
 * number. Across processes there is no lock (the ObjectStore has no conditional put): run one
 * writer per group, as the pipeline does (symbols run one after another).
 */
export class StoreModelRegistry implements ModelRegistry {
  private readonly store: ObjectStore;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(store: ObjectStore) {
    this.store = store;
  }

  async register(input: RegisterInput): Promise<ModelPackage> {
    assertRegisterInput(input);
    return this.exclusive(async () => {
      const { group } = input;
      const keys = await this.store.list(versionsPrefix(group));
      const version = nextVersion(versionsInKeys(group, keys).used);
      const hashes: [string, string][] = [];
      for (const [path, body] of Object.entries(input.files).sort(byKey)) {
        const bytes = typeof body === 'string' ? encoder.encode(body) : body;
        hashes.push([path, sha256Hex(bytes)]);
        await this.store.put(artifactKey(group, version, path), bytes);
      }
      // fromEntries, not assignment: a path such as `__proto__` must stay an own key.
      const artifacts = Object.fromEntries(hashes);
      const pkg: ModelPackage = {
        group,
        version,
        id: packageId(group, version),
        model_name: input.modelName,
        kind: input.kind,
        status: input.status,
        status_history: [{ status: input.status, reason: input.reason, at: input.at }],
        created_at: input.at,
        metrics: { ...input.metrics },
        lineage: { ...input.lineage, artifacts },
      };
      return this.writePackage(pkg);
    });
  }

  async get(group: string, version: number): Promise<ModelPackage | undefined> {
    assertGroup(group);
    assertVersion(version);
    const key = packageKey(group, version);
    const bytes = await this.store.get(key);
    return bytes && parsePackage(decoder.decode(bytes), key, { group, version });
  }

  async list(group: string): Promise<ModelPackage[]> {
    assertGroup(group);
    const keys = await this.store.list(versionsPrefix(group));
    const packages: ModelPackage[] = [];
    for (const version of versionsInKeys(group, keys).complete) {
      const pkg = await this.get(group, version);
      // Listed a moment ago; gone only if deleted meanwhile, which the registry never does.
      if (pkg !== undefined) packages.push(pkg);
    }
    return packages;
  }

  async updateApproval(
    group: string,
    version: number,
    status: ApprovalStatus,
    reason: string,
    at: string,
  ): Promise<ApprovalUpdate> {
    assertGroup(group);
    assertVersion(version);
    assertStatus(status);
    assertReason(reason);
    assertIsoTime(at);
    return this.exclusive(async () => {
      const pkg = await this.require(group, version);
      if (planApproval(pkg, status) === 'unchanged') return { ...pkg, championCleared: false };
      let championCleared = false;
      if (status === 'Rejected') {
        const pointer = await this.readChampion(group);
        if (pointer.version === version) {
          // Clear the pointer before rejecting: a crash in between then leaves an Approved
          // version that is not served, never a served version that is Rejected.
          const cleared = withChampion(pointer, null, `${pkg.id} revoked: ${reason}`, at);
          await this.writeChampion(cleared);
          championCleared = true;
        }
      }
      const updated = await this.writePackage(withStatus(pkg, status, reason, at));
      return { ...updated, championCleared };
    });
  }

  async setChampion(group: string, version: number, reason: string, at: string): Promise<void> {
    assertGroup(group);
    assertVersion(version);
    assertReason(reason);
    assertIsoTime(at);
    return this.exclusive(async () => {
      const pkg = await this.require(group, version);
      if (pkg.status !== 'Approved') {
        const approved = (await this.list(group))
          .filter((p) => p.status === 'Approved')
          .map((p) => p.version);
        throw new RegistryError(
          'champion_not_approved',
          `${pkg.id} is ${pkg.status} and cannot be champion: approve it first, or pick an ` +
            `approved version (${approved.length > 0 ? approved.join(', ') : 'none yet'})`,
        );
      }
      const pointer = await this.readChampion(group);
      if (pointer.version === version) return;
      await this.writeChampion(withChampion(pointer, version, reason, at));
    });
  }

  async champion(group: string): Promise<ModelPackage | undefined> {
    assertGroup(group);
    const pointer = await this.readChampion(group);
    if (pointer.version === null) return undefined;
    const pkg = await this.get(group, pointer.version);
    // Neither can happen through this class (revoking clears the pointer first); a hand edit
    // or a deleted version can, and serving must then stop rather than guess.
    if (pkg === undefined) {
      throw new RegistryError(
        'corrupt',
        `${championKey(group)} points at ${packageId(group, pointer.version)}, which does not ` +
          'exist: set a champion that does (setChampion)',
      );
    }
    if (pkg.status !== 'Approved') {
      throw new RegistryError(
        'champion_not_approved',
        `${championKey(group)} points at ${pkg.id}, which is ${pkg.status}: set an approved ` +
          'version as champion (setChampion)',
      );
    }
    return pkg;
  }

  async loadArtifacts(group: string, version: number): Promise<Record<string, Uint8Array>> {
    const pkg = await this.require(group, version);
    const prefix = artifactsPrefix(group, version);
    const present = new Set((await this.store.list(prefix)).map((key) => key.slice(prefix.length)));
    // A Map, not an object literal: an artifact may be called `__proto__` or `toString`.
    const files = new Map<string, Uint8Array>();
    for (const [path, expected] of Object.entries(pkg.lineage.artifacts).sort(byKey)) {
      const bytes = await this.store.get(artifactKey(group, version, path));
      if (bytes === undefined) throw new TamperedArtifactError(pkg.id, path, expected, null);
      // Hash the very bytes handed back, so what is verified is what gets served.
      const actual = sha256Hex(bytes);
      if (actual !== expected) throw new TamperedArtifactError(pkg.id, path, expected, actual);
      files.set(path, bytes);
    }
    for (const path of [...present].sort()) {
      if (!files.has(path)) {
        const info = await this.store.head(artifactKey(group, version, path));
        // Gone again since the listing: then it is not there to be served either.
        if (info !== undefined) throw new TamperedArtifactError(pkg.id, path, null, info.sha256);
      }
    }
    return Object.fromEntries(files);
  }

  /** Runs mutations one at a time; a failed one does not block the next. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async require(group: string, version: number): Promise<ModelPackage> {
    const pkg = await this.get(group, version);
    if (pkg !== undefined) return pkg;
    const keys = await this.store.list(versionsPrefix(group));
    const known = versionsInKeys(group, keys).complete;
    throw new RegistryError(
      'unknown_version',
      `${packageId(group, version)} does not exist: ${group} has ` +
        (known.length > 0 ? `versions ${known.join(', ')}` : 'no versions yet (register one)'),
    );
  }

  /**
   * Writes package.json, then its lineage copy, and returns the package as get() will read it
   * back. The copy comes second so that it never names a version that does not exist; a crash
   * in between leaves a version without its copy, which the caller sees as a failed call and
   * `stockops dr drill` reports.
   */
  private async writePackage(pkg: ModelPackage): Promise<ModelPackage> {
    const key = packageKey(pkg.group, pkg.version);
    const text = serializePackage(pkg);
    await this.store.put(key, text);
    await this.store.put(lineagePackageKey(pkg.group, pkg.version), text);
    return parsePackage(text, key, pkg);
  }

  /** champion.json, then its lineage copy (same order and reason as writePackage). */
  private async writeChampion(pointer: ChampionPointer): Promise<void> {
    const text = serializeChampion(pointer);
    await this.store.put(championKey(pointer.group), text);
    await this.store.put(lineageChampionKey(pointer.group), text);
  }

  private async readChampion(group: string): Promise<ChampionPointer> {
    const key = championKey(group);
    const bytes = await this.store.get(key);
    return bytes === undefined
      ? { group, version: null, history: [] }
      : parseChampion(decoder.decode(bytes), key, group);
  }
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
