import type { ForecastScores } from './evaluationTypes.ts';

/** One forecast made at the close of `origin` for the next session's avg_price. */
export interface ForecastPoint {
  readonly originPrice: number;
  readonly predictedReturn: number;
  readonly actualReturn: number;
}

interface ErrorSums {
  readonly n: number;
  readonly sePrice: number;
  readonly aePrice: number;
  readonly apePrice: number;
  readonly seReturn: number;
  readonly aeReturn: number;
  /** Σ |error of return| ÷ that point's scale (the MASE numerator). */
  readonly scaledAe: number;
  readonly called: number;
  readonly hits: number;
  readonly ups: number;
}

/**
 * Prices are derived from returns (originPrice·exp(return)) so that price and return errors
 * describe the same forecast; both are reported because the gate reads returns (scale-free)
 * and people read prices.
 */
function sumErrors(points: readonly ForecastPoint[], scaleOf: (i: number) => number): ErrorSums {
  if (points.length === 0) throw new RangeError('forecast metrics need at least one forecast');
  let sePrice = 0;
  let aePrice = 0;
  let apePrice = 0;
  let seReturn = 0;
  let aeReturn = 0;
  let scaledAe = 0;
  let called = 0;
  let hits = 0;
  let ups = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as ForecastPoint;
    const actual = p.originPrice * Math.exp(p.actualReturn);
    const predicted = p.originPrice * Math.exp(p.predictedReturn);
    const err = predicted - actual;
    sePrice += err * err;
    aePrice += Math.abs(err);
    apePrice += Math.abs(err / actual);
    const errReturn = p.predictedReturn - p.actualReturn;
    seReturn += errReturn * errReturn;
    aeReturn += Math.abs(errReturn);
    scaledAe += Math.abs(errReturn) / scaleOf(i);
    if (p.actualReturn > 0) ups++;
    if (p.predictedReturn !== 0) {
      called++;
      if (Math.sign(p.predictedReturn) === Math.sign(p.actualReturn)) hits++;
    }
  }
  return {
    n: points.length,
    sePrice,
    aePrice,
    apePrice,
    seReturn,
    aeReturn,
    scaledAe,
    called,
    hits,
    ups,
  };
}

/**
 * Mean absolute scaled error's denominator: mean |r| over the training targets, i.e. the
 * in-sample MAE of persistence (Hyndman & Koehler 2006, with the naive forecast of returns).
 */
export function trainingScale(targets: ArrayLike<number>): number {
  if (targets.length === 0) throw new RangeError('a training scale needs at least one target');
  let sum = 0;
  for (let i = 0; i < targets.length; i++) sum += Math.abs(targets[i] as number);
  return sum / targets.length;
}

/**
 * The v2 scores of a range of forecasts. `trainScale` is one scale for every point (a fold or
 * the hold-out), or one per point when pooling folds: each fold's errors stay scaled by that
 * fold's own training period, so MASE = mean of scaled errors |e_t| / scale_t.
 *
 * A scale that is not positive and finite is refused: it means the training prices never
 * moved, and no relative error can be stated honestly.
 */
export function forecastScores(
  points: readonly ForecastPoint[],
  trainScale: number | ArrayLike<number>,
): ForecastScores {
  const scaleOf = typeof trainScale === 'number' ? () => trainScale : (i: number) => trainScale[i];
  if (typeof trainScale !== 'number' && trainScale.length !== points.length) {
    throw new RangeError(
      `one training scale per forecast needed (got ${trainScale.length} for ${points.length})`,
    );
  }
  const checked = (i: number): number => {
    const scale = scaleOf(i);
    if (scale === undefined || !(scale > 0) || !Number.isFinite(scale)) {
      throw new RangeError(
        `MASE needs a positive, finite training scale (got ${scale}): the training targets never moved`,
      );
    }
    return scale;
  };
  const s = sumErrors(points, checked);
  return {
    n: s.n,
    rmse_price: Math.sqrt(s.sePrice / s.n),
    mae_price: s.aePrice / s.n,
    mape_price: s.apePrice / s.n,
    rmse_return: Math.sqrt(s.seReturn / s.n),
    mae_return: s.aeReturn / s.n,
    mase: s.scaledAe / s.n,
    directional_accuracy: s.called === 0 ? null : s.hits / s.called,
    up_day_rate: s.ups / s.n,
  };
}
