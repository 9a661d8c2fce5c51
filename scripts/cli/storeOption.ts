import { withResilienceConfig } from '../../adapters/aws/resilientClient.ts';
import { createS3Client, parseS3Url, S3ObjectStore } from '../../adapters/aws/s3ObjectStore.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import type { ResilienceConfig } from '../../core/resilience/policySettings.ts';
import { UsageError } from './cliErrors.ts';

/**
 * `--store DIR` (the fallback, built from config or the flag) or `--store s3://BUCKET/PREFIX`.
 * STOCKOPS_S3_ENDPOINT and STOCKOPS_S3_FORCE_PATH_STYLE=true point the client elsewhere (moto).
 */
export function storeFromOption(
  option: string | undefined,
  fallback: ObjectStore,
  resilience?: ResilienceConfig,
): ObjectStore {
  if (!option?.startsWith('s3://')) return fallback;
  const url = parseS3Url(option);
  if (!url) {
    throw new UsageError(
      `--store: expected s3://BUCKET/PREFIX with a valid bucket name (got "${option}")`,
    );
  }
  return new S3ObjectStore({
    bucket: url.bucket,
    prefix: url.prefix,
    client: createS3Client(
      {
        ...(process.env.STOCKOPS_S3_ENDPOINT ? { endpoint: process.env.STOCKOPS_S3_ENDPOINT } : {}),
        ...(process.env.STOCKOPS_S3_FORCE_PATH_STYLE === 'true' ? { forcePathStyle: true } : {}),
      },
      withResilienceConfig(resilience),
    ),
  });
}
