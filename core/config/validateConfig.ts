import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import schema from '../../config/schema.json' with { type: 'json' };
import type { ConfigIssue } from './configError.ts';
import { entryAt, type Location, nodeAt, type SourceNode } from './sourceTree.ts';

/** The JSON Schema (draft 2020-12) of the effective config, `config/schema.json`. */
export const CONFIG_SCHEMA: Readonly<Record<string, unknown>> = schema;

// ajv is CommonJS: under nodenext TypeScript types the default import as the module object,
// whose `default` is the class (at run time both are the class).
const Ajv = Ajv2020.default;

/** Keys that used to exist, with where their settings went: the error says so. */
const MOVED_KEYS: ReadonlyMap<string, string> = new Map([
  [
    'data.yahoo.retry',
    'moved to resilience.yahoo, with the same keys: max_attempts, initial_delay_ms, max_delay_ms, attempt_timeout_ms, breaker_failures, breaker_half_open_ms',
  ],
]);

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addFormat('date', { type: 'string', validate: isCalendarDate });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** `YYYY-MM-DD` naming a day that exists (no 2023-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * Validates a merged config against the schema and turns every failure into an issue located
 * in the file that set the offending value (see `locate`). `tree` is the merged source tree
 * the value was built from; `fallback` is where problems with no better place go (the base
 * file at 1:1).
 */
export function validateConfig(
  value: unknown,
  tree: SourceNode | undefined,
  fallback: Location,
): ConfigIssue[] {
  const validate = validator();
  if (validate(value)) return [];
  const errors = validate.errors ?? [];

  // One message per value: a wrong type says all there is to say (an enum or pattern error on
  // the same value would only repeat it), otherwise the first failure is reported.
  const byPath = new Map<string, ErrorObject>();
  const issues: ConfigIssue[] = [];
  for (const error of errors) {
    const segments = parsePointer(error.instancePath);
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(error.params.additionalProperty);
        const entry = entryAt(tree, segments, key);
        const known = Object.keys(
          (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
        );
        const moved = MOVED_KEYS.get(pathText([...segments, key]));
        const suggestion = closest(key, known);
        const hint =
          moved !== undefined
            ? ` (${moved})`
            : suggestion === undefined
              ? ''
              : ` (did you mean ${JSON.stringify(suggestion)}?)`;
        issues.push(
          issue(
            entry?.key ?? locate(tree, segments, fallback),
            [...segments, key],
            `unknown key ${JSON.stringify(key)}${hint}`,
          ),
        );
        break;
      }
      case 'required': {
        const key = String(error.params.missingProperty);
        const parent = nodeAt(tree, segments);
        issues.push(issue(parent ?? fallback, [...segments, key], 'is required'));
        break;
      }
      case 'uniqueItems': {
        const items = Array.isArray(error.data) ? (error.data as unknown[]) : [];
        items.forEach((item, j) => {
          const i = items.findIndex((other) => sameValue(other, item));
          if (i >= j) return;
          const first = pathText([...segments, String(i)]);
          issues.push(
            issue(
              locate(tree, [...segments, String(j)], fallback),
              [...segments, String(j)],
              `duplicate of ${first} (${describe(item)})`,
            ),
          );
        });
        break;
      }
      default: {
        const key = error.instancePath;
        const seen = byPath.get(key);
        if (seen === undefined || (error.keyword === 'type' && seen.keyword !== 'type')) {
          byPath.set(key, error);
        }
      }
    }
  }
  for (const error of byPath.values()) {
    const segments = parsePointer(error.instancePath);
    issues.push(issue(locate(tree, segments, fallback), segments, message(error)));
  }
  return issues;
}

function issue(where: Location, segments: readonly string[], message: string): ConfigIssue {
  return {
    file: where.file,
    line: where.position.line,
    column: where.position.column,
    path: pathText(segments),
    message,
  };
}

/** Where the value at `segments` was written, or its nearest written ancestor. */
function locate(
  tree: SourceNode | undefined,
  segments: readonly string[],
  fallback: Location,
): Location {
  for (let n = segments.length; n >= 0; n--) {
    const node = nodeAt(tree, segments.slice(0, n));
    if (node !== undefined) return node;
  }
  return fallback;
}

/** `gate.max_error_ratio`, `symbols.1`; `(root)` for the whole config. */
export function pathText(segments: readonly string[]): string {
  return segments.length === 0 ? '(root)' : segments.join('.');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'empty',
};

function message(error: ErrorObject): string {
  const got = `(got ${describe(error.data)})`;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const types = String(p.type)
        .split(',')
        .map((t) => TYPE_NAMES[t] ?? t);
      return `must be ${types.join(' or ')} ${got}`;
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return `must be one of ${allowed} ${got}`;
    }
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)} ${got}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)} ${got}`;
    case 'multipleOf':
      return `must be a multiple of ${String(p.multipleOf)} ${got}`;
    case 'pattern':
      return `must match ${String(p.pattern)} ${got}`;
    case 'format':
      return p.format === 'date'
        ? `must be a real calendar date ${got}`
        : `must be a valid ${String(p.format)} ${got}`;
    case 'minLength':
      return p.limit === 1
        ? `must not be empty`
        : `must be at least ${String(p.limit)} characters long ${got}`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long ${got}`;
    case 'minItems':
      return p.limit === 1
        ? 'must not be empty'
        : `must have at least ${String(p.limit)} items (got ${countItems(error.data)})`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items (got ${countItems(error.data)})`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

function countItems(data: unknown): number {
  return Array.isArray(data) ? data.length : 0;
}

/** A value as a user would recognise it in a message: `7`, `"hl"`, `a list`. */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 42 ? `${text.slice(0, 40)}…"` : text;
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The known key closest to `key` if it is a plausible typo of it, else undefined. */
export function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const budget = lower.length <= 4 ? 1 : lower.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d <= budget && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (rows[i - 1]?.[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (rows[i - 1]?.[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
