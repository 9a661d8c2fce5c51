import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { CsvPriceSource } from '../../adapters/sources/csvSource.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import { evaluationKey, gateDecisionKey, runSummaryKey } from '../../core/data/partitions.ts';
import type { Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import { evaluateWalkForward } from '../../core/evaluate/walkForwardEvaluation.ts';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import type { GateDecision } from '../../core/gate/gateTypes.ts';
import { evaluateGate } from '../../core/gate/promotionGate.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { baselineForecasters } from '../../core/model/baselines.ts';
import type { Forecaster } from '../../core/model/forecaster.ts';
import { DRIFT_REPORT_SCHEMA, type DriftReport } from '../../core/monitor/driftReport.ts';
import { runDaily } from '../../core/pipeline/dailyRun.ts';
import { RUN_SUMMARY_SCHEMA, type RunSummary } from '../../core/pipeline/runSummary.ts';
import type { ChartRenderer, VegaLiteSpec } from '../../core/ports/chartRenderer.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

const base = loadConfig({ dir: 'config', env: 'local' });

/** A candidate that forecasts half of last_close's return: close to it, sometimes better. */
const halfLastClose: Forecaster = {
  name: 'lstm',
  kind: 'candidate',
  async fit() {
    return {
      name: 'lstm',
      async predict(t, origins) {
        return Float64Array.from(origins, (o) => (t.columns.close_to_avg[o] as number) / 2);
      },
      describe: () => ({ units: 4 }),
    };
  },
};

/** A real walk-forward evaluation of the four baselines and a stand-in candidate (fast). */
export async function fixtureEvaluation(symbol = 'AAA', bars = 200): Promise<Evaluation> {
  const table = buildFeatureTable(syntheticBars(bars, '2023-01-03', 3), {
    avgPrice: '(high+low)/2',
    volatilityWindow: 5,
    volumeWindow: 5,
  });
  return evaluateWalkForward({
    symbol,
    table,
    window: 3,
    plan: { folds: 3, testDays: 30, gapDays: 2, holdoutDays: 20, minTrainDays: 40 },
    maxTrainDays: 80,
    forecasters: [...baselineForecasters(), halfLastClose],
    configHash: 'c'.repeat(64),
    avgPrice: '(high+low)/2',
    dataSha256: 'd'.repeat(64),
    createdAt: '2024-01-02T00:00:00.000Z',
  });
}

export function fixtureGate(evaluation: Evaluation): GateDecision {
  return evaluateGate({ candidate: evaluation, thresholds: base.config.gate });
}

export function fixtureDrift(symbol: string, asOf: string, drifted = true): DriftReport {
  const d = (psi: number, bad: boolean) => ({
    psi,
    ks_statistic: psi / 2,
    ks_p_value: bad ? 0.001 : 0.4,
    drifted: bad,
  });
  return {
    schema: DRIFT_REPORT_SCHEMA,
    symbol,
    as_of: asOf,
    reference: { from: '2023-01-03', to: '2023-06-30', rows: 120 },
    recent: { from: '2023-07-03', to: asOf, rows: 40 },
    features: {
      log_return: d(0.05, false),
      close_to_avg: d(0.08, false),
      volatility: d(0.31, drifted),
      volume_z: d(0.12, false),
    },
    prediction: d(0.02, false),
    realised_error: {
      model_version: '2',
      baseline: 'last_close',
      days: 5,
      rolling_error_ratio: 1.02,
      breached: false,
      series: ['2023-08-01', '2023-08-02', '2023-08-03', '2023-08-04', '2023-08-07'].map(
        (date, i) => ({ date, error_ratio: 0.98 + i * 0.01 }),
      ),
    },
    status: drifted ? 'drift' : 'ok',
  };
}

export function fixtureSummary(runId: string, symbols: readonly string[]): RunSummary {
  return {
    schema: RUN_SUMMARY_SCHEMA,
    run_id: runId,
    env: 'local',
    status: 'succeeded',
    started_at: '2024-01-02T00:00:00.000Z',
    finished_at: '2024-01-02T00:00:05.000Z',
    duration_ms: 5000,
    config_hash: 'c'.repeat(64),
    source: 'csv:/data',
    store: 'memory',
    symbols: [...symbols],
    steps: [],
    results: Object.fromEntries(
      symbols.map((s) => [
        s,
        {
          status: 'succeeded' as const,
          rows: {
            fetched: 200,
            dropped: 0,
            raw_written: 200,
            raw_unchanged: 0,
            curated: 200,
            features: 195,
          },
          paths: {
            raw: `raw/source=csv/symbol=${s}/`,
            curated: `curated/symbol=${s}/`,
            evaluation: evaluationKey(runId, s),
            gate_decision: gateDecisionKey(runId, s),
          },
        },
      ]),
    ),
    summary_path: runSummaryKey(runId),
  };
}

/** A run's summary, evaluation and gate decision in a store, as runDaily leaves them. */
export async function storeFixtureRun(
  store: ObjectStore,
  runId: string,
  symbol = 'AAA',
): Promise<{ evaluation: Evaluation; gate: GateDecision; summary: RunSummary }> {
  const evaluation = await fixtureEvaluation(symbol);
  const gate = fixtureGate(evaluation);
  const summary = fixtureSummary(runId, [symbol]);
  await store.put(runSummaryKey(runId), JSON.stringify(summary));
  await store.put(evaluationKey(runId, symbol), JSON.stringify(evaluation));
  await store.put(gateDecisionKey(runId, symbol), JSON.stringify(gate));
  return { evaluation, gate, summary };
}

/** A renderer that records the specs it is asked to draw and returns a marker SVG. */
export function recordingRenderer(): ChartRenderer & { specs: VegaLiteSpec[] } {
  const specs: VegaLiteSpec[] = [];
  return {
    specs,
    async toSvg(spec) {
      specs.push(spec);
      return `<svg xmlns="http://www.w3.org/2000/svg" data-n="${specs.length}"><rect width="1" height="1"/></svg>`;
    },
  };
}

/** A small config: the whole daily run on 400 synthetic bars takes a few seconds. */
export const SMALL_RUN_CONFIG: StockopsConfig = {
  ...base.config,
  data: { ...base.config.data, start_date: '2019-01-01' },
  features: { ...base.config.features, window: 10 },
  evaluation: { folds: 3, test_days: 40, gap_days: 2, holdout_days: 30, min_train_days: 100 },
  model: { ...base.config.model, units: 4, epochs: 2, batch_size: 32, max_train_days: 150 },
};

/** The real daily run (local adapters) of one symbol into `storeDir`; returns its summary. */
export async function fullRun(
  dataDir: string,
  storeDir: string,
  symbol: string,
  runId: string,
  writeFile: (path: string, text: string) => void,
): Promise<RunSummary> {
  writeFile(`${dataDir}/${symbol}.csv`, formatPriceCsv(syntheticBars(400, '2019-01-02', 5)));
  const store = new FileObjectStore(storeDir);
  let tick = 0;
  return runDaily({
    runId,
    env: 'local',
    config: SMALL_RUN_CONFIG,
    configHash: base.hash,
    symbols: [symbol],
    source: new CsvPriceSource(dataDir),
    sourceLabel: `csv:${dataDir}`,
    store,
    registry: new StoreModelRegistry(store),
    hash: sha256Hex,
    gitCommit: null,
    until: '2030-12-31',
    now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, tick++)),
    progress: { stepStarted() {}, stepFinished() {}, stepFailed() {} },
  });
}
