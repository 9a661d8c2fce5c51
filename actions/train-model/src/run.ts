import { type AwsClients, defaultAwsClients } from '../../../adapters/aws/awsClients.ts';
import { withResilienceConfig } from '../../../adapters/aws/resilientClient.ts';
import {
  REAL_CLOCK,
  SageMakerTraining,
  type TrainingJobView,
  type WaitClock,
} from '../../../adapters/aws/sagemakerTraining.ts';
import { HyperparameterError } from '../../../core/training/hyperparameters.ts';
import {
  modelArtifactUri,
  type TrainingJobRequest,
  trainingJobRequest,
} from '../../../core/training/trainingJobRequest.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import {
  type ActionReport,
  actionConfig,
  actionRegion,
  actionSymbol,
  cancellationSignal,
  checkHyperparameterOverrides,
  runnerReport,
} from '../../shared/sagemakerActions.ts';
import type { TrainModelInputs } from './inputs.ts';

export interface TrainModelDeps {
  /** Default: clients for the region, honouring AWS_ENDPOINT_URL. */
  readonly clients?: (region: string) => Pick<AwsClients, 'sagemaker' | 'logs'>;
  readonly clock?: WaitClock;
  /** The job's start time (its name). */
  readonly now?: () => Date;
  readonly report?: ActionReport;
  /** Aborted when the workflow is cancelled: the job is stopped. */
  readonly signal?: AbortSignal;
  /** The commit being built (GITHUB_SHA), kept as a tag. */
  readonly gitSha?: string;
}

/** Margin past the job's own stopping condition before the wait gives up. */
const WAIT_MARGIN_MS = 15 * 60_000;

export async function run(inputs: TrainModelInputs, deps: TrainModelDeps = {}): Promise<void> {
  const report = deps.report ?? runnerReport;
  const { config } = actionConfig(inputs.configDir, inputs.env);
  const symbol = actionSymbol(config, inputs.symbol, `${inputs.configDir}/base.yaml`);
  const region = actionRegion(config, inputs.region, inputs.env);
  const request = buildRequest(inputs, deps, config, symbol);
  const training = config.aws?.training;
  if (training === undefined)
    throw new Error('unreachable: trainingJobRequest checks aws.training');

  const clients = deps.clients
    ? deps.clients(region)
    : defaultAwsClients(region, withResilienceConfig(config.resilience));
  const sagemaker = new SageMakerTraining(
    clients.sagemaker,
    clients.logs,
    deps.clock ?? REAL_CLOCK,
  );
  const name = request.TrainingJobName;
  await report.group(`CreateTrainingJob ${name}`, async () => {
    report.info(describeRequest(request));
    await sagemaker.start(request);
  });
  const expected = modelArtifactUri(training, inputs.bucket, name);
  // written at once, so a failed wait still tells later steps which job to look at
  report.output('job-name', name);
  report.output('model-artifact', expected);
  if (!inputs.wait) {
    report.output('metrics', '{}');
    report.info(`started ${name}; not waiting (wait: false)`);
    return;
  }

  const limitSeconds = training.use_spot ? training.max_wait_seconds : training.max_runtime_seconds;
  const job = await report.group(`Training ${name}`, () =>
    sagemaker.wait(name, {
      pollMs: inputs.pollSeconds * 1000,
      timeoutMs: limitSeconds * 1000 + WAIT_MARGIN_MS,
      onStatus: (line) => report.info(line),
      onLog: (line) => report.info(`  | ${line}`),
      signal: deps.signal ?? cancellationSignal(),
    }),
  );
  await report.summary(summary(job, symbol, inputs.env));
  if (job.status !== 'Completed') {
    throw new Error(
      `training job ${name} ${job.status.toLowerCase()}${job.failureReason ? `: ${job.failureReason}` : ''}`,
    );
  }
  const artifact = job.modelArtifact ?? expected;
  report.output('model-artifact', artifact);
  report.output('metrics', JSON.stringify(job.metrics));
  report.info(`${name} completed: ${artifact}`);
}

function buildRequest(
  inputs: TrainModelInputs,
  deps: TrainModelDeps,
  config: Parameters<typeof trainingJobRequest>[0]['config'],
  symbol: string,
): TrainingJobRequest {
  let request: TrainingJobRequest;
  try {
    request = trainingJobRequest({
      config,
      env: inputs.env,
      symbol,
      imageUri: inputs.imageUri,
      roleArn: inputs.roleArn,
      bucket: inputs.bucket,
      overrides: inputs.hyperparameters,
      reason: inputs.reason,
      at: (deps.now ?? (() => new Date()))(),
      ...((deps.gitSha ?? process.env.GITHUB_SHA)
        ? { gitSha: deps.gitSha ?? process.env.GITHUB_SHA ?? '' }
        : {}),
    });
  } catch (error) {
    if (error instanceof HyperparameterError) {
      throw new ConfigurationError(`input "hyperparameters": ${error.problems.join('; ')}`);
    }
    if (error instanceof RangeError) throw new ConfigurationError(error.message);
    throw error;
  }
  checkHyperparameterOverrides(inputs.configDir, inputs.env, request.HyperParameters);
  return request;
}

function describeRequest(r: TrainingJobRequest): string {
  const spot = r.EnableManagedSpotTraining
    ? `managed spot (wait ≤ ${r.StoppingCondition.MaxWaitTimeInSeconds} s)`
    : 'on-demand';
  return [
    `image ${r.AlgorithmSpecification.TrainingImage}`,
    `${r.ResourceConfig.InstanceCount} × ${r.ResourceConfig.InstanceType}, ${r.ResourceConfig.VolumeSizeInGB} GB, ${spot}, run ≤ ${r.StoppingCondition.MaxRuntimeInSeconds} s`,
    `train channel ${r.InputDataConfig[0]?.DataSource.S3DataSource.S3Uri}`,
    `hyperparameters ${JSON.stringify(r.HyperParameters)}`,
  ].join('\n');
}

function summary(job: TrainingJobView, symbol: string, env: string): string {
  const rows = Object.entries(job.metrics)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `| ${k} | ${v} |`);
  return [
    `### Training ${symbol} (${env}): ${job.status}`,
    '',
    `Job \`${job.name}\`${job.billableSeconds === undefined ? '' : `, ${job.billableSeconds} s billed`}.`,
    ...(job.failureReason ? ['', `Failure: ${job.failureReason}`] : []),
    ...(rows.length > 0 ? ['', '| metric | final value |', '| --- | ---: |', ...rows] : []),
    '',
  ].join('\n');
}
