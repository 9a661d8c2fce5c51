import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { CsvPriceSource } from '../../adapters/sources/csvSource.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import { formatPriceCsv, type PriceBar } from '../../core/market/priceBar.ts';
import { runDaily } from '../../core/pipeline/dailyRun.ts';
import type { ProgressReporter } from '../../core/pipeline/progress.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();

const base = loadConfig({ dir: 'config', env: 'local' });
const config: StockopsConfig = {
  ...base.config,
  data: { ...base.config.data, start_date: '2019-01-01' },
  evaluation: { folds: 3, test_days: 40, gap_days: 2, holdout_days: 30, min_train_days: 100 },
};

function setUp(bars: Record<string, PriceBar[]>) {
  const dataDir = tempDir();
  for (const [symbol, list] of Object.entries(bars)) {
    writeFileSync(join(dataDir, `${symbol}.csv`), formatPriceCsv(list));
  }
  const storeDir = tempDir();
  return { dataDir, storeDir, store: new FileObjectStore(storeDir) };
}

function recorder() {
  const events: string[] = [];
  const progress: ProgressReporter = {
    stepStarted: (s, sym) => events.push(`start ${s} ${sym}`),
    stepFinished: (s, sym) => events.push(`done ${s} ${sym}`),
    stepFailed: (s, sym, _ms, msg) => events.push(`fail ${s} ${sym}: ${msg}`),
  };
  return { events, progress };
}

async function run(
  dataDir: string,
  store: FileObjectStore,
  symbols: string[],
  progress?: ProgressReporter,
) {
  let tick = 0;
  return runDaily({
    runId: `20240101T00000${tick}Z-abcdef`,
    env: 'local',
    config,
    configHash: base.hash,
    symbols,
    source: new CsvPriceSource(dataDir),
    sourceLabel: `csv:${dataDir}`,
    store,
    until: '2030-12-31',
    now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, tick++)),
    progress: progress ?? recorder().progress,
  });
}

async function snapshot(store: FileObjectStore, prefixes: string[]) {
  const out = new Map<string, string>();
  for (const prefix of prefixes) {
    for (const key of await store.list(prefix)) out.set(key, (await store.head(key))?.sha256 ?? '');
  }
  return out;
}

describe('stockops run on local adapters', () => {
  it('ingests, validates, builds features, evaluates and writes a valid summary', async () => {
    const bars = syntheticBars(400, '2019-01-02');
    const { dataDir, store } = setUp({ AAA: bars, BBB: syntheticBars(400, '2019-01-02', 7) });
    const { events, progress } = recorder();
    const summary = await run(dataDir, store, ['AAA', 'BBB'], progress);

    expect(summary.status).toBe('succeeded');
    expect(events.slice(0, 8)).toEqual([
      'start ingest AAA',
      'done ingest AAA',
      'start validate AAA',
      'done validate AAA',
      'start features AAA',
      'done features AAA',
      'start evaluate AAA',
      'done evaluate AAA',
    ]);
    const aaa = summary.results.AAA;
    expect(aaa?.rows).toMatchObject({
      fetched: 400,
      raw_written: 400,
      raw_unchanged: 0,
      curated: 400,
    });
    expect(aaa?.quality?.status).toBe('pass');
    expect(aaa?.metrics?.persistence.holdout.metrics.n).toBe(30);
    expect(await store.list('raw/source=csv/symbol=AAA/')).toHaveLength(400);
    expect(await store.list('raw/source=csv/symbol=AAA/year=2019/month=01/day=02/')).toEqual([
      'raw/source=csv/symbol=AAA/year=2019/month=01/day=02/bar.csv',
    ]);
    const curated = await store.list('curated/symbol=AAA/');
    expect(curated[0]).toBe('curated/symbol=AAA/year=2019/month=01/bars.csv');
    // curated months hold exactly the validated bars, in order
    const back = curated.map((k) => readFileSync(join(store.location, k), 'utf8'));
    expect(back.map((t) => t.trim().split('\n').length - 1).reduce((a, b) => a + b, 0)).toBe(400);
    expect(await store.head('reports/quality/symbol=AAA/quality.json')).toBeDefined();
    expect(await store.head(summary.summary_path)).toBeDefined();

    const schema = JSON.parse(readFileSync('docs/schemas/run-summary.v1.schema.json', 'utf8'));
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const stored = JSON.parse(readFileSync(join(store.location, summary.summary_path), 'utf8'));
    expect(validate(stored), JSON.stringify(validate.errors)).toBe(true);
    expect(stored).toEqual(JSON.parse(JSON.stringify(summary)));
  });

  it('re-running leaves every raw, curated and report object byte-identical', async () => {
    const { dataDir, store } = setUp({ AAA: syntheticBars(400, '2019-01-02') });
    await run(dataDir, store, ['AAA']);
    const before = await snapshot(store, ['raw/', 'curated/', 'reports/', 'features/']);
    const second = await run(dataDir, store, ['AAA']);
    const after = await snapshot(store, ['raw/', 'curated/', 'reports/', 'features/']);
    expect(after).toEqual(before);
    expect(before.size).toBeGreaterThan(400);
    expect(second.results.AAA?.rows).toMatchObject({ raw_written: 0, raw_unchanged: 400 });
  });

  it('a quality failure stops that symbol, keeps its curated data, and the others go on', async () => {
    const good = syntheticBars(400, '2019-01-02');
    const { dataDir, store } = setUp({ AAA: good, BBB: syntheticBars(400, '2019-01-02', 3) });
    await run(dataDir, store, ['AAA', 'BBB']);
    const curatedBefore = await snapshot(store, ['curated/symbol=AAA/']);
    // an unadjusted 20:1 split in the middle of the history
    const broken = good.map((b, i) =>
      i >= 200
        ? {
            ...b,
            open: b.open / 20,
            high: b.high / 20,
            low: b.low / 20,
            close: b.close / 20,
            adjClose: b.adjClose / 20,
          }
        : b,
    );
    writeFileSync(join(dataDir, 'AAA.csv'), formatPriceCsv(broken));
    const { events, progress } = recorder();
    const summary = await run(dataDir, store, ['AAA', 'BBB'], progress);
    expect(summary.status).toBe('failed');
    expect(summary.results.AAA?.status).toBe('failed');
    expect(summary.results.AAA?.error).toMatch(/data quality failed \(extreme_moves\)/);
    expect(summary.results.AAA?.quality?.checks.extreme_moves).toEqual({
      status: 'fail',
      count: 1,
    });
    expect(summary.results.BBB?.status).toBe('succeeded');
    expect(events).toContain(`fail validate AAA: ${summary.results.AAA?.error}`);
    expect(await snapshot(store, ['curated/symbol=AAA/'])).toEqual(curatedBefore);
  });

  it('fails a symbol whose source is missing, with the reason', async () => {
    const { dataDir, store } = setUp({});
    const summary = await run(dataDir, store, ['ZZZ']);
    expect(summary.status).toBe('failed');
    expect(summary.results.ZZZ?.error).toMatch(/ZZZ\.csv does not exist/);
    expect(summary.steps).toEqual([
      expect.objectContaining({ step: 'ingest', symbol: 'ZZZ', status: 'failed' }),
    ]);
  });

  it('fails evaluation with a clear message when history is too short', async () => {
    const { dataDir, store } = setUp({ AAA: syntheticBars(120, '2019-01-02') });
    const summary = await run(dataDir, store, ['AAA']);
    expect(summary.results.AAA?.error).toMatch(/not enough history for walk-forward evaluation/);
    expect(summary.results.AAA?.rows.curated).toBe(120);
  });
});
