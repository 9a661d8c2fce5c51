import { curatedMonthKey, rawBarKey } from '../data/partitions.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { tradingDaysBetween } from '../market/nyseCalendar.ts';
import type { PriceBar } from '../market/priceBar.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import type { SourceFetch } from '../ports/priceSource.ts';
import type { QualityCheckResult } from '../quality/checkResult.ts';
import { checkExtremeMoves } from '../quality/checks.ts';
import { runQualityChecks } from '../quality/qualityReport.ts';
import type { FetchChunk } from './backfillPlan.ts';
import { barsByMonth, mergeCuratedMonth } from './curatedMonth.ts';
import { type FetchExpectation, fetchProblems, unlistedSessions } from './fetchCheck.ts';
import type { StoredSymbol } from './storedPartitions.ts';

/**
 * Fetches `symbol` from `from` to `to`; `check` says why an answer cannot be used (null bars,
 * missing sessions). A resilient source retries such answers like any transient fault and
 * throws when retries run out; a plain one may return them, and the caller checks again.
 */
export type CheckedFetch = (
  symbol: string,
  from: IsoDate,
  to: IsoDate,
  check: (fetched: SourceFetch) => string | undefined,
) => Promise<SourceFetch>;

export interface IngestQuality {
  readonly maxDailyMove: number;
  readonly splitRatioTolerance: number;
  readonly maxMissingSessions: number;
}

/** The quality thresholds of config/base.yaml, for shells that run without the config files. */
export const DEFAULT_INGEST_QUALITY: IngestQuality = {
  maxDailyMove: 0.5,
  splitRatioTolerance: 0.02,
  maxMissingSessions: 0,
};

export interface IngestContext {
  /** The raw partition name, `source=<name>`. */
  readonly sourceName: string;
  readonly fetch: CheckedFetch;
  readonly store: ObjectStore;
  readonly quality: IngestQuality;
}

export interface ChunkResult {
  readonly symbol: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly sessions: number;
  /** Sessions now complete: raw object and curated row written (or already identical). */
  readonly written: number;
  /** Sessions before the symbol's first bar (not listed yet); nothing to write. */
  readonly notListed: number;
  /** Raw objects whose bytes changed (0 on a re-run). */
  readonly rawWritten: number;
  /** Curated month objects whose bytes changed. */
  readonly curatedWritten: number;
  /** Set when the stored history was re-fetched because the source adjusted it for a split. */
  readonly readjusted?: { readonly from: IsoDate; readonly to: IsoDate; readonly months: number };
  /** Quality warnings (a large move, zero volume): written anyway. */
  readonly warnings: readonly string[];
}

/** The fetched bars failed a quality check: nothing was written for the chunk. */
export class IngestQualityError extends Error {
  readonly symbol: string;
  readonly failed: readonly QualityCheckResult[];
  constructor(symbol: string, from: IsoDate, to: IsoDate, failed: readonly QualityCheckResult[]) {
    super(
      `${symbol} ${from}..${to}: data quality failed, nothing written: ` +
        failed.map((c) => `${c.name}: ${c.message}`).join('; '),
    );
    this.name = 'IngestQualityError';
    this.symbol = symbol;
    this.failed = failed;
  }
}

/** The source's answer is still incomplete (only when the fetch does not retry by itself). */
export class IncompleteFetchError extends Error {
  constructor(message: string) {
    super(`${message}; nothing written (try again later: the source fills such gaps)`);
    this.name = 'IncompleteFetchError';
  }
}

async function checkedFetch(
  ctx: IngestContext,
  symbol: string,
  from: IsoDate,
  to: IsoDate,
  expected: FetchExpectation,
): Promise<SourceFetch> {
  const check = (f: SourceFetch) => fetchProblems(f, expected);
  const fetched = await ctx.fetch(symbol, from, to, check);
  const problem = check(fetched);
  if (problem !== undefined) throw new IncompleteFetchError(problem);
  return fetched;
}

function qualityOf(ctx: IngestContext, symbol: string, bars: readonly PriceBar[]) {
  return runQualityChecks(bars, { symbol, ...ctx.quality });
}

/** A jump between a stored bar and a fetched one that matches a split ratio. */
function splitAtBoundary(
  ctx: IngestContext,
  pair: readonly (PriceBar | undefined)[],
): QualityCheckResult | undefined {
  const [a, b] = pair;
  if (!a || !b) return undefined;
  const r = checkExtremeMoves([a, b], ctx.quality);
  return r.status === 'fail' ? r : undefined;
}

function boundaryWarnings(ctx: IngestContext, pairs: readonly (PriceBar | undefined)[][]) {
  const out: string[] = [];
  for (const [a, b] of pairs) {
    if (!a || !b) continue;
    const r = checkExtremeMoves([a, b], ctx.quality);
    if (r.status === 'warn') out.push(`extreme_moves: ${r.message}`);
  }
  return out;
}

/**
 * Loads one chunk: fetch (retried by the source until every session has a complete bar),
 * validate, then write each day's raw object and merge the days into their curated months.
 * Nothing is written unless the whole chunk passed; raw goes first and curated last, so a
 * session counts as complete (raw and curated present) only once both are in place, and a
 * crash in between leaves a session that the next run loads again, byte for byte the same.
 */
export async function ingestChunk(
  ctx: IngestContext,
  stored: StoredSymbol,
  chunk: FetchChunk,
  options: { readonly allowLeadingGap: boolean },
): Promise<ChunkResult> {
  const { symbol, from, to } = chunk;
  const before = await stored.barBefore(from);
  const after = await stored.barAfter(to);
  const expected: FetchExpectation = {
    sessions: chunk.sessions,
    allowLeadingGap: options.allowLeadingGap && before === undefined,
  };
  const fetched = await checkedFetch(ctx, symbol, from, to, expected);
  const wanted = new Set(chunk.sessions);
  const notListed = unlistedSessions(fetched, expected).length;
  const bars = fetched.bars.filter((b) => b.date >= from && b.date <= to);
  const empty = { symbol, from, to, sessions: chunk.sessions.length, notListed };
  if (bars.length === 0) {
    return { ...empty, written: 0, rawWritten: 0, curatedWritten: 0, warnings: [] };
  }
  const report = qualityOf(ctx, symbol, bars);
  const failed = report.checks.filter((c) => c.status === 'fail');
  if (failed.length > 0) throw new IngestQualityError(symbol, from, to, failed);
  const warnings = report.checks
    .filter((c) => c.status === 'warn')
    .map((c) => `${c.name}: ${c.message}`);
  const pairs = [
    [before, bars[0]],
    [bars.at(-1), after],
  ];
  const split = pairs.some((p) => splitAtBoundary(ctx, p) !== undefined);
  const barDates = new Set(bars.map((b) => b.date));
  const raw = fetched.raw.filter((r) => wanted.has(r.date) && barDates.has(r.date));

  let curatedBars: readonly PriceBar[] = bars;
  let readjusted: ChunkResult['readjusted'];
  if (split) {
    // The source now adjusts the stored history for a split (Yahoo does, from the split day):
    // re-fetch everything stored, so curated stays one consistent, split-adjusted series.
    const history = await stored.allCurated();
    const rFrom = history[0] && history[0].date < from ? history[0].date : from;
    const last = history.at(-1);
    const rTo = last && last.date > to ? last.date : to;
    const keep = new Set([...history.map((b) => b.date), ...bars.map((b) => b.date)]);
    const sessions = tradingDaysBetween(rFrom, rTo).filter((d) => keep.has(d));
    const refetched = await checkedFetch(ctx, symbol, rFrom, rTo, {
      sessions,
      allowLeadingGap: false,
    });
    curatedBars = refetched.bars.filter((b) => keep.has(b.date));
    const again = qualityOf(ctx, symbol, curatedBars);
    const stillFailed = again.checks.filter((c) => c.status === 'fail');
    if (stillFailed.length > 0) throw new IngestQualityError(symbol, rFrom, rTo, stillFailed);
    readjusted = { from: rFrom, to: rTo, months: barsByMonth(curatedBars).size };
  } else {
    warnings.push(...boundaryWarnings(ctx, pairs));
  }

  let rawWritten = 0;
  for (const day of raw) {
    const put = await ctx.store.put(rawBarKey(ctx.sourceName, symbol, day.date, day.ext), day.body);
    if (put.written) rawWritten++;
  }
  const curatedWritten = await mergeIntoCurated(ctx.store, symbol, curatedBars);
  stored.invalidate();
  return {
    ...empty,
    written: bars.length,
    rawWritten,
    curatedWritten,
    ...(readjusted ? { readjusted } : {}),
    warnings,
  };
}

/** Read-modify-write of each month the bars fall in; returns how many objects changed. */
export async function mergeIntoCurated(
  store: ObjectStore,
  symbol: string,
  bars: readonly PriceBar[],
): Promise<number> {
  let written = 0;
  for (const [month, monthBars] of barsByMonth(bars)) {
    const key = curatedMonthKey(symbol, month);
    const existing = await store.get(key);
    const text = existing === undefined ? undefined : new TextDecoder().decode(existing);
    const put = await store.put(key, mergeCuratedMonth(text, monthBars, key));
    if (put.written) written++;
  }
  return written;
}
