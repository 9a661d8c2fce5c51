import type { ObjectStore } from '../ports/objectStore.ts';
import { rawMonthlyKey, rawMonthPrefix } from './partitions.ts';
import {
  parseRawDayKey,
  parseRawMonthly,
  RAW_MONTHLY_FORMAT,
  type RawDayEntry,
  type RawMonthly,
  RawMonthlyError,
  renderRawMonthly,
  type Sha256,
} from './rawMonthly.ts';

/** One symbol's month of one source. */
export interface RawMonthRef {
  readonly source: string;
  readonly symbol: string;
  /** `YYYY-MM`. */
  readonly month: string;
}

export interface MonthCompaction extends RawMonthRef {
  readonly monthlyKey: string;
  /** Days held by the monthly object after this run. */
  readonly days: number;
  /** Daily objects folded in by this run (0 when the month was already compacted). */
  readonly compacted: number;
  /** Days of an earlier monthly object that a newer daily object replaced (a forced re-ingest). */
  readonly replaced: number;
  /** Daily objects deleted after the monthly object was verified. */
  readonly deleted: number;
  /** Daily objects left in place because they changed while the run was reading them. */
  readonly changedDuringRun: readonly string[];
  /** false when the monthly object already held exactly these bytes (or on a dry run). */
  readonly written: boolean;
}

export interface CompactionDeps {
  readonly store: ObjectStore;
  readonly sha256: Sha256;
}

const decoder = new TextDecoder();

/** The monthly object of a month, verified, or undefined when there is none. */
export async function readRawMonthly(
  store: ObjectStore,
  ref: RawMonthRef,
  sha256: Sha256,
): Promise<RawMonthly | undefined> {
  const key = rawMonthlyKey(ref.source, ref.symbol, ref.month);
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  const monthly = parseRawMonthly(decoder.decode(bytes), `${store.location}/${key}`, sha256);
  const h = monthly.header;
  if (h.source !== ref.source || h.symbol !== ref.symbol || h.month !== ref.month) {
    throw new RawMonthlyError(
      `${store.location}/${key}: header names ${h.source}/${h.symbol}/${h.month}, not ${ref.source}/${ref.symbol}/${ref.month}`,
    );
  }
  return monthly;
}

/**
 * Folds one month of daily raw objects into its monthly object, then deletes the daily
 * objects. Safe to re-run and to interrupt: the monthly object is written whole (the store's
 * put is atomic), read back and checked day by day against the bytes that were read before
 * anything is deleted; a daily object is deleted only if it still has the hash that was
 * compacted. Days already in a monthly object are kept, and a newer daily object for the same
 * day (a forced re-ingest) replaces its entry.
 */
export async function compactMonth(
  deps: CompactionDeps,
  ref: RawMonthRef,
  options: { readonly dryRun?: boolean } = {},
): Promise<MonthCompaction> {
  const { store, sha256 } = deps;
  const monthlyKey = rawMonthlyKey(ref.source, ref.symbol, ref.month);
  const existing = await readRawMonthly(store, ref, sha256);
  const dailyKeys = (await store.list(rawMonthPrefix(ref.source, ref.symbol, ref.month))).filter(
    (k) => parseRawDayKey(k) !== undefined,
  );
  const base = { ...ref, monthlyKey, changedDuringRun: [] as string[] };
  if (dailyKeys.length === 0) {
    return {
      ...base,
      days: existing?.entries.length ?? 0,
      compacted: 0,
      replaced: 0,
      deleted: 0,
      written: false,
    };
  }

  const byKey = new Map<string, RawDayEntry>((existing?.entries ?? []).map((e) => [e.key, e]));
  let replaced = 0;
  const read: RawDayEntry[] = [];
  for (const key of dailyKeys) {
    const body = await store.get(key);
    if (body === undefined) continue; // deleted by a concurrent run: nothing to fold in
    const entry: RawDayEntry = {
      date: parseRawDayKey(key)?.date as string,
      key,
      size: body.length,
      sha256: sha256(body),
      body,
    };
    const before = byKey.get(key);
    if (before && before.sha256 !== entry.sha256) replaced += 1;
    byKey.set(key, entry);
    read.push(entry);
  }
  const entries = [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
  const monthly: RawMonthly = {
    header: { format: RAW_MONTHLY_FORMAT, ...ref, days: entries.length },
    entries,
  };
  if (options.dryRun) {
    return {
      ...base,
      days: entries.length,
      compacted: read.length,
      replaced,
      deleted: 0,
      written: false,
    };
  }

  const put = await store.put(monthlyKey, renderRawMonthly(monthly));
  const check = await readRawMonthly(store, ref, sha256);
  const held = new Map((check?.entries ?? []).map((e) => [e.key, e.sha256]));
  for (const entry of entries) {
    if (held.get(entry.key) !== entry.sha256) {
      throw new RawMonthlyError(
        `${store.location}/${monthlyKey}: read back without ${entry.key} (sha256 ${entry.sha256}); no daily object was deleted`,
      );
    }
  }

  const changedDuringRun: string[] = [];
  let deleted = 0;
  for (const entry of read) {
    const now = await store.head(entry.key);
    if (now === undefined) continue;
    if (now.sha256 !== entry.sha256) {
      changedDuringRun.push(entry.key);
      continue;
    }
    await store.delete(entry.key);
    deleted += 1;
  }
  return {
    ...base,
    days: entries.length,
    compacted: read.length,
    replaced,
    deleted,
    changedDuringRun,
    written: put.written,
  };
}

/**
 * The months with daily raw objects strictly before `before` (`YYYY-MM`), from a listing of
 * `raw/`, optionally only for some symbols; sorted.
 */
export function monthsToCompact(
  keys: readonly string[],
  before: string,
  symbols?: readonly string[],
): RawMonthRef[] {
  const wanted = symbols === undefined ? undefined : new Set(symbols);
  const found = new Map<string, RawMonthRef>();
  for (const key of keys) {
    const day = parseRawDayKey(key);
    if (!day || day.month >= before || (wanted && !wanted.has(day.symbol))) continue;
    found.set(`${day.source}/${day.symbol}/${day.month}`, {
      source: day.source,
      symbol: day.symbol,
      month: day.month,
    });
  }
  return [...found.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, ref]) => ref);
}

const YEAR_MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/**
 * Checks `--before`: a `YYYY-MM` no later than the current month, so only finished months are
 * compacted (a month still being ingested would be compacted again each day). `now` is injected.
 */
export function checkCompactBefore(before: string, now: Date): string | undefined {
  if (!YEAR_MONTH.test(before)) return `expected YYYY-MM (got "${before}")`;
  const current = now.toISOString().slice(0, 7);
  if (before > current) {
    return `${before} is after the current month ${current}: only finished months are compacted`;
  }
  return undefined;
}

/** Compacts every month before `before`; stops at the first month that fails. */
export async function compactRaw(
  deps: CompactionDeps,
  options: {
    readonly before: string;
    readonly symbols?: readonly string[];
    readonly dryRun?: boolean;
    readonly onMonth?: (result: MonthCompaction) => void;
  },
): Promise<MonthCompaction[]> {
  const months = monthsToCompact(await deps.store.list('raw/'), options.before, options.symbols);
  const results: MonthCompaction[] = [];
  for (const ref of months) {
    const result = await compactMonth(deps, ref, { dryRun: options.dryRun ?? false });
    options.onMonth?.(result);
    results.push(result);
  }
  return results;
}

/**
 * Writes every day of a monthly object back to its raw/ key, byte-identical (the store skips
 * days whose bytes are already there). Returns the keys written or confirmed.
 */
export async function restoreMonth(deps: CompactionDeps, ref: RawMonthRef): Promise<string[]> {
  const monthly = await readRawMonthly(deps.store, ref, deps.sha256);
  if (!monthly) {
    throw new RawMonthlyError(
      `${deps.store.location}/${rawMonthlyKey(ref.source, ref.symbol, ref.month)}: no compacted month to restore`,
    );
  }
  for (const e of monthly.entries) await deps.store.put(e.key, e.body);
  return monthly.entries.map((e) => e.key);
}
