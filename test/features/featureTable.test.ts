import { describe, expect, it } from 'vitest';
import { avgPrices, isAvgPriceFormula } from '../../core/features/avgPrice.ts';
import {
  buildFeatureTable,
  FEATURE_COLUMNS,
  formatFeatureCsv,
  slidingWindows,
} from '../../core/features/featureTable.ts';
import { logReturns, rollingMean, rollingStd } from '../../core/features/rolling.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

const bar = (p: Partial<PriceBar>): PriceBar => ({
  date: '2024-01-02',
  open: 10,
  high: 12,
  low: 8,
  close: 11,
  adjClose: 11,
  volume: 100,
  ...p,
});

describe('avg_price formulas', () => {
  it('computes each configured formula', () => {
    const b = [bar({})];
    expect(avgPrices(b, '(high+low)/2')[0]).toBe(10);
    expect(avgPrices(b, '(high+low+close)/3')[0]).toBeCloseTo(31 / 3, 12);
    expect(avgPrices(b, '(open+high+low+close)/4')[0]).toBe(10.25);
    expect(avgPrices(b, 'close')[0]).toBe(11);
  });
  it('recognises only known formulas', () => {
    expect(isAvgPriceFormula('(high+low)/2')).toBe(true);
    expect(isAvgPriceFormula('high')).toBe(false);
    expect(isAvgPriceFormula('toString')).toBe(false);
  });
});

describe('rolling maths', () => {
  it('log returns start with NaN and chain back to the price ratio', () => {
    const r = logReturns([100, 110, 99]);
    expect(r[0]).toBeNaN();
    expect(r[1]).toBeCloseTo(Math.log(1.1), 15);
    expect(Math.exp((r[1] as number) + (r[2] as number))).toBeCloseTo(0.99, 12);
  });
  it('rolling mean and sample std match a direct computation', () => {
    const xs = [1, 2, 4, 7, 11];
    const mean = rollingMean(xs, 3);
    const sd = rollingStd(xs, 3);
    expect([...mean.slice(0, 2)].every(Number.isNaN)).toBe(true);
    expect(mean[2]).toBeCloseTo(7 / 3, 14);
    // sample std of 4, 7, 11: mean 22/3, n − 1 denominator
    const m = 22 / 3;
    expect(sd[4]).toBeCloseTo(Math.sqrt(((4 - m) ** 2 + (7 - m) ** 2 + (11 - m) ** 2) / 2), 14);
  });
  it('a NaN inside the window makes the value NaN, not a silent zero', () => {
    const sd = rollingStd([Number.NaN, 1, 2, 3], 2);
    expect(sd[1]).toBeNaN();
    expect(sd[2]).toBeCloseTo(Math.SQRT1_2, 14);
  });
  it('is exact for large values with tiny spread (no cancellation)', () => {
    const sd = rollingStd([1e9 + 1, 1e9 + 2, 1e9 + 3], 3);
    expect(sd[2]).toBeCloseTo(1, 9);
  });
  it('a window of identical values has std exactly 0, not the rounding noise of its mean', () => {
    const x = Math.log1p(2_000_000);
    // the mean of three copies of x is not x itself, so the two-pass sum alone would be > 0
    expect((x + x + x) / 3).not.toBe(x);
    expect(rollingStd([x, x, x, x + 1], 3)[2]).toBe(0);
    expect(rollingStd([x, x, x, x + 1], 3)[3]).toBeGreaterThan(0);
    const bars = Array.from({ length: 6 }, (_, i) =>
      bar({ date: `2024-01-0${i + 2}`, volume: 2e6 }),
    );
    const table = buildFeatureTable(bars, {
      avgPrice: 'close',
      volatilityWindow: 2,
      volumeWindow: 3,
    });
    expect([...table.columns.log_volume_z].every(Number.isNaN)).toBe(true);
  });
  it('rejects bad windows', () => {
    expect(() => rollingMean([1], 0)).toThrow(/positive integer/);
    expect(() => rollingStd([1, 2], 1)).toThrow(/at least 2/);
  });
});

describe('feature table and windows', () => {
  const bars = syntheticBars(80);
  const table = buildFeatureTable(bars, {
    avgPrice: '(high+low)/2',
    volatilityWindow: 10,
    volumeWindow: 5,
  });

  it('marks the first row where every feature is defined', () => {
    // log returns start at row 1, so a 10-row volatility first exists at row 10
    expect(table.firstComplete).toBe(10);
    for (const c of FEATURE_COLUMNS) {
      expect(Number.isNaN(table.columns[c][table.firstComplete] as number)).toBe(false);
    }
    expect(Number.isNaN(table.columns.volatility[9] as number)).toBe(true);
  });

  it('close_to_avg is where the day closed against its average', () => {
    const b = bars[20] as PriceBar;
    expect(table.columns.close_to_avg[20]).toBeCloseTo(
      Math.log(b.close / ((b.high + b.low) / 2)),
      14,
    );
  });

  it('windows end at their origin and target the next return', () => {
    const windows = slidingWindows(table, 5);
    const first = windows[0];
    expect(first?.origin).toBe(table.firstComplete + 4);
    expect(windows.at(-1)?.origin).toBe(bars.length - 2);
    expect(windows).toHaveLength(bars.length - 1 - (table.firstComplete + 4));
    const width = FEATURE_COLUMNS.length;
    // last row of the first window is the origin row, in column order
    expect(first?.inputs[4 * width]).toBe(table.columns.log_return[first?.origin ?? 0]);
    expect(first?.target).toBe(table.columns.log_return[(first?.origin ?? 0) + 1]);
    expect(() => slidingWindows(table, 0)).toThrow(/positive integer/);
  });

  it('formats as CSV with empty warm-up cells', () => {
    const csv = formatFeatureCsv(table).split('\n');
    expect(csv[0]).toBe('date,avg_price,close,log_return,close_to_avg,volatility,log_volume_z');
    expect(csv[1]?.split(',')[3]).toBe('');
    expect(csv).toHaveLength(bars.length + 2);
  });
});
