import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import type { GateDecision } from '../gate/gateTypes.ts';
import { metricsFromEvaluation } from './evaluationMetrics.ts';

/**
 * What a SageMaker model package carries about itself, in CustomerMetadataProperties (a flat
 * string map: at most 50 entries, keys ≤ 128 and values ≤ 256 characters). The `stockops:`
 * keys say what the package is; the dotted ones are the registry's flat metrics
 * (metricsFromEvaluation), so both registries record the same numbers.
 */
export const METADATA = {
  kind: 'stockops:kind',
  model: 'stockops:model',
  trainingJob: 'stockops:training-job',
  symbol: 'stockops:symbol',
  dataSha256: 'stockops:data-sha256',
  dataTo: 'stockops:data-to',
  configHash: 'stockops:config-hash',
} as const;

export interface PackageIdentity {
  readonly kind: 'baseline' | 'candidate';
  readonly model: string;
  readonly trainingJob: string;
}

export function packageMetadata(
  identity: PackageIdentity,
  evaluation: Evaluation,
): Record<string, string> {
  const model = evaluation.models[identity.model];
  const metrics = model ? metricsFromEvaluation(model, evaluation.best_baseline) : {};
  const out: Record<string, string> = {
    [METADATA.kind]: identity.kind,
    [METADATA.model]: identity.model,
    [METADATA.trainingJob]: identity.trainingJob,
    [METADATA.symbol]: evaluation.symbol,
    [METADATA.dataSha256]: evaluation.data.sha256,
    [METADATA.dataTo]: evaluation.data.to,
    [METADATA.configHash]: evaluation.config_hash,
  };
  for (const [name, value] of Object.entries(metrics)) {
    out[name] = value === null ? 'null' : String(value);
  }
  return out;
}

/** The identity stored by packageMetadata; undefined for a package stockops did not register. */
export function readPackageIdentity(
  metadata: Readonly<Record<string, string>> | undefined,
): PackageIdentity | undefined {
  const kind = metadata?.[METADATA.kind];
  const model = metadata?.[METADATA.model];
  const trainingJob = metadata?.[METADATA.trainingJob];
  if ((kind !== 'baseline' && kind !== 'candidate') || !model || !trainingJob) return undefined;
  return { kind, model, trainingJob };
}

const DESCRIPTION_LIMIT = 1024;

/** ApprovalDescription (≤ 1024 characters): why the package has its status. */
export function approvalDescription(identity: PackageIdentity, decision: GateDecision): string {
  const text =
    identity.kind === 'baseline'
      ? `baseline ${identity.model}: the best baseline of ${identity.trainingJob}, approved by rule as the first champion`
      : decision.decision === 'approve'
        ? `gate: passed every check (vs ${decision.champion ?? `best baseline ${decision.best_baseline}`})`
        : `gate: ${decision.reasons.join('; ')}`;
  return text.length <= DESCRIPTION_LIMIT ? text : `${text.slice(0, DESCRIPTION_LIMIT - 1)}…`;
}

/** One package gate-promotion registers: what it is, with which status and why. */
export interface PlannedPackage {
  readonly identity: PackageIdentity;
  readonly status: 'Approved' | 'Rejected';
  readonly approvalDescription: string;
  /** The container environment: which model of the model directory the package serves. */
  readonly environment: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * What a gate decision registers, in order. A group with no Approved version first gets the
 * best baseline, Approved by rule, so the endpoint serves the best model the evidence supports
 * from the first deploy (as the local registry does; the other baselines stay in the
 * evaluation). Then the candidate, Approved or Rejected by the gate, registered after the
 * baseline so that an approved candidate is the group's latest Approved version: the champion.
 */
export function plannedPackages(input: {
  readonly evaluation: Evaluation;
  readonly decision: GateDecision;
  readonly trainingJob: string;
  readonly firstChampion: boolean;
}): PlannedPackage[] {
  const { evaluation, decision, trainingJob } = input;
  const planned: PlannedPackage[] = [];
  const add = (identity: PackageIdentity, status: PlannedPackage['status']) =>
    planned.push({
      identity,
      status,
      approvalDescription: approvalDescription(identity, decision),
      environment: { STOCKOPS_SERVE_MODEL: identity.model },
      metadata: packageMetadata(identity, evaluation),
    });
  const best = evaluation.best_baseline;
  if (input.firstChampion && evaluation.models[best]?.kind === 'baseline') {
    add({ kind: 'baseline', model: best, trainingJob }, 'Approved');
  }
  const candidate = evaluation.candidate;
  if (candidate !== null && evaluation.models[candidate]?.kind === 'candidate') {
    add(
      { kind: 'candidate', model: candidate, trainingJob },
      decision.decision === 'approve' ? 'Approved' : 'Rejected',
    );
  }
  return planned;
}
