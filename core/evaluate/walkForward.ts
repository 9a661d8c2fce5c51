/** Index ranges are half-open [start, end) over the list of forecast origins. */
export interface IndexRange {
  readonly start: number;
  readonly end: number;
}

export interface Fold {
  readonly index: number;
  readonly train: IndexRange;
  readonly test: IndexRange;
}

export interface WalkForwardPlan {
  readonly folds: readonly Fold[];
  /** The final stretch that no fold tests on and tuning never sees. */
  readonly holdout: IndexRange;
}

export interface WalkForwardOptions {
  readonly folds: number;
  readonly testDays: number;
  readonly gapDays: number;
  readonly holdoutDays: number;
  readonly minTrainDays: number;
}

export class InsufficientHistoryError extends Error {
  constructor(needed: number, have: number, options: WalkForwardOptions) {
    super(
      `not enough history for walk-forward evaluation: need ${needed} forecast origins ` +
        `(min_train_days ${options.minTrainDays} + gap_days ${options.gapDays} + ` +
        `folds ${options.folds} × test_days ${options.testDays} + holdout_days ${options.holdoutDays}), ` +
        `have ${have}; load more history (data.start_date) or shrink evaluation.*`,
    );
    this.name = 'InsufficientHistoryError';
  }
}

/**
 * Rolling-origin folds: the last `holdoutDays` origins are the hold-out; before it, `folds`
 * consecutive test blocks of `testDays`; each fold trains on every origin before its test
 * block less a `gapDays` embargo, so no training target overlaps the test period.
 */
export function planWalkForward(origins: number, options: WalkForwardOptions): WalkForwardPlan {
  const { folds, testDays, gapDays, holdoutDays, minTrainDays } = options;
  const needed = minTrainDays + gapDays + folds * testDays + holdoutDays;
  if (origins < needed) throw new InsufficientHistoryError(needed, origins, options);
  const holdout = { start: origins - holdoutDays, end: origins };
  const plan: Fold[] = [];
  for (let k = 0; k < folds; k++) {
    const testStart = holdout.start - (folds - k) * testDays;
    plan.push({
      index: k,
      train: { start: 0, end: testStart - gapDays },
      test: { start: testStart, end: testStart + testDays },
    });
  }
  return { folds: plan, holdout };
}
