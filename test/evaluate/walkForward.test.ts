import { describe, expect, it } from 'vitest';
import { forecastMetrics } from '../../core/evaluate/forecastMetrics.ts';
import { evaluatePersistence } from '../../core/evaluate/naiveEvaluation.ts';
import { InsufficientHistoryError, planWalkForward } from '../../core/evaluate/walkForward.ts';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

const options = { folds: 3, testDays: 10, gapDays: 2, holdoutDays: 5, minTrainDays: 20 };

describe('walk-forward plan', () => {
  it('lays consecutive test blocks before the hold-out with an embargo gap', () => {
    const plan = planWalkForward(60, options);
    expect(plan.holdout).toEqual({ start: 55, end: 60 });
    expect(plan.folds.map((f) => f.test)).toEqual([
      { start: 25, end: 35 },
      { start: 35, end: 45 },
      { start: 45, end: 55 },
    ]);
    for (const f of plan.folds) {
      expect(f.train.start).toBe(0);
      expect(f.test.start - f.train.end).toBe(options.gapDays);
      expect(f.train.end).toBeGreaterThanOrEqual(options.minTrainDays);
    }
  });

  it('refuses too little history and says how much is needed', () => {
    expect(() => planWalkForward(56, options)).toThrow(InsufficientHistoryError);
    expect(() => planWalkForward(56, options)).toThrow(/need 57 forecast origins.*have 56/);
  });
});

describe('forecast metrics', () => {
  it('scores price and return errors', () => {
    const m = forecastMetrics([
      { originPrice: 100, predictedReturn: 0, actualReturn: Math.log(1.1) },
      { originPrice: 100, predictedReturn: 0, actualReturn: Math.log(0.9) },
    ]);
    expect(m.n).toBe(2);
    expect(m.rmse_price).toBeCloseTo(10, 10);
    expect(m.mae_price).toBeCloseTo(10, 10);
    expect(m.mape_price).toBeCloseTo((10 / 110 + 10 / 90) / 2, 12);
    expect(m.directional_accuracy).toBeNull();
    expect(m.up_day_rate).toBe(0.5);
  });
  it('counts direction hits over forecasts that call a direction', () => {
    const m = forecastMetrics([
      { originPrice: 1, predictedReturn: 0.01, actualReturn: 0.02 },
      { originPrice: 1, predictedReturn: -0.01, actualReturn: 0.02 },
      { originPrice: 1, predictedReturn: 0, actualReturn: -0.02 },
    ]);
    expect(m.directional_accuracy).toBe(0.5);
  });
  it('needs at least one forecast', () => {
    expect(() => forecastMetrics([])).toThrow(RangeError);
  });
});

describe('persistence evaluation', () => {
  const bars = syntheticBars(120);
  const table = buildFeatureTable(bars, {
    avgPrice: '(high+low)/2',
    volatilityWindow: 5,
    volumeWindow: 5,
  });

  it('scores tomorrow = today on the planned dates, fold by fold', () => {
    const e = evaluatePersistence('TEST', table, 3, options);
    expect(e.schema).toBe('stockops.evaluation/v1');
    expect(e.folds).toHaveLength(3);
    expect(e.holdout.metrics.n).toBe(5);
    expect(e.aggregate.metrics.n).toBe(30);
    // the hold-out ends on the last bar: it is the last forecast that can be scored
    expect(e.holdout.to).toBe(bars.at(-1)?.date);
    // folds are in time order and do not overlap
    for (let k = 1; k < e.folds.length; k++) {
      expect((e.folds[k]?.from ?? '') > (e.folds[k - 1]?.to ?? '')).toBe(true);
    }
    // persistence's price error is exactly the realised change of avg_price
    const i = table.dates.indexOf(e.holdout.from);
    const change = Math.abs((table.avgPrice[i] as number) - (table.avgPrice[i - 1] as number));
    expect(change).toBeGreaterThan(0);
    expect(e.holdout.metrics.mae_price).toBeGreaterThan(0);
  });
});
