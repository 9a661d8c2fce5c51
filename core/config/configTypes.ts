import { AVG_PRICE_FORMULAS, type AvgPriceFormula } from '../features/avgPrice.ts';
import type { ResilienceConfig } from '../resilience/policySettings.ts';

/**
 * The shape of a resolved stockops config: `config/base.yaml` merged with one environment
 * overlay. Hand-written to mirror `config/schema.json` (keys stay snake_case, as in the YAML);
 * `test/config/schema.test.ts` fails when the two drift apart.
 */

/** The environments that have an overlay file, `config/<env>.yaml`, in merge order after base. */
export const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

/** How a bar's single "average price" feature is computed (`features.avg_price`). */
export const AVG_PRICE_METHODS = Object.keys(AVG_PRICE_FORMULAS) as readonly AvgPriceFormula[];
export type AvgPriceMethod = AvgPriceFormula;

export interface StockopsConfig {
  /** Tickers to ingest and forecast, uppercase and unique (`AMZN`, `BRK.B`). */
  readonly symbols: readonly string[];
  readonly data: DataConfig;
  readonly store: StoreConfig;
  readonly quality: QualityConfig;
  readonly features: FeaturesConfig;
  readonly evaluation: EvaluationConfig;
  readonly gate: GateConfig;
  readonly model: ModelConfig;
  readonly tuning: TuningConfig;
  /** `stockops serve` defaults; flags override them. */
  readonly serving?: ServingConfig;
  /** `stockops monitor`: drift and realised-error thresholds; defaults in core/monitor/monitorSettings.ts. */
  readonly monitor?: MonitorConfig;
  /** How the local runner executes a spec's Spark feature tasks; absent means `local`. */
  readonly processing?: ProcessingConfig;
  /**
   * Retry, timeout and circuit breaker per external service (yahoo, s3, sagemaker, …); every
   * entry and key optional, defaults in core/resilience/policySettings.ts (= base.yaml).
   */
  readonly resilience?: ResilienceConfig;
  /** Absent when running on one machine without an AWS account. */
  readonly aws?: AwsConfig;
}

export interface DataConfig {
  /** `yahoo`, or `csv:<dir>` holding one `SYMBOL.csv` per symbol. */
  readonly source: string;
  /** First trading day to ingest on a full load, `YYYY-MM-DD`. */
  readonly start_date: string;
  readonly yahoo: YahooConfig;
}

export interface YahooConfig {
  readonly base_url: string;
  readonly timeout_ms: number;
}

export interface StoreConfig {
  /** Where the local object store keeps its files. */
  readonly root: string;
}

export interface QualityConfig {
  readonly max_daily_move: number;
  readonly split_ratio_tolerance: number;
  readonly max_missing_sessions: number;
}

export interface FeaturesConfig {
  readonly avg_price: AvgPriceMethod;
  readonly volatility_window: number;
  readonly volume_window: number;
  readonly window: number;
}

export interface EvaluationConfig {
  readonly folds: number;
  readonly test_days: number;
  readonly gap_days: number;
  readonly holdout_days: number;
  readonly min_train_days: number;
}

export interface GateConfig {
  /** Candidate RMSE of returns ÷ the best baseline's, at most. */
  readonly max_error_ratio: number;
  readonly max_dm_p_value: number;
  readonly min_directional_accuracy: number;
  readonly min_directional_accuracy_over_base_rate: number;
  readonly min_improvement_vs_champion: number;
  readonly max_mape: number;
  readonly max_rmse_return: number;
}

export interface ModelConfig {
  readonly units: number;
  readonly layers: number;
  readonly dropout: number;
  readonly epochs: number;
  readonly batch_size: number;
  readonly learning_rate: number;
  readonly patience: number;
  readonly validation_fraction: number;
  readonly max_train_days: number;
  readonly warm_start: boolean;
  readonly seed: number;
}

export interface ServingConfig {
  readonly port: number;
  readonly host: string;
  readonly challenger: number | null;
  readonly weights: readonly number[];
}

export interface MonitorConfig {
  /** A feature or the prediction drifted when its PSI is above this (0.2 is the usual "shift"). */
  readonly psi_threshold: number;
  /** … or when the two-sample KS p-value is below this. */
  readonly ks_p_value: number;
  /** Sessions in the reference (training) window. */
  readonly reference_days: number;
  /** Sessions in the recent window, ending at the monitored day. */
  readonly recent_days: number;
  /** Sessions in the rolling realised-error window. */
  readonly error_window_days: number;
  /** The realised RMSE-of-returns ratio (champion ÷ best baseline) at most. */
  readonly max_error_ratio: number;
  /** Consecutive breached sessions that raise the model-degradation alert and the retrain. */
  readonly consecutive_days: number;
  /** Run the retrain locally when the trigger fires (as `stockops monitor --retrain`). */
  readonly retrain_on_trigger: boolean;
}

/**
 * `local`: a features task with `engine: spark` runs core/features in Node (same numbers, no
 * Java); `spark`: it runs processing/spark/features_job.py under local PySpark (.venv-spark).
 */
export interface ProcessingConfig {
  readonly engine: 'local' | 'spark';
}

export interface TuningConfig {
  readonly trials: number;
  readonly ranges: {
    readonly units: readonly [number, number];
    readonly learning_rate: readonly [number, number];
    readonly dropout: readonly [number, number];
    readonly window: readonly [number, number];
  };
}

export interface AwsConfig {
  /** e.g. `us-east-1`. */
  readonly region: string;
  /** The 12-digit account id, as a string (a number would lose leading zeros). */
  readonly account_id?: string;
  readonly github: {
    readonly owner: string;
    readonly repo: string;
    /** Secrets Manager name of the token the dispatch Lambda sends repository_dispatch with. */
    readonly dispatch_token_secret?: string;
  };
  readonly tags: { readonly owner: string; readonly cost_centre: string };
  readonly storage: {
    readonly raw_infrequent_access_days: number;
    readonly raw_archive_days: number;
    readonly noncurrent_expiration_days: number;
    readonly access_log_retention_days: number;
  };
  readonly network: { readonly max_azs: number; readonly nat_gateways: number };
  readonly mwaa: {
    readonly airflow_version: string;
    readonly environment_class: string;
    readonly min_workers: number;
    readonly max_workers: number;
  };
  readonly ingest: {
    readonly schedule_expression: string;
    readonly schedule_timezone: string;
    readonly retry_attempts: number;
    readonly maximum_event_age_seconds: number;
    readonly reserved_concurrency: number;
    readonly memory_mb: number;
    readonly timeout_seconds: number;
  };
  readonly training: TrainingConfig;
  readonly endpoint: {
    readonly mode: ServingMode;
    /** Realtime variants and batch transform jobs. */
    readonly instance_type: string;
    readonly min_capacity: number;
    readonly max_capacity: number;
    readonly target_invocations_per_instance: number;
    /** Realtime only: serverless endpoints cannot capture data. */
    readonly data_capture_percent: number;
    readonly serverless: { readonly memory_mb: number; readonly max_concurrency: number };
  };
  /** E-mail subscribers per alert type. */
  readonly alerts: {
    readonly pipeline_failure: readonly string[];
    readonly data_quality: readonly string[];
    readonly model_degradation: readonly string[];
    readonly infrastructure: readonly string[];
  };
  readonly alarms: {
    readonly lambda_errors: number;
    readonly dlq_depth: number;
    readonly endpoint_5xx: number;
    readonly endpoint_latency_p99_ms: number;
    readonly model_error_ratio: number;
  };
  readonly budget: {
    readonly monthly_usd: number;
    readonly actual_alert_percent: number;
    readonly forecasted_alert_percent: number;
  };
  readonly cost: CostAssumptions;
  readonly emr: { readonly enabled: boolean; readonly release_label: string };
}

/** SageMaker training jobs (the train-model action); S3 prefixes end in `/`. */
export interface TrainingConfig {
  readonly instance_type: string;
  readonly instance_count: number;
  readonly volume_gb: number;
  readonly max_runtime_seconds: number;
  readonly use_spot: boolean;
  /** Spot capacity wait plus the run; greater than max_runtime_seconds (resolveConfig checks). */
  readonly max_wait_seconds: number;
  readonly checkpoint_s3_prefix: string;
  /** One SYMBOL.csv per symbol: the train channel. */
  readonly train_channel_prefix: string;
  readonly output_prefix: string;
}

/**
 * How forecasts are served in AWS: an always-on instance endpoint, a serverless endpoint billed
 * per request, or no endpoint (the daily batch transform writes the forecasts).
 */
export const SERVING_MODES = ['realtime', 'serverless', 'batch'] as const;
export type ServingMode = (typeof SERVING_MODES)[number];

/** What `stockops cost estimate` assumes about usage (`aws.cost`). */
export interface CostAssumptions {
  /** Relative to the config directory. */
  readonly price_table: string;
  readonly runs_per_month: number;
  readonly training_minutes_per_run: number;
  readonly training_instance_type: string;
  readonly spot_training: boolean;
  readonly batch_transform_minutes_per_run: number;
  readonly requests_per_day: number;
  readonly inference_seconds_per_request: number;
  readonly payload_kb_per_request: number;
  readonly storage_gb: number;
  readonly log_gb_per_month: number;
  readonly emr_vcpu_hours_per_month: number;
}

/** The alert types: one SNS topic each in AWS, one alert log locally. */
export const ALERT_TYPES = [
  'pipeline_failure',
  'data_quality',
  'model_degradation',
  'infrastructure',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
