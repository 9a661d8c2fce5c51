import {
  assertValidKey,
  type ObjectInfo,
  type ObjectStore,
  type PutResult,
} from '../../core/ports/objectStore.ts';
import { sha256Hex } from './sha256.ts';

/** The object store in memory: for benchmarks that must not measure the disk, and for tests. */
export class MemoryObjectStore implements ObjectStore {
  readonly location = 'memory:';
  private readonly objects = new Map<string, Buffer>();

  async put(key: string, body: Uint8Array | string): Promise<PutResult> {
    assertValidKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    const sha256 = sha256Hex(bytes);
    const written = !this.objects.get(key)?.equals(bytes);
    if (written) this.objects.set(key, bytes);
    return { key, size: bytes.length, sha256, written };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    return this.objects.get(key);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const bytes = await this.get(key);
    return bytes && { key, size: bytes.length, sha256: sha256Hex(bytes) };
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
