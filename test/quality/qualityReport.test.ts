import { describe, expect, it } from 'vitest';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { listFew, QUALITY_CHECK_NAMES, worstStatus } from '../../core/quality/checkResult.ts';
import {
  type QualityOptions,
  runQualityChecks,
  validateQualityOptions,
} from '../../core/quality/qualityReport.ts';
import { dateAt, makeBars, moveOn, patchBar } from './fixtures.ts';

// As config/base.yaml, but allowing 2 missing sessions.
const options: QualityOptions = {
  symbol: 'TEST',
  maxDailyMove: 0.5,
  splitRatioTolerance: 0.02,
  maxMissingSessions: 2,
};
const clean = makeBars('2023-12-01', 80, 3);

describe('runQualityChecks', () => {
  it('passes every check on clean bars, in the documented order', () => {
    const report = runQualityChecks(clean, options);
    expect(report).toMatchObject({
      symbol: 'TEST',
      bars: 80,
      from: '2023-12-01',
      to: dateAt(clean, -1),
      status: 'pass',
    });
    expect(report.checks.map((c) => c.name)).toEqual([...QUALITY_CHECK_NAMES]);
    expect(report.checks.every((c) => c.status === 'pass' && c.dates.length === 0)).toBe(true);
  });

  it('is byte-stable across reruns and holds no timestamp', () => {
    const first = JSON.stringify(runQualityChecks(clean, options));
    const second = JSON.stringify(runQualityChecks(makeBars('2023-12-01', 80, 3), options));
    expect(second).toBe(first);
    expect(Object.keys(JSON.parse(first))).toEqual([
      'symbol',
      'bars',
      'from',
      'to',
      'status',
      'checks',
    ]);
  });

  it('takes the worst status: warn', () => {
    const gap = clean.filter((b) => b.date !== dateAt(clean, 10));
    const report = runQualityChecks(patchBar(gap, dateAt(clean, 30), { volume: 0 }), options);
    expect(report.status).toBe('warn');
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    expect(byName).toMatchObject({
      missing_sessions: 'warn',
      non_positive: 'warn',
      schema: 'pass',
    });
  });

  it('takes the worst status: fail, naming the offending dates per check', () => {
    const split = dateAt(clean, 50);
    const report = runQualityChecks(moveOn(clean, split, 0.5), options);
    expect(report.status).toBe('fail');
    const moves = report.checks.find((c) => c.name === 'extreme_moves');
    expect(moves).toMatchObject({ status: 'fail', dates: [split] });
  });

  it('reports range from the earliest to the latest well-formed date, whatever the order', () => {
    const shuffled = [clean[5], clean[0], clean[79], { ...clean[3], date: 'x' }] as PriceBar[];
    const report = runQualityChecks(shuffled, options);
    expect(report).toMatchObject({ bars: 4, from: clean[0]?.date, to: clean[79]?.date });
    expect(report.status).toBe('fail');
  });

  it('fails an empty series with a null range', () => {
    const report = runQualityChecks([], options);
    expect(report).toMatchObject({ bars: 0, from: null, to: null, status: 'fail' });
    expect(report.checks[0]).toMatchObject({ name: 'schema', status: 'fail' });
  });

  it.each([
    [{ symbol: ' ' }, /symbol/],
    [{ maxDailyMove: 0 }, /maxDailyMove/],
    [{ maxDailyMove: Number.NaN }, /maxDailyMove/],
    [{ splitRatioTolerance: -0.01 }, /splitRatioTolerance must be >= 0 and < 0.5/],
    [{ splitRatioTolerance: 0.5 }, /splitRatioTolerance must be >= 0 and < 0.5/],
    [{ maxMissingSessions: 1.5 }, /maxMissingSessions/],
    [{ maxMissingSessions: -1 }, /maxMissingSessions/],
  ])('rejects options %o', (patch, message) => {
    expect(() => runQualityChecks(clean, { ...options, ...patch })).toThrow(RangeError);
    expect(() => validateQualityOptions({ ...options, ...patch })).toThrow(message);
  });
});

describe('result helpers', () => {
  it('worstStatus ranks fail > warn > pass', () => {
    expect(worstStatus([])).toBe('pass');
    expect(worstStatus(['pass', 'warn', 'pass'])).toBe('warn');
    expect(worstStatus(['warn', 'fail', 'pass'])).toBe('fail');
  });

  it('listFew names the first few', () => {
    expect(listFew(['a', 'b'])).toBe('a, b');
    expect(listFew(['a', 'b', 'c', 'd'], 2)).toBe('a, b and 2 more');
  });
});
