import chisquareQuantile from '@stdlib/stats-base-dists-chisquare-quantile';

/**
 * The two distribution-shift statistics of the drift report: the population stability index
 * over the reference sample's quantile bins, and the two-sample Kolmogorov–Smirnov test.
 * docs/monitoring.md gives the formulas, the thresholds and worked examples.
 */

/** A bin's share is floored here before the log, so an empty bin costs a finite amount. */
export const PSI_EMPTY_BIN_SHARE = 1e-4;

export interface PsiResult {
  readonly psi: number;
  /** Upper edges of bins 1…k−1 (the last bin is open above); ties in the reference merge bins. */
  readonly edges: readonly number[];
  readonly reference_shares: readonly number[];
  readonly recent_shares: readonly number[];
}

/**
 * PSI = Σ (qᵢ − pᵢ)·ln(qᵢ / pᵢ) over `bins` quantile bins of the reference sample (deciles by
 * default), p the reference shares and q the recent ones. Bin i holds values in
 * (edgeᵢ₋₁, edgeᵢ]; edges are the reference's k-quantiles (linear interpolation, as R's type 7
 * and numpy's default), so each reference bin holds about 1/k of it.
 */
export function populationStabilityIndex(
  reference: readonly number[],
  recent: readonly number[],
  bins = 10,
): PsiResult {
  const ref = finiteSorted(reference, 'reference');
  const rec = finiteSorted(recent, 'recent');
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError(`bins must be ≥ 2 (got ${bins})`);
  const edges = [
    ...new Set(Array.from({ length: bins - 1 }, (_, i) => quantile(ref, (i + 1) / bins))),
  ];
  const shares = (sorted: number[]) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    let bin = 0;
    for (const v of sorted) {
      while (bin < edges.length && v > (edges[bin] as number)) bin++;
      counts[bin] = (counts[bin] as number) + 1;
    }
    return counts.map((c) => c / sorted.length);
  };
  const p = shares(ref);
  const q = shares(rec);
  let psi = 0;
  p.forEach((pi, i) => {
    const a = Math.max(pi, PSI_EMPTY_BIN_SHARE);
    const b = Math.max(q[i] as number, PSI_EMPTY_BIN_SHARE);
    psi += (b - a) * Math.log(b / a);
  });
  return { psi, edges, reference_shares: p, recent_shares: q };
}

/**
 * The PSI that sampling noise alone exceeds with probability `alpha`: under "no shift", PSI
 * (a symmetric Kullback–Leibler divergence) is asymptotically (1/n + 1/m)·χ²(bins − 1). With
 * effective sizes for serially correlated samples this is what keeps a 20-day rolling
 * volatility, which holds ~6 independent values in 120 rows, from "drifting" every day.
 */
export function psiNoiseLimit(n: number, m: number, alpha: number, bins = 10): number {
  return (1 / n + 1 / m) * chisquareQuantile(1 - alpha, bins - 1);
}

export interface KsResult {
  /** D = sup |F₁(x) − F₂(x)| of the two empirical CDFs. */
  readonly statistic: number;
  /** Asymptotic p-value of D under "same distribution" (Stephens' small-sample correction). */
  readonly pValue: number;
  /** The effective sample size n·m / (n + m). */
  readonly effectiveN: number;
}

/**
 * The two-sample Kolmogorov–Smirnov test. The p-value is Q_KS(λ) with
 * λ = (√nₑ + 0.12 + 0.11/√nₑ)·D (Stephens 1970; Numerical Recipes §14.3): the asymptotic
 * Kolmogorov distribution, accurate to a few per cent of p for nₑ ≥ 4 and better as nₑ grows.
 * No maintained npm package has the two-sample test (@stdlib/stats-kstest is one-sample only).
 */
export function kolmogorovSmirnov(
  a: readonly number[],
  b: readonly number[],
  options: { readonly serialCorrelation?: boolean } = {},
): KsResult {
  const x = finiteSorted(a, 'first sample');
  const y = finiteSorted(b, 'second sample');
  // The test assumes independent draws; a rolling feature (20-day volatility) repeats itself
  // from row to row, so its samples hold far fewer independent values than rows.
  const n = options.serialCorrelation ? effectiveSampleSize(a) : x.length;
  const m = options.serialCorrelation ? effectiveSampleSize(b) : y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    // step over every tie at v in both samples before comparing the CDFs
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const effectiveN = (n * m) / (n + m);
  const root = Math.sqrt(effectiveN);
  return { statistic: d, pValue: kolmogorovQ((root + 0.12 + 0.11 / root) * d), effectiveN };
}

/**
 * n·(1 − ρ)/(1 + ρ) with ρ the lag-1 autocorrelation (floored at 0): the number of independent
 * draws that carry as much information about the mean as `values` under an AR(1) model. At
 * least 1, at most n.
 */
export function effectiveSampleSize(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n < 3) return Math.max(n, 1);
  const mean = v.reduce((s, x) => s + x, 0) / n;
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < n; i++) {
    const d = (v[i] as number) - mean;
    c0 += d * d;
    if (i > 0) c1 += d * ((v[i - 1] as number) - mean);
  }
  const rho = c0 > 0 ? Math.min(Math.max(c1 / c0, 0), 0.999) : 0;
  return Math.min(n, Math.max(1, (n * (1 - rho)) / (1 + rho)));
}

/**
 * Q_KS(λ) = P(K > λ) of the Kolmogorov distribution: 2 Σ (−1)^(k−1) exp(−2k²λ²) for λ ≥ 1.18,
 * and 1 − (√(2π)/λ) Σ exp(−(2k−1)²π²/(8λ²)) below, where that series converges fast instead.
 */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda >= 0)) throw new RangeError(`λ must be ≥ 0 (got ${lambda})`);
  if (lambda < 1e-3) return 1;
  let sum = 0;
  if (lambda < 1.18) {
    const c = (Math.PI * Math.PI) / (8 * lambda * lambda);
    for (let k = 1; k <= 20; k++) sum += Math.exp(-((2 * k - 1) ** 2) * c);
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / lambda) * sum);
  }
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return clamp01(2 * sum);
}

/** Linear-interpolation quantile of a sorted sample (R type 7). */
export function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

function finiteSorted(values: readonly number[], name: string): number[] {
  const out = values.filter((v) => Number.isFinite(v));
  if (out.length === 0) throw new RangeError(`the ${name} has no finite values`);
  return out.sort((p, q) => p - q);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
