import type { GateConfig } from '../config/configTypes.ts';
import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import type { IsoDate } from '../market/isoDate.ts';

export const GATE_DECISION_SCHEMA = 'stockops.gate-decision/v1';

/** The range of each model's scores the checks read. */
export type GateRange = 'aggregate';

export interface GateChampion {
  /** The champion's evaluation, which must be on the same data and test days as the candidate's. */
  readonly evaluation: Evaluation;
  /** The champion's model name inside that evaluation. */
  readonly model: string;
  /** Registry version, for the record only. */
  readonly version?: number;
}

export interface GateInput {
  readonly candidate: Evaluation;
  /** Absent before the first promotion: the best baseline is then the bar to clear. */
  readonly champion?: GateChampion;
  readonly thresholds: GateConfig;
  /** Last session of the current curated data; when given, an older evaluation is rejected. */
  readonly dataTo?: IsoDate;
  /**
   * Which range the checks read. Only the pooled walk-forward folds: the hold-out stays in
   * evaluation.json for the report, but a gate that read it would let tuning see it.
   */
  readonly range?: GateRange;
}

export type GateComparator = '<=' | '>=' | '==' | 'match';

export interface GateCheck {
  readonly name: string;
  /** The measured value; null when the check is not numeric or the value could not be read. */
  readonly value: number | null;
  readonly threshold: number | null;
  readonly comparator: GateComparator;
  readonly passed: boolean;
  /** One human line: what was compared, or why the check failed or was skipped. */
  readonly detail: string;
}

export interface GateDecision {
  readonly schema: typeof GATE_DECISION_SCHEMA;
  readonly decision: 'approve' | 'reject';
  /** The candidate's model name ('' when the evaluation names none). */
  readonly candidate: string;
  /** The baseline the candidate was compared with ('' when the evaluation names none). */
  readonly best_baseline: string;
  /** The champion's model name, or null when there is none yet. */
  readonly champion: string | null;
  /** `name: detail` for each failed check, in check order; empty on approve. */
  readonly reasons: readonly string[];
  readonly checks: readonly GateCheck[];
}
