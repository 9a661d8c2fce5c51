import type { ModelPackage } from '../ports/modelRegistry.ts';

/** One object (or record) that did not come back as it was. */
export interface Mismatch {
  readonly key: string;
  readonly problem: string;
}

export interface Comparison {
  /** Objects (or records) the original holds. */
  readonly expected: number;
  readonly matched: number;
  readonly mismatches: readonly Mismatch[];
}

/**
 * Compares two sets of objects by sha256: each original object must come back with the same
 * bytes, and nothing may come back that the original does not hold (an extra object counts as
 * a mismatch too: a rebuild that invents data is as wrong as one that loses it).
 */
export function compareObjects(
  expected: ReadonlyMap<string, string>,
  actual: ReadonlyMap<string, string>,
): Comparison {
  const mismatches: Mismatch[] = [];
  let matched = 0;
  for (const [key, sha] of expected) {
    const got = actual.get(key);
    if (got === undefined) mismatches.push({ key, problem: 'missing after the rebuild' });
    else if (got !== sha) {
      mismatches.push({
        key,
        problem: `sha256 ${short(got)}… differs from the original ${short(sha)}…`,
      });
    } else matched++;
  }
  for (const key of actual.keys()) {
    if (!expected.has(key))
      mismatches.push({ key, problem: 'rebuilt, but the original has no such object' });
  }
  mismatches.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { expected: expected.size, matched, mismatches };
}

/**
 * The fields of two versions of the same package that differ, timestamps aside (created_at
 * and each status change's `at`: a rebuild may run at another time). Everything else — model,
 * kind, status and its history of reasons, every metric, every lineage field including the
 * artifacts' sha256 — must be equal. Paths are dotted (`metrics.aggregate.rmse_return`).
 */
export function packageDifferences(expected: ModelPackage, actual: ModelPackage): string[] {
  const out: string[] = [];
  diff(withoutTimes(expected), withoutTimes(actual), '', out);
  return out;
}

function withoutTimes(pkg: ModelPackage): Record<string, unknown> {
  const { created_at: _created, status_history, ...rest } = pkg;
  return {
    ...rest,
    status_history: status_history.map(({ status, reason }) => ({ status, reason })),
  };
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) diff(a[key], b[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path}: ${a.length} entries, rebuilt ${b.length}`);
      return;
    }
    for (const [i, item] of a.entries()) diff(item, b[i], `${path}[${i}]`, out);
    return;
  }
  if (!Object.is(a, b)) out.push(`${path}: ${show(a)}, rebuilt ${show(b)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}
