import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  assertValidKey,
  type ObjectInfo,
  type ObjectStore,
  type PutResult,
} from '../../core/ports/objectStore.ts';
import { sha256Hex } from '../local/sha256.ts';
import { type AwsResilienceOptions, createAwsClient } from './resilientClient.ts';

/** The metadata key (`x-amz-meta-sha256`) holding the hex sha256 of an object's bytes. */
export const SHA256_METADATA = 'sha256';

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Keys live under this prefix (`stockops/dev`), without a leading or trailing slash. */
  readonly prefix?: string;
  readonly client: S3Client;
  /** Keys per ListObjectsV2 page (S3's maximum, 1000, by default); small in tests. */
  readonly pageSize?: number;
}

export interface S3ClientSettings {
  readonly region?: string;
  /** A non-AWS endpoint (moto, MinIO): `http://localhost:PORT`. */
  readonly endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which moto and MinIO need. */
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3ClientConfig['credentials'];
}

/**
 * An S3 client from explicit settings; the SDK's default chain fills in what is left out. Its
 * calls run under the `s3` resilience policy (`options.resilience`, else the defaults).
 */
export function createS3Client(
  settings: S3ClientSettings = {},
  options: AwsResilienceOptions = {},
): S3Client {
  const config: S3ClientConfig = {
    ...(settings.region === undefined ? {} : { region: settings.region }),
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.forcePathStyle === undefined ? {} : { forcePathStyle: settings.forcePathStyle }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
  };
  return createAwsClient(S3Client, config, 's3', options);
}

/** `s3://bucket/prefix` → its parts; undefined for anything else. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) return undefined;
  return { bucket: m[1] as string, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** An S3 call that failed; the message names the operation, the object and what to check. */
export class S3StoreError extends Error {
  readonly operation: string;
  readonly bucket: string;
  readonly key: string;
  constructor(operation: string, bucket: string, key: string, cause: unknown) {
    super(`S3 ${operation} s3://${bucket}/${key} failed: ${describe(cause, bucket)}`, { cause });
    this.name = 'S3StoreError';
    this.operation = operation;
    this.bucket = bucket;
    this.key = key;
  }
}

function describe(error: unknown, bucket: string): string {
  const e = error as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const base = `${name}${status ? ` (HTTP ${status})` : ''}: ${e.message || 'no message'}`;
  if (name === 'NoSuchBucket') {
    return `${base}; the bucket "${bucket}" does not exist: check STOCKOPS_BUCKET or --store s3://BUCKET/PREFIX`;
  }
  if (name === 'AccessDenied' || status === 403) {
    return `${base}; the caller's role needs s3:GetObject, s3:PutObject and s3:ListBucket on "${bucket}"`;
  }
  if (e.code === 'ECONNREFUSED' || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(e.message ?? '')) {
    return `${base}; cannot reach the S3 endpoint: check the region, STOCKOPS_S3_ENDPOINT and the network`;
  }
  return base;
}

function contentType(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.csv')) return 'text/csv; charset=utf-8';
  return 'application/octet-stream';
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return (
    error.name === 'NotFound' ||
    error.name === 'NoSuchKey' ||
    error.$metadata.httpStatusCode === 404
  );
}

/**
 * The object store on S3. A put sends the bytes with their sha256 in the object metadata and
 * as the S3 checksum (S3 rejects a body that does not match it, and a PUT replaces the object
 * whole or not at all, so readers never see a part). It asks HeadObject first and does not
 * rewrite an object whose stored sha256 and size match: a re-run writes nothing, and the
 * bucket's versioning keeps no useless versions.
 */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;
  private readonly pageSize: number;

  constructor(options: S3ObjectStoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
      throw new Error(
        `invalid S3 bucket name "${options.bucket}": use 3-63 lowercase letters, digits, dots and hyphens`,
      );
    }
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.client = options.client;
    this.pageSize = options.pageSize ?? 1000;
    this.location = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  private s3Key(key: string): string {
    assertValidKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async put(key: string, body: Uint8Array | string): Promise<PutResult> {
    const s3Key = this.s3Key(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    const digest = createHash('sha256').update(bytes).digest();
    const sha256 = digest.toString('hex');
    const current = await this.headObject(s3Key);
    if (current && current.sha256 === sha256 && current.size === bytes.length) {
      return { key, size: bytes.length, sha256, written: false };
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: s3Key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: contentType(key),
          ChecksumSHA256: digest.toString('base64'),
          Metadata: { [SHA256_METADATA]: sha256 },
        }),
      );
    } catch (error) {
      throw new S3StoreError('PutObject', this.bucket, s3Key, error);
    }
    return { key, size: bytes.length, sha256, written: true };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const s3Key = this.s3Key(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: s3Key }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new S3StoreError('GetObject', this.bucket, s3Key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const s3Key = this.s3Key(key);
    const info = await this.headObject(s3Key);
    if (!info) return undefined;
    if (info.sha256 !== undefined) return { key, size: info.size, sha256: info.sha256 };
    // Written by another tool, without our metadata: hash the bytes.
    const bytes = await this.get(key);
    if (!bytes) return undefined;
    return {
      key,
      size: bytes.length,
      sha256: sha256Hex(bytes),
    };
  }

  private async headObject(s3Key: string): Promise<{ size: number; sha256?: string } | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: s3Key }),
      );
      const sha256 = out.Metadata?.[SHA256_METADATA];
      return { size: out.ContentLength ?? 0, ...(sha256 ? { sha256 } : {}) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new S3StoreError('HeadObject', this.bucket, s3Key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const full = this.prefix ? `${this.prefix}/${prefix}` : prefix;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: full,
            MaxKeys: this.pageSize,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
      } catch (error) {
        throw new S3StoreError('ListObjectsV2', this.bucket, `${full}*`, error);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key !== undefined) keys.push(item.Key.slice(strip));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const s3Key = this.s3Key(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key }));
    } catch (error) {
      throw new S3StoreError('DeleteObject', this.bucket, s3Key, error);
    }
  }
}
