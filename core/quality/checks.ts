import { dayOfWeek, type IsoDate, isIsoDate } from '../market/isoDate.ts';
import {
  CALENDAR_FIRST_DATE,
  CALENDAR_LAST_DATE,
  holidayName,
  isTradingDay,
  tradingDaysBetween,
} from '../market/nyseCalendar.ts';
import type { PriceBar } from '../market/priceBar.ts';
import {
  listFew,
  plural,
  type QualityCheckName,
  type QualityCheckResult,
  type QualityStatus,
  uniqueSorted,
} from './checkResult.ts';

export type { QualityCheckName, QualityCheckResult, QualityStatus } from './checkResult.ts';

/**
 * The data-quality checks, one function each. Every check is pure and total: it never throws
 * on bad data, it reports it. Rows that fail `schema` (unreadable date, non-finite number) are
 * left out of every other check, so those never see NaN or malformed dates.
 */

const NUMERIC_FIELDS = ['open', 'high', 'low', 'close', 'adjClose', 'volume'] as const;
const PRICE_FIELDS = ['open', 'high', 'low', 'close', 'adjClose'] as const;
const WEEKDAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];

function result(
  name: QualityCheckName,
  status: QualityStatus,
  message: string,
  dates: Iterable<IsoDate> = [],
): QualityCheckResult {
  return { name, status, message, dates: uniqueSorted(dates) };
}

function isWellFormed(bar: PriceBar): boolean {
  const record = bar as unknown as Record<string, unknown>;
  if (typeof record.date !== 'string' || !isIsoDate(record.date)) return false;
  return NUMERIC_FIELDS.every((f) => typeof record[f] === 'number' && Number.isFinite(record[f]));
}

/** The rows every check but `schema` looks at, in their original order. */
export function wellFormedBars(bars: readonly PriceBar[]): PriceBar[] {
  return bars.filter(isWellFormed);
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return value === undefined ? 'missing' : typeof value;
}

/**
 * `schema`: every row is an object with an ISO date and six finite numbers. Fails on an
 * empty series too, since nothing else can be checked. Rows are named by their date when it
 * is readable, else by their 1-based position.
 */
export function checkSchema(bars: readonly PriceBar[]): QualityCheckResult {
  if (bars.length === 0) return result('schema', 'fail', 'no bars to check');
  const problems: string[] = [];
  const dates: IsoDate[] = [];
  bars.forEach((bar, index) => {
    const record = (typeof bar === 'object' && bar !== null ? bar : {}) as Record<string, unknown>;
    const date = record.date;
    const dateOk = typeof date === 'string' && isIsoDate(date);
    const where = dateOk ? date : `row ${index + 1}`;
    const wrong: string[] = [];
    if (!dateOk) wrong.push(`date ${describeValue(date)} is not YYYY-MM-DD`);
    for (const field of NUMERIC_FIELDS) {
      const value = record[field];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        wrong.push(`${field} is ${describeValue(value)}`);
      }
    }
    if (wrong.length > 0) {
      problems.push(`${where}: ${wrong.join(', ')}`);
      if (dateOk) dates.push(date);
    }
  });
  if (problems.length === 0) {
    return result('schema', 'pass', `${plural(bars.length, 'row')} well formed`);
  }
  const text = problems.slice(0, 3).join('; ');
  const more = problems.length > 3 ? `; and ${problems.length - 3} more` : '';
  return result(
    'schema',
    'fail',
    `${plural(problems.length, 'malformed row')}: ${text}${more}`,
    dates,
  );
}

/**
 * `order`: each date is later than the one before it. A date equal to the one before is a
 * duplicate and left to `duplicate_dates`; together the two checks require strictly
 * ascending dates. The offending date is the one that steps back.
 */
export function checkOrder(bars: readonly PriceBar[]): QualityCheckResult {
  const rows = wellFormedBars(bars);
  const found: string[] = [];
  const dates: IsoDate[] = [];
  for (let i = 1; i < rows.length; i++) {
    const prev = (rows[i - 1] as PriceBar).date;
    const date = (rows[i] as PriceBar).date;
    if (date < prev) {
      found.push(`${date} after ${prev}`);
      dates.push(date);
    }
  }
  if (found.length === 0) return result('order', 'pass', 'dates ascend');
  return result(
    'order',
    'fail',
    `${plural(found.length, 'date')} out of order: ${listFew(found)}`,
    dates,
  );
}

/** `duplicate_dates`: no date appears on more than one row. */
export function checkDuplicateDates(bars: readonly PriceBar[]): QualityCheckResult {
  const counts = new Map<IsoDate, number>();
  for (const bar of wellFormedBars(bars)) counts.set(bar.date, (counts.get(bar.date) ?? 0) + 1);
  const dupes = uniqueSorted([...counts].filter(([, n]) => n > 1).map(([d]) => d));
  if (dupes.length === 0) return result('duplicate_dates', 'pass', 'no duplicate dates');
  const named = dupes.map((d) => `${d} (×${counts.get(d)})`);
  return result(
    'duplicate_dates',
    'fail',
    `${plural(dupes.length, 'date')} on more than one row: ${listFew(named)}`,
    dupes,
  );
}

function inCalendar(date: IsoDate): boolean {
  return date >= CALENDAR_FIRST_DATE && date <= CALENDAR_LAST_DATE;
}

/**
 * `non_trading_days`: no row on a weekend, NYSE holiday or closure. Rows outside the
 * calendar's range (1997–2030) cannot be verified and fail too.
 */
export function checkNonTradingDays(bars: readonly PriceBar[]): QualityCheckResult {
  const reasons = new Map<IsoDate, string>();
  for (const { date } of wellFormedBars(bars)) {
    if (!inCalendar(date)) {
      reasons.set(date, `outside the calendar ${CALENDAR_FIRST_DATE}..${CALENDAR_LAST_DATE}`);
    } else if (!isTradingDay(date)) {
      const weekday = WEEKDAY_NAMES[dayOfWeek(date)] ?? '?';
      reasons.set(date, holidayName(date) ?? weekday);
    }
  }
  if (reasons.size === 0) return result('non_trading_days', 'pass', 'every row is a session');
  const dates = uniqueSorted(reasons.keys());
  const named = dates.map((d) => `${d} (${reasons.get(d)})`);
  return result(
    'non_trading_days',
    'fail',
    `${plural(dates.length, 'row date')} the NYSE did not trade: ${listFew(named)}`,
    dates,
  );
}

/**
 * `missing_sessions`: NYSE sessions between the first and the last row (within the
 * calendar's range) that have no row. Pass when none; warn up to `maxMissingSessions`; fail
 * beyond.
 */
export function checkMissingSessions(
  bars: readonly PriceBar[],
  maxMissingSessions: number,
): QualityCheckResult {
  const present = new Set(
    wellFormedBars(bars)
      .map((b) => b.date)
      .filter(inCalendar),
  );
  if (present.size === 0) return result('missing_sessions', 'pass', 'no rows within the calendar');
  const sorted = uniqueSorted(present);
  const first = sorted[0] as IsoDate;
  const last = sorted[sorted.length - 1] as IsoDate;
  const missing = tradingDaysBetween(first, last).filter((d) => !present.has(d));
  if (missing.length === 0) {
    return result('missing_sessions', 'pass', `no session missing from ${first} to ${last}`);
  }
  const status = missing.length > maxMissingSessions ? 'fail' : 'warn';
  return result(
    'missing_sessions',
    status,
    `${plural(missing.length, 'session')} from ${first} to ${last} without a row ` +
      `(at most ${maxMissingSessions} allowed): ${listFew(missing)}`,
    missing,
  );
}

/** The first high/low relation a bar breaks, if any. */
function highLowViolation(b: PriceBar): string | undefined {
  if (b.high < b.low) return `high ${b.high} < low ${b.low}`;
  if (b.high < b.open) return `high ${b.high} < open ${b.open}`;
  if (b.high < b.close) return `high ${b.high} < close ${b.close}`;
  if (b.low > b.open) return `low ${b.low} > open ${b.open}`;
  if (b.low > b.close) return `low ${b.low} > close ${b.close}`;
  return undefined;
}

/** `high_low_consistency`: high ≥ max(open, close, low) and low ≤ min(open, close). */
export function checkHighLowConsistency(bars: readonly PriceBar[]): QualityCheckResult {
  const found: string[] = [];
  const dates: IsoDate[] = [];
  for (const bar of wellFormedBars(bars)) {
    const violation = highLowViolation(bar);
    if (violation !== undefined) {
      found.push(`${bar.date} (${violation})`);
      dates.push(bar.date);
    }
  }
  if (found.length === 0)
    return result('high_low_consistency', 'pass', 'high/low bracket every bar');
  return result(
    'high_low_consistency',
    'fail',
    `${plural(found.length, 'bar')} with inconsistent high/low: ${listFew(found)}`,
    dates,
  );
}

/**
 * `non_positive`: every price > 0 and volume ≥ 0, else fail. A volume of exactly 0 is a warn:
 * a halted or suspended session is real but worth a look.
 */
export function checkNonPositive(bars: readonly PriceBar[]): QualityCheckResult {
  const bad: string[] = [];
  const badDates: IsoDate[] = [];
  const zeroVolume: IsoDate[] = [];
  for (const bar of wellFormedBars(bars)) {
    const wrong = PRICE_FIELDS.filter((f) => bar[f] <= 0).map((f) => `${f} ${bar[f]}`);
    if (bar.volume < 0) wrong.push(`volume ${bar.volume}`);
    if (wrong.length > 0) {
      bad.push(`${bar.date} (${wrong.join(', ')})`);
      badDates.push(bar.date);
    } else if (bar.volume === 0) {
      zeroVolume.push(bar.date);
    }
  }
  const parts: string[] = [];
  if (bad.length > 0)
    parts.push(`${plural(bad.length, 'bar')} with a price ≤ 0 or volume < 0: ${listFew(bad)}`);
  if (zeroVolume.length > 0) {
    parts.push(
      `${plural(zeroVolume.length, 'bar')} with zero volume (halted?): ${listFew(zeroVolume)}`,
    );
  }
  if (parts.length === 0)
    return result('non_positive', 'pass', 'prices positive, volumes non-negative');
  return result('non_positive', bad.length > 0 ? 'fail' : 'warn', parts.join('; '), [
    ...badDates,
    ...zeroVolume,
  ]);
}

/**
 * Split ratios (new shares per old share) that a close-to-close ratio is compared with; the
 * reverse splits are their reciprocals. Ratios below 2 (3:2, 4:3, 5:4) are left out: a
 * ×1.5 or ×0.67 day is a plausible real move, so they cannot be told apart from the price.
 */
export const SPLIT_RATIOS: readonly (readonly [number, number])[] = [
  [2, 1],
  [5, 2],
  [3, 1],
  [4, 1],
  [5, 1],
  [6, 1],
  [7, 1],
  [8, 1],
  [10, 1],
  [15, 1],
  [20, 1],
  [25, 1],
  [30, 1],
  [40, 1],
  [50, 1],
  [100, 1],
];

export interface SplitMatch {
  /** `20:1` for a forward split (price divided by 20), `1:10` for a reverse split. */
  readonly label: string;
  readonly reverse: boolean;
  readonly factor: number;
}

/**
 * The split a close-to-close ratio `r` looks like: the ratio whose factor k is nearest to
 * 1/r (a forward split) or to r (a reverse split) within the relative `tolerance`.
 */
export function matchSplitRatio(r: number, tolerance: number): SplitMatch | undefined {
  if (!(r > 0) || !Number.isFinite(r)) return undefined;
  const reverse = r > 1;
  const magnitude = reverse ? r : 1 / r;
  let best: SplitMatch | undefined;
  let bestError = Number.POSITIVE_INFINITY;
  for (const [num, den] of SPLIT_RATIOS) {
    const factor = num / den;
    const error = Math.abs(magnitude / factor - 1);
    if (error <= tolerance && error < bestError) {
      bestError = error;
      best = { label: reverse ? `${den}:${num}` : `${num}:${den}`, reverse, factor };
    }
  }
  return best;
}

function formatMove(r: number): string {
  const pct = (r - 1) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export interface ExtremeMoveOptions {
  /** Largest |close/previous close − 1| that passes, e.g. 0.5 for ±50%. */
  readonly maxDailyMove: number;
  /** Relative distance from a split ratio that counts as a split, e.g. 0.05. */
  readonly splitRatioTolerance: number;
}

/**
 * `extreme_moves`: close-to-close ratios r over the rows in date order (first row of a
 * repeated date; rows with a non-positive close skipped). Fail when r or 1/r is a split ratio
 * within tolerance (an unadjusted split); else warn when |r − 1| > maxDailyMove.
 */
export function checkExtremeMoves(
  bars: readonly PriceBar[],
  options: ExtremeMoveOptions,
): QualityCheckResult {
  const sorted = wellFormedBars(bars)
    .filter((b) => b.close > 0)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const rows = sorted.filter((b, i) => i === 0 || (sorted[i - 1] as PriceBar).date !== b.date);
  const splits: string[] = [];
  const moves: string[] = [];
  const dates: IsoDate[] = [];
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1] as PriceBar;
    const bar = rows[i] as PriceBar;
    const r = bar.close / prev.close;
    const split = matchSplitRatio(r, options.splitRatioTolerance);
    if (split) {
      const kind = split.reverse ? 'reverse split' : 'split';
      splits.push(
        `looks like an unadjusted ${split.label} ${kind} on ${bar.date} ` +
          `(close ${bar.close} after ${prev.close})`,
      );
      dates.push(bar.date);
    } else if (Math.abs(r - 1) > options.maxDailyMove) {
      moves.push(`${bar.date} (${formatMove(r)})`);
      dates.push(bar.date);
    }
  }
  const limit = `±${Number((options.maxDailyMove * 100).toFixed(2))}%`;
  const parts: string[] = [];
  if (splits.length > 0) parts.push(listFew(splits, 3));
  if (moves.length > 0) {
    parts.push(`${plural(moves.length, 'move')} beyond ${limit}: ${listFew(moves)}`);
  }
  if (parts.length === 0) {
    return result('extreme_moves', 'pass', `no close-to-close move beyond ${limit}`);
  }
  return result('extreme_moves', splits.length > 0 ? 'fail' : 'warn', parts.join('; '), dates);
}
