import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createS3Client,
  parseS3Url,
  S3ObjectStore,
  S3StoreError,
} from '../../adapters/aws/s3ObjectStore.ts';
import { startFaultyYahoo } from '../support/faultyYahoo.ts';
import { countRows, ingestHarness, snapshot } from '../support/ingestHarness.ts';
import { type MotoServer, motoMissing, startMoto } from '../support/motoServer.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

const BUCKET = 'stockops-test-data';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  await client().send(new CreateBucketCommand({ Bucket: BUCKET }));
});

/** A client on moto, counting the commands it sends. */
function client(requestHandler?: S3Client['config']['requestHandler']) {
  const c = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials,
    ...(requestHandler ? { requestHandler } : {}),
  });
  return c;
}

function counting(c: S3Client) {
  const sent: string[] = [];
  c.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return sent;
}

const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

describe('S3 object store on moto over HTTP', () => {
  it('puts, gets, heads, lists (paginated, under a prefix) and deletes', async () => {
    const store = new S3ObjectStore({
      bucket: BUCKET,
      prefix: 'stockops/dev',
      client: client(),
      pageSize: 2,
    });
    expect(store.location).toBe(`s3://${BUCKET}/stockops/dev`);
    const put = await store.put(
      'raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json',
      '{"close":1}\n',
    );
    expect(put).toEqual({
      key: 'raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json',
      size: 12,
      sha256: createHash('sha256').update('{"close":1}\n').digest('hex'),
      written: true,
    });
    expect(
      text(await store.get('raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json')),
    ).toBe('{"close":1}\n');
    expect(
      await store.head('raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json'),
    ).toEqual({
      key: 'raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json',
      size: 12,
      sha256: put.sha256,
    });
    const keys = [
      'curated/symbol=AMZN/year=2024/month=01/bars.csv',
      'curated/symbol=AMZN/year=2024/month=02/bars.csv',
      'curated/symbol=AMZN/year=2024/month=03/bars.csv',
      'curated/symbol=MSFT/year=2024/month=01/bars.csv',
      'curated/symbol=AMZN/year=2023/month=12/bars.csv',
    ];
    for (const k of keys) await store.put(k, `date\n${k}\n`);
    // five keys under curated/symbol=AMZN/ in pages of two: three pages, sorted, prefix stripped
    expect(await store.list('curated/symbol=AMZN/')).toEqual(
      [...keys.filter((k) => k.includes('AMZN'))].sort(),
    );
    expect(await store.list('')).toHaveLength(6);
    expect(await store.get('curated/symbol=NONE/x.csv')).toBeUndefined();
    expect(await store.head('curated/symbol=NONE/x.csv')).toBeUndefined();
    await store.delete(keys[0] as string);
    expect(await store.get(keys[0] as string)).toBeUndefined();
    // the objects really are under the prefix, with their hash in the metadata
    const raw = await client().send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `stockops/dev/${keys[1]}` }),
    );
    expect(raw.Metadata?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(raw.ContentType).toBe('text/csv; charset=utf-8');
  });

  it('does not rewrite unchanged data: HeadObject only, no PutObject', async () => {
    const c = client();
    const sent = counting(c);
    const store = new S3ObjectStore({ bucket: BUCKET, client: c });
    const body = 'date,open,high,low,close,adj_close,volume\n2024-03-11,1,2,0.5,1.5,1.5,100\n';
    expect((await store.put('curated/m.csv', body)).written).toBe(true);
    const first = await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'curated/m.csv' }));
    sent.length = 0;
    const again = await store.put('curated/m.csv', Buffer.from(body));
    expect(again.written).toBe(false);
    expect(sent).toEqual(['HeadObjectCommand']);
    const second = await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'curated/m.csv' }));
    expect(second.ETag).toBe(first.ETag);
    expect(second.LastModified).toEqual(first.LastModified);
    sent.length = 0;
    expect(
      (await store.put('curated/m.csv', `${body}2024-03-12,1,2,0.5,1.5,1.5,100\n`)).written,
    ).toBe(true);
    expect(sent).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
  });

  it('a write that fails mid-upload leaves the previous object whole and no partial one', async () => {
    // The connection drops after half the body: S3 (and moto) keep the old object, and a new
    // key that never completed does not exist. The adapter's error names the bucket and key.
    // the SDK's own Node handler, wrapped (taken from a client, not imported from @smithy)
    const inner = client().config.requestHandler as unknown as {
      handle(request: unknown, options?: unknown): Promise<unknown>;
      updateHttpClientConfig(key: never, value: never): void;
      httpHandlerConfigs(): unknown;
      destroy(): void;
    };
    let cut = false;
    const dropping = {
      handle: (
        request: { method: string; body: unknown },
        options?: { abortSignal?: AbortSignal },
      ) => {
        if (!cut || request.method !== 'PUT') return inner.handle(request, options);
        const body = Buffer.from(request.body as Uint8Array);
        const abort = new AbortController();
        let sent = false;
        request.body = new Readable({
          read() {
            if (sent) return;
            sent = true;
            this.push(body.subarray(0, body.length >> 1));
            setTimeout(() => abort.abort(new Error('connection dropped (injected)')), 50);
          },
        });
        return inner.handle(request, { ...options, abortSignal: abort.signal });
      },
      updateHttpClientConfig: inner.updateHttpClientConfig.bind(inner),
      httpHandlerConfigs: inner.httpHandlerConfigs.bind(inner),
      destroy: inner.destroy.bind(inner),
    };
    const store = new S3ObjectStore({ bucket: BUCKET, client: client(dropping as never) });
    const v1 = `date,close\n${'2024-03-11,1\n'.repeat(5000)}`;
    const put1 = await store.put('curated/symbol=AMZN/year=2024/month=03/bars.csv', v1);
    cut = true;
    const failed = store.put(
      'curated/symbol=AMZN/year=2024/month=03/bars.csv',
      v1.replaceAll(',1\n', ',2\n'),
    );
    await expect(failed).rejects.toThrow(S3StoreError);
    await expect(failed).rejects.toThrow(
      new RegExp(
        `^S3 PutObject s3://${BUCKET}/curated/symbol=AMZN/year=2024/month=03/bars\\.csv failed: `,
      ),
    );
    await expect(store.put('curated/symbol=AMZN/year=2024/month=04/bars.csv', v1)).rejects.toThrow(
      S3StoreError,
    );
    cut = false;
    expect(text(await store.get('curated/symbol=AMZN/year=2024/month=03/bars.csv'))).toBe(v1);
    expect((await store.head('curated/symbol=AMZN/year=2024/month=03/bars.csv'))?.sha256).toBe(
      put1.sha256,
    );
    expect(await store.get('curated/symbol=AMZN/year=2024/month=04/bars.csv')).toBeUndefined();
    expect(await store.list('')).toEqual(['curated/symbol=AMZN/year=2024/month=03/bars.csv']);
  });

  it('hashes objects written by other tools, which carry no sha256 metadata', async () => {
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/x.json', Body: '{}' }));
    const store = new S3ObjectStore({ bucket: BUCKET, client: c });
    expect(await store.head('raw/x.json')).toEqual({
      key: 'raw/x.json',
      size: 2,
      sha256: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    });
    // unknown hash: the put writes (and records the hash)
    expect((await store.put('raw/x.json', '{}')).written).toBe(true);
    expect((await store.put('raw/x.json', '{}')).written).toBe(false);
  });

  it('names the bucket and what to check when it does not exist', async () => {
    const store = new S3ObjectStore({ bucket: 'stockops-missing', client: client() });
    await expect(store.put('raw/a.json', '{}')).rejects.toThrow(
      /^S3 PutObject s3:\/\/stockops-missing\/raw\/a\.json failed: NoSuchBucket \(HTTP 404\): .*; the bucket "stockops-missing" does not exist: check STOCKOPS_BUCKET or --store s3:\/\/BUCKET\/PREFIX$/,
    );
    await expect(store.list('raw/')).rejects.toThrow(
      /S3 ListObjectsV2 s3:\/\/stockops-missing\/raw\/\* failed: NoSuchBucket .*does not exist/,
    );
  });
});

describe('the ingest handler on S3 (moto)', () => {
  it('loads a backfill and a daily event; a re-delivered event sends no PutObject', async () => {
    const yahoo = await startFaultyYahoo({ AMZN: syntheticBars(30, '2024-02-01') });
    try {
      const c = client();
      const sent = counting(c);
      const store = new S3ObjectStore({ bucket: BUCKET, prefix: 'dev', client: c });
      const h = ingestHarness({ baseUrl: yahoo.baseUrl, store });
      await h.handler({ symbols: ['AMZN'], from: '2024-02-01', to: '2024-03-08' });
      yahoo.inject({ kind: 'status', status: 429 }, 2);
      const daily = await h.handler({ source: 'stockops.schedule', time: '2024-03-11T22:30:00Z' });
      expect(daily.symbols.AMZN).toMatchObject({ written: 1, rawWritten: 1, curatedWritten: 1 });
      const objects = await snapshot(store);
      expect(countRows(objects, 'AMZN').curated).toHaveLength(27);
      sent.length = 0;
      await h.handler({ source: 'stockops.schedule', time: '2024-03-11T22:30:00Z' });
      expect(sent.filter((n) => n === 'PutObjectCommand')).toEqual([]);
      const forced = await h.handler({
        symbols: ['AMZN'],
        from: '2024-03-01',
        to: '2024-03-11',
        force: true,
      });
      expect(forced.symbols.AMZN).toMatchObject({ written: 7, rawWritten: 0, curatedWritten: 0 });
      expect(sent.filter((n) => n === 'PutObjectCommand')).toEqual([]);
      expect(await snapshot(store)).toEqual(objects);
    } finally {
      await yahoo.close();
    }
  });
});

describe('S3 object store: error branches (aws-sdk-client-mock; moto grants every call)', () => {
  const denied = () =>
    new S3ServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'Access Denied',
    });

  it('explains access denied and unreachable endpoints', async () => {
    const c = new S3Client({ region: 'us-east-1', credentials });
    const mock = mockClient(c);
    mock.on(HeadObjectCommand).rejects(denied());
    mock
      .on(GetObjectCommand)
      .rejects(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      );
    mock.on(ListObjectsV2Command).rejects(denied());
    const store = new S3ObjectStore({ bucket: BUCKET, prefix: 'p', client: c });
    await expect(store.put('raw/a.json', '{}')).rejects.toThrow(
      /S3 HeadObject s3:\/\/stockops-test-data\/p\/raw\/a\.json failed: AccessDenied \(HTTP 403\): Access Denied; the caller's role needs s3:GetObject, s3:PutObject and s3:ListBucket/,
    );
    await expect(store.get('raw/a.json')).rejects.toThrow(/cannot reach the S3 endpoint/);
    await expect(store.list('raw/')).rejects.toThrow(/ListObjectsV2 .*AccessDenied/);
    mock.restore();
  });

  it('rejects bad bucket names and keys, and parses s3:// URLs', async () => {
    expect(() => new S3ObjectStore({ bucket: 'Bad_Bucket', client: createS3Client() })).toThrow(
      /invalid S3 bucket name "Bad_Bucket"/,
    );
    const store = new S3ObjectStore({
      bucket: BUCKET,
      client: createS3Client({ region: 'us-east-1' }),
    });
    await expect(store.get('../etc/passwd')).rejects.toThrow(/invalid object key/);
    expect(parseS3Url('s3://stockops-dev-data/dev/')).toEqual({
      bucket: 'stockops-dev-data',
      prefix: 'dev',
    });
    expect(parseS3Url('s3://stockops-dev-data')).toEqual({
      bucket: 'stockops-dev-data',
      prefix: '',
    });
    expect(parseS3Url('/tmp/store')).toBeUndefined();
  });

  it('the moto tests fail, never skip, without the venv, saying how to create it', async () => {
    await expect(startMoto({ server: '/nonexistent/moto_server' })).rejects.toThrow(
      /moto server not found at \/nonexistent\/moto_server\. .*python3 -m venv \.venv && \.venv\/bin\/pip install 'moto\[server\]==5\.2\.5'/,
    );
    expect(motoMissing('x')).toMatch(/create the venv/);
  });
});
