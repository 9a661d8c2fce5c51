import { describe, expect, it } from 'vitest';
import { InsufficientHistoryError, planWalkForward } from '../../core/evaluate/walkForward.ts';

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
