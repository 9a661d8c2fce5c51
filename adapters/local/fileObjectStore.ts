import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  assertValidKey,
  type ObjectInfo,
  type ObjectStore,
  type PutResult,
} from '../../core/ports/objectStore.ts';
import { sha256Hex } from './sha256.ts';

const TEMP_MARK = '.tmp-';

/**
 * The object store on a local directory (default `.stockops/`). A put writes a temp file in
 * the target's directory and renames it over the target, so readers never see a partial
 * object; identical bytes are left alone, so a re-run rewrites nothing and keeps mtimes.
 * Calls are synchronous underneath: thousands of small objects go faster that way than
 * through the thread pool.
 */
export class FileObjectStore implements ObjectStore {
  readonly location: string;
  private readonly madeDirs = new Set<string>();
  private tempCounter = 0;

  constructor(root: string) {
    this.location = resolve(root);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return join(this.location, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array | string): Promise<PutResult> {
    const path = this.pathOf(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    const sha256 = sha256Hex(bytes);
    const existing = readIfExists(path);
    if (existing?.equals(bytes)) {
      return { key, size: bytes.length, sha256, written: false };
    }
    const dir = dirname(path);
    const temp = `${path}${TEMP_MARK}${process.pid}-${this.tempCounter++}`;
    try {
      if (!this.madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      writeFileSync(temp, bytes);
      renameSync(temp, path);
    } catch (error) {
      removeQuietly(temp);
      throw new Error(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
    }
    return { key, size: bytes.length, sha256, written: true };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return readIfExists(this.pathOf(key));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const bytes = readIfExists(this.pathOf(key));
    return bytes && { key, size: bytes.length, sha256: sha256Hex(bytes) };
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    // Start from the deepest directory the prefix names, then filter by the full prefix.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = dirPart === '' ? this.location : join(this.location, ...dirPart.split('/'));
    if (!existsSync(start)) return keys;
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && !entry.name.includes(TEMP_MARK)) {
          const key = relative(this.location, full).split(sep).join('/');
          if (key.startsWith(prefix)) keys.push(key);
        }
      }
    };
    walk(start);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    rmSync(this.pathOf(key), { force: true });
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // the temp file was never created (its directory could not be)
  }
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file, so the object cannot exist either.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR' && statSync(path).isDirectory()) {
      throw new Error(`${path} is a directory, expected an object`);
    }
    throw error;
  }
}
