#!/usr/bin/env node
// Benchmarks: prints one JSON object. Targets are checked here, not in timed tests.
//   npm run bench -- [--data DIR] [--symbol AMZN] [--repeat N] [--strict]
// --strict exits 1 when a target is missed (off by default: shared machines are noisy).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileObjectStore } from '../adapters/local/fileObjectStore.ts';
import { MemoryObjectStore } from '../adapters/local/memoryObjectStore.ts';
import { CsvPriceSource } from '../adapters/sources/csvSource.ts';
import { buildFeatureTable } from '../core/features/featureTable.ts';
import { writeCurated, writeRaw } from '../core/pipeline/dailyRun.ts';
import type { ObjectStore } from '../core/ports/objectStore.ts';
import { runQualityChecks } from '../core/quality/qualityReport.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    symbol: { type: 'string', default: 'AMZN' },
    repeat: { type: 'string', default: '3' },
    strict: { type: 'boolean', default: false },
  },
});
const dataDir = resolve(values.data);
if (!existsSync(join(dataDir, `${values.symbol}.csv`))) {
  process.stderr.write(
    `bench: ${join(dataDir, `${values.symbol}.csv`)} not found; pass --data DIR holding SYMBOL.csv\n`,
  );
  process.exit(2);
}
const TARGET_MS = 2000;

async function ingestValidateFeatures(store: ObjectStore) {
  const t = { ingest: 0, validate: 0, features: 0 };
  const source = new CsvPriceSource(dataDir);
  let t0 = performance.now();
  const fetched = await source.fetchDaily(values.symbol, '1990-01-01', '2030-12-31');
  const rawWritten = await writeRaw(store, source.name, fetched);
  t.ingest = performance.now() - t0;
  t0 = performance.now();
  const report = runQualityChecks(fetched.bars, {
    symbol: values.symbol,
    maxDailyMove: 0.5,
    splitRatioTolerance: 0.02,
    maxMissingSessions: 0,
  });
  await writeCurated(store, values.symbol, fetched.bars);
  t.validate = performance.now() - t0;
  t0 = performance.now();
  const table = buildFeatureTable(fetched.bars, {
    avgPrice: '(high+low)/2',
    volatilityWindow: 20,
    volumeWindow: 20,
  });
  t.features = performance.now() - t0;
  return {
    bars: fetched.bars.length,
    raw_written: rawWritten,
    quality: report.status,
    feature_rows: table.dates.length - table.firstComplete,
    ms: { ...t, total: t.ingest + t.validate + t.features },
  };
}

const repeat = Math.max(1, Number(values.repeat));
const memory: number[] = [];
const cold: number[] = [];
const warm: number[] = [];
let last: Awaited<ReturnType<typeof ingestValidateFeatures>> | undefined;
// Stores are removed only at the end: deleting thousands of files between repeats loads the
// file system's journal and slows the next repeat's writes.
const roots: string[] = [];
try {
  for (let i = 0; i < repeat; i++) {
    const root = mkdtempSync(join(tmpdir(), 'stockops-bench-'));
    roots.push(root);
    // our code alone, no disk; then an empty store on disk (every object written); then the
    // re-run on it (every object compared, none written), which is the daily case
    memory.push((await ingestValidateFeatures(new MemoryObjectStore())).ms.total);
    const store = new FileObjectStore(root);
    const first = await ingestValidateFeatures(store);
    const second = await ingestValidateFeatures(store);
    cold.push(first.ms.total);
    warm.push(second.ms.total);
    last = first;
  }
} finally {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;
const result = {
  bench: 'ingest+validate+features',
  symbol: values.symbol,
  source: `csv:${dataDir}`,
  node: process.version,
  bars: last?.bars,
  quality: last?.quality,
  feature_rows: last?.feature_rows,
  repeat,
  memory_store_ms: { median: round(median(memory)), runs: memory.map(round) },
  cold_store_ms: { median: round(median(cold)), runs: cold.map(round), last_split: last?.ms },
  warm_store_ms: { median: round(median(warm)), runs: warm.map(round) },
  target_ms: TARGET_MS,
  // The first load writes ~14,600 files and directories: on a VM disk its time is the disk's
  // (0.9 s to 11 s seen on the same machine), so the target is judged on the other two.
  within_target: median(memory) < TARGET_MS && median(warm) < TARGET_MS,
  cold_within_target: median(cold) < TARGET_MS,
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (values.strict && !result.within_target) process.exitCode = 1;
