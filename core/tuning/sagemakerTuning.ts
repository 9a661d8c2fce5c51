import type { TuningConfig } from '../config/configTypes.ts';
import { searchSpace } from './searchSpace.ts';

/** The metric the training container prints and the tuner minimises (fold-pooled, never hold-out). */
export const TUNING_OBJECTIVE_METRIC = 'walkforward:rmse_return';

export interface MetricDefinition {
  readonly Name: string;
  readonly Regex: string;
}

/**
 * Regexes SageMaker applies to the training log. The container prints `name=value` lines,
 * gate metrics last; a number is matched in plain or exponent form.
 */
export function metricDefinitions(): MetricDefinition[] {
  const number = '([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)';
  return [
    'walkforward:mape_price',
    'walkforward:directional_accuracy',
    'walkforward:error_ratio_vs_best_baseline',
    TUNING_OBJECTIVE_METRIC,
  ].map((Name) => ({ Name, Regex: `${Name.replace(':', '\\:')}=${number}` }));
}

/**
 * `HyperParameterTuningJobConfig` for CreateHyperParameterTuningJob, rendered from the same
 * ranges `stockops tune` searches locally, so the two paths tune the same space. SageMaker takes
 * every range bound as a string.
 */
export function sagemakerTuningJobConfig(
  tuning: TuningConfig,
  options: { strategy?: 'Bayesian' | 'Random'; maxParallel?: number } = {},
) {
  const space = searchSpace(tuning);
  const bound = (p: (typeof space)[number]) => ({
    Name: p.name,
    MinValue: String(p.min),
    MaxValue: String(p.max),
    ScalingType: p.scale === 'log' ? 'Logarithmic' : 'Linear',
  });
  return {
    Strategy: options.strategy ?? 'Bayesian',
    HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: TUNING_OBJECTIVE_METRIC },
    ResourceLimits: {
      MaxNumberOfTrainingJobs: tuning.trials,
      MaxParallelTrainingJobs: options.maxParallel ?? 2,
    },
    ParameterRanges: {
      IntegerParameterRanges: space.filter((p) => p.type === 'integer').map(bound),
      ContinuousParameterRanges: space.filter((p) => p.type === 'continuous').map(bound),
      CategoricalParameterRanges: [],
    },
    TrainingJobEarlyStoppingType: 'Auto',
  } as const;
}
