#!/usr/bin/env node
// Parity of the Spark feature job with core/features on real histories: the CSVs in --data
// (default ../shared/data: AMZN, AAPL, MSFT, GOOGL) are written as curated partitions, the
// TypeScript features are computed from them, the PySpark job (.venv-spark, local mode) runs
// over all symbols at once, and every cell is compared. Prints the largest absolute
// difference per symbol and column and the timings; exits 1 when any exceeds --tolerance or
// a date or missing value differs. Run by .ci/run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../adapters/local/configFiles.ts';
import { FileObjectStore } from '../adapters/local/fileObjectStore.ts';
import { curatedMonthKey } from '../core/data/partitions.ts';
import { featureOptions } from '../core/features/featureOptions.ts';
import {
  buildFeatureTable,
  FEATURE_FILE_COLUMNS,
  FEATURE_VERSION,
  featureRows,
} from '../core/features/featureTable.ts';
import { barsByMonth } from '../core/ingest/curatedMonth.ts';
import { formatPriceCsv, parsePriceCsv } from '../core/market/priceBar.ts';
import { readCurated } from '../core/pipeline/curatedData.ts';
import { readSparkFeatures, runSparkFeatureJob } from './features/sparkFeatureJob.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data' },
    symbols: { type: 'string', default: 'AMZN,AAPL,MSFT,GOOGL' },
    tolerance: { type: 'string', default: '1e-9' },
    master: { type: 'string', default: 'local[2]' },
    keep: { type: 'boolean', default: false },
  },
});
const symbols = values.symbols.split(',').filter((s) => s !== '');
const tolerance = Number(values.tolerance);
const options = featureOptions(loadConfig({ env: 'local' }).config);
const work = mkdtempSync(join(tmpdir(), 'stockops-spark-parity-'));
const store = new FileObjectStore(work);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const say = (line: string) => process.stdout.write(`${line}\n`);

let t0 = performance.now();
for (const symbol of symbols) {
  const file = resolve(values.data, `${symbol}.csv`);
  const bars = parsePriceCsv(readFileSync(file, 'utf8'), file);
  for (const [month, rows] of barsByMonth(bars)) {
    await store.put(curatedMonthKey(symbol, month), formatPriceCsv(rows));
  }
}
say(
  `curated partitions of ${symbols.join(', ')} written in ${seconds(performance.now() - t0)} (${work})`,
);

t0 = performance.now();
const expected = new Map<string, (string | number | null)[][]>();
for (const symbol of symbols) {
  const { bars } = await readCurated(store, symbol);
  expected.set(symbol, featureRows(buildFeatureTable(bars, options)));
}
say(`TypeScript features in ${seconds(performance.now() - t0)}`);

const output = join(work, 'features', 'spark');
const job = await runSparkFeatureJob({
  input: work,
  output,
  symbols,
  options,
  master: values.master,
});
say(
  `Spark job (${values.master}, ${symbols.length} symbols at once) in ${seconds(job.ms)}, exit ${job.code}`,
);
if (job.code !== 0) {
  process.stderr.write(job.output);
  process.exit(1);
}
const actual = readSparkFeatures(output, FEATURE_VERSION);

let ok = true;
const columns = FEATURE_FILE_COLUMNS.slice(1);
say(`\nmax |TypeScript − Spark| (tolerance ${tolerance}); feature_version ${FEATURE_VERSION}`);
say(['symbol', 'rows', ...columns].map((c) => c.padEnd(13)).join(''));
for (const symbol of symbols) {
  const e = expected.get(symbol) ?? [];
  const a = actual.get(symbol) ?? [];
  const problems: string[] = [];
  if (a.length !== e.length) problems.push(`${a.length} Spark rows, ${e.length} TypeScript rows`);
  const worst = columns.map(() => 0);
  for (let i = 0; i < Math.min(a.length, e.length); i++) {
    const x = e[i] as (string | number | null)[];
    const y = a[i] as (string | number | null)[];
    if (x[0] !== y[0]) {
      problems.push(`row ${i}: date ${y[0]}, expected ${x[0]}`);
      break;
    }
    columns.forEach((c, k) => {
      const u = x[k + 1] as number | null;
      const v = y[k + 1] as number | null;
      if ((u === null) !== (v === null)) problems.push(`${x[0]} ${c}: ${v}, expected ${u}`);
      else if (u !== null && v !== null) worst[k] = Math.max(worst[k] as number, Math.abs(u - v));
    });
  }
  const bad = worst.some((w) => !(w <= tolerance)) || problems.length > 0;
  ok &&= !bad;
  say(
    [symbol, String(e.length), ...worst.map((w) => w.toExponential(1))]
      .map((c) => c.padEnd(13))
      .join('') + (bad ? '  MISMATCH' : ''),
  );
  for (const p of problems.slice(0, 5)) say(`  ${p}`);
}
if (!values.keep) rmSync(work, { recursive: true, force: true });
say(ok ? '\nparity: ok' : '\nparity: FAILED');
process.exit(ok ? 0 : 1);
