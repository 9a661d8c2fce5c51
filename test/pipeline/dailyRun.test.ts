import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { CsvPriceSource } from '../../adapters/sources/csvSource.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import { formatPriceCsv, type PriceBar } from '../../core/market/priceBar.ts';
import { DAILY_STEPS, DailyRun, runDaily, StepFailedError } from '../../core/pipeline/dailyRun.ts';
import type { ProgressReporter } from '../../core/pipeline/progress.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();

const base = loadConfig({ dir: 'config', env: 'local' });
const config: StockopsConfig = {
  ...base.config,
  data: { ...base.config.data, start_date: '2019-01-01' },
  features: { ...base.config.features, window: 10 },
  evaluation: { folds: 3, test_days: 40, gap_days: 2, holdout_days: 30, min_train_days: 100 },
  model: { ...base.config.model, units: 4, epochs: 2, batch_size: 32, max_train_days: 150 },
};
const looseGate: StockopsConfig['gate'] = {
  max_error_ratio: 2,
  max_dm_p_value: 1,
  min_directional_accuracy: 0,
  min_directional_accuracy_over_base_rate: -1,
  min_improvement_vs_champion: -1,
  max_mape: 1,
  max_rmse_return: 1,
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
  runConfig: StockopsConfig = config,
) {
  let tick = 0;
  return runDaily({
    runId: `20240101T00000${tick}Z-abcdef`,
    env: 'local',
    config: runConfig,
    configHash: base.hash,
    symbols,
    source: new CsvPriceSource(dataDir),
    sourceLabel: `csv:${dataDir}`,
    store,
    registry: new StoreModelRegistry(store),
    hash: sha256Hex,
    gitCommit: null,
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
    expect(events.filter((e) => e.endsWith(' AAA'))).toEqual(
      ['ingest', 'validate', 'features', 'evaluate', 'train', 'gate', 'register'].flatMap((s) => [
        `start ${s} AAA`,
        `done ${s} AAA`,
      ]),
    );
    const aaa = summary.results.AAA;
    expect(aaa?.rows).toMatchObject({
      fetched: 400,
      raw_written: 400,
      raw_unchanged: 0,
      curated: 400,
    });
    expect(aaa?.quality?.status).toBe('pass');
    expect(aaa?.metrics?.models.persistence?.holdout.scores.n).toBe(30);
    expect(Object.keys(aaa?.metrics?.models ?? {})).toEqual([
      'persistence',
      'last_close',
      'drift',
      'linear_ar',
      'lstm',
    ]);
    expect(aaa?.gate?.decision).toMatch(/approve|reject/);
    expect(aaa?.registry?.baselines_registered).toHaveLength(4);
    expect(aaa?.registry?.candidate.version).toBe(5);
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

    const schema = JSON.parse(readFileSync('docs/schemas/run-summary.v2.schema.json', 'utf8'));
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    ajv.addSchema(JSON.parse(readFileSync('docs/schemas/evaluation.v2.schema.json', 'utf8')));
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

  it('registers the baselines once, the best as first champion, then each candidate by the gate', async () => {
    const { dataDir, store } = setUp({ AAA: syntheticBars(400, '2019-01-02') });
    const strict: StockopsConfig = { ...config, gate: { ...looseGate, max_error_ratio: 0.01 } };
    const first = await run(dataDir, store, ['AAA'], undefined, strict);
    const registry = new StoreModelRegistry(store);
    const versions = await registry.list('AAA');
    expect(versions.map((v) => `${v.version}:${v.model_name}:${v.status}`)).toEqual([
      '1:persistence:Approved',
      '2:last_close:Approved',
      '3:drift:Approved',
      '4:linear_ar:Approved',
      '5:lstm:Rejected',
    ]);
    const best = first.results.AAA?.metrics?.best_baseline;
    expect((await registry.champion('AAA'))?.model_name).toBe(best);
    expect(first.results.AAA?.gate?.reasons.join()).toMatch(/max_error_ratio/);
    const lstm = versions[4];
    expect(lstm?.lineage.data).toMatchObject({ symbol: 'AAA', bars: 400, from: '2019-01-02' });
    expect(Object.keys(lstm?.lineage.artifacts ?? {}).sort()).toEqual([
      'feature_spec.json',
      'metadata.json',
      'model.json',
      'scaler.json',
      'weights.bin',
    ]);
    expect(lstm?.lineage.config_hash).toBe(base.hash);
    expect(Object.keys(lstm?.lineage.data.partitions ?? {})).toHaveLength(20); // 2019-01 … 2020-08

    // a second run with a gate the candidate passes: no new baselines, the lstm becomes champion
    const second = await run(dataDir, store, ['AAA'], undefined, { ...config, gate: looseGate });
    expect(second.results.AAA?.gate).toMatchObject({ decision: 'approve', champion: best });
    expect(second.results.AAA?.registry).toMatchObject({
      baselines_registered: [],
      candidate: { version: 6, status: 'Approved' },
      champion: { version: 6, model: 'lstm' },
    });
    expect((await registry.list('AAA')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a run resumed in a new process reads what earlier tasks stored and ends as a straight run', async () => {
    const straight = setUp({ AAA: syntheticBars(400, '2019-01-02') });
    const split = setUp({ AAA: syntheticBars(400, '2019-01-02') });
    const expected = await run(straight.dataDir, straight.store, ['AAA']);

    const input = (progress: ProgressReporter) => ({
      runId: '20240101T000000Z-abcdef',
      env: 'local',
      config,
      configHash: base.hash,
      symbols: ['AAA'],
      source: new CsvPriceSource(split.dataDir),
      sourceLabel: `csv:${split.dataDir}`,
      store: split.store,
      registry: new StoreModelRegistry(split.store),
      hash: sha256Hex,
      gitCommit: null,
      until: '2030-12-31',
      now: () => new Date(Date.UTC(2024, 0, 1)),
      progress,
    });
    // the first process stops after train; a second one (empty memory) runs gate and register
    const first = await DailyRun.open(input(recorder().progress));
    for (const step of ['ingest', 'validate', 'features', 'evaluate', 'train'] as const) {
      await first.step(step);
    }
    const later = recorder();
    const second = await DailyRun.open(input(later.progress));
    await second.step('gate');
    const io = await second.step('register');
    const summary = await second.summary();

    expect(later.events).toEqual([
      'start gate AAA',
      'done gate AAA',
      'start register AAA',
      'done register AAA',
    ]);
    expect(io.inputs).toContain('runs/20240101T000000Z-abcdef/models/symbol=AAA/');
    expect(summary.status).toBe('succeeded');
    expect(summary.steps.map((s) => s.step)).toEqual(DAILY_STEPS);
    expect(summary.results.AAA?.metrics).toEqual(expected.results.AAA?.metrics);
    expect(summary.results.AAA?.gate).toEqual(expected.results.AAA?.gate);
    expect(summary.results.AAA?.registry).toEqual(expected.results.AAA?.registry);
    const [a, b] = [
      await new StoreModelRegistry(straight.store).list('AAA'),
      await new StoreModelRegistry(split.store).list('AAA'),
    ];
    expect(b.map((p) => p.lineage.artifacts)).toEqual(a.map((p) => p.lineage.artifacts));
  });

  it('a step that fails for every symbol throws a non-retryable error; others skip it', async () => {
    const { dataDir, store } = setUp({});
    const r = await DailyRun.open({
      runId: 'r',
      env: 'local',
      config,
      configHash: base.hash,
      symbols: ['NOPE'],
      source: new CsvPriceSource(dataDir),
      sourceLabel: `csv:${dataDir}`,
      store,
      registry: new StoreModelRegistry(store),
      hash: sha256Hex,
      gitCommit: null,
      until: '2030-12-31',
      now: () => new Date(Date.UTC(2024, 0, 1)),
      progress: recorder().progress,
    });
    const failed = await r.step('ingest').catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(StepFailedError);
    expect((failed as StepFailedError).retryable).toBe(false);
    expect((failed as Error).message).toMatch(/^ingest failed for every symbol: NOPE: /);
    await expect(r.step('validate')).rejects.toThrow(/no symbol left/);
    expect((await r.summary()).results.NOPE?.status).toBe('failed');
  });

  it('gives identical metrics on two runs with the same seed, data and config', async () => {
    const a = setUp({ AAA: syntheticBars(400, '2019-01-02') });
    const b = setUp({ AAA: syntheticBars(400, '2019-01-02') });
    const ra = await run(a.dataDir, a.store, ['AAA']);
    const rb = await run(b.dataDir, b.store, ['AAA']);
    expect(rb.results.AAA?.metrics).toEqual(ra.results.AAA?.metrics);
    expect(rb.results.AAA?.gate).toEqual(ra.results.AAA?.gate);
  });
});
