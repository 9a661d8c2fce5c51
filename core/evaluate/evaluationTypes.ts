import type { IsoDate } from '../market/isoDate.ts';

/**
 * evaluation.json, v2: what the gate, the registry and the report read. Every model — the
 * candidate and each baseline — is scored on exactly the same forecast origins. Dates are
 * forecast *target* dates (the session whose avg_price is forecast). The JSON Schema is
 * docs/schemas/evaluation.v2.schema.json.
 */
export const EVALUATION_SCHEMA_V2 = 'stockops.evaluation/v2';

export interface ForecastScores {
  /** Forecasts scored. */
  readonly n: number;
  readonly rmse_price: number;
  readonly mae_price: number;
  /** Mean absolute percentage error of avg_price, as a fraction. */
  readonly mape_price: number;
  readonly rmse_return: number;
  readonly mae_return: number;
  /**
   * Mean absolute scaled error: MAE of returns ÷ the in-sample MAE of persistence (mean |r|)
   * over the fold's training targets. Below 1 beats persistence's training-period error.
   */
  readonly mase: number;
  /** Sign hits ÷ forecasts that call a direction (non-zero); null when none do. */
  readonly directional_accuracy: number | null;
  /** Share of up days (r > 0) on the same dates: the bar a direction call must clear. */
  readonly up_day_rate: number;
}

/** How the model compares with one baseline on the same dates. */
export interface BaselineComparison {
  readonly baseline: string;
  /** rmse_return(model) ÷ rmse_return(baseline); < 1 means the model is better. */
  readonly error_ratio: number;
  /**
   * One-sided Diebold–Mariano test, squared-error loss, horizon 1, with the
   * Harvey–Leybourne–Newbold small-sample correction; H1: the model is more accurate.
   * Statistic is negative when the model's losses are smaller; p from Student t, n−1 df.
   */
  readonly dm_statistic: number;
  readonly dm_p_value: number;
}

export interface ScoredRange {
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly scores: ForecastScores;
  /** Keyed by baseline name; a baseline is not compared with itself. */
  readonly vs: Readonly<Record<string, BaselineComparison>>;
}

export interface FoldPlanEntry {
  readonly fold: number;
  /** Target dates of the training origins actually used (after max_train_days). */
  readonly train_from: IsoDate;
  readonly train_to: IsoDate;
  readonly test_from: IsoDate;
  readonly test_to: IsoDate;
  readonly n_train: number;
  readonly n_test: number;
}

export interface ModelEvaluation {
  readonly name: string;
  readonly kind: 'baseline' | 'candidate';
  readonly folds: readonly (ScoredRange & { readonly fold: number })[];
  /** All fold test days pooled. */
  readonly aggregate: ScoredRange;
  /** The final stretch no fold tests on and tuning never sees. */
  readonly holdout: ScoredRange;
  /** Hyperparameters or coefficients (FittedModel.describe of the hold-out fit). */
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * Every forecast scored, one entry per target date in time order: the fold test days, then the
 * hold-out. Parallel arrays keep the file small; the report and the notebook draw from them.
 * Forecasts are rounded to 9 significant digits, far below any score's precision.
 */
export interface EvaluationForecasts {
  /** Target dates. */
  readonly dates: readonly IsoDate[];
  /** Fold index of each date; -1 for the hold-out. */
  readonly fold: readonly number[];
  /** avg_price at the origin (the session before the target). */
  readonly origin_avg_price: readonly number[];
  /** ln(avg_price[target] / avg_price[origin]). */
  readonly actual_log_return: readonly number[];
  /** Keyed by model name: its forecast log return for each date. */
  readonly predicted_log_return: Readonly<Record<string, readonly number[]>>;
}

export interface Evaluation {
  readonly schema: typeof EVALUATION_SCHEMA_V2;
  readonly symbol: string;
  readonly created_at: string;
  readonly config_hash: string;
  readonly target: 'next_session_log_return_of_avg_price';
  readonly avg_price: string;
  /** The data evaluated: its last session (for staleness) and a hash of its bars. */
  readonly data: {
    readonly from: IsoDate;
    readonly to: IsoDate;
    readonly bars: number;
    readonly sha256: string;
  };
  readonly plan: {
    readonly gap_days: number;
    readonly folds: readonly FoldPlanEntry[];
    readonly holdout: { readonly from: IsoDate; readonly to: IsoDate; readonly n: number };
  };
  readonly models: Readonly<Record<string, ModelEvaluation>>;
  /** The baseline with the lowest aggregate rmse_return: the one a candidate must beat. */
  readonly best_baseline: string;
  /** The candidate's name, when one was evaluated. */
  readonly candidate: string | null;
  /** The forecasts behind the scores; absent in evaluations written before it was added. */
  readonly forecasts?: EvaluationForecasts;
}
