import type { BatchStrategy, SplitType } from './batchRecords.ts';
import { JSON_TYPE, type MediaType } from './invocationError.ts';

/**
 * Batch Transform settings. Snake case because they are meant to live in config, as
 * `aws.transform` (see docs/serving.md); until then the caller passes them.
 */
export interface TransformConfig {
  readonly instance_type: string;
  readonly instance_count: number;
  /** 1–6: the container refuses bodies over 6 MB, as a real-time endpoint would. */
  readonly max_payload_mb: number;
  readonly max_concurrent_transforms: number;
  readonly batch_strategy: BatchStrategy;
  readonly invocation_timeout_seconds: number;
  readonly invocation_max_retries: number;
}

export const DEFAULT_TRANSFORM_CONFIG: TransformConfig = {
  instance_type: 'ml.m5.large',
  instance_count: 1,
  max_payload_mb: 6,
  max_concurrent_transforms: 1,
  batch_strategy: 'MultiRecord',
  invocation_timeout_seconds: 60,
  invocation_max_retries: 1,
};

export interface TransformJobInput {
  readonly symbol: string;
  /** The pipeline run the job belongs to; part of the job name, which must be unique. */
  readonly runId: string;
  /** The environment (dev, staging, prod), for tags. */
  readonly env: string;
  /** The SageMaker Model (CreateModel) of the registered version to run. */
  readonly modelName: string;
  /** Which model of the container's model directory to serve (STOCKOPS_SERVE_MODEL). */
  readonly serveModel?: string;
  /** `s3://bucket/prefix/`: every object under it is one input file. */
  readonly inputS3Uri: string;
  /** `s3://bucket/prefix/`: each input `key` is written as `key.out` under it. */
  readonly outputS3Uri: string;
  readonly contentType: MediaType;
  /** Default: the input's content type. */
  readonly accept?: MediaType;
  /** Line only for one-window-per-line CSV; price CSVs and JSON are whole files. */
  readonly splitType: SplitType;
  /** Encrypts the output objects and the instance volume. */
  readonly kmsKeyId?: string;
}

const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/**
 * The CreateTransformJob request for a batch prediction, as the SDK's
 * CreateTransformJobCommand takes it. Pure: the cloud path renders it and sends it; tests
 * check it. RangeError naming the field for a setting SageMaker would refuse.
 */
export function transformJobRequest(settings: TransformConfig, input: TransformJobInput) {
  const problems: string[] = [];
  const integer = (name: keyof TransformConfig, min: number, max: number) => {
    const v = settings[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got ${v})`);
    }
  };
  integer('instance_count', 1, 100);
  integer('max_payload_mb', 1, 6);
  integer('max_concurrent_transforms', 1, 100);
  integer('invocation_timeout_seconds', 1, 3600);
  integer('invocation_max_retries', 0, 3);
  if (settings.max_concurrent_transforms * settings.max_payload_mb > 100) {
    problems.push(
      `max_concurrent_transforms × max_payload_mb must not exceed 100 MB (got ${settings.max_concurrent_transforms * settings.max_payload_mb})`,
    );
  }
  if (!/^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(settings.instance_type)) {
    problems.push(
      `instance_type must be an ml.* instance type such as ml.m5.large (got "${settings.instance_type}")`,
    );
  }
  if (settings.batch_strategy !== 'MultiRecord' && settings.batch_strategy !== 'SingleRecord') {
    problems.push(
      `batch_strategy must be MultiRecord or SingleRecord (got "${settings.batch_strategy}")`,
    );
  }
  for (const [field, uri] of [
    ['inputS3Uri', input.inputS3Uri],
    ['outputS3Uri', input.outputS3Uri],
  ] as const) {
    if (!S3_URI.test(uri))
      problems.push(`${field} must be an s3://bucket/prefix URI (got "${uri}")`);
  }
  if (input.splitType === 'Line' && input.contentType === JSON_TYPE) {
    problems.push(
      'SplitType Line cannot split a JSON document: use None, or CSV windows one per line',
    );
  }
  const name = transformJobName(input.symbol, input.runId);
  if (problems.length > 0) {
    throw new RangeError(`cannot render the transform job: ${problems.join('; ')}`);
  }
  const kms = input.kmsKeyId;
  return {
    TransformJobName: name,
    ModelName: input.modelName,
    MaxConcurrentTransforms: settings.max_concurrent_transforms,
    MaxPayloadInMB: settings.max_payload_mb,
    BatchStrategy: settings.batch_strategy,
    ModelClientConfig: {
      InvocationsTimeoutInSeconds: settings.invocation_timeout_seconds,
      InvocationsMaxRetries: settings.invocation_max_retries,
    },
    ...(input.serveModel ? { Environment: { STOCKOPS_SERVE_MODEL: input.serveModel } } : {}),
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: input.inputS3Uri } },
      ContentType: input.contentType,
      CompressionType: 'None',
      SplitType: input.splitType,
    },
    TransformOutput: {
      S3OutputPath: input.outputS3Uri,
      Accept: input.accept ?? input.contentType,
      AssembleWith: input.splitType === 'Line' ? 'Line' : 'None',
      ...(kms ? { KmsKeyId: kms } : {}),
    },
    TransformResources: {
      InstanceType: settings.instance_type,
      InstanceCount: settings.instance_count,
      ...(kms ? { VolumeKmsKeyId: kms } : {}),
    },
    DataProcessing: { InputFilter: '$', OutputFilter: '$', JoinSource: 'None' },
    Tags: [
      { Key: 'stockops:symbol', Value: input.symbol },
      { Key: 'stockops:env', Value: input.env },
      { Key: 'stockops:run-id', Value: input.runId },
    ],
  } as const;
}

/**
 * `stockops-amzn-20261126t061824z-d89903`: lowercase, anything but letters and digits turned
 * into single hyphens (BRK.B → brk-b), cut to SageMaker's 63 characters.
 */
export function transformJobName(symbol: string, runId: string): string {
  return `stockops-${symbol}-${runId}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
}
