import { addDays, type IsoDate } from '../../core/market/isoDate.ts';
import { isTradingDay } from '../../core/market/nyseCalendar.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { seededRandom } from '../../core/model/seededRandom.ts';

export { seededRandom };

/** `count` valid bars on consecutive NYSE sessions from `from`, a gentle random walk. */
export function syntheticBars(count: number, from: IsoDate = '2020-01-02', seed = 42): PriceBar[] {
  const rand = seededRandom(seed);
  const bars: PriceBar[] = [];
  let date = from;
  let close = 100;
  while (bars.length < count) {
    if (isTradingDay(date)) {
      const open = round(close * (1 + (rand() - 0.5) * 0.01));
      close = round(open * (1 + (rand() - 0.5) * 0.03));
      const high = round(Math.max(open, close) * (1 + rand() * 0.01));
      const low = round(Math.min(open, close) * (1 - rand() * 0.01));
      const volume = 1_000_000 + Math.floor(rand() * 500_000);
      bars.push({ date, open, high, low, close, adjClose: close, volume });
    }
    date = addDays(date, 1);
  }
  return bars;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
