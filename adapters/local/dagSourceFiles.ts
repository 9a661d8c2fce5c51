import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  DAG_PREFIX,
  isDagSource,
  type LocalObject,
  SIDECARS,
} from '../../core/orchestration/dagSyncPlan.ts';
import { sha256Hex } from './sha256.ts';

/** A file to upload: its bucket key, hash and bytes (DAG folders are small; read once). */
export interface SourceFile extends LocalObject {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface DagSources {
  /** Everything Airflow parses, keyed `dags/<path under the folder>`. */
  readonly dags: readonly SourceFile[];
  /** requirements.txt, plugins.zip, startup.sh when present in the folder, keyed at the root. */
  readonly sidecars: readonly SourceFile[];
}

/** Reads the local DAGs folder the way sync-dags uploads it (see `isDagSource`). */
export function readDagSources(dir: string): DagSources {
  const dags: SourceFile[] = [];
  for (const path of walk(dir)) {
    const rel = relative(dir, path).split(sep).join('/');
    if (isDagSource(rel)) dags.push(sourceFile(`${DAG_PREFIX}${rel}`, path));
  }
  const sidecars: SourceFile[] = [];
  for (const s of SIDECARS) {
    const path = join(dir, s.file);
    try {
      sidecars.push(sourceFile(s.file, path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return { dags, sidecars };
}

function sourceFile(key: string, path: string): SourceFile {
  const bytes = readFileSync(path);
  return { key, path, bytes, size: bytes.length, sha256: sha256Hex(bytes) };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}
