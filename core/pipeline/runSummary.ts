import type { NaiveEvaluation } from '../evaluate/naiveEvaluation.ts';
import type { QualityStatus } from '../quality/checks.ts';

export const RUN_SUMMARY_SCHEMA = 'stockops.run-summary/v1';

export type StepName = 'ingest' | 'validate' | 'features' | 'evaluate';

export interface StepRecord {
  readonly step: StepName;
  readonly symbol: string;
  readonly status: 'succeeded' | 'failed';
  readonly duration_ms: number;
  readonly detail: string;
}

export interface SymbolResult {
  readonly status: 'succeeded' | 'failed';
  readonly error?: string;
  readonly rows: {
    readonly fetched: number;
    readonly dropped: number;
    readonly raw_written: number;
    readonly raw_unchanged: number;
    readonly curated: number;
    readonly features: number;
  };
  readonly quality?: {
    readonly status: QualityStatus;
    readonly checks: Readonly<Record<string, { status: QualityStatus; count: number }>>;
  };
  readonly metrics?: {
    readonly persistence: Pick<NaiveEvaluation, 'aggregate' | 'holdout'>;
  };
  readonly paths: {
    readonly raw: string;
    readonly curated: string;
    readonly quality_report?: string;
    readonly features?: string;
    readonly evaluation?: string;
  };
}

/**
 * What `stockops run --json` prints and `runs/<id>/summary.json` holds. Versioned by
 * `schema`; docs/schemas/run-summary.v1.schema.json is its JSON Schema.
 */
export interface RunSummary {
  readonly schema: typeof RUN_SUMMARY_SCHEMA;
  readonly run_id: string;
  readonly env: string;
  readonly status: 'succeeded' | 'failed';
  readonly started_at: string;
  readonly finished_at: string;
  readonly duration_ms: number;
  readonly config_hash: string;
  readonly source: string;
  readonly store: string;
  readonly symbols: readonly string[];
  readonly steps: readonly StepRecord[];
  readonly results: Readonly<Record<string, SymbolResult>>;
  readonly summary_path: string;
}
