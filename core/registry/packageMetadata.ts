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
