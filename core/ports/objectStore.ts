/** What a store says about one object. `sha256` is the hex digest of its bytes. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
}

export interface PutResult extends ObjectInfo {
  /** false when the stored bytes were already identical, so nothing was rewritten. */
  readonly written: boolean;
}

/**
 * The object store port: S3 in AWS, files on disk locally. Keys are `/`-separated and relative
 * (`raw/source=yahoo/symbol=AMZN/year=2024/month=01/day=02/bar.json`).
 * Writes are atomic (readers see the old object or the new one, never a part) and idempotent
 * (putting identical bytes again changes nothing).
 */
export interface ObjectStore {
  /** Where objects live, for messages (`/abs/path/.stockops`, `s3://bucket/prefix`). */
  readonly location: string;
  put(key: string, body: Uint8Array | string): Promise<PutResult>;
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

const KEY_PART = /^[A-Za-z0-9._=+-]+$/;

/** Rejects keys that could escape the store root or mean different things on S3 and disk. */
export function assertValidKey(key: string): void {
  const parts = key.split('/');
  if (key === '' || parts.some((p) => !KEY_PART.test(p) || p === '.' || p === '..')) {
    throw new Error(
      `invalid object key "${key}": use /-separated parts of letters, digits and ._=+-`,
    );
  }
}
