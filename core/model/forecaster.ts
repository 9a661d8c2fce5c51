import type { FeatureTable } from '../features/featureTable.ts';

/**
 * A forecast origin is a row index t of a FeatureTable: the forecast is made after the close
 * of day t for the next session, and its target is `columns.log_return[t + 1]`, the log
 * change of avg_price from t to t+1. Predictions are log returns; prices are derived.
 */
export type Origin = number;

export interface FitContext {
  /** Walk-forward fold (0-based), or -1 for the hold-out / final fits. */
  readonly fold: number;
  /** The same model's fit on the previous fold, for warm starts. Earlier data only. */
  readonly previous?: FittedModel;
}

/** A model that can be fitted on training origins: a baseline or the LSTM candidate. */
export interface Forecaster {
  readonly name: string;
  readonly kind: 'baseline' | 'candidate';
  /**
   * Fits on `trainOrigins` (ascending). Must read nothing at or after row max(trainOrigins)+2:
   * a training origin's target is the next row, and nothing later may leak in.
   */
  fit(
    table: FeatureTable,
    trainOrigins: readonly Origin[],
    context: FitContext,
  ): Promise<FittedModel>;
}

export interface FittedModel {
  readonly name: string;
  /**
   * Predicted log return of avg_price from each origin to the next session. Reads only rows
   * ≤ origin (the forecast at t is unchanged when any later bar changes).
   */
  predict(table: FeatureTable, origins: readonly Origin[]): Promise<Float64Array>;
  /** Hyperparameters or coefficients worth recording in the registry. */
  describe(): Record<string, unknown>;
  /** Frees what the model holds outside the JS heap (tensors); optional for plain models. */
  dispose?(): void;
}
