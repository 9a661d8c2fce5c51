/** One forecast made at the close of `origin` for the next session's avg_price. */
export interface ForecastPoint {
  readonly originPrice: number;
  readonly predictedReturn: number;
  readonly actualReturn: number;
}

export interface ForecastMetrics {
  readonly n: number;
  readonly rmse_price: number;
  readonly mae_price: number;
  /** Mean absolute percentage error, as a fraction (0.012 = 1.2%). */
  readonly mape_price: number;
  readonly rmse_return: number;
  /**
   * Share of forecasts whose sign matches the realised move, over forecasts that call a
   * direction; null when the model never does (persistence predicts no change).
   */
  readonly directional_accuracy: number | null;
  /** Share of days that went up in the same window: the bar a direction call must clear. */
  readonly up_day_rate: number;
}

export function forecastMetrics(points: readonly ForecastPoint[]): ForecastMetrics {
  if (points.length === 0) throw new RangeError('forecast metrics need at least one forecast');
  let se = 0;
  let ae = 0;
  let ape = 0;
  let seReturn = 0;
  let called = 0;
  let hit = 0;
  let up = 0;
  for (const p of points) {
    const actual = p.originPrice * Math.exp(p.actualReturn);
    const predicted = p.originPrice * Math.exp(p.predictedReturn);
    const err = predicted - actual;
    se += err * err;
    ae += Math.abs(err);
    ape += Math.abs(err / actual);
    seReturn += (p.predictedReturn - p.actualReturn) ** 2;
    if (p.actualReturn > 0) up++;
    if (p.predictedReturn !== 0) {
      called++;
      if (Math.sign(p.predictedReturn) === Math.sign(p.actualReturn)) hit++;
    }
  }
  const n = points.length;
  return {
    n,
    rmse_price: Math.sqrt(se / n),
    mae_price: ae / n,
    mape_price: ape / n,
    rmse_return: Math.sqrt(seReturn / n),
    directional_accuracy: called === 0 ? null : hit / called,
    up_day_rate: up / n,
  };
}
