import type { IsoDate } from '../market/isoDate.ts';
import {
  CALENDAR_FIRST_DATE,
  CALENDAR_LAST_DATE,
  tradingDaysBetween,
} from '../market/nyseCalendar.ts';

/** One source call: consecutive sessions of one symbol that are not complete yet. */
export interface FetchChunk {
  readonly symbol: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** The sessions from `from` to `to`, ascending: what the fetch must bring back. */
  readonly sessions: readonly IsoDate[];
}

/** A range that cannot be loaded; the message says which bound to change. */
export class BackfillRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackfillRangeError';
  }
}

/** Sessions a chunk holds at most: about a year, one Yahoo response of ~40 kB. */
export const DEFAULT_CHUNK_SESSIONS = 253;

/**
 * The sessions of a backfill: every NYSE session from `from` to `to`, cut at the last session
 * that has closed (`lastClosed`), since a bar is final only after the close.
 */
export function backfillSessions(from: IsoDate, to: IsoDate, lastClosed: IsoDate): IsoDate[] {
  if (from > to) throw new BackfillRangeError(`from ${from} is after to ${to}`);
  if (from < CALENDAR_FIRST_DATE) {
    throw new BackfillRangeError(
      `from ${from} is before the NYSE calendar's first date ${CALENDAR_FIRST_DATE}; use a later from`,
    );
  }
  if (to > CALENDAR_LAST_DATE) {
    throw new BackfillRangeError(
      `to ${to} is after the NYSE calendar's last date ${CALENDAR_LAST_DATE}; use an earlier to`,
    );
  }
  const end = to < lastClosed ? to : lastClosed;
  return from > end ? [] : tradingDaysBetween(from, end);
}

/**
 * Cuts the sessions that are not complete into chunks of consecutive sessions (a complete
 * session between two missing ones splits them, so no complete day is fetched again), each at
 * most `maxSessions` long.
 */
export function planChunks(
  symbol: string,
  sessions: readonly IsoDate[],
  complete: ReadonlySet<IsoDate>,
  maxSessions: number = DEFAULT_CHUNK_SESSIONS,
): FetchChunk[] {
  if (!(Number.isInteger(maxSessions) && maxSessions >= 1)) {
    throw new RangeError(`chunk size must be an integer >= 1 (got ${maxSessions})`);
  }
  const chunks: FetchChunk[] = [];
  let run: IsoDate[] = [];
  const flush = () => {
    if (run.length > 0) {
      chunks.push({ symbol, from: run[0] as IsoDate, to: run.at(-1) as IsoDate, sessions: run });
    }
    run = [];
  };
  for (const session of sessions) {
    if (complete.has(session)) {
      flush();
      continue;
    }
    run.push(session);
    if (run.length === maxSessions) flush();
  }
  flush();
  return chunks;
}
