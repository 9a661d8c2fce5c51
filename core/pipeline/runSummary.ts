import type { ScoredRange } from '../evaluate/evaluationTypes.ts';
import type { QualityStatus } from '../quality/checks.ts';
import type { RegistryOutcome } from './modelSteps.ts';

export const RUN_SUMMARY_SCHEMA = 'stockops.run-summary/v2';

export type StepName =
  | 'ingest'
  | 'validate'
  | 'features'
  | 'evaluate'
  | 'train'
  | 'gate'
  | 'register';

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
  /** Per model (every baseline and the candidate): pooled fold scores and the hold-out. */
  readonly metrics?: {
    readonly best_baseline: string;
    readonly candidate: string | null;
    readonly models: Readonly<
      Record<string, { readonly aggregate: ScoredRange; readonly holdout: ScoredRange }>
    >;
  };
  readonly gate?: {
    readonly decision: 'approve' | 'reject';
    readonly reasons: readonly string[];
    readonly champion: string | null;
  };
  readonly registry?: RegistryOutcome;
  readonly paths: {
    readonly raw: string;
    readonly curated: string;
    readonly quality_report?: string;
    readonly features?: string;
    readonly evaluation?: string;
    readonly gate_decision?: string;
  };
}

/**
 * What `stockops run --json` prints and `runs/<id>/summary.json` holds. Versioned by
 * `schema`; docs/schemas/run-summary.v2.schema.json is its JSON Schema.
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
