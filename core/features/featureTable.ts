import type { IsoDate } from '../market/isoDate.ts';
import type { PriceBar } from '../market/priceBar.ts';
import { type AvgPriceFormula, avgPrices } from './avgPrice.ts';
import { logReturns, rollingMean, rollingStd } from './rolling.ts';

export interface FeatureOptions {
  readonly avgPrice: AvgPriceFormula;
  readonly volatilityWindow: number;
  readonly volumeWindow: number;
}

/**
 * The version of the feature formulas. Bump it (together with FEATURE_VERSION in
 * processing/spark/features_job.py) whenever a formula, window rule or missing-value rule
 * changes, then regenerate the golden fixture (`node scripts/writeFeatureGolden.ts`): the
 * Spark job's output partitions and the golden both carry it.
 */
export const FEATURE_VERSION = 1;

/** The model-facing columns, in the order windows are laid out. */
export const FEATURE_COLUMNS = [
  'log_return',
  'close_to_avg',
  'volatility',
  'log_volume_z',
] as const;
export type FeatureColumn = (typeof FEATURE_COLUMNS)[number];

/**
 * One row per bar. `avg_price` is the forecast's subject; `log_return` is its change since the
 * previous session (the model's target one step ahead); `close_to_avg` = ln(close / avg_price)
 * says where the day closed within its range, which is what makes the next change partly
 * predictable; `volatility` is the rolling sample std of log returns; `log_volume_z` is today's
 * log volume standardised by its rolling mean and std.
 */
export interface FeatureTable {
  readonly dates: readonly IsoDate[];
  readonly avgPrice: Float64Array;
  readonly close: Float64Array;
  readonly columns: Readonly<Record<FeatureColumn, Float64Array>>;
  /** Index of the first row where every column is defined. */
  readonly firstComplete: number;
}

export function buildFeatureTable(
  bars: readonly PriceBar[],
  options: FeatureOptions,
): FeatureTable {
  const avgPrice = avgPrices(bars, options.avgPrice);
  const close = Float64Array.from(bars, (b) => b.close);
  const logReturn = logReturns(avgPrice);
  const closeToAvg = close.map((c, i) => Math.log(c / (avgPrice[i] as number)));
  const volatility = rollingStd(logReturn, options.volatilityWindow);
  // log1p keeps zero-volume days (halts) finite.
  const logVolume = Float64Array.from(bars, (b) => Math.log1p(b.volume));
  const volMean = rollingMean(logVolume, options.volumeWindow);
  const volStd = rollingStd(logVolume, options.volumeWindow);
  const logVolumeZ = logVolume.map((v, i) => {
    const sd = volStd[i] as number;
    return sd > 0 ? (v - (volMean[i] as number)) / sd : Number.NaN;
  });
  const columns = {
    log_return: logReturn,
    close_to_avg: closeToAvg,
    volatility,
    log_volume_z: logVolumeZ,
  };
  let firstComplete = 0;
  for (let i = bars.length - 1; i >= 0; i--) {
    if (FEATURE_COLUMNS.some((c) => Number.isNaN(columns[c][i] as number))) {
      firstComplete = i + 1;
      break;
    }
  }
  return { dates: bars.map((b) => b.date), avgPrice, close, columns, firstComplete };
}

/** A model input: `window` consecutive feature rows ending at `origin`, and the next return. */
export interface FeatureWindow {
  readonly origin: number;
  readonly inputs: Float64Array;
  readonly target: number;
}

/**
 * Sliding windows over complete rows: inputs are rows origin−window+1 … origin (row-major,
 * FEATURE_COLUMNS order) and the target is the log return of avg_price from origin to
 * origin+1. The last row has no target and yields no window.
 */
export function slidingWindows(table: FeatureTable, window: number): FeatureWindow[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window must be a positive integer (got ${window})`);
  }
  const out: FeatureWindow[] = [];
  const width = FEATURE_COLUMNS.length;
  const n = table.dates.length;
  for (let origin = table.firstComplete + window - 1; origin < n - 1; origin++) {
    const inputs = new Float64Array(window * width);
    for (let w = 0; w < window; w++) {
      const row = origin - window + 1 + w;
      for (let c = 0; c < width; c++) {
        inputs[w * width + c] = table.columns[FEATURE_COLUMNS[c] as FeatureColumn][row] as number;
      }
    }
    out.push({ origin, inputs, target: table.columns.log_return[origin + 1] as number });
  }
  return out;
}

/** The columns of features.csv (and of the Spark job's output), in order. */
export const FEATURE_FILE_COLUMNS = ['date', 'avg_price', 'close', ...FEATURE_COLUMNS] as const;

/**
 * The table as rows in FEATURE_FILE_COLUMNS order, with null for a value that does not exist
 * yet (NaN here), so the rows survive JSON: the golden fixture's form.
 */
export function featureRows(table: FeatureTable): (string | number | null)[][] {
  const num = (v: number) => (Number.isNaN(v) ? null : v);
  return table.dates.map((date, i) => [
    date,
    num(table.avgPrice[i] as number),
    num(table.close[i] as number),
    ...FEATURE_COLUMNS.map((c) => num(table.columns[c][i] as number)),
  ]);
}

/** The table as CSV (`date,avg_price,close,<features>`); warm-up cells are empty. */
export function formatFeatureCsv(table: FeatureTable): string {
  const header = FEATURE_FILE_COLUMNS.join(',');
  const cell = (v: number) => (Number.isNaN(v) ? '' : String(v));
  const lines = table.dates.map((date, i) =>
    [
      date,
      cell(table.avgPrice[i] as number),
      cell(table.close[i] as number),
      ...FEATURE_COLUMNS.map((c) => cell(table.columns[c][i] as number)),
    ].join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}
