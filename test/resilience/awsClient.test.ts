import { createServer } from 'node:net';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clientPolicy,
  createAwsClient,
  isRetryableAwsError,
} from '../../adapters/aws/resilientClient.ts';
import { createS3Client } from '../../adapters/aws/s3ObjectStore.ts';
import {
  CircuitOpenError,
  type ResiliencePolicy,
  RetriesExhaustedError,
} from '../../adapters/resilience/resiliencePolicy.ts';
import { DEFAULT_POLICIES } from '../../core/resilience/policySettings.ts';
import { type MotoServer, startMoto } from '../support/motoServer.ts';

let moto: MotoServer;
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
});

/** A port nothing listens on: bound, then closed, so a connection is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

function s3Against(endpoint: string, resilience = {}) {
  const sleeps: number[] = [];
  const client = createS3Client(
    { endpoint, region: 'us-east-1', forcePathStyle: true, credentials },
    {
      resilience,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  );
  return { client, sleeps, policy: clientPolicy(client) as ResiliencePolicy };
}

describe('the AWS client factory', () => {
  it("turns the SDK's own retries off and runs calls under the named policy", async () => {
    const { client, policy } = s3Against(moto.endpoint);
    expect(await client.config.maxAttempts()).toBe(1);
    expect(policy.name).toBe('s3');
    expect(policy.settings).toEqual(DEFAULT_POLICIES.s3);
    const sns = createAwsClient(SNSClient, { region: 'us-east-1' }, 'sns', {
      resilience: { sns: { max_attempts: 5 } },
    });
    expect(await sns.config.maxAttempts()).toBe(1);
    expect(clientPolicy(sns)?.settings.maxAttempts).toBe(5);
    expect(() =>
      createAwsClient(S3Client, {}, 's3', { resilience: { s3: { max_attempts: 0 } } }),
    ).toThrow(/resilience\.s3\.max_attempts must be an integer >= 1/);
  });

  it('works against moto over HTTP, and keeps the client an S3Client', async () => {
    const { client, policy } = s3Against(moto.endpoint);
    expect(client).toBeInstanceOf(S3Client);
    await client.send(new CreateBucketCommand({ Bucket: 'resilient' }));
    await client.send(new PutObjectCommand({ Bucket: 'resilient', Key: 'k', Body: 'v' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'resilient', Key: 'k' }));
    expect(await got.Body?.transformToString()).toBe('v');
    expect(policy.stats).toMatchObject({ calls: 3, attempts: 3, retries: 0, failures: 0 });
  });

  it('does not retry a 4xx (NoSuchKey, NoSuchBucket): it fails at once, unchanged', async () => {
    const { client, policy, sleeps } = s3Against(moto.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'resilient' }));
    const missing = await client
      .send(new GetObjectCommand({ Bucket: 'resilient', Key: 'nope' }))
      .catch((e: unknown) => e);
    expect((missing as Error).name).toBe('NoSuchKey');
    expect(isRetryableAwsError(missing)).toBe(false);
    const noBucket = await client
      .send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'v' }))
      .catch((e: unknown) => e);
    expect((noBucket as Error).name).toBe('NoSuchBucket');
    expect(policy.stats).toMatchObject({ attempts: 3, retries: 0 });
    expect(sleeps).toEqual([]);
    expect(policy.circuit).toBe('closed');
  });

  it('retries an unreachable endpoint max_attempts times, then fails with the policy error', async () => {
    const port = await closedPort();
    const { client, policy, sleeps } = s3Against(`http://localhost:${port}`, {
      s3: { max_attempts: 4, initial_delay_ms: 100, max_delay_ms: 1000, breaker_failures: 2 },
    });
    const error = await client
      .send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toMatch(/^s3 GetObject: gave up after 4 attempts: /);
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(policy.stats.attempts).toBe(4);
    // equal jitter at 0.5: 75, 150, 300 ms (recorded, not slept)
    expect(sleeps).toEqual([75, 150, 300]);

    // a second exhausted call opens the breaker; the third is refused without a connection
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })),
    ).rejects.toBeInstanceOf(RetriesExhaustedError);
    const refused = client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(refused).rejects.toThrow(/s3 GetObject: not called, the circuit is open after 2/);
    expect(policy.stats.attempts).toBe(8);
  });

  it('classifies throttling, 5xx, timeouts and network errors as retryable, 4xx as not', () => {
    const sdk = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    expect(isRetryableAwsError(sdk('ThrottlingException', 400))).toBe(true);
    expect(isRetryableAwsError(sdk('SlowDown', 503))).toBe(true);
    expect(isRetryableAwsError(sdk('TooManyRequestsException', 429))).toBe(true);
    expect(isRetryableAwsError(sdk('InternalError', 500))).toBe(true);
    expect(isRetryableAwsError(sdk('NotImplemented', 501))).toBe(true);
    expect(isRetryableAwsError(sdk('RequestTimeout', 400))).toBe(true);
    expect(isRetryableAwsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(isRetryableAwsError(sdk('ValidationException', 400))).toBe(false);
    expect(isRetryableAwsError(sdk('AccessDeniedException', 403))).toBe(false);
    expect(isRetryableAwsError(sdk('ResourceNotFound', 404))).toBe(false);
    expect(isRetryableAwsError(undefined)).toBe(false);
  });

  it('passes per-command overrides and refuses to wrap a client twice', async () => {
    const port = await closedPort();
    const client = createAwsClient(
      S3Client,
      {
        endpoint: `http://localhost:${port}`,
        region: 'us-east-1',
        credentials,
        forcePathStyle: true,
      },
      's3',
      { overrides: { GetObjectCommand: { maxAttempts: 1 } }, sleep: async () => {} },
    );
    await expect(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toThrow(
      /gave up after 1 attempt:/,
    );
    await expect(
      client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'v' })),
    ).rejects.toThrow(/s3 PutObject: gave up after 3 attempts/);
    const policy = clientPolicy(client) as ResiliencePolicy;
    const { withResilience } = await import('../../adapters/aws/resilientClient.ts');
    expect(() => withResilience(client, policy)).toThrow(/already runs under a resilience policy/);
  });
});
