import type { Evaluation, ScoredRange } from '../evaluate/evaluationTypes.ts';
import { metricDefinitions, TUNING_OBJECTIVE_METRIC } from '../tuning/sagemakerTuning.ts';

/**
 * The training log's metric lines, `name=value`, one per line, for the MetricDefinitions
 * regexes (metricDefinitions()). SageMaker keeps every match as a time series and takes the
 * last one as the metric's final value (the tuner's objective included), so each fold's
 * candidate scores come first, as progress the tuner's early stopping can use, and the gate
 * metrics (the candidate's fold-pooled aggregate, which the gate reads) come last, with the
 * objective last of all. Hold-out scores are never printed: tuning must not see them.
 */
export function metricLines(evaluation: Evaluation): string[] {
  const candidate = evaluation.candidate;
  const model = candidate === null ? undefined : evaluation.models[candidate];
  if (model === undefined) {
    throw new Error('the evaluation has no candidate: the container trains and scores the LSTM');
  }
  const best = evaluation.best_baseline;
  const names = metricDefinitions().map((d) => d.Name);
  const values = (range: ScoredRange): Record<string, number | null> => ({
    'walkforward:mape_price': range.scores.mape_price,
    'walkforward:directional_accuracy': range.scores.directional_accuracy,
    'walkforward:error_ratio_vs_best_baseline': range.vs[best]?.error_ratio ?? null,
    [TUNING_OBJECTIVE_METRIC]: range.scores.rmse_return,
  });
  const lines = (range: ScoredRange) => {
    const v = values(range);
    // a value without a number (no direction called) is left out, not printed as text
    return names.flatMap((name) => {
      const x = v[name];
      return typeof x === 'number' && Number.isFinite(x) ? [`${name}=${x}`] : [];
    });
  };
  return [...model.folds.flatMap((fold) => lines(fold)), ...lines(model.aggregate)];
}
