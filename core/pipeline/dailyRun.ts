import type { StockopsConfig } from '../config/configTypes.ts';
import {
  curatedMonthKey,
  curatedPrefix,
  evaluationKey,
  featuresKey,
  qualityReportKey,
  rawBarKey,
  rawPrefix,
  runSummaryKey,
} from '../data/partitions.ts';
import { evaluatePersistence } from '../evaluate/naiveEvaluation.ts';
import {
  buildFeatureTable,
  type FeatureTable,
  formatFeatureCsv,
} from '../features/featureTable.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { formatPriceCsv, type PriceBar } from '../market/priceBar.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import type { PriceSource, SourceFetch } from '../ports/priceSource.ts';
import { runQualityChecks } from '../quality/qualityReport.ts';
import type { ProgressReporter } from './progress.ts';
import {
  RUN_SUMMARY_SCHEMA,
  type RunSummary,
  type StepName,
  type StepRecord,
  type SymbolResult,
} from './runSummary.ts';

export interface DailyRunInput {
  readonly runId: string;
  readonly env: string;
  readonly config: StockopsConfig;
  readonly configHash: string;
  readonly symbols: readonly string[];
  readonly source: PriceSource;
  readonly sourceLabel: string;
  readonly store: ObjectStore;
  /** The last session to load: today in New York, injected so tests pin it. */
  readonly until: IsoDate;
  readonly now: () => Date;
  readonly progress: ProgressReporter;
}

/** Thrown when a symbol's data fails a quality check: nothing curated is written for it. */
export class QualityGateError extends Error {
  constructor(symbol: string, failed: readonly string[], reportKey: string) {
    super(
      `${symbol}: data quality failed (${failed.join(', ')}); curated data left as it was; see ${reportKey}`,
    );
    this.name = 'QualityGateError';
  }
}

/**
 * ingest → validate → features → evaluate for each symbol, then the run summary. A symbol
 * that fails stops there and the others go on; the run fails if any symbol did.
 */
export async function runDaily(input: DailyRunInput): Promise<RunSummary> {
  const startedAt = input.now();
  const steps: StepRecord[] = [];
  const results: Record<string, SymbolResult> = {};
  for (const symbol of input.symbols) {
    results[symbol] = await runSymbol(input, symbol, steps);
  }
  const finishedAt = input.now();
  const summaryKey = runSummaryKey(input.runId);
  const summary: RunSummary = {
    schema: RUN_SUMMARY_SCHEMA,
    run_id: input.runId,
    env: input.env,
    status: Object.values(results).every((r) => r.status === 'succeeded') ? 'succeeded' : 'failed',
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_ms: finishedAt.getTime() - startedAt.getTime(),
    config_hash: input.configHash,
    source: input.sourceLabel,
    store: input.store.location,
    symbols: [...input.symbols],
    steps,
    results,
    summary_path: summaryKey,
  };
  await input.store.put(summaryKey, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

async function runSymbol(
  input: DailyRunInput,
  symbol: string,
  steps: StepRecord[],
): Promise<SymbolResult> {
  const { config, store } = input;
  const rows = {
    fetched: 0,
    dropped: 0,
    raw_written: 0,
    raw_unchanged: 0,
    curated: 0,
    features: 0,
  };
  const paths: { -readonly [K in keyof SymbolResult['paths']]: SymbolResult['paths'][K] } = {
    raw: rawPrefix(input.source.name, symbol),
    curated: curatedPrefix(symbol),
  };
  let quality: SymbolResult['quality'];
  let metrics: SymbolResult['metrics'];

  const step = async <T>(name: StepName, work: () => Promise<[T, string]>): Promise<T> => {
    input.progress.stepStarted(name, symbol);
    const t0 = performance.now();
    try {
      const [value, detail] = await work();
      const ms = Math.round(performance.now() - t0);
      input.progress.stepFinished(name, symbol, ms, detail);
      steps.push({ step: name, symbol, status: 'succeeded', duration_ms: ms, detail });
      return value;
    } catch (error) {
      const ms = Math.round(performance.now() - t0);
      const message = (error as Error).message;
      input.progress.stepFailed(name, symbol, ms, message);
      steps.push({ step: name, symbol, status: 'failed', duration_ms: ms, detail: message });
      throw error;
    }
  };

  try {
    const fetched = await step('ingest', async () => {
      const got = await input.source.fetchDaily(symbol, config.data.start_date, input.until);
      const written = await writeRaw(store, input.source.name, got);
      rows.fetched = got.bars.length;
      rows.dropped = got.dropped.length;
      rows.raw_written = written;
      rows.raw_unchanged = got.raw.length - written;
      const drops = got.dropped.length > 0 ? `, ${got.dropped.length} dropped` : '';
      return [
        got,
        `${got.bars.length} bars ${got.bars[0]?.date ?? '-'} → ${got.bars.at(-1)?.date ?? '-'}, ` +
          `${written} raw written, ${got.raw.length - written} unchanged${drops}`,
      ];
    });

    const bars = await step('validate', async () => {
      const report = runQualityChecks(fetched.bars, {
        symbol,
        maxDailyMove: config.quality.max_daily_move,
        splitRatioTolerance: config.quality.split_ratio_tolerance,
        maxMissingSessions: config.quality.max_missing_sessions,
      });
      const reportKey = qualityReportKey(symbol);
      await store.put(reportKey, `${JSON.stringify(report, null, 2)}\n`);
      paths.quality_report = reportKey;
      quality = {
        status: report.status,
        checks: Object.fromEntries(
          report.checks.map((c) => [c.name, { status: c.status, count: c.dates.length }]),
        ),
      };
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
      if (failed.length > 0) throw new QualityGateError(symbol, failed, reportKey);
      rows.curated = await writeCurated(store, symbol, fetched.bars);
      const warned = report.checks.filter((c) => c.status === 'warn').map((c) => c.name);
      return [
        fetched.bars,
        `quality ${report.status}${warned.length ? ` (${warned.join(', ')})` : ''}, ${fetched.bars.length} bars curated`,
      ];
    });

    const table = await step('features', async () => {
      const t = buildFeatureTable(bars, {
        avgPrice: config.features.avg_price,
        volatilityWindow: config.features.volatility_window,
        volumeWindow: config.features.volume_window,
      });
      const key = featuresKey(symbol);
      await store.put(key, formatFeatureCsv(t));
      paths.features = key;
      rows.features = t.dates.length - t.firstComplete;
      return [t, `${rows.features} complete rows from ${t.dates[t.firstComplete] ?? '-'}`];
    });

    await step('evaluate', async () => {
      const evaluation = evaluateNaive(input, symbol, table);
      const key = evaluationKey(input.runId, symbol);
      await store.put(key, `${JSON.stringify(evaluation, null, 2)}\n`);
      paths.evaluation = key;
      metrics = { persistence: { aggregate: evaluation.aggregate, holdout: evaluation.holdout } };
      const m = evaluation.aggregate.metrics;
      return [
        evaluation,
        `persistence over ${evaluation.folds.length} folds: MAPE ${(m.mape_price * 100).toFixed(2)}%, ` +
          `RMSE(return) ${m.rmse_return.toFixed(4)}, n=${m.n}`,
      ];
    });
    return result('succeeded');
  } catch (error) {
    return result('failed', (error as Error).message);
  }

  function result(status: SymbolResult['status'], error?: string): SymbolResult {
    return {
      status,
      ...(error === undefined ? {} : { error }),
      rows,
      ...(quality ? { quality } : {}),
      ...(metrics ? { metrics } : {}),
      paths,
    };
  }
}

function evaluateNaive(input: DailyRunInput, symbol: string, table: FeatureTable) {
  const e = input.config.evaluation;
  return evaluatePersistence(symbol, table, input.config.features.window, {
    folds: e.folds,
    testDays: e.test_days,
    gapDays: e.gap_days,
    holdoutDays: e.holdout_days,
    minTrainDays: e.min_train_days,
  });
}

/** Writes one raw object per session; returns how many were new or changed. */
export async function writeRaw(
  store: ObjectStore,
  sourceName: string,
  fetched: SourceFetch,
): Promise<number> {
  let written = 0;
  for (const day of fetched.raw) {
    const put = await store.put(rawBarKey(sourceName, fetched.symbol, day.date, day.ext), day.body);
    if (put.written) written++;
  }
  return written;
}

/** Writes validated bars as one CSV per month; returns the number of bars. */
export async function writeCurated(
  store: ObjectStore,
  symbol: string,
  bars: readonly PriceBar[],
): Promise<number> {
  const months = new Map<string, PriceBar[]>();
  for (const bar of bars) {
    const month = bar.date.slice(0, 7);
    const list = months.get(month);
    if (list) list.push(bar);
    else months.set(month, [bar]);
  }
  for (const [month, monthBars] of months) {
    await store.put(curatedMonthKey(symbol, month), formatPriceCsv(monthBars));
  }
  return bars.length;
}
