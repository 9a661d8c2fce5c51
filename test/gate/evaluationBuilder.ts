import type { GateConfig } from '../../core/config/configTypes.ts';
import {
  type BaselineComparison,
  EVALUATION_SCHEMA_V2,
  type Evaluation,
  type FoldPlanEntry,
  type ForecastScores,
  type ModelEvaluation,
  type ScoredRange,
} from '../../core/evaluate/evaluationTypes.ts';

/**
 * Evaluation fixtures built in code. By default: AMZN, two folds and a hold-out, baselines
 * persistence (rmse_return 0.02) and last_close (0.019, the best), candidate lstm (0.018), and
 * every score consistent with every other, so the gate approves under GATE_THRESHOLDS.
 */

export interface ModelSpec {
  readonly kind: 'baseline' | 'candidate';
  readonly rmse_return: number;
  readonly mape_price?: number;
  readonly directional_accuracy?: number | null;
  readonly up_day_rate?: number;
  /** The one-sided DM p-value against every baseline. */
  readonly dm_p_value?: number;
}

export interface EvaluationSpec {
  readonly symbol?: string;
  readonly models?: Readonly<Record<string, ModelSpec>>;
  /** Default: the model of kind candidate, if any. */
  readonly candidate?: string | null;
  /** Default: the baseline with the lowest rmse_return. */
  readonly best_baseline?: string;
  readonly sha256?: string;
  readonly dataTo?: string;
}

export const DEFAULT_MODELS = {
  persistence: { kind: 'baseline', rmse_return: 0.02 },
  last_close: { kind: 'baseline', rmse_return: 0.019 },
  lstm: { kind: 'candidate', rmse_return: 0.018 },
} as const satisfies Record<string, ModelSpec>;

export const GATE_THRESHOLDS: GateConfig = {
  max_error_ratio: 0.99,
  max_dm_p_value: 0.05,
  min_directional_accuracy: 0.5,
  min_directional_accuracy_over_base_rate: 0,
  min_improvement_vs_champion: 0.01,
  max_mape: 0.05,
  max_rmse_return: 0.05,
};

export const PLAN_FOLDS: readonly FoldPlanEntry[] = [
  {
    fold: 0,
    train_from: '2019-01-03',
    train_to: '2022-12-21',
    test_from: '2023-01-03',
    test_to: '2023-06-30',
    n_train: 1000,
    n_test: 124,
  },
  {
    fold: 1,
    train_from: '2019-07-03',
    train_to: '2023-06-22',
    test_from: '2023-07-03',
    test_to: '2023-12-29',
    n_train: 1000,
    n_test: 125,
  },
];

export const HOLDOUT = { from: '2024-01-02', to: '2024-03-28', n: 60 } as const;
export const DATA_TO = HOLDOUT.to;

function scores(spec: ModelSpec, n: number): ForecastScores {
  return {
    n,
    rmse_price: spec.rmse_return * 180,
    mae_price: spec.rmse_return * 140,
    mape_price: spec.mape_price ?? 0.012,
    rmse_return: spec.rmse_return,
    mae_return: spec.rmse_return * 0.75,
    mase: 0.9,
    directional_accuracy:
      spec.directional_accuracy === undefined
        ? spec.kind === 'baseline'
          ? null
          : 0.56
        : spec.directional_accuracy,
    up_day_rate: spec.up_day_rate ?? 0.52,
  };
}

function comparisons(
  name: string,
  spec: ModelSpec,
  models: Readonly<Record<string, ModelSpec>>,
): Record<string, BaselineComparison> {
  const vs: Record<string, BaselineComparison> = {};
  for (const [other, o] of Object.entries(models)) {
    if (other === name || o.kind !== 'baseline') continue;
    const ratio = spec.rmse_return / o.rmse_return;
    vs[other] = {
      baseline: other,
      error_ratio: ratio,
      dm_statistic: ratio < 1 ? -2.5 : 1,
      dm_p_value: spec.dm_p_value ?? (ratio < 1 ? 0.01 : 0.8),
    };
  }
  return vs;
}

function range(from: string, to: string, s: ForecastScores, vs: ScoredRange['vs']): ScoredRange {
  return { from, to, scores: s, vs };
}

export function buildEvaluation(spec: EvaluationSpec = {}): Evaluation {
  const models = spec.models ?? DEFAULT_MODELS;
  const first = PLAN_FOLDS[0] as FoldPlanEntry;
  const last = PLAN_FOLDS[PLAN_FOLDS.length - 1] as FoldPlanEntry;
  const total = PLAN_FOLDS.reduce((sum, f) => sum + f.n_test, 0);
  const built: Record<string, ModelEvaluation> = {};
  for (const [name, m] of Object.entries(models)) {
    const vs = comparisons(name, m, models);
    built[name] = {
      name,
      kind: m.kind,
      folds: PLAN_FOLDS.map((f) => ({
        fold: f.fold,
        ...range(f.test_from, f.test_to, scores(m, f.n_test), vs),
      })),
      aggregate: range(first.test_from, last.test_to, scores(m, total), vs),
      holdout: range(HOLDOUT.from, HOLDOUT.to, scores(m, HOLDOUT.n), vs),
      params: {},
    };
  }
  const baselines = Object.entries(models)
    .filter(([, m]) => m.kind === 'baseline')
    .sort(([, a], [, b]) => a.rmse_return - b.rmse_return);
  const candidate = Object.entries(models).find(([, m]) => m.kind === 'candidate')?.[0] ?? null;
  return {
    schema: EVALUATION_SCHEMA_V2,
    symbol: spec.symbol ?? 'AMZN',
    created_at: '2024-03-29T22:00:00.000Z',
    config_hash: 'c0ffee',
    target: 'next_session_log_return_of_avg_price',
    avg_price: '(high+low)/2',
    data: {
      from: '2019-01-02',
      to: spec.dataTo ?? DATA_TO,
      bars: 1318,
      sha256: spec.sha256 ?? 'a'.repeat(64),
    },
    plan: { gap_days: 5, folds: PLAN_FOLDS, holdout: HOLDOUT },
    models: built,
    best_baseline: spec.best_baseline ?? baselines[0]?.[0] ?? '',
    candidate: spec.candidate === undefined ? candidate : spec.candidate,
  };
}

/** An evaluation with every `readonly` removed, for tests that break one field. */
export type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;

/** A deep copy of `evaluation` changed by `change`; the original is left alone. */
export function mutate(
  evaluation: Evaluation,
  change: (e: Mutable<Evaluation>) => void,
): Evaluation {
  const copy = structuredClone(evaluation) as Mutable<Evaluation>;
  change(copy);
  return copy as Evaluation;
}

/** A model of a mutable evaluation, or a thrown error (keeps tests free of `!`). */
export function modelIn(e: Mutable<Evaluation>, name: string): Mutable<ModelEvaluation> {
  const model = e.models[name];
  if (model === undefined) throw new Error(`fixture has no model ${name}`);
  return model;
}

/** The scores of one range of a model in a mutable evaluation, as a loose record. */
export function scoresIn(
  e: Mutable<Evaluation>,
  name: string,
  which: 'aggregate' | 'holdout' = 'aggregate',
): Record<string, unknown> {
  return modelIn(e, name)[which].scores as unknown as Record<string, unknown>;
}
