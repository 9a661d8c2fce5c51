import type { FeatureTable } from '../features/featureTable.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { type ForecastMetrics, type ForecastPoint, forecastMetrics } from './forecastMetrics.ts';
import { type IndexRange, planWalkForward, type WalkForwardOptions } from './walkForward.ts';

export const EVALUATION_SCHEMA = 'stockops.evaluation/v1';

export interface EvaluatedRange {
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly metrics: ForecastMetrics;
}

export interface FoldEvaluation extends EvaluatedRange {
  readonly fold: number;
  readonly train_from: IsoDate;
  readonly train_to: IsoDate;
}

/** evaluation.json, v1: the persistence forecast only (the model issue adds the rest). */
export interface NaiveEvaluation {
  readonly schema: typeof EVALUATION_SCHEMA;
  readonly symbol: string;
  readonly model: 'persistence';
  readonly target: 'next_session_log_return_of_avg_price';
  readonly origins: number;
  readonly folds: readonly FoldEvaluation[];
  readonly aggregate: EvaluatedRange;
  readonly holdout: EvaluatedRange;
}

/**
 * Walk-forward evaluation of persistence (tomorrow's avg_price = today's). Origins start where
 * a model with `window` rows of history could first forecast, so later models line up with
 * these dates exactly.
 */
export function evaluatePersistence(
  symbol: string,
  table: FeatureTable,
  window: number,
  options: WalkForwardOptions,
): NaiveEvaluation {
  const first = table.firstComplete + window - 1;
  const origins = Math.max(0, table.dates.length - 1 - first);
  const plan = planWalkForward(origins, options);
  const point = (i: number): ForecastPoint => ({
    originPrice: table.avgPrice[first + i] as number,
    predictedReturn: 0,
    actualReturn: table.columns.log_return[first + i + 1] as number,
  });
  const dateOf = (i: number) => table.dates[first + i + 1] as IsoDate;
  const evaluate = (range: IndexRange): EvaluatedRange => {
    const points: ForecastPoint[] = [];
    for (let i = range.start; i < range.end; i++) points.push(point(i));
    return {
      from: dateOf(range.start),
      to: dateOf(range.end - 1),
      metrics: forecastMetrics(points),
    };
  };
  const folds = plan.folds.map((f) => ({
    fold: f.index,
    train_from: dateOf(f.train.start),
    train_to: dateOf(f.train.end - 1),
    ...evaluate(f.test),
  }));
  const firstFold = plan.folds[0];
  const lastFold = plan.folds[plan.folds.length - 1];
  const aggregate = evaluate({ start: firstFold?.test.start ?? 0, end: lastFold?.test.end ?? 0 });
  return {
    schema: EVALUATION_SCHEMA,
    symbol,
    model: 'persistence',
    target: 'next_session_log_return_of_avg_price',
    origins,
    folds,
    aggregate,
    holdout: evaluate(plan.holdout),
  };
}
