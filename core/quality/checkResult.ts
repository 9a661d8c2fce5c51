import type { IsoDate } from '../market/isoDate.ts';

export type QualityStatus = 'pass' | 'warn' | 'fail';

/**
 * The stable check names, in the order runQualityChecks reports them. Renaming one breaks
 * stored reports and alerts that match on it.
 */
export const QUALITY_CHECK_NAMES = [
  'schema',
  'order',
  'duplicate_dates',
  'non_trading_days',
  'missing_sessions',
  'high_low_consistency',
  'non_positive',
  'extreme_moves',
] as const;

export type QualityCheckName = (typeof QUALITY_CHECK_NAMES)[number];

export interface QualityCheckResult {
  readonly name: QualityCheckName;
  readonly status: QualityStatus;
  /** One line; names the first few offending dates. */
  readonly message: string;
  /** Every offending date, ascending and without repeats. */
  readonly dates: readonly IsoDate[];
}

const RANK: Record<QualityStatus, number> = { pass: 0, warn: 1, fail: 2 };

export function worstStatus(statuses: Iterable<QualityStatus>): QualityStatus {
  let worst: QualityStatus = 'pass';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** How many items a message names before "… and N more". */
export const MESSAGE_ITEMS = 5;

/** `a, b, c, d, e and 3 more`. */
export function listFew(items: readonly string[], max = MESSAGE_ITEMS): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** Sorted, de-duplicated copy. */
export function uniqueSorted(dates: Iterable<IsoDate>): IsoDate[] {
  return [...new Set(dates)].sort();
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
