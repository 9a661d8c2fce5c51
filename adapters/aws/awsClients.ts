import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { customEndpoint } from './awsEndpoint.ts';
import { type AwsResilienceOptions, createAwsClient } from './resilientClient.ts';

/**
 * The clients the actions use when a test injects none. The SDK reads credentials and
 * AWS_ENDPOINT_URL (moto in tests, a VPC endpoint in a private runner) from the environment by
 * itself; S3 is switched to path-style URLs under a custom endpoint, because `bucket.localhost`
 * does not resolve. Each client runs under its resilience policy (`sagemaker`, `s3`,
 * `cloudwatch_logs`) from the config's `resilience` section; the SDK's own retries are off.
 */
export interface AwsClients {
  readonly sagemaker: SageMakerClient;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
}

export function defaultAwsClients(
  region: string,
  options: AwsResilienceOptions & { readonly env?: NodeJS.ProcessEnv } = {},
): AwsClients {
  const env = options.env ?? process.env;
  const custom = customEndpoint('s3', env) !== undefined;
  return {
    sagemaker: createAwsClient(SageMakerClient, { region }, 'sagemaker', options),
    s3: createAwsClient(
      S3Client,
      { region, ...(custom ? { forcePathStyle: true } : {}) },
      's3',
      options,
    ),
    logs: createAwsClient(CloudWatchLogsClient, { region }, 'cloudwatch_logs', options),
  };
}

/** `ValidationException: Could not find …`: SageMaker's answer for a name that does not exist. */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return (
    (e?.name === 'ValidationException' || e?.name === 'ResourceNotFound') &&
    /could not find|not found|does not exist/i.test(e.message ?? '')
  );
}
