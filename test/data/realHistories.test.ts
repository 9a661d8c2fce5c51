// Checks on the real price histories (../shared/data, or STOCKOPS_DATA_DIR). Run by .ci/run
// through `npm run test:data`; they fail, never skip, when the data is missing.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PriceBar, parsePriceCsv } from '../../core/market/priceBar.ts';
import { checkMissingSessions, checkNonTradingDays } from '../../core/quality/checks.ts';
import { runQualityChecks } from '../../core/quality/qualityReport.ts';

const dataDir = resolve(process.env.STOCKOPS_DATA_DIR ?? '../shared/data');

function load(symbol: string): PriceBar[] {
  const file = join(dataDir, `${symbol}.csv`);
  if (!existsSync(file))
    throw new Error(`${file} is missing: set STOCKOPS_DATA_DIR to the data folder`);
  return parsePriceCsv(readFileSync(file, 'utf8'), file);
}

const options = { maxDailyMove: 0.5, splitRatioTolerance: 0.02, maxMissingSessions: 0 };

describe('AMZN 1997-05-15 → 2026-06-12 against the NYSE calendar', () => {
  const bars = load('AMZN');

  it('has the full history', () => {
    expect(bars).toHaveLength(7315);
    expect(bars[0]?.date).toBe('1997-05-15');
    expect(bars.at(-1)?.date).toBe('2026-06-12');
  });

  it('has zero missing sessions and zero non-trading-day rows', () => {
    const missing = checkMissingSessions(bars, 0);
    const nonTrading = checkNonTradingDays(bars);
    expect(missing.dates).toEqual([]);
    expect(nonTrading.dates).toEqual([]);
    expect([missing.status, nonTrading.status]).toEqual(['pass', 'pass']);
  });

  it('passes every quality check, the split-adjusted 2022 20:1 split included', () => {
    const report = runQualityChecks(bars, { ...options, symbol: 'AMZN' });
    expect(report.checks.map((c) => `${c.name}:${c.status}`)).toEqual(
      report.checks.map((c) => `${c.name}:pass`),
    );
    const around = bars.filter((b) => b.date >= '2022-06-03' && b.date <= '2022-06-06');
    expect(around.map((b) => b.close)).toEqual([122.349998, 124.790001]);
  });

  it('fails the same history with the 2022 split left unadjusted (a 20:1 jump)', () => {
    const unadjusted = bars.map((b) =>
      b.date < '2022-06-06'
        ? {
            ...b,
            open: b.open * 20,
            high: b.high * 20,
            low: b.low * 20,
            close: b.close * 20,
            adjClose: b.adjClose * 20,
          }
        : b,
    );
    const report = runQualityChecks(unadjusted, { ...options, symbol: 'AMZN' });
    const moves = report.checks.find((c) => c.name === 'extreme_moves');
    expect(moves?.status).toBe('fail');
    expect(moves?.dates).toEqual(['2022-06-06']);
    expect(moves?.message).toMatch(/20:1/);
  });
});

describe.each(['AAPL', 'MSFT', 'GOOGL'])('%s 2006 → 2026', (symbol) => {
  it('passes every quality check against the calendar', () => {
    const report = runQualityChecks(load(symbol), { ...options, symbol });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.bars).toBe(5032);
  });
});
