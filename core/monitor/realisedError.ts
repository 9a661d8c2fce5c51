import type { IsoDate } from '../market/isoDate.ts';
import type { RealisedError } from './driftReport.ts';

/** One session whose close is known: both one-day-ahead forecasts of it and what happened. */
export interface RealisedDay {
  /** The forecast's target session. */
  readonly date: IsoDate;
  /** Log return of avg_price from the previous session to this one. */
  readonly actual: number;
  readonly model: number;
  readonly baseline: number;
}

/**
 * The rolling ratio RMSE(model) ÷ RMSE(baseline) of return errors over `window` sessions, one
 * point per session that ends a full window; the last point is the current ratio. The same
 * ratio the gate uses (error_ratio on RMSE of returns), measured on days the model never saw.
 */
export function realisedError(input: {
  readonly days: readonly RealisedDay[];
  readonly window: number;
  readonly maxRatio: number;
  readonly modelVersion: string | null;
  readonly baseline: string;
}): RealisedError {
  const { days, window } = input;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`error window must be a whole number of sessions ≥ 1 (got ${window})`);
  }
  const series: { date: IsoDate; error_ratio: number }[] = [];
  const squared = (d: RealisedDay, f: number) => (f - d.actual) ** 2;
  for (let i = window - 1; i < days.length; i++) {
    const span = days.slice(i - window + 1, i + 1);
    const sm = span.reduce((s, d) => s + squared(d, d.model), 0);
    const sb = span.reduce((s, d) => s + squared(d, d.baseline), 0);
    // a baseline with no error at all leaves the ratio undefined, not infinite
    if (sb > 0)
      series.push({ date: (days[i] as RealisedDay).date, error_ratio: Math.sqrt(sm / sb) });
  }
  const last = series.at(-1);
  const ratio = last !== undefined && last.date === days.at(-1)?.date ? last.error_ratio : null;
  return {
    model_version: input.modelVersion,
    baseline: input.baseline,
    days: days.length,
    rolling_error_ratio: ratio,
    breached: ratio !== null && ratio > input.maxRatio,
    series,
  };
}
