#!/usr/bin/env node
// Benchmarks: prints one JSON object. Targets are checked here, not in timed tests.
//   npm run bench -- [--data DIR] [--symbol AMZN] [--repeat N] [--strict]
// --strict exits 1 when a target is missed (off by default: shared machines are noisy).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../adapters/local/configFiles.ts';
import { FileObjectStore } from '../adapters/local/fileObjectStore.ts';
import { MemoryObjectStore } from '../adapters/local/memoryObjectStore.ts';
import { CsvPriceSource } from '../adapters/sources/csvSource.ts';
import { forecastOrigins } from '../core/evaluate/walkForwardEvaluation.ts';
import { featureOptions } from '../core/features/featureOptions.ts';
import { buildFeatureTable } from '../core/features/featureTable.ts';
import { lstmHyperparameters } from '../core/model/lstmConfig.ts';
import { LstmForecaster } from '../core/model/lstmForecaster.ts';
import { tfReady } from '../core/model/tfRuntime.ts';
import { writeCurated, writeRaw } from '../core/pipeline/dailyRun.ts';
import type { ObjectStore } from '../core/ports/objectStore.ts';
import { runQualityChecks } from '../core/quality/qualityReport.ts';
import { ingestBench } from './bench/ingestBench.ts';
import { serveLoadBench } from './bench/serveLoad.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    symbol: { type: 'string', default: 'AMZN' },
    repeat: { type: 'string', default: '3' },
    strict: { type: 'boolean', default: false },
    'skip-run': { type: 'boolean', default: false },
    'skip-serve': { type: 'boolean', default: false },
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
const RUN_TARGET_MS = 120_000;

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
/** LSTM training throughput with the default config: one fit on the latest max_train_days. */
async function trainingThroughput() {
  const { config } = loadConfig({ dir: 'config', env: 'local' });
  const source = new CsvPriceSource(dataDir);
  const { bars } = await source.fetchDaily(values.symbol, '1990-01-01', '2030-12-31');
  const table = buildFeatureTable(bars, featureOptions(config));
  const hyper = lstmHyperparameters(config);
  const origins = forecastOrigins(table, hyper.window).slice(-config.model.max_train_days);
  const backend = await tfReady();
  const fitted = await new LstmForecaster(hyper).fit(table, origins, { fold: 0 });
  const report = fitted.report;
  fitted.dispose();
  return {
    backend,
    hyperparameters: hyper,
    origins: origins.length,
    epochs: report?.epochs,
    samples: report?.samples,
    ms: round(report?.ms ?? 0),
    samples_per_second: Math.round((report?.samples ?? 0) / ((report?.ms ?? 1) / 1000)),
  };
}

/** The whole `stockops run` on the full history with the default config, in a fresh store. */
function wholeRun() {
  const store = mkdtempSync(join(tmpdir(), 'stockops-bench-run-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        'scripts/stockops.ts',
        'run',
        '--source',
        `csv:${dataDir}`,
        '--store',
        store,
        '--symbols',
        values.symbol,
        '--json',
      ],
      { encoding: 'utf8' },
    );
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`stockops run exited ${r.status}: ${r.stderr.slice(-500)}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    const s = summary.results[values.symbol];
    const steps = Object.fromEntries(
      summary.steps.map((x: { step: string; duration_ms: number }) => [x.step, x.duration_ms]),
    );
    const best = s.metrics.best_baseline;
    return {
      wall_ms: round(ms),
      steps_ms: steps,
      target_ms: RUN_TARGET_MS,
      within_target: ms < RUN_TARGET_MS,
      best_baseline: best,
      lstm_error_ratio_vs_best_baseline: s.metrics.models.lstm.aggregate.vs[best].error_ratio,
      lstm_holdout_error_ratio_vs_best_baseline: s.metrics.models.lstm.holdout.vs[best].error_ratio,
      lstm_error_ratio_vs_persistence: s.metrics.models.lstm.aggregate.vs.persistence.error_ratio,
      gate: s.gate.decision,
    };
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

/** `cdk synth` of each environment, as a user runs it (the CDK CLI, offline). */
function synthTimes() {
  const out: Record<string, number> = {};
  for (const env of ['dev', 'staging', 'prod']) {
    const dir = mkdtempSync(join(tmpdir(), `stockops-bench-cdk-${env}-`));
    try {
      const t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        ['node_modules/aws-cdk/bin/cdk', 'synth', '-c', `env=${env}`, '--quiet', '-o', dir],
        { encoding: 'utf8' },
      );
      if (r.status !== 0)
        throw new Error(`cdk synth ${env} exited ${r.status}: ${r.stderr.slice(-500)}`);
      out[env] = round(performance.now() - t0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { ms: out, total_ms: round(Object.values(out).reduce((a, b) => a + b, 0)) };
}

const training = await trainingThroughput();
const run = values['skip-run'] ? undefined : wholeRun();
const ingest = await ingestBench({
  bars: (await new CsvPriceSource(dataDir).fetchDaily(values.symbol, '1990-01-01', '2030-12-31'))
    .bars,
  symbol: values.symbol,
});
const cdkSynth = synthTimes();
const serving = values['skip-serve']
  ? undefined
  : await serveLoadBench({ dataDir, symbol: values.symbol, durationSeconds: 5 });
process.stdout.write(
  `${JSON.stringify({ ...result, training, ...(run ? { whole_run: run } : {}), ingest, cdk_synth: cdkSynth, ...(serving ? { serving } : {}) }, null, 2)}\n`,
);
if (
  values.strict &&
  (!result.within_target || (run && !run.within_target) || (serving && !serving.within_target))
)
  process.exitCode = 1;
