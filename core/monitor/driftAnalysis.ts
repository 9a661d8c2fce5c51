import type { MonitorConfig } from '../config/configTypes.ts';
import { buildFeatureTable, FEATURE_COLUMNS, type FeatureTable } from '../features/featureTable.ts';
import type { IsoDate } from '../market/isoDate.ts';
import type { PriceBar } from '../market/priceBar.ts';
import type { ServingModel } from '../serving/servingModel.ts';
import {
  type DistributionDrift,
  DRIFT_REPORT_SCHEMA,
  type DriftReport,
  type RealisedError,
} from './driftReport.ts';
import {
  effectiveSampleSize,
  kolmogorovSmirnov,
  populationStabilityIndex,
  psiNoiseLimit,
} from './driftStatistics.ts';
import { type RealisedDay, realisedError } from './realisedError.ts';

/** Fewest rows a window may have: the reference needs two per PSI decile bin. */
export const MIN_REFERENCE_ROWS = 20;
export const MIN_RECENT_ROWS = 10;

/** The data is too short for the configured windows; the message says how much is needed. */
export class MonitorDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MonitorDataError';
  }
}

export interface DriftInput {
  readonly symbol: string;
  /** Curated bars up to and including the monitored session. */
  readonly bars: readonly PriceBar[];
  readonly settings: MonitorConfig;
  /** The registry's champion: what the endpoint serves. */
  readonly champion: {
    readonly model: ServingModel;
    /** `AMZN/7`. */
    readonly id: string;
    /** Last session of its training data (lineage.data.to); the reference ends there at the latest. */
    readonly trainedTo: IsoDate | null;
  };
  /** The best registered baseline; null leaves realised_error null. */
  readonly baseline: { readonly model: ServingModel } | null;
}

/**
 * Compares the recent window (the last recent_days sessions) with the reference window (up to
 * reference_days sessions ending before the recent window, and no later than the champion's
 * training data), feature by feature and on the champion's predictions; and scores the
 * champion's one-day-ahead forecasts of every recent session against the best baseline's.
 */
export async function analyseDrift(input: DriftInput): Promise<DriftReport> {
  const { settings, champion } = input;
  const table = buildFeatureTable(input.bars, champion.model.features);
  const n = table.dates.length;
  const asOf = table.dates[n - 1] as IsoDate;
  const firstUsable = table.firstComplete + champion.model.rows - 1;
  const recentStart = n - settings.recent_days;
  if (recentStart < firstUsable + MIN_REFERENCE_ROWS) {
    throw new MonitorDataError(
      `${input.symbol}: ${n} sessions to ${asOf} are too few for a recent window of ${settings.recent_days} and a reference of at least ${MIN_REFERENCE_ROWS} after ${firstUsable} warm-up rows: ingest more history or lower monitor.recent_days`,
    );
  }
  let referenceEnd = recentStart - 1;
  if (champion.trainedTo !== null) {
    const trainedEnd = lastIndexAtOrBefore(table.dates, champion.trainedTo);
    if (trainedEnd >= firstUsable + MIN_REFERENCE_ROWS - 1)
      referenceEnd = Math.min(referenceEnd, trainedEnd);
  }
  const referenceStart = Math.max(firstUsable, referenceEnd - settings.reference_days + 1);
  const reference = range(referenceStart, referenceEnd);
  const recent = range(recentStart, n - 1);

  const compare = (a: readonly number[], b: readonly number[]): DistributionDrift => {
    const psi = populationStabilityIndex(a, b).psi;
    const ks = kolmogorovSmirnov(a, b, { serialCorrelation: true });
    const limit = Math.max(
      settings.psi_threshold,
      psiNoiseLimit(effectiveSampleSize(a), effectiveSampleSize(b), settings.ks_p_value),
    );
    return {
      psi,
      ks_statistic: ks.statistic,
      ks_p_value: ks.pValue,
      drifted: psi > limit || ks.pValue < settings.ks_p_value,
      psi_limit: limit,
    };
  };
  const features = Object.fromEntries(
    FEATURE_COLUMNS.map((c) => {
      const column = table.columns[c];
      return [c, compare(pick(column, reference), pick(column, recent))];
    }),
  );

  const championPredictions = await predictAt(champion.model, table, [...reference, ...recent]);
  const prediction = compare(
    championPredictions.slice(0, reference.length),
    championPredictions.slice(reference.length),
  );

  const realised = input.baseline
    ? await scoreRealised(input, table, recent, champion.id, input.baseline.model)
    : null;
  const breached =
    Object.values(features).some((f) => f.drifted) ||
    prediction.drifted ||
    realised?.breached === true;
  const span = (rows: readonly number[]) => ({
    from: table.dates[rows[0] as number] as IsoDate,
    to: table.dates[rows.at(-1) as number] as IsoDate,
    rows: rows.length,
  });
  return {
    schema: DRIFT_REPORT_SCHEMA,
    symbol: input.symbol,
    as_of: asOf,
    reference: span(reference),
    recent: span(recent),
    features,
    prediction,
    realised_error: realised,
    status: breached ? 'drift' : 'ok',
  };
}

/** Each recent session's target against the forecasts made at the close before it. */
async function scoreRealised(
  input: DriftInput,
  table: FeatureTable,
  recent: readonly number[],
  modelVersion: string,
  baseline: ServingModel,
): Promise<RealisedError> {
  const firstUsable = table.firstComplete + input.champion.model.rows - 1;
  const targets = recent.filter((k) => k - 1 >= firstUsable);
  const origins = targets.map((k) => k - 1);
  const model = await predictAt(input.champion.model, table, origins);
  // the baseline reads its own feature settings (a champion LSTM may fix another avg_price)
  const baseTable = buildFeatureTable(input.bars, baseline.features);
  const base = await predictAt(baseline, baseTable, origins);
  const days: RealisedDay[] = targets.map((k, i) => ({
    date: table.dates[k] as IsoDate,
    actual: table.columns.log_return[k] as number,
    model: model[i] as number,
    baseline: base[i] as number,
  }));
  return realisedError({
    days,
    window: input.settings.error_window_days,
    maxRatio: input.settings.max_error_ratio,
    modelVersion,
    baseline: baseline.name,
  });
}

async function predictAt(
  model: ServingModel,
  table: FeatureTable,
  origins: readonly number[],
): Promise<number[]> {
  const predicted = await model.fitted.predict(table, origins);
  return Array.from(predicted);
}

function lastIndexAtOrBefore(dates: readonly IsoDate[], date: IsoDate): number {
  for (let i = dates.length - 1; i >= 0; i--) if ((dates[i] as IsoDate) <= date) return i;
  return -1;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function pick(column: Float64Array, rows: readonly number[]): number[] {
  return rows.map((r) => column[r] as number);
}
