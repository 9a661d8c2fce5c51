import { describe, expect, it } from 'vitest';
import { forecastScores, trainingScale } from '../../core/evaluate/forecastMetrics.ts';

// Three forecasts with round prices: 100 → forecast 102, actual 101; 200 → forecast 200,
// actual 190; 50 → forecast 49, actual 52.
const points = [
  { originPrice: 100, predictedReturn: Math.log(1.02), actualReturn: Math.log(1.01) },
  { originPrice: 200, predictedReturn: 0, actualReturn: Math.log(0.95) },
  { originPrice: 50, predictedReturn: Math.log(0.98), actualReturn: Math.log(1.04) },
];
const returnErrors = [Math.log(1.02 / 1.01), -Math.log(0.95), Math.log(0.98 / 1.04)];

describe('forecastScores', () => {
  it('scores price errors via originPrice·exp(return)', () => {
    const s = forecastScores(points, 0.02);
    expect(s.n).toBe(3);
    // price errors 1, 10, −3
    expect(s.rmse_price).toBeCloseTo(Math.sqrt((1 + 100 + 9) / 3), 10);
    expect(s.mae_price).toBeCloseTo((1 + 10 + 3) / 3, 10);
    expect(s.mape_price).toBeCloseTo((1 / 101 + 10 / 190 + 3 / 52) / 3, 12);
  });

  it('scores return errors and scales them by the training MAE of persistence', () => {
    const s = forecastScores(points, 0.02);
    const sq = returnErrors.reduce((a, e) => a + e * e, 0);
    const abs = returnErrors.reduce((a, e) => a + Math.abs(e), 0);
    expect(s.rmse_return).toBeCloseTo(Math.sqrt(sq / 3), 14);
    expect(s.mae_return).toBeCloseTo(abs / 3, 14);
    expect(s.mase).toBeCloseTo(abs / 3 / 0.02, 12);
  });

  it('counts direction calls and up days', () => {
    const s = forecastScores(points, 0.02);
    // up, no call (0), down-vs-up: one hit of two calls; two of three days went up
    expect(s.directional_accuracy).toBe(0.5);
    expect(s.up_day_rate).toBeCloseTo(2 / 3, 15);
    const none = forecastScores([{ originPrice: 1, predictedReturn: 0, actualReturn: 0 }], 1);
    expect(none.directional_accuracy).toBeNull();
    expect(none.up_day_rate).toBe(0);
  });

  it('scales each pooled forecast by its own fold', () => {
    const s = forecastScores(points, [0.01, 0.02, 0.04]);
    const expected =
      (Math.abs(returnErrors[0] as number) / 0.01 +
        Math.abs(returnErrors[1] as number) / 0.02 +
        Math.abs(returnErrors[2] as number) / 0.04) /
      3;
    expect(s.mase).toBeCloseTo(expected, 12);
    expect(s.rmse_return).toBe(forecastScores(points, 0.02).rmse_return);
  });

  it('refuses no forecasts, a missing or a non-positive scale', () => {
    expect(() => forecastScores([], 0.01)).toThrow(/at least one/);
    expect(() => forecastScores(points, [0.01, 0.02])).toThrow(/one training scale per forecast/);
    expect(() => forecastScores(points, 0)).toThrow(/never moved/);
    expect(() => forecastScores(points, Number.NaN)).toThrow(/positive, finite/);
    expect(() => forecastScores(points, Number.POSITIVE_INFINITY)).toThrow(/positive, finite/);
  });
});

describe('trainingScale', () => {
  it('is mean |r| of the training targets', () => {
    expect(trainingScale([0.01, -0.03, 0.02])).toBeCloseTo(0.02, 15);
    expect(() => trainingScale([])).toThrow(RangeError);
  });
});
