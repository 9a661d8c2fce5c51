import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { renderDrillReport } from '../../core/recovery/drillReport.ts';
import { type DrillReport, runRecoveryDrill } from '../../core/recovery/recoveryDrill.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

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
  const storeDir = resolve(
    options.store ?? loadConfig({ dir: options.config, env: options.env }).config.store.root,
  );
  if (!existsSync(join(storeDir, 'raw'))) {
    throw new UsageError(
      `--store ${storeDir} has no raw/: nothing to rebuild from (run \`stockops run\` first)`,
    );
  }
  const scratchDir = prepareScratch(storeDir, options.scratch);
  const t0 = performance.now();
  cpSync(storeDir, scratchDir, { recursive: true });
  const copyMs = performance.now() - t0;
  process.stderr.write(`dr drill: copied ${storeDir} to ${scratchDir} in ${(copyMs / 1000).toFixed(2)}s\n`);
  const report = await drillScratch(storeDir, scratchDir);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, copy_ms: Math.round(copyMs), scratch: scratchDir })}\n`);
  } else {
    process.stdout.write(renderDrillReport(report, scratchDir));
    process.stdout.write(
      `copy ${(copyMs / 1000).toFixed(2)}s + drill ${(report.timings.totalMs / 1000).toFixed(2)}s\n`,
    );
  }
  if (report.ok && options.scratch === undefined) rmSync(scratchDir, { recursive: true, force: true });
  return report.ok ? EXIT_OK : EXIT_FAILED;
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

/** A new temp directory, or --scratch DIR if it is empty and apart from the store. */
function prepareScratch(storeDir: string, scratch: string | undefined): string {
  if (scratch === undefined) return mkdtempSync(join(tmpdir(), 'stockops-drill-'));
  const dir = resolve(scratch);
  // a is b or lies under it
  const inside = (a: string, b: string) => {
    const rel = relative(b, a);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  if (inside(dir, storeDir) || inside(storeDir, dir)) {
    throw new UsageError(
      `--scratch ${dir} overlaps the store ${storeDir}: use a directory outside it (the drill deletes data in its scratch copy)`,
    );
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(
      `--scratch ${dir} is not empty: give an empty or new directory (the drill deletes and rewrites what is in it)`,
    );
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}
