import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { RemoteObject } from '../../core/orchestration/dagSyncPlan.ts';
import { S3StoreError, SHA256_METADATA } from './s3ObjectStore.ts';

/** HeadObject calls in flight while listing (one per object: the sha256 is in its metadata). */
const HEAD_CONCURRENCY = 8;

/**
 * The MWAA source bucket as sync-dags sees it: objects with the sha256 of their bytes in
 * `x-amz-meta-sha256`, and the VersionId each write creates (MWAA references requirements,
 * plugins and the startup script by version, so the bucket is versioned).
 */
export class S3DagBucket {
  readonly bucket: string;
  private readonly client: S3Client;

  constructor(options: { readonly bucket: string; readonly client: S3Client }) {
    this.bucket = options.bucket;
    this.client = options.client;
  }

  /** Every object under `prefix`, with its stored sha256 when it has one. */
  async list(prefix: string): Promise<RemoteObject[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
      } catch (error) {
        throw new S3StoreError('ListObjectsV2', this.bucket, `${prefix}*`, error);
      }
      for (const item of page.Contents ?? []) if (item.Key !== undefined) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    const found = await mapLimited(keys, HEAD_CONCURRENCY, (k) => this.head(k));
    return found.filter((o): o is RemoteObject => o !== undefined);
  }

  /** One object's size, stored sha256 and current VersionId; undefined when there is none. */
  async head(key: string): Promise<RemoteObject | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const sha256 = out.Metadata?.[SHA256_METADATA];
      return {
        key,
        size: out.ContentLength ?? 0,
        ...(sha256 ? { sha256 } : {}),
        ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
      };
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) {
        return undefined;
      }
      throw new S3StoreError('HeadObject', this.bucket, key, error);
    }
  }

  /** Writes the bytes with their sha256 (metadata and checksum); returns the new VersionId. */
  async put(key: string, bytes: Uint8Array, sha256: string): Promise<{ versionId?: string }> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
          Metadata: { [SHA256_METADATA]: sha256 },
        }),
      );
      return out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {};
    } catch (error) {
      throw new S3StoreError('PutObject', this.bucket, key, error);
    }
  }

  /** Deletes keys in batches of 1000 (the DeleteObjects maximum); throws on any per-key error. */
  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let failed: { Key?: string | undefined; Message?: string | undefined }[];
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        failed = out.Errors ?? [];
      } catch (error) {
        throw new S3StoreError('DeleteObjects', this.bucket, batch[0] ?? '', error);
      }
      const first = failed[0];
      if (first) {
        throw new S3StoreError(
          'DeleteObjects',
          this.bucket,
          first.Key ?? '',
          new Error(`${failed.length} keys not deleted: ${first.Message ?? 'no message'}`),
        );
      }
    }
  }
}

/** `fn` over `items` with at most `limit` calls in flight, results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
