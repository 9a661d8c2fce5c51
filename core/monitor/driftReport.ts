import type { IsoDate } from '../market/isoDate.ts';

export const DRIFT_REPORT_SCHEMA = 'stockops.drift-report/v1';

/** One distribution compared between the training (reference) window and the recent window. */
export interface DistributionDrift {
  /** Population stability index over the reference window's decile bins. */
  readonly psi: number;
  /** Two-sample Kolmogorov–Smirnov statistic D and its asymptotic p-value. */
  readonly ks_statistic: number;
  readonly ks_p_value: number;
  /** True when psi or the KS p-value crosses its configured threshold. */
  readonly drifted: boolean;
  /**
   * The PSI limit applied: psi_threshold, raised to the level sampling noise alone reaches
   * when the samples hold few independent values (serially correlated rolling features).
   */
  readonly psi_limit?: number;
}

/** Realised error of the served model as actual bars arrive, against the best baseline. */
export interface RealisedError {
  readonly model_version: string | null;
  readonly baseline: string;
  /** Days with both a forecast and the actual close. */
  readonly days: number;
  /** RMSE of returns of the model over the rolling window divided by the baseline's. */
  readonly rolling_error_ratio: number | null;
  readonly breached: boolean;
  /** One point per day: the ratio over the window ending that day. */
  readonly series: readonly { readonly date: IsoDate; readonly error_ratio: number }[];
}

/**
 * What `stockops monitor` writes per symbol (monitor/<SYMBOL>/drift/<as_of>.json) and what the
 * report and the dashboard read.
 */
export interface DriftReport {
  readonly schema: typeof DRIFT_REPORT_SCHEMA;
  readonly symbol: string;
  readonly as_of: IsoDate;
  readonly reference: { readonly from: IsoDate; readonly to: IsoDate; readonly rows: number };
  readonly recent: { readonly from: IsoDate; readonly to: IsoDate; readonly rows: number };
  readonly features: Readonly<Record<string, DistributionDrift>>;
  readonly prediction: DistributionDrift | null;
  readonly realised_error: RealisedError | null;
  /** 'drift' when any feature, the prediction or the realised error breached. */
  readonly status: 'ok' | 'drift';
}
