import { describe, expect, it } from 'vitest';
import type { PriceBar } from '../../core/market/priceBar.ts';
import {
  checkDuplicateDates,
  checkExtremeMoves,
  checkHighLowConsistency,
  checkMissingSessions,
  checkNonPositive,
  checkNonTradingDays,
  checkOrder,
  checkSchema,
  matchSplitRatio,
} from '../../core/quality/checks.ts';
import { dateAt, makeBars, moveOn, patchBar } from './fixtures.ts';

// 60 sessions from 2024-01-02 to 2024-03-27, across MLK Day and Washington's Birthday.
const clean = makeBars('2024-01-02', 60);
const D = dateAt(clean, 20);
const E = dateAt(clean, 40);
const moves = { maxDailyMove: 0.5, splitRatioTolerance: 0.05 };

function withBars(bars: readonly PriceBar[], extra: readonly PriceBar[]): PriceBar[] {
  return [...bars, ...extra].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function asBar(value: unknown): PriceBar {
  return value as PriceBar;
}

describe('fixture', () => {
  it('is 60 sessions of a gentle walk, the same on every run', () => {
    expect(clean).toHaveLength(60);
    expect(clean[0]?.date).toBe('2024-01-02');
    expect(clean.at(-1)?.date).toBe('2024-03-27');
    expect(clean.some((b) => b.date === '2024-01-15')).toBe(false);
    expect(makeBars('2024-01-02', 60)).toEqual(clean);
    expect(makeBars('2024-01-02', 60, 7)).not.toEqual(clean);
    expect(makeBars('2024-01-06', 1)[0]?.date).toBe('2024-01-08');
  });
});

describe('schema', () => {
  it('passes on the clean fixture', () => {
    expect(checkSchema(clean)).toEqual({
      name: 'schema',
      status: 'pass',
      message: '60 rows well formed',
      dates: [],
    });
  });

  it('fails on non-finite numbers, naming the date', () => {
    const bars = patchBar(patchBar(clean, D, { close: Number.NaN }), E, {
      volume: Number.POSITIVE_INFINITY,
    });
    const r = checkSchema(bars);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D, E]);
    expect(r.message).toBe(`2 malformed rows: ${D}: close is NaN; ${E}: volume is Infinity`);
  });

  it('fails on unreadable dates and missing fields, naming the row', () => {
    const bars = [
      ...clean.slice(0, 2),
      asBar({ ...clean[2], date: '2024-13-01' }),
      asBar({ ...clean[3], high: '12.5' }),
      asBar({ date: 20240108 }),
      asBar(null),
    ];
    const r = checkSchema(bars);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([clean[3]?.date]);
    expect(r.message).toContain('4 malformed rows: row 3: date "2024-13-01" is not YYYY-MM-DD;');
    expect(r.message).toContain(`${clean[3]?.date}: high is "12.5"`);
    expect(r.message).toContain('row 5: date 20240108 is not YYYY-MM-DD, open is missing');
    expect(r.message).toMatch(/; and 1 more$/);
  });

  it('fails on an empty series', () => {
    expect(checkSchema([])).toMatchObject({ status: 'fail', message: 'no bars to check' });
  });

  it('keeps malformed rows out of the other checks', () => {
    const bars = patchBar(clean, D, { close: Number.NaN, high: -1 });
    expect(checkHighLowConsistency(bars).status).toBe('pass');
    expect(checkNonPositive(bars).status).toBe('pass');
    expect(checkExtremeMoves(bars, moves).status).toBe('pass');
  });
});

describe('order', () => {
  it('passes on the clean fixture', () => {
    expect(checkOrder(clean)).toMatchObject({ name: 'order', status: 'pass', dates: [] });
  });

  it('fails on a date that steps back, naming it', () => {
    const bars = [...clean];
    [bars[20], bars[21]] = [bars[21] as PriceBar, bars[20] as PriceBar];
    const r = checkOrder(bars);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D]);
    expect(r.message).toBe(`1 date out of order: ${D} after ${dateAt(clean, 21)}`);
  });

  it('leaves equal dates to duplicate_dates', () => {
    expect(checkOrder(withBars(clean, [clean[20] as PriceBar])).status).toBe('pass');
  });
});

describe('duplicate_dates', () => {
  it('passes on the clean fixture', () => {
    expect(checkDuplicateDates(clean)).toMatchObject({ status: 'pass', dates: [] });
  });

  it('fails naming exactly the 2 duplicated dates', () => {
    const bars = withBars(clean, [
      clean[40] as PriceBar,
      clean[20] as PriceBar,
      clean[20] as PriceBar,
    ]);
    const r = checkDuplicateDates(bars);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D, E]);
    expect(r.message).toBe(`2 dates on more than one row: ${D} (×3), ${E} (×2)`);
  });
});

describe('non_trading_days', () => {
  it('passes on the clean fixture', () => {
    expect(checkNonTradingDays(clean)).toMatchObject({ status: 'pass', dates: [] });
  });

  it('fails on a Saturday row', () => {
    const bars = withBars(clean, [{ ...(clean[3] as PriceBar), date: '2024-01-06' }]);
    const r = checkNonTradingDays(bars);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual(['2024-01-06']);
    expect(r.message).toBe('1 row date the NYSE did not trade: 2024-01-06 (Saturday)');
  });

  it('fails on holidays and dates outside the calendar, naming them', () => {
    const bars = withBars(clean, [
      { ...(clean[9] as PriceBar), date: '2024-01-15' },
      { ...(clean[0] as PriceBar), date: '1996-12-31' },
    ]);
    const r = checkNonTradingDays(bars);
    expect(r.dates).toEqual(['1996-12-31', '2024-01-15']);
    expect(r.message).toContain('2024-01-15 (Martin Luther King Jr. Day)');
    expect(r.message).toContain('1996-12-31 (outside the calendar 1997-01-01..2030-12-31)');
  });
});

describe('missing_sessions', () => {
  const gap = clean.filter((b) => b.date !== D);

  it('passes on the clean fixture', () => {
    expect(checkMissingSessions(clean, 0)).toMatchObject({ status: 'pass', dates: [] });
  });

  it('fails on a missing session beyond the allowance, naming it', () => {
    const r = checkMissingSessions(gap, 0);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D]);
    expect(r.message).toBe(
      `1 session from 2024-01-02 to 2024-03-27 without a row (at most 0 allowed): ${D}`,
    );
  });

  it('warns within the allowance', () => {
    expect(checkMissingSessions(gap, 1)).toMatchObject({ status: 'warn', dates: [D] });
  });

  it('lists every missing date and the first few in the message', () => {
    const r = checkMissingSessions([clean[0] as PriceBar, clean[59] as PriceBar], 10);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual(clean.slice(1, 59).map((b) => b.date));
    expect(r.message).toMatch(
      /: 2024-01-03, 2024-01-04, 2024-01-05, 2024-01-08, 2024-01-09 and 53 more$/,
    );
  });

  it('passes when no row is within the calendar', () => {
    const old = [{ ...(clean[0] as PriceBar), date: '1996-12-31' }];
    expect(checkMissingSessions(old, 0).status).toBe('pass');
    expect(checkMissingSessions([], 0).status).toBe('pass');
  });
});

describe('high_low_consistency', () => {
  it('passes on the clean fixture', () => {
    expect(checkHighLowConsistency(clean)).toMatchObject({ status: 'pass', dates: [] });
  });

  it('fails on high < low, naming the date', () => {
    const bar = clean[20] as PriceBar;
    const bars = patchBar(clean, D, { high: bar.low, low: bar.high });
    const r = checkHighLowConsistency(bars);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D]);
    expect(r.message).toBe(
      `1 bar with inconsistent high/low: ${D} (high ${bar.low} < low ${bar.high})`,
    );
  });

  it.each([
    ['high < open', { open: 1000 }, /high [\d.]+ < open 1000\)$/],
    ['high < close', { close: 1000 }, /high [\d.]+ < close 1000\)$/],
    ['low > open', { open: 1 }, /low [\d.]+ > open 1\)$/],
    ['low > close', { close: 1 }, /low [\d.]+ > close 1\)$/],
  ])('fails on %s', (_relation, patch, pattern) => {
    const r = checkHighLowConsistency(patchBar(clean, E, patch));
    expect(r).toMatchObject({ status: 'fail', dates: [E] });
    expect(r.message).toMatch(pattern);
  });
});

describe('non_positive', () => {
  it('passes on the clean fixture', () => {
    expect(checkNonPositive(clean)).toMatchObject({ status: 'pass', dates: [] });
  });

  it('fails on a negative price', () => {
    const r = checkNonPositive(patchBar(clean, D, { low: -1 }));
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D]);
    expect(r.message).toBe(`1 bar with a price ≤ 0 or volume < 0: ${D} (low -1)`);
  });

  it('fails on a zero price and a negative volume', () => {
    const bars = patchBar(patchBar(clean, D, { adjClose: 0 }), E, { volume: -5 });
    expect(checkNonPositive(bars)).toMatchObject({ status: 'fail', dates: [D, E] });
  });

  it('warns on zero volume', () => {
    const r = checkNonPositive(patchBar(clean, E, { volume: 0 }));
    expect(r.status).toBe('warn');
    expect(r.dates).toEqual([E]);
    expect(r.message).toBe(`1 bar with zero volume (halted?): ${E}`);
  });

  it('fails when both, listing both dates', () => {
    const bars = patchBar(patchBar(clean, D, { close: -2 }), E, { volume: 0 });
    const r = checkNonPositive(bars);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D, E]);
    expect(r.message).toContain('; 1 bar with zero volume');
  });
});

describe('extreme_moves', () => {
  it('passes on the clean fixture', () => {
    expect(checkExtremeMoves(clean, moves)).toEqual({
      name: 'extreme_moves',
      status: 'pass',
      message: 'no close-to-close move beyond ±50%',
      dates: [],
    });
  });

  it('fails a 20:1 drop as a split', () => {
    const r = checkExtremeMoves(moveOn(clean, D, 0.05), moves);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D]);
    expect(r.message).toMatch(new RegExp(`^looks like an unadjusted 20:1 split on ${D} `));
  });

  it('fails an unadjusted 2:1 split', () => {
    const r = checkExtremeMoves(moveOn(clean, E, 0.5012), moves);
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([E]);
    expect(r.message).toContain(`looks like an unadjusted 2:1 split on ${E}`);
  });

  it('fails an unadjusted reverse split', () => {
    const r = checkExtremeMoves(moveOn(clean, E, 9.8), moves);
    expect(r).toMatchObject({ status: 'fail', dates: [E] });
    expect(r.message).toContain(`looks like an unadjusted 1:10 reverse split on ${E}`);
  });

  it('passes a real +34.5% day (AMZN, 2001-11-26) at maxDailyMove 0.5', () => {
    const bars = moveOn(makeBars('2001-11-01', 30), '2001-11-26', 1.345);
    expect(checkExtremeMoves(bars, moves).status).toBe('pass');
    expect(matchSplitRatio(1.345, 0.05)).toBeUndefined();
  });

  it('passes a −40% day at 0.5 and warns at 0.3', () => {
    const bars = moveOn(clean, D, 0.6);
    expect(checkExtremeMoves(bars, moves).status).toBe('pass');
    const r = checkExtremeMoves(bars, { maxDailyMove: 0.3, splitRatioTolerance: 0.05 });
    expect(r.status).toBe('warn');
    expect(r.dates).toEqual([D]);
    expect(r.message).toBe(`1 move beyond ±30%: ${D} (-40.0%)`);
  });

  it('reports splits and moves together, in date order, on sorted unique rows', () => {
    const bars = moveOn(moveOn(clean, D, 1.4), E, 0.25);
    const shuffled = [...bars].reverse();
    shuffled.push(bars[5] as PriceBar);
    const r = checkExtremeMoves(shuffled, { maxDailyMove: 0.3, splitRatioTolerance: 0.05 });
    expect(r.status).toBe('fail');
    expect(r.dates).toEqual([D, E]);
    expect(r.message).toMatch(
      new RegExp(
        `^looks like an unadjusted 4:1 split on ${E} .*; 1 move beyond ±30%: ${D} \\(\\+40\\.0%\\)$`,
      ),
    );
  });

  it('skips rows with a non-positive close', () => {
    expect(checkExtremeMoves(patchBar(clean, D, { close: 0 }), moves).status).toBe('pass');
  });
});

describe('matchSplitRatio', () => {
  it.each([
    [0.5, '2:1'],
    [0.4, '5:2'],
    [1 / 3, '3:1'],
    [0.251, '4:1'],
    [1 / 7, '7:1'],
    [0.05, '20:1'],
    [0.02, '50:1'],
    [2, '1:2'],
    [10.3, '1:10'],
  ])('reads %f as %s', (r, label) => {
    expect(matchSplitRatio(r, 0.05)?.label).toBe(label);
  });

  it.each([1.5, 0.6667, 1.345, 0.75, 1, 0.7, 12, 0, -0.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'does not read %f as a split',
    (r) => {
      expect(matchSplitRatio(r, 0.05)).toBeUndefined();
    },
  );

  it('respects the tolerance', () => {
    expect(matchSplitRatio(0.53, 0.05)).toBeUndefined();
    expect(matchSplitRatio(0.53, 0.1)).toMatchObject({ label: '2:1', reverse: false, factor: 2 });
  });
});
