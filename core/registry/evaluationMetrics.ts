import type { ForecastScores, ModelEvaluation, ScoredRange } from '../evaluate/evaluationTypes.ts';

/**
 * The flat metrics a registered version carries, from its evaluation.json entry:
 * `aggregate.<score>` and `holdout.<score>` for every ForecastScores field, plus
 * `<range>.error_ratio_vs_best_baseline` and `<range>.dm_p_value_vs_best_baseline`.
 * Flat because SageMaker keeps per-version metadata as a flat string map
 * (CustomerMetadataProperties); dotted keys are allowed there. The vs-best-baseline values are
 * null for the best baseline itself (it is not compared with itself) and when there is none.
 */
export function metricsFromEvaluation(
  model: ModelEvaluation,
  bestBaseline: string | null,
): Record<string, number | null> {
  return {
    ...rangeMetrics('aggregate', model.aggregate, bestBaseline),
    ...rangeMetrics('holdout', model.holdout, bestBaseline),
  };
}

const SCORE_FIELDS: readonly (keyof ForecastScores)[] = [
  'n',
  'rmse_price',
  'mae_price',
  'mape_price',
  'rmse_return',
  'mae_return',
  'mase',
  'directional_accuracy',
  'up_day_rate',
];

function rangeMetrics(
  range: 'aggregate' | 'holdout',
  scored: ScoredRange,
  bestBaseline: string | null,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const field of SCORE_FIELDS) out[`${range}.${field}`] = finiteOrNull(scored.scores[field]);
  const vs = bestBaseline === null ? undefined : scored.vs[bestBaseline];
  out[`${range}.error_ratio_vs_best_baseline`] = finiteOrNull(vs?.error_ratio ?? null);
  out[`${range}.dm_p_value_vs_best_baseline`] = finiteOrNull(vs?.dm_p_value ?? null);
  return out;
}

/** A NaN or infinite score means "no value"; the registry stores that as null. */
function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}
