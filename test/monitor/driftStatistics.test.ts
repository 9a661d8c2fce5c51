import { describe, expect, it } from 'vitest';
import {
  kolmogorovQ,
  kolmogorovSmirnov,
  PSI_EMPTY_BIN_SHARE,
  populationStabilityIndex,
  quantile,
} from '../../core/monitor/driftStatistics.ts';
import { normalSample } from './monitorFixtures.ts';

describe('population stability index', () => {
  it('matches a hand-computed case: reference 1…10, recent piled into the lower half', () => {
    // Reference deciles (type 7) of 1…10 are 1.9, 2.8, …, 9.1: one value per bin, p = 0.1.
    // Recent [1,1,2,2,3,3,4,4,5,5]: q = 0.2 in bins 1–5, 0 (floored to 1e-4) in bins 6–10.
    // PSI = 5·(0.2−0.1)·ln 2 + 5·(1e-4 − 0.1)·ln(1e-4/0.1) = 0.346574 + 3.450424 = 3.796997
    const r = populationStabilityIndex(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    );
    expect(r.edges).toHaveLength(9);
    expect(r.edges[0]).toBeCloseTo(1.9, 12);
    expect(r.edges[8]).toBeCloseTo(9.1, 12);
    expect(r.reference_shares).toEqual(new Array(10).fill(0.1));
    expect(r.recent_shares).toEqual([0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0, 0]);
    const floor = PSI_EMPTY_BIN_SHARE;
    const hand = 5 * 0.1 * Math.log(2) + 5 * (floor - 0.1) * Math.log(floor / 0.1);
    expect(hand).toBeCloseTo(3.796997, 6);
    expect(r.psi).toBeCloseTo(hand, 12);
  });

  it('matches a hand-computed case with quartile bins and a mild shift', () => {
    // Reference 1…8, bins = 4: edges 2.75, 4.5, 6.25 → p = 0.25 each.
    // Recent [1,3,4,5,6,7,8,8]: bins hold 1, 2, 2, 3 → q = 0.125, 0.25, 0.25, 0.375.
    // PSI = (0.125−0.25)·ln(0.5) + (0.375−0.25)·ln(1.5) = 0.0866434 + 0.0506826 = 0.1373265
    const r = populationStabilityIndex([1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 4, 5, 6, 7, 8, 8], 4);
    expect(r.edges).toEqual([2.75, 4.5, 6.25]);
    expect(r.recent_shares).toEqual([0.125, 0.25, 0.25, 0.375]);
    expect(r.psi).toBeCloseTo(-0.125 * Math.log(0.5) + 0.125 * Math.log(1.5), 12);
    expect(r.psi).toBeCloseTo(0.1373265, 6);
  });

  it('is 0 for identical samples and merges bins where the reference ties', () => {
    expect(populationStabilityIndex([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).psi).toBe(0);
    const tied = populationStabilityIndex([0, 0, 0, 0, 0, 0, 0, 0, 1, 2], [0, 1]);
    expect(tied.edges.length).toBeLessThan(9);
  });

  it('rejects empty samples and too few bins', () => {
    expect(() => populationStabilityIndex([], [1])).toThrow(/reference has no finite values/);
    expect(() => populationStabilityIndex([1], [Number.NaN])).toThrow(/recent has no finite/);
    expect(() => populationStabilityIndex([1], [1], 1)).toThrow(/bins must be ≥ 2/);
  });

  it('computes type-7 quantiles', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  });
});

describe('two-sample Kolmogorov–Smirnov', () => {
  it('matches a hand-computed D and p-value', () => {
    // F₁ − F₂ at 1,2,3,4,5,6 = .25, .5, .5, .5, .25, 0 → D = 0.5; nₑ = 4·4/8 = 2;
    // λ = (1.414214 + 0.12 + 0.077782)·0.5 = 0.805998; Q(λ) = 1 − (√(2π)/λ)·Σ exp(−(2k−1)²π²/(8λ²))
    const r = kolmogorovSmirnov([1, 2, 3, 4], [3, 4, 5, 6]);
    expect(r.statistic).toBe(0.5);
    expect(r.effectiveN).toBe(2);
    const lambda = (Math.SQRT2 + 0.12 + 0.11 / Math.SQRT2) * 0.5;
    expect(lambda).toBeCloseTo(0.805998, 6);
    const c = (Math.PI * Math.PI) / (8 * lambda * lambda);
    const cdf =
      (Math.sqrt(2 * Math.PI) / lambda) * (Math.exp(-c) + Math.exp(-9 * c) + Math.exp(-25 * c));
    expect(r.pValue).toBeCloseTo(1 - cdf, 10);
    expect(r.pValue).toBeCloseTo(0.534416, 5);
  });

  it('handles ties across the samples and disjoint samples', () => {
    // at 1: F₁ = 1/3, F₂ = 0; at 2 (tied): F₁ = 1, F₂ = 1/3; at 3: 1 vs 1 → D = 2/3
    expect(kolmogorovSmirnov([1, 2, 2], [2, 3, 3]).statistic).toBeCloseTo(2 / 3, 12);
    expect(kolmogorovSmirnov([1, 2, 3], [1, 2, 3]).statistic).toBe(0);
    expect(kolmogorovSmirnov([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
    expect(kolmogorovSmirnov([1, 2], [5, 6]).statistic).toBe(1);
  });

  it('reproduces the Kolmogorov distribution table (Smirnov 1948)', () => {
    // the classic critical values: P(K > 1.22) = 0.10, P(K > 1.36) = 0.05, P(K > 1.63) = 0.01
    expect(kolmogorovQ(1.22)).toBeCloseTo(0.1019, 4);
    expect(kolmogorovQ(1.36)).toBeCloseTo(0.0495, 4);
    expect(kolmogorovQ(1.63)).toBeCloseTo(0.0098, 4);
    expect(kolmogorovQ(1)).toBeCloseTo(0.27, 5);
    expect(kolmogorovQ(0.5)).toBeCloseTo(0.9639, 4);
    expect(kolmogorovQ(0)).toBe(1);
    // the two series agree where they meet
    expect(Math.abs(kolmogorovQ(1.1799999) - kolmogorovQ(1.18))).toBeLessThan(1e-6);
    expect(() => kolmogorovQ(-1)).toThrow(/λ must be ≥ 0/);
  });
});

describe('synthetic shifts (reference n = 500, recent n = 120, N(0,1), fixed seeds)', () => {
  // With these sizes, PSI > 0.25 happens on 0.8% of unshifted samples and a 1σ mean shift is
  // flagged by both statistics in 1000 of 1000 trials (measured; docs/monitoring.md).
  const reference = normalSample(500, 11);

  it('flags a mean shift of 1σ: PSI > 0.25 and KS p < 0.01', () => {
    const shifted = normalSample(120, 12).map((x) => x + 1);
    expect(populationStabilityIndex(reference, shifted).psi).toBeGreaterThan(0.25);
    expect(kolmogorovSmirnov(reference, shifted).pValue).toBeLessThan(0.01);
  });

  it('flags a doubling of the standard deviation', () => {
    const wider = normalSample(120, 13).map((x) => x * 2);
    expect(populationStabilityIndex(reference, wider).psi).toBeGreaterThan(0.25);
  });

  it('does not flag an unshifted sample from the same distribution', () => {
    const same = normalSample(120, 14);
    expect(populationStabilityIndex(reference, same).psi).toBeLessThan(0.25);
    expect(kolmogorovSmirnov(reference, same).pValue).toBeGreaterThan(0.01);
  });
});
