import { customEndpoint } from '../../adapters/aws/awsEndpoint.ts';

/**
 * Settings every AWS client of an action is built from. The SDK (v3) itself honours
 * `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`; what it cannot guess is that a custom
 * endpoint (moto, MinIO, LocalStack) needs path-style S3 URLs and no retries of the 500 an
 * unimplemented call answers with. `region` is the action's input, else the config's.
 */
export interface AwsClientSettings {
  readonly region: string;
  readonly forcePathStyle?: boolean;
  readonly maxAttempts?: number;
}

export function awsClientSettings(
  service: string,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): AwsClientSettings {
  if (customEndpoint(service, env) === undefined) return { region };
  const s3 = service.toLowerCase() === 's3';
  return { region, maxAttempts: 1, ...(s3 ? { forcePathStyle: true } : {}) };
}
