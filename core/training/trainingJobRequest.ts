import type { StockopsConfig, TrainingConfig } from '../config/configTypes.ts';
import { metricDefinitions } from '../tuning/sagemakerTuning.ts';
import {
  HYPERPARAMETERS,
  HyperparameterError,
  parseHyperparameters,
  SYMBOL_HYPERPARAMETER,
} from './hyperparameters.ts';

/** The channel the container reads its price files from (training/trainJob.ts). */
export const TRAIN_CHANNEL = 'train';
/** Where SageMaker writes a training job's container output in CloudWatch Logs. */
export const TRAINING_LOG_GROUP = '/aws/sagemaker/TrainingJobs';

export interface TrainingJobInput {
  readonly config: StockopsConfig;
  readonly env: string;
  readonly symbol: string;
  /** The training image (ECR URI). */
  readonly imageUri: string;
  /** The SageMaker execution role. */
  readonly roleArn: string;
  /** The bucket holding the train channel, the checkpoints and the output. */
  readonly bucket: string;
  /** Overrides of the config's hyperparameters, by hyperparameter name (JSON values). */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Why the job runs (a retrain request's reason), kept as a tag. */
  readonly reason: string;
  /** The job's start, for its name. */
  readonly at: Date;
  /** The commit that launched the job, kept as a tag. */
  readonly gitSha?: string;
}

/**
 * `stockops-dev-amzn-20260612-183000`: environment, symbol and UTC start second. The prefix
 * `stockops-<env>-` is what the monitoring stack's failure rule matches.
 */
export function trainingJobName(env: string, symbol: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  return `stockops-${env}-${symbol}-${stamp}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/**
 * The hyperparameters the job is given: every setting the container accepts, from the config,
 * with `overrides` on top, all as strings (SageMaker's HyperParameters are a string map), plus
 * the symbol. Throws HyperparameterError for an unknown name (the container would ignore it,
 * so a typo would train with the default without a word) or a value of the wrong type.
 */
export function trainingHyperparameters(
  config: StockopsConfig,
  symbol: string,
  overrides: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const problems: string[] = [];
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(HYPERPARAMETERS)) {
    const [section, field] = spec.path;
    const value = (config as unknown as Record<string, Record<string, unknown>>)[section]?.[field];
    if (value !== undefined) values[name] = String(value);
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (name === SYMBOL_HYPERPARAMETER) {
      problems.push('symbol: set it with the symbol input, not as a hyperparameter');
      continue;
    }
    if (!Object.hasOwn(HYPERPARAMETERS, name)) {
      problems.push(
        `${name}: not a hyperparameter (known: ${Object.keys(HYPERPARAMETERS).sort().join(', ')})`,
      );
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      problems.push(
        `${name}: expected a number, a boolean or a string (got ${JSON.stringify(value)})`,
      );
      continue;
    }
    values[name] = String(value);
  }
  if (problems.length > 0) throw new HyperparameterError(problems);
  values[SYMBOL_HYPERPARAMETER] = symbol;
  // the container's own parser: a value it would refuse is refused before an instance starts
  parseHyperparameters(values);
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** `s3://bucket/prefix/<job>/output/model.tar.gz`: where SageMaker puts the model directory. */
export function modelArtifactUri(
  training: TrainingConfig,
  bucket: string,
  jobName: string,
): string {
  return `${outputPath(training, bucket)}/${jobName}/output/model.tar.gz`;
}

function outputPath(training: TrainingConfig, bucket: string): string {
  return `s3://${bucket}/${training.output_prefix.replace(/\/+$/, '')}`;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The CreateTrainingJob request, as the SDK's CreateTrainingJobCommand takes it. Pure: the
 * action sends it and tests read it. Settings come from `aws.training`; the metric regexes
 * are the ones the container prints for (metricDefinitions).
 */
export function trainingJobRequest(input: TrainingJobInput) {
  const training = input.config.aws?.training;
  if (training === undefined) {
    throw new RangeError(
      `config for ${input.env} has no aws.training section: SageMaker training needs one`,
    );
  }
  if (!BUCKET.test(input.bucket)) {
    throw new RangeError(`bucket must be an S3 bucket name (got "${input.bucket}")`);
  }
  const name = trainingJobName(input.env, input.symbol, input.at);
  const hyperParameters = trainingHyperparameters(input.config, input.symbol, input.overrides);
  const s3 = (prefix: string) => `s3://${input.bucket}/${prefix}`;
  const tags = [
    { Key: 'stockops:env', Value: input.env },
    { Key: 'stockops:symbol', Value: input.symbol },
    ...(input.reason === '' ? [] : [{ Key: 'stockops:reason', Value: tagValue(input.reason) }]),
    ...(input.gitSha ? [{ Key: 'stockops:git-sha', Value: input.gitSha }] : []),
  ];
  return {
    TrainingJobName: name,
    AlgorithmSpecification: {
      TrainingImage: input.imageUri,
      TrainingInputMode: 'File',
      MetricDefinitions: metricDefinitions(),
      EnableSageMakerMetricsTimeSeries: true,
    },
    RoleArn: input.roleArn,
    HyperParameters: hyperParameters,
    InputDataConfig: [
      {
        ChannelName: TRAIN_CHANNEL,
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            S3Uri: s3(training.train_channel_prefix),
            S3DataDistributionType: 'FullyReplicated',
          },
        },
        ContentType: 'text/csv',
        CompressionType: 'None',
        InputMode: 'File',
      },
    ],
    OutputDataConfig: { S3OutputPath: outputPath(training, input.bucket) },
    ResourceConfig: {
      InstanceType: training.instance_type,
      InstanceCount: training.instance_count,
      VolumeSizeInGB: training.volume_gb,
    },
    StoppingCondition: {
      MaxRuntimeInSeconds: training.max_runtime_seconds,
      ...(training.use_spot ? { MaxWaitTimeInSeconds: training.max_wait_seconds } : {}),
    },
    EnableManagedSpotTraining: training.use_spot,
    // one checkpoint folder per job: two jobs writing one folder would mix their fits
    ...(training.use_spot
      ? {
          CheckpointConfig: {
            S3Uri: s3(`${training.checkpoint_s3_prefix}${name}/`),
            LocalPath: '/opt/ml/checkpoints',
          },
        }
      : {}),
    Environment: { STOCKOPS_ENV: input.env },
    Tags: tags,
  } as const;
}

export type TrainingJobRequest = ReturnType<typeof trainingJobRequest>;

/** Tag values allow at most 256 characters of a limited set. */
function tagValue(text: string): string {
  return text
    .replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, ' ')
    .slice(0, 256)
    .trim();
}

/** FinalMetricDataList → `{name: value}`, finite values only. */
export function finalMetrics(
  list:
    | readonly { readonly MetricName?: string | undefined; readonly Value?: number | undefined }[]
    | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list ?? []) {
    if (m.MetricName !== undefined && typeof m.Value === 'number' && Number.isFinite(m.Value)) {
      out[m.MetricName] = m.Value;
    }
  }
  return out;
}
