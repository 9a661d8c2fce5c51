import { buildFeatureTable, FEATURE_COLUMNS, type FeatureTable } from '../features/featureTable.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { nextTradingDay } from '../market/nyseCalendar.ts';
import type { PriceBar } from '../market/priceBar.ts';
import type { ForecastInput } from './forecastInput.ts';
import { InvocationError } from './invocationError.ts';
import { modelLabel, type ServingModel } from './servingModel.ts';

/** A forecast made after the close of `date` for the next session (`target_date`). */
export interface BarForecast {
  readonly date: IsoDate;
  /** The next NYSE session; null outside the calendar's years. */
  readonly target_date: IsoDate | null;
  readonly avg_price: number;
  readonly predicted_log_return: number;
  /** avg_price · exp(predicted_log_return): the forecast as a price, for display. */
  readonly predicted_avg_price: number;
}

export interface WindowForecast {
  /** Index of the window in the request. */
  readonly window: number;
  readonly predicted_log_return: number;
}

export type Forecasts =
  | { readonly kind: 'bars'; readonly forecasts: readonly BarForecast[] }
  | { readonly kind: 'windows'; readonly forecasts: readonly WindowForecast[] };

const WIDTH = FEATURE_COLUMNS.length;

/** Runs the model on a parsed request. InvocationError (400) when the input is too short. */
export async function forecast(model: ServingModel, input: ForecastInput): Promise<Forecasts> {
  return input.kind === 'bars'
    ? { kind: 'bars', forecasts: await forecastBars(model, input.bars) }
    : { kind: 'windows', forecasts: await forecastWindows(model, input.windows) };
}

/**
 * One forecast per bar that has `model.rows` complete feature rows up to it, the last bar
 * included: its forecast is the next session's, the one a caller usually wants.
 */
async function forecastBars(
  model: ServingModel,
  bars: readonly PriceBar[],
): Promise<BarForecast[]> {
  const table = buildFeatureTable(bars, model.features);
  const first = table.firstComplete + model.rows - 1;
  const n = table.dates.length;
  if (first > n - 1) {
    const { volatilityWindow, volumeWindow } = model.features;
    const warmUp = Math.max(volatilityWindow, volumeWindow - 1);
    throw new InvocationError(
      400,
      `${n} bars are too few for ${modelLabel(model)}: features need ${warmUp} bars of warm-up and ` +
        `the model reads ${model.rows} complete row${model.rows === 1 ? '' : 's'}, so send at ` +
        `least ${warmUp + model.rows} bars` +
        (table.firstComplete > warmUp
          ? ' (more here: some bars leave a feature undefined, e.g. constant volume)'
          : ''),
    );
  }
  const origins = Array.from({ length: n - first }, (_, i) => first + i);
  const predicted = await predictChecked(model, table, origins);
  return origins.map((t, i) => {
    const date = table.dates[t] as IsoDate;
    const avg = table.avgPrice[t] as number;
    const r = predicted[i] as number;
    return {
      date,
      target_date: nextSession(date),
      avg_price: avg,
      predicted_log_return: r,
      predicted_avg_price: avg * Math.exp(r),
    };
  });
}

/**
 * Windows are laid end to end in one table whose origins are each window's last row: every
 * model reads only rows (origin − rows, origin], so windows cannot see each other, and a batch
 * of windows is one predict call (one tensor for the LSTM).
 */
async function forecastWindows(
  model: ServingModel,
  windows: readonly Float64Array[],
): Promise<WindowForecast[]> {
  const rows = model.rows;
  const columns = Object.fromEntries(
    FEATURE_COLUMNS.map((c) => [c, new Float64Array(windows.length * rows)]),
  ) as Record<(typeof FEATURE_COLUMNS)[number], Float64Array>;
  windows.forEach((w, i) => {
    const given = w.length / WIDTH;
    if (given < rows) {
      throw new InvocationError(
        400,
        `windows[${i}] has ${given} row${given === 1 ? '' : 's'}; ${modelLabel(model)} reads ${rows} (send windows of at least ${rows} rows; extra leading rows are ignored)`,
      );
    }
    // the model reads the latest `rows` rows of a longer window
    const start = (given - rows) * WIDTH;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < WIDTH; c++) {
        const column = columns[FEATURE_COLUMNS[c] as (typeof FEATURE_COLUMNS)[number]];
        column[i * rows + r] = w[start + r * WIDTH + c] as number;
      }
    }
  });
  const length = windows.length * rows;
  const table: FeatureTable = {
    dates: new Array<string>(length).fill(''),
    // not read from windows: close_to_avg is given, and prices are not
    avgPrice: new Float64Array(length).fill(Number.NaN),
    close: new Float64Array(length).fill(Number.NaN),
    columns,
    firstComplete: 0,
  };
  const origins = windows.map((_, i) => i * rows + rows - 1);
  const predicted = await predictChecked(model, table, origins);
  return origins.map((_, i) => ({ window: i, predicted_log_return: predicted[i] as number }));
}

async function predictChecked(
  model: ServingModel,
  table: FeatureTable,
  origins: readonly number[],
): Promise<Float64Array> {
  const predicted = await model.fitted.predict(table, origins);
  const bad = predicted.findIndex((r) => !Number.isFinite(r));
  if (bad >= 0) {
    // a model fault, not the caller's: the server answers 500
    throw new Error(`${modelLabel(model)} forecast ${predicted[bad]} for input ${bad}`);
  }
  return predicted;
}

function nextSession(date: IsoDate): IsoDate | null {
  try {
    return nextTradingDay(date);
  } catch {
    return null;
  }
}
