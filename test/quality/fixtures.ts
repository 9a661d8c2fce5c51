import type { IsoDate } from '../../core/market/isoDate.ts';
import { isTradingDay, nextTradingDay } from '../../core/market/nyseCalendar.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { seededRandom } from '../../core/model/seededRandom.ts';

export { seededRandom };

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/**
 * `count` valid bars on consecutive NYSE sessions from `start` (or the first session after
 * it), closing on a gentle random walk (moves under ±1%) from 100.
 */
export function makeBars(start: IsoDate, count: number, seed = 42): PriceBar[] {
  const random = seededRandom(seed);
  const bars: PriceBar[] = [];
  let date = isTradingDay(start) ? start : nextTradingDay(start);
  let prevClose = 100;
  for (let i = 0; i < count; i++) {
    const open = round(prevClose * (1 + (random() - 0.5) * 0.004));
    const close = round(prevClose * (1 + (random() - 0.5) * 0.016));
    const high = round(Math.max(open, close) * (1 + random() * 0.005));
    const low = round(Math.min(open, close) * (1 - random() * 0.005));
    const volume = 1_000_000 + Math.floor(random() * 500_000);
    bars.push({ date, open, high, low, close, adjClose: close, volume });
    prevClose = close;
    if (i < count - 1) date = nextTradingDay(date);
  }
  return bars;
}

/** A copy of `bars` with the bar on `date` changed. */
export function patchBar(bars: readonly PriceBar[], date: IsoDate, patch: Partial<PriceBar>) {
  const index = bars.findIndex((b) => b.date === date);
  if (index < 0) throw new Error(`no bar on ${date}`);
  return bars.map((b, i) => (i === index ? { ...b, ...patch } : b));
}

/** A copy of `bars` with every price from `date` on multiplied by `factor` (volume divided). */
export function scaleFrom(bars: readonly PriceBar[], date: IsoDate, factor: number): PriceBar[] {
  return bars.map((b) =>
    b.date < date
      ? b
      : {
          ...b,
          open: round(b.open * factor),
          high: round(b.high * factor),
          low: round(b.low * factor),
          close: round(b.close * factor),
          adjClose: round(b.adjClose * factor),
          volume: Math.round(b.volume / factor),
        },
  );
}

/** The date of the i-th bar (throws rather than returning undefined). */
export function dateAt(bars: readonly PriceBar[], index: number): IsoDate {
  const bar = bars.at(index);
  if (!bar) throw new Error(`no bar ${index}`);
  return bar.date;
}

/** A copy of `bars` where the close on `date` is exactly `ratio` × the previous close. */
export function moveOn(bars: readonly PriceBar[], date: IsoDate, ratio: number): PriceBar[] {
  const index = bars.findIndex((b) => b.date === date);
  const bar = bars[index];
  const prev = bars[index - 1];
  if (!bar || !prev) throw new Error(`no bar with a predecessor on ${date}`);
  return scaleFrom(bars, date, (ratio * prev.close) / bar.close);
}
