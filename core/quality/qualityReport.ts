import type { IsoDate } from '../market/isoDate.ts';
import type { PriceBar } from '../market/priceBar.ts';
import { type QualityCheckResult, type QualityStatus, worstStatus } from './checkResult.ts';
import {
  checkDuplicateDates,
  checkExtremeMoves,
  checkHighLowConsistency,
  checkMissingSessions,
  checkNonPositive,
  checkNonTradingDays,
  checkOrder,
  checkSchema,
  wellFormedBars,
} from './checks.ts';

export interface QualityOptions {
  /** Largest |close/previous close − 1| that passes `extreme_moves`, e.g. 0.5. */
  readonly maxDailyMove: number;
  /** Relative distance from a split ratio that `extreme_moves` reads as a split, e.g. 0.05. */
  readonly splitRatioTolerance: number;
  /** Missing sessions `missing_sessions` tolerates with a warn before it fails. */
  readonly maxMissingSessions: number;
  readonly symbol: string;
}

/**
 * The result of every check on one symbol's bars. It holds no timestamp (`checkedAt` can
 * never be set), so the same bars give a byte-identical report on every rerun.
 */
export interface QualityReport {
  readonly symbol: string;
  readonly checkedAt?: never;
  /** Rows checked, well formed or not. */
  readonly bars: number;
  /** Earliest and latest well-formed date; null when there is none. */
  readonly from: IsoDate | null;
  readonly to: IsoDate | null;
  /** The worst status of the checks. */
  readonly status: QualityStatus;
  readonly checks: readonly QualityCheckResult[];
}

/** Throws RangeError naming the option that cannot be used. */
export function validateQualityOptions(options: QualityOptions): void {
  const { maxDailyMove, splitRatioTolerance, maxMissingSessions, symbol } = options;
  if (typeof symbol !== 'string' || symbol.trim() === '') {
    throw new RangeError('quality option symbol must be a non-empty string');
  }
  if (!(Number.isFinite(maxDailyMove) && maxDailyMove > 0)) {
    throw new RangeError(`quality option maxDailyMove must be > 0 (got ${maxDailyMove})`);
  }
  // Same bounds as config/schema.json. Tolerances beyond ~0.1 make the 2:1 and 5:2 windows
  // overlap, and from ~0.17 a −40% day reads as a 2:1 split; the configured default is 0.02.
  if (
    !(Number.isFinite(splitRatioTolerance) && splitRatioTolerance >= 0 && splitRatioTolerance < 0.5)
  ) {
    throw new RangeError(
      `quality option splitRatioTolerance must be >= 0 and < 0.5 (got ${splitRatioTolerance})`,
    );
  }
  if (!(Number.isInteger(maxMissingSessions) && maxMissingSessions >= 0)) {
    throw new RangeError(
      `quality option maxMissingSessions must be an integer >= 0 (got ${maxMissingSessions})`,
    );
  }
}

/** Runs every check, in QUALITY_CHECK_NAMES order, on one symbol's bars. */
export function runQualityChecks(
  bars: readonly PriceBar[],
  options: QualityOptions,
): QualityReport {
  validateQualityOptions(options);
  const checks = [
    checkSchema(bars),
    checkOrder(bars),
    checkDuplicateDates(bars),
    checkNonTradingDays(bars),
    checkMissingSessions(bars, options.maxMissingSessions),
    checkHighLowConsistency(bars),
    checkNonPositive(bars),
    checkExtremeMoves(bars, options),
  ];
  const dates = wellFormedBars(bars).map((b) => b.date);
  let from: IsoDate | null = null;
  let to: IsoDate | null = null;
  for (const d of dates) {
    if (from === null || d < from) from = d;
    if (to === null || d > to) to = d;
  }
  return {
    symbol: options.symbol,
    bars: bars.length,
    from,
    to,
    status: worstStatus(checks.map((c) => c.status)),
    checks,
  };
}
