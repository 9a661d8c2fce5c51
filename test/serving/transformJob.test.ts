import { describe, expect, it } from 'vitest';
import { assemble, miniBatches } from '../../core/serving/batchRecords.ts';
import {
  DEFAULT_TRANSFORM_CONFIG,
  type TransformJobInput,
  transformJobName,
  transformJobRequest,
} from '../../core/serving/transformJob.ts';

const input: TransformJobInput = {
  symbol: 'AMZN',
  runId: '20261126T061824Z-d89903',
  env: 'prod',
  modelName: 'stockops-amzn-v2',
  serveModel: 'last_close',
  inputS3Uri: 's3://stockops-prod-data/batch/input/symbol=AMZN/',
  outputS3Uri: 's3://stockops-prod-data/batch/output/symbol=AMZN/',
  contentType: 'text/csv',
  splitType: 'None',
  kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abc',
};

describe('CreateTransformJob request', () => {
  it('renders every field from the settings and the job', () => {
    expect(transformJobRequest(DEFAULT_TRANSFORM_CONFIG, input)).toEqual({
      TransformJobName: 'stockops-amzn-20261126t061824z-d89903',
      ModelName: 'stockops-amzn-v2',
      MaxConcurrentTransforms: 1,
      MaxPayloadInMB: 6,
      BatchStrategy: 'MultiRecord',
      ModelClientConfig: { InvocationsTimeoutInSeconds: 60, InvocationsMaxRetries: 1 },
      Environment: { STOCKOPS_SERVE_MODEL: 'last_close' },
      TransformInput: {
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            S3Uri: 's3://stockops-prod-data/batch/input/symbol=AMZN/',
          },
        },
        ContentType: 'text/csv',
        CompressionType: 'None',
        SplitType: 'None',
      },
      TransformOutput: {
        S3OutputPath: 's3://stockops-prod-data/batch/output/symbol=AMZN/',
        Accept: 'text/csv',
        AssembleWith: 'None',
        KmsKeyId: input.kmsKeyId,
      },
      TransformResources: {
        InstanceType: 'ml.m5.large',
        InstanceCount: 1,
        VolumeKmsKeyId: input.kmsKeyId,
      },
      DataProcessing: { InputFilter: '$', OutputFilter: '$', JoinSource: 'None' },
      Tags: [
        { Key: 'stockops:symbol', Value: 'AMZN' },
        { Key: 'stockops:env', Value: 'prod' },
        { Key: 'stockops:run-id', Value: '20261126T061824Z-d89903' },
      ],
    });
  });

  it('splits windows by line and reassembles by line; no KMS or model choice when not given', () => {
    const { kmsKeyId: _, serveModel: __, ...plain } = input;
    const r = transformJobRequest(
      { ...DEFAULT_TRANSFORM_CONFIG, max_concurrent_transforms: 4, batch_strategy: 'SingleRecord' },
      { ...plain, splitType: 'Line', accept: 'application/json' },
    );
    expect(r.TransformInput.SplitType).toBe('Line');
    expect(r.TransformOutput).toEqual({
      S3OutputPath: input.outputS3Uri,
      Accept: 'application/json',
      AssembleWith: 'Line',
    });
    expect(r.TransformResources).toEqual({ InstanceType: 'ml.m5.large', InstanceCount: 1 });
    expect('Environment' in r).toBe(false);
    expect(r.BatchStrategy).toBe('SingleRecord');
  });

  it('refuses what SageMaker would refuse, naming every field', () => {
    const attempt = () =>
      transformJobRequest(
        {
          ...DEFAULT_TRANSFORM_CONFIG,
          max_payload_mb: 10,
          max_concurrent_transforms: 20,
          instance_count: 0,
          instance_type: 'm5.large',
          batch_strategy: 'Everything' as 'MultiRecord',
          invocation_timeout_seconds: 0,
          invocation_max_retries: 5,
        },
        {
          ...input,
          inputS3Uri: 'https://bucket/x',
          contentType: 'application/json',
          splitType: 'Line',
        },
      );
    expect(attempt).toThrow(RangeError);
    const message = (() => {
      try {
        attempt();
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const part of [
      'instance_count must be an integer from 1 to 100 (got 0)',
      'max_payload_mb must be an integer from 1 to 6 (got 10)',
      'max_concurrent_transforms × max_payload_mb must not exceed 100 MB (got 200)',
      'instance_type must be an ml.* instance type',
      'batch_strategy must be MultiRecord or SingleRecord',
      'invocation_timeout_seconds must be an integer from 1 to 3600',
      'invocation_max_retries must be an integer from 0 to 3',
      'inputS3Uri must be an s3://bucket/prefix URI (got "https://bucket/x")',
      'SplitType Line cannot split a JSON document',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('names jobs within SageMaker rules', () => {
    expect(transformJobName('BRK.B', 'r1')).toBe('stockops-brk-b-r1');
    const long = transformJobName('AMZN', `${'x'.repeat(60)}-tail`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(transformJobName('AMZN', `${'y'.repeat(49)}--z`)).not.toMatch(/-$/);
  });
});

describe('Batch Transform records', () => {
  const plan = { splitType: 'Line', batchStrategy: 'MultiRecord', maxPayloadBytes: 12 } as const;

  it('None: the whole file is one request, refused past MaxPayloadInMB', () => {
    expect(miniBatches('a\nb\n', { ...plan, splitType: 'None' })).toEqual(['a\nb\n']);
    expect(() => miniBatches('x'.repeat(13), { ...plan, splitType: 'None' })).toThrow(
      /over MaxPayloadInMB .*SplitType Line/,
    );
    expect(assemble(['a', 'b'], 'None')).toBe('ab');
  });

  it('Line: MultiRecord packs whole lines up to the limit; SingleRecord sends one each', () => {
    expect(miniBatches('aaaa\nbbbb\n\ncccc\r\ndd\n', plan)).toEqual([
      'aaaa\nbbbb\n',
      'cccc\r\ndd\n',
    ]);
    expect(miniBatches('a\nb\n', { ...plan, batchStrategy: 'SingleRecord' })).toEqual([
      'a\n',
      'b\n',
    ]);
    expect(() => miniBatches('x'.repeat(12), plan)).toThrow(/record 1 is .* over MaxPayloadInMB/);
    expect(assemble(['1\n2\n', '3', ''], 'Line')).toBe('1\n2\n3\n');
  });
});
