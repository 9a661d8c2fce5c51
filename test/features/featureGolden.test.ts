import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FEATURE_VERSION } from '../../core/features/featureTable.ts';
import {
  type FeatureGolden,
  featureGolden,
  formatGolden,
  GOLDEN_FILE,
  maxRowDiff,
} from '../../scripts/features/featureGolden.ts';

// The committed golden (the Spark job's pytest reproduces it too) against core/features now.
// A failure here means a formula changed: bump FEATURE_VERSION (here and in
// processing/spark/features_job.py), run `node scripts/writeFeatureGolden.ts`, commit both.
const committed = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as FeatureGolden;
const fresh = featureGolden();

describe('golden feature fixture', () => {
  it('carries the current feature version and layout', () => {
    expect(committed.feature_version).toBe(FEATURE_VERSION);
    expect(committed.columns).toEqual(fresh.columns);
    expect(committed.bars).toEqual(fresh.bars);
    expect(committed.cases.map((c) => [c.name, c.options])).toEqual(
      fresh.cases.map((c) => [c.name, c.options]),
    );
  });

  it.each(
    fresh.cases.flatMap((c, i) => Object.keys(c.features).map((s) => [c.name, i, s] as const)),
  )('core/features reproduces %s for %s to 1e-9', (_name, i, symbol) => {
    const expected = committed.cases[i]?.features[symbol] ?? [];
    const actual = fresh.cases[i]?.features[symbol] ?? [];
    expect(actual.length).toBeGreaterThan(100);
    expect(maxRowDiff(expected, actual)).toBeLessThanOrEqual(1e-9);
  });

  it('is exercised where implementations diverge: warm-up, halts, constant volume', () => {
    const rows = fresh.cases[0]?.features.SYNA ?? [];
    const col = (name: string) => fresh.columns.indexOf(name);
    // 20-session volatility needs 20 returns: rows 0–19 are missing, row 20 is the first
    expect(rows.slice(0, 20).every((r) => r[col('volatility')] === null)).toBe(true);
    expect(rows[20]?.[col('volatility')]).toEqual(expect.any(Number));
    // the zero-volume halt is finite (log1p), the constant-volume run has no z-score
    expect(committed.bars.SYNA?.[40]?.[6]).toBe(0);
    expect(rows.slice(-10, -6).every((r) => r[col('log_volume_z')] === null)).toBe(true);
  });

  it('is stored in the generator’s own format (rewrite with scripts/writeFeatureGolden.ts)', () => {
    expect(readFileSync(GOLDEN_FILE, 'utf8')).toBe(formatGolden(committed));
  });

  it('maxRowDiff reports shape, date and missing-value mismatches as Infinity', () => {
    expect(maxRowDiff([['d', 1]], [['d', 1.5]])).toBe(0.5);
    expect(maxRowDiff([['d', 1]], [])).toBe(Number.POSITIVE_INFINITY);
    expect(maxRowDiff([['d', 1]], [['e', 1]])).toBe(Number.POSITIVE_INFINITY);
    expect(maxRowDiff([['d', null]], [['d', 0]])).toBe(Number.POSITIVE_INFINITY);
    expect(maxRowDiff([['d', 1]], [['d', 1, 2]])).toBe(Number.POSITIVE_INFINITY);
  });
});
