import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { DERIVED_PREFIXES } from '../../core/recovery/dataClasses.ts';
import { renderDrillReport } from '../../core/recovery/drillReport.ts';
import {
  type DrillReport,
  rebuildDerived,
  runRecoveryDrill,
} from '../../core/recovery/recoveryDrill.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

export interface RebuildOptions extends CommonOptions {
  readonly store?: string;
  readonly out: string;
}

export interface DrillOptions extends CommonOptions {
  readonly store?: string;
  readonly scratch?: string;
  readonly json?: boolean;
}

/**
 * `stockops dr drill`: copies the store to a scratch directory (a new temp directory unless
 * --scratch), deletes the derived data there, rebuilds it from raw/ and lineage/ alone and
 * compares it with the original, class by class. The original store is only read. Exit 0 when
 * everything matches, 1 on any mismatch. A temp scratch is removed after a pass and kept after
 * a failure, for inspection; a --scratch directory is always kept.
 */
export async function drDrillCommand(options: DrillOptions): Promise<number> {
  const storeDir = storeDirOf(options);
  const scratchDir =
    options.scratch === undefined
      ? mkdtempSync(join(tmpdir(), 'stockops-drill-'))
      : prepareScratch(storeDir, options.scratch, '--scratch');
  const t0 = performance.now();
  cpSync(storeDir, scratchDir, { recursive: true });
  const copyMs = performance.now() - t0;
  process.stderr.write(
    `dr drill: copied ${storeDir} to ${scratchDir} in ${(copyMs / 1000).toFixed(2)}s\n`,
  );
  const report = await drillScratch(storeDir, scratchDir);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ ...report, copy_ms: Math.round(copyMs), scratch: scratchDir })}\n`,
    );
  } else {
    process.stdout.write(renderDrillReport(report, scratchDir));
    process.stdout.write(
      `copy ${(copyMs / 1000).toFixed(2)}s + drill ${(report.timings.totalMs / 1000).toFixed(2)}s\n`,
    );
  }
  if (report.ok && options.scratch === undefined)
    rmSync(scratchDir, { recursive: true, force: true });
  return report.ok ? EXIT_OK : EXIT_FAILED;
}

/**
 * `stockops dr rebuild --out DIR`: the recovery itself. Copies the store's primary data (all
 * but curated/, features/ and registry/) into a new directory and rebuilds the derived classes
 * there from raw/ and lineage/, exactly as the drill does; the store is only read. Exit 1 when
 * the rebuild met a problem (each is printed). Swap the directory in once it exits 0.
 */
export async function drRebuildCommand(options: RebuildOptions): Promise<number> {
  const storeDir = storeDirOf(options);
  const outDir = prepareScratch(storeDir, options.out, '--out');
  const derived = new Set(DERIVED_PREFIXES.map((p) => p.replace(/\/$/, '')));
  const t0 = performance.now();
  cpSync(storeDir, outDir, {
    recursive: true,
    filter: (src) => !derived.has(relative(storeDir, src).split(/[\\/]/)[0] ?? ''),
  });
  const copyMs = performance.now() - t0;
  const out = new FileObjectStore(outDir);
  const rebuild = await rebuildDerived(
    {
      store: out,
      registry: new StoreModelRegistry(out),
      hash: sha256Hex,
      onProgress: (message) => process.stderr.write(`dr rebuild: ${message}\n`),
    },
    () => performance.now(),
  );
  const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
  const lines = [
    `copied the primary data of ${storeDir} to ${outDir} in ${s(copyMs)}`,
    `curated   ${String(rebuild.curated.outcome.rebuilt).padStart(6)} months    ${s(rebuild.curated.ms)}`,
    `features  ${String(rebuild.features.outcome.rebuilt).padStart(6)} symbols   ${s(rebuild.features.ms)}`,
    `registry  ${String(rebuild.models.outcome.rebuilt).padStart(6)} versions  ${s(rebuild.models.ms)}`,
  ];
  const problems = [
    ...rebuild.curated.outcome.problems,
    ...rebuild.features.outcome.problems,
    ...rebuild.models.outcome.problems,
  ];
  for (const p of problems) lines.push(`  ${p.key}: ${p.problem}`);
  lines.push(
    problems.length === 0
      ? `rebuilt ${outDir} from raw/ and lineage/ in ${s(performance.now() - t0)}`
      : `rebuild FAILED: ${problems.length} problem(s) above; ${outDir} is incomplete`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return problems.length === 0 ? EXIT_OK : EXIT_FAILED;
}

/** The drill on a scratch copy already made (the tests damage it first). */
export function drillScratch(originalDir: string, scratchDir: string): Promise<DrillReport> {
  const scratch = new FileObjectStore(scratchDir);
  return runRecoveryDrill({
    original: new FileObjectStore(originalDir),
    scratch,
    scratchRegistry: new StoreModelRegistry(scratch),
    hash: sha256Hex,
    clock: () => performance.now(),
    onProgress: (message) => process.stderr.write(`dr drill: ${message}\n`),
  });
}

function storeDirOf(options: CommonOptions & { readonly store?: string }): string {
  const storeDir = resolve(
    options.store ?? loadConfig({ dir: options.config, env: options.env }).config.store.root,
  );
  if (!existsSync(join(storeDir, 'raw'))) {
    throw new UsageError(
      `--store ${storeDir} has no raw/: nothing to rebuild from (run \`stockops run\` first)`,
    );
  }
  return storeDir;
}

/** `dir` made ready, if it is empty (or new) and apart from the store. */
function prepareScratch(storeDir: string, scratch: string, flag: string): string {
  const dir = resolve(scratch);
  // a is b or lies under it
  const inside = (a: string, b: string) => {
    const rel = relative(b, a);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  if (inside(dir, storeDir) || inside(storeDir, dir)) {
    throw new UsageError(
      `${flag} ${dir} overlaps the store ${storeDir}: use a directory outside it (the store is only read)`,
    );
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(
      `${flag} ${dir} is not empty: give an empty or new directory (derived data in it is deleted and rewritten)`,
    );
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}
