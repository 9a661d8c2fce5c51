import type { IsoDate } from '../market/isoDate.ts';
import type { SourceFetch } from '../ports/priceSource.ts';

/** What a fetch must bring back to be used. */
export interface FetchExpectation {
  /** Sessions that must each have a complete bar. */
  readonly sessions: readonly IsoDate[];
  /**
   * Sessions before the first bar may be absent: the symbol was not listed yet (a backfill
   * that starts before the listing, with nothing stored earlier).
   */
  readonly allowLeadingGap: boolean;
}

/**
 * A fetch from a source that knows when a symbol's history starts (Yahoo's
 * `meta.firstTradeDate`, a CSV file's first row).
 */
export type ListedFetch = SourceFetch & { readonly firstTradeDate?: IsoDate };

/**
 * Sessions a fetch left out because the symbol was not listed yet: those before the listing
 * date when the source gives one; else, when a leading gap is allowed, those before its first
 * bar. With a listing date, a session missing after it is missing (retried), never guessed.
 */
export function unlistedSessions(fetch: ListedFetch, expected: FetchExpectation): IsoDate[] {
  const listed = fetch.firstTradeDate;
  if (listed !== undefined) return expected.sessions.filter((d) => d < listed);
  if (!expected.allowLeadingGap) return [];
  const first = firstBarDate(fetch, expected);
  return expected.sessions.filter((d) => first === undefined || d < first);
}

function firstBarDate(fetch: SourceFetch, expected: FetchExpectation): IsoDate | undefined {
  const wanted = new Set(expected.sessions);
  let first: IsoDate | undefined;
  for (const bar of fetch.bars) {
    if (wanted.has(bar.date) && (first === undefined || bar.date < first)) first = bar.date;
  }
  // A null bar still shows the symbol traded that day.
  for (const d of fetch.dropped) {
    if (wanted.has(d.date) && (first === undefined || d.date < first)) first = d.date;
  }
  return first;
}

/**
 * Why a fetch cannot be used as it is, or undefined when every expected session has a
 * complete bar. Null values and missing sessions are what Yahoo sends during an incident and
 * fixes later, so the caller retries on them; the text names the dates.
 */
export function fetchProblems(fetch: ListedFetch, expected: FetchExpectation): string | undefined {
  const wanted = new Set(expected.sessions);
  const skip = new Set(unlistedSessions(fetch, expected));
  const problems: string[] = [];
  const nulls = fetch.dropped.filter((d) => wanted.has(d.date));
  if (nulls.length > 0) {
    problems.push(`null values on ${listDates(nulls.map((d) => `${d.date} (${d.reason})`))}`);
  }
  const present = new Set(fetch.bars.map((b) => b.date));
  const nulled = new Set(nulls.map((d) => d.date));
  const missing = expected.sessions.filter(
    (d) => !present.has(d) && !nulled.has(d) && !skip.has(d),
  );
  if (missing.length > 0) problems.push(`no bar for ${listDates(missing)}`);
  return problems.length > 0 ? `${fetch.symbol}: ${problems.join('; ')}` : undefined;
}

function listDates(items: readonly string[]): string {
  const shown = items.slice(0, 5).join(', ');
  return items.length > 5 ? `${shown} and ${items.length - 5} more` : shown;
}
