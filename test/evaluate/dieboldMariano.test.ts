import { describe, expect, it } from 'vitest';
import { dieboldMariano } from '../../core/evaluate/dieboldMariano.ts';

const squaredErrors = (actual: readonly number[], predicted: readonly number[]) =>
  actual.map((a, i) => (a - (predicted[i] as number)) ** 2);

describe('Diebold–Mariano with the HLN correction', () => {
  /**
   * Reference: the `dieboldmariano` Python package (E. Annunziata, github.com/edoannunziata/
   * dieboldmariano, README "Code example"; squared-error loss, h = 1, HLN correction on, t with
   * n − 1 df):
   *   dm_test([10, 20, 30, 40, 50], [11, 21, 29, 42, 53], [13, 26, 24, 40, 59], one_sided=True)
   *   → (-2.2229922805746782, 0.04515565862099125)
   * By hand: d = [1−9, 1−36, 1−36, 4−0, 9−81] = [−8, −35, −35, 4, −72], d̄ = −29.2,
   * γ₀ = 3450.8/5 = 690.16, DM = −29.2/√(690.16/5) = −2.48539 (Diebold & Mariano 1995),
   * × √((n + 1 − 2h + h(h − 1)/n)/n) = √0.8 (Harvey, Leybourne & Newbold 1997) = −2.22299;
   * P(T₄ ≤ −2.22299) = 0.045156.
   */
  it('matches the dieboldmariano package README example', () => {
    const actual = [10, 20, 30, 40, 50];
    const { statistic, p_value } = dieboldMariano(
      squaredErrors(actual, [11, 21, 29, 42, 53]),
      squaredErrors(actual, [13, 26, 24, 40, 59]),
    );
    expect(statistic).toBeCloseTo(-2.2229922805746782, 12);
    // the package's own incomplete beta stops at a 1e-10 tolerance
    expect(p_value).toBeCloseTo(0.04515565862099125, 10);
    expect(statistic).toBeCloseTo((-29.2 / Math.sqrt(690.16 / 5)) * Math.sqrt(0.8), 12);
  });

  /**
   * Reference: the same package's test suite (tests/dieboldmarianotest.py,
   * test_diebold_mariano_1): actual 0×6, P1 = [0…5], P2 = [0, 2, 3, 3, 5, 6] →
   * statistic −2.4905 and two-sided p 0.05513 (4 places), i.e. one-sided p = 0.05513/2.
   */
  it('matches the dieboldmariano package test case', () => {
    const zeros = [0, 0, 0, 0, 0, 0];
    const { statistic, p_value } = dieboldMariano(
      squaredErrors(zeros, [0, 1, 2, 3, 4, 5]),
      squaredErrors(zeros, [0, 2, 3, 3, 5, 6]),
    );
    expect(statistic).toBeCloseTo(-2.4905, 4);
    expect(p_value * 2).toBeCloseTo(0.05513, 4);
  });

  it('is antisymmetric: swapping the models negates the statistic', () => {
    const a = [0.1, 0.4, 0.2, 0.9, 0.3];
    const b = [0.2, 0.1, 0.5, 0.7, 0.6];
    const ab = dieboldMariano(a, b);
    const ba = dieboldMariano(b, a);
    expect(ba.statistic).toBeCloseTo(-ab.statistic, 14);
    expect(ab.p_value + ba.p_value).toBeCloseTo(1, 14);
  });

  it('reports no evidence for identical losses or a single forecast', () => {
    expect(dieboldMariano([0.1, 0.2, 0.3], [0.1, 0.2, 0.3])).toEqual({
      statistic: 0,
      p_value: 0.5,
    });
    expect(dieboldMariano([0.1], [0.9])).toEqual({ statistic: 0, p_value: 0.5 });
  });

  it('is certain, not NaN, when the loss differential is constant and non-zero', () => {
    expect(dieboldMariano([0.1, 0.1, 0.1], [0.3, 0.3, 0.3])).toEqual({
      statistic: Number.NEGATIVE_INFINITY,
      p_value: 0,
    });
    expect(dieboldMariano([0.3, 0.3], [0.1, 0.1])).toEqual({
      statistic: Number.POSITIVE_INFINITY,
      p_value: 1,
    });
  });

  it('refuses mismatched, empty or non-finite losses', () => {
    expect(() => dieboldMariano([1, 2], [1])).toThrow(/same dates/);
    expect(() => dieboldMariano([], [])).toThrow(/at least one/);
    expect(() => dieboldMariano([1, Number.NaN], [1, 2])).toThrow(/non-finite/);
  });
});
