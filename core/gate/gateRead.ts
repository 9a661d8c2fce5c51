/**
 * Reading an evaluation that came from a file or another process. The types say every field is
 * there; the gate does not believe them, because a decision that trusts a malformed file could
 * promote a model nobody measured. Every read goes through these helpers, which walk plain
 * objects only and turn anything unexpected into a GateReadError naming what was read.
 */

/** Thrown inside a check when a value it needs is missing or unusable; the check then fails. */
export class GateReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateReadError';
  }
}

/**
 * The value at `keys` below `value`, or undefined. Own properties only, so a model named
 * `constructor` or `__proto__` cannot resolve to something inherited from Object.prototype.
 */
export function get(value: unknown, ...keys: readonly (string | number)[]): unknown {
  let v = value;
  for (const key of keys) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** How a value that should have been a finite number looks, for a message. */
export function describeNonFinite(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value); // NaN, Infinity, -Infinity
  return `not a number (${typeof value})`;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** `value` if it is a finite number; otherwise throws `<label> is NaN` (or missing, null, …). */
export function finite(value: unknown, label: string): number {
  if (isFiniteNumber(value)) return value;
  throw new GateReadError(`${label} is ${describeNonFinite(value)}`);
}

export function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A plain object's own keys, sorted, so every message lists models in the same order. */
export function sortedKeys(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value).sort();
}

/** At most six significant digits: enough to tell 0.99 from 0.9899, short enough for a table. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** A value for a message: numbers formatted, strings quoted, the rest described. */
export function show(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return describeNonFinite(value);
}
