import { type AwsClients, defaultAwsClients } from '../../../adapters/aws/awsClients.ts';
import { evaluationFromArtifact } from '../../../adapters/aws/modelArtifact.ts';
import { withResilienceConfig } from '../../../adapters/aws/resilientClient.ts';
import {
  type SageMakerModelPackages as Packages,
  SageMakerModelPackages,
  type SageMakerPackage,
} from '../../../adapters/aws/sagemakerRegistry.ts';
import { REAL_CLOCK, SageMakerTraining } from '../../../adapters/aws/sagemakerTraining.ts';
import { packageGroupName } from '../../../core/deploy/sagemakerNames.ts';
import type { Evaluation } from '../../../core/evaluate/evaluationTypes.ts';
import type { GateDecision } from '../../../core/gate/gateTypes.ts';
import { evaluateGate } from '../../../core/gate/promotionGate.ts';
import {
  championFromRegistry,
  type RegisteredChampion,
} from '../../../core/gate/registryChampion.ts';
import { renderGateMarkdown } from '../../../core/gate/renderGate.ts';
import { planApproval } from '../../../core/registry/approval.ts';
import {
  METADATA,
  type PlannedPackage,
  plannedPackages,
  readPackageIdentity,
} from '../../../core/registry/packageMetadata.ts';
import { finalMetricMismatches } from '../../../core/training/finalMetricCheck.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import {
  type ActionReport,
  actionConfig,
  actionRegion,
  actionSymbol,
  runnerReport,
} from '../../shared/sagemakerActions.ts';
import type { GatePromotionInputs } from './inputs.ts';

export interface GatePromotionDeps {
  readonly clients?: (region: string) => Pick<AwsClients, 'sagemaker' | 's3' | 'logs'>;
  readonly report?: ActionReport;
}

/** The gate said no and fail-on-reject is on; the package is registered as Rejected first. */
export class GateRejected extends Error {
  constructor(candidate: string, reasons: readonly string[]) {
    super(`${candidate || 'the candidate'} was rejected: ${reasons.join('; ')}`);
    this.name = 'GateRejected';
  }
}

export async function run(
  inputs: GatePromotionInputs,
  deps: GatePromotionDeps = {},
): Promise<void> {
  const report = deps.report ?? runnerReport;
  const { config } = actionConfig(inputs.configDir, inputs.env);
  const symbol = actionSymbol(config, inputs.symbol, `${inputs.configDir}/base.yaml`);
  const region = actionRegion(config, inputs.region, inputs.env);
  const clients = deps.clients
    ? deps.clients(region)
    : defaultAwsClients(region, withResilienceConfig(config.resilience));
  const training = new SageMakerTraining(clients.sagemaker, clients.logs, REAL_CLOCK);
  const packages = new SageMakerModelPackages(clients.sagemaker);

  const evaluation = await candidateEvaluation(inputs, training, clients, symbol);
  const group = packageGroupName(inputs.env, symbol);
  if ((await packages.ensureGroup(group, `${symbol} forecasts (${inputs.env})`)) === 'created') {
    report.warning(`model package group ${group} did not exist and was created`);
  }
  const ownPackages = await packages.find(group, { [METADATA.trainingJob]: inputs.jobName });
  const champion = await currentChampion(packages, group, inputs.jobName, clients);
  const gateChampion = championFromRegistry(evaluation, champion);
  // the very decision `stockops gate` makes: same function, same thresholds
  const decision = evaluateGate({
    candidate: evaluation,
    ...(gateChampion === undefined ? {} : { champion: gateChampion }),
    thresholds: config.gate,
  });
  report.info(
    `gate (${inputs.env} thresholds): ${decision.decision}` +
      `${champion ? ` vs champion v${champion.version} ${champion.model}` : ' (no champion yet)'}`,
  );

  const hasApproved = (await packages.list(group, 'Approved')).length > 0;
  const planned = plannedPackages({
    evaluation,
    decision,
    trainingJob: inputs.jobName,
    firstChampion: !hasApproved && !ownPackages.some((p) => p.status === 'Approved'),
  });
  const registered = await report.group(`Registering in ${group}`, async () => {
    const out: SageMakerPackage[] = [];
    for (const plan of planned)
      out.push(await registerOnce(packages, group, plan, ownPackages, inputs, report));
    return out;
  });
  const candidate = registered.find((p) => readPackageIdentity(p.metadata)?.kind === 'candidate');

  report.output('decision', decision.decision);
  report.output('model-package-arn', candidate?.arn ?? '');
  report.output('reasons', JSON.stringify(decision.reasons));
  await report.summary(summary(decision, inputs, group, registered));
  if (decision.decision === 'reject' && inputs.failOnReject) {
    throw new GateRejected(decision.candidate, decision.reasons);
  }
}

/**
 * The candidate's evaluation: evaluation.json of the job's model.tar.gz, checked against the
 * job (completed, same artifact, same final metrics) and the symbol.
 */
async function candidateEvaluation(
  inputs: GatePromotionInputs,
  training: SageMakerTraining,
  clients: Pick<AwsClients, 's3'>,
  symbol: string,
): Promise<Evaluation> {
  const job = await training.describe(inputs.jobName);
  if (job.status !== 'Completed') {
    throw new ConfigurationError(
      `input "job-name": training job ${inputs.jobName} is ${job.status}${job.failureReason ? ` (${job.failureReason})` : ''}: only a completed job can be gated`,
    );
  }
  if (job.modelArtifact !== undefined && job.modelArtifact !== inputs.modelArtifact) {
    throw new ConfigurationError(
      `input "model-artifact": ${inputs.modelArtifact} is not the artifact of ${inputs.jobName} (${job.modelArtifact})`,
    );
  }
  const evaluation = await evaluationFromArtifact(clients.s3, inputs.modelArtifact);
  if (evaluation.symbol !== symbol) {
    throw new ConfigurationError(
      `${inputs.modelArtifact} holds an evaluation of ${evaluation.symbol}, not ${symbol}: pass the symbol the job trained`,
    );
  }
  const mismatches = finalMetricMismatches(job.metrics, evaluation);
  if (mismatches.length > 0) {
    throw new Error(
      `${inputs.modelArtifact} does not hold the evaluation ${inputs.jobName} reported: ${mismatches.join('; ')}`,
    );
  }
  return evaluation;
}

/**
 * The group's latest Approved version not registered from this job, so that a re-run of the
 * same job meets the champion its first run met and reaches the same decision.
 */
async function currentChampion(
  packages: Packages,
  group: string,
  jobName: string,
  clients: Pick<AwsClients, 's3'>,
): Promise<RegisteredChampion | undefined> {
  const approved = await packages.list(group, 'Approved');
  for (const summary of [...approved].reverse()) {
    const pkg = await packages.describe(summary.arn);
    const identity = readPackageIdentity(pkg.metadata);
    if (identity?.trainingJob === jobName) continue;
    if (identity?.kind === 'baseline') {
      return { kind: 'baseline', model: identity.model, version: pkg.version };
    }
    // an LSTM champion, or a package registered by hand: compared on its own evaluation
    const evaluation = await evaluationFromArtifact(clients.s3, pkg.modelDataUrl);
    const model =
      identity?.model ??
      pkg.environment.STOCKOPS_SERVE_MODEL ??
      evaluation.candidate ??
      evaluation.best_baseline;
    return { kind: 'candidate', model, version: pkg.version, evaluation };
  }
  return undefined;
}

/** Registers the package unless this job already did (a re-run), then aligns its status. */
async function registerOnce(
  packages: Packages,
  group: string,
  plan: PlannedPackage,
  own: readonly SageMakerPackage[],
  inputs: GatePromotionInputs,
  report: ActionReport,
): Promise<SageMakerPackage> {
  const existing = own.find((p) => {
    const identity = readPackageIdentity(p.metadata);
    return identity?.kind === plan.identity.kind && identity.model === plan.identity.model;
  });
  if (existing === undefined) {
    const pkg = await packages.register({
      group,
      description: `${plan.identity.model} (${plan.identity.kind}) from ${inputs.jobName}`,
      image: inputs.imageUri,
      modelDataUrl: inputs.modelArtifact,
      environment: plan.environment,
      status: plan.status,
      approvalDescription: plan.approvalDescription,
      metadata: plan.metadata,
    });
    report.info(`registered ${plan.identity.model} as v${pkg.version}: ${plan.status}`);
    return pkg;
  }
  const id = { id: `${group}/${existing.version}`, status: existing.status };
  if (planApproval(id, plan.status) === 'unchanged') {
    report.info(`${plan.identity.model} is already v${existing.version}: ${existing.status}`);
    return existing;
  }
  await packages.updateApproval(existing.arn, plan.status, plan.approvalDescription);
  report.info(`${plan.identity.model} v${existing.version}: ${existing.status} → ${plan.status}`);
  return { ...existing, status: plan.status, approvalDescription: plan.approvalDescription };
}

function summary(
  decision: GateDecision,
  inputs: GatePromotionInputs,
  group: string,
  registered: readonly SageMakerPackage[],
): string {
  const rows = registered.map(
    (p) =>
      `| ${p.version} | ${p.metadata[METADATA.model] ?? '?'} | ${p.metadata[METADATA.kind] ?? '?'} | ${p.status} |`,
  );
  return [
    renderGateMarkdown(decision),
    `Training job \`${inputs.jobName}\`, thresholds of **${inputs.env}**, group \`${group}\`.`,
    '',
    ...(rows.length > 0
      ? ['| version | model | kind | status |', '| ---: | --- | --- | --- |', ...rows, '']
      : []),
  ].join('\n');
}
