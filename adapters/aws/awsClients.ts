import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';

/**
 * The clients the actions use when a test injects none. The SDK reads credentials,
 * AWS_ENDPOINT_URL (moto in tests, a VPC endpoint in a private runner) and AWS_MAX_ATTEMPTS
 * from the environment by itself; S3 is switched to path-style URLs under a custom endpoint,
 * because `bucket.localhost` does not resolve.
 */
export interface AwsClients {
  readonly sagemaker: SageMakerClient;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
}

export function defaultAwsClients(region: string, env = process.env): AwsClients {
  const custom = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return {
    sagemaker: new SageMakerClient({ region }),
    s3: new S3Client({ region, ...(custom ? { forcePathStyle: true } : {}) }),
    logs: new CloudWatchLogsClient({ region }),
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
