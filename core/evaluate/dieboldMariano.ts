import tCdf from '@stdlib/stats-base-dists-t-cdf';

export interface DieboldMarianoResult {
  /** HLN-corrected DM statistic; negative when the model's losses are smaller. */
  readonly statistic: number;
  /** One-sided p-value for H1 "the model is more accurate": P(T_{n−1} ≤ statistic). */
  readonly p_value: number;
}

/**
 * One-sided Diebold–Mariano test (Diebold & Mariano 1995) for one-step-ahead forecasts, with
 * the Harvey–Leybourne–Newbold (1997) small-sample correction. Inputs are per-forecast losses
 * on the same dates (squared errors here); d_t = lossModel_t − lossBaseline_t.
 *
 * With horizon h = 1 the forecast errors are serially uncorrelated under the null, so the
 * long-run variance of d̄ is the lag-0 autocovariance γ₀ = Σ(d_t − d̄)²/n (population form
 * of Diebold & Mariano 1995 with no lags), and DM = d̄ / √(γ₀/n). HLN multiply by
 * √((n + 1 − 2h + h(h − 1)/n)/n) = √((n − 1)/n) for h = 1 and compare with Student t, n − 1 df.
 *
 * Degenerate cases never yield NaN:
 * - n = 1: there is no variance to estimate and no degree of freedom, so no evidence either
 *   way: statistic 0, p 0.5.
 * - every d_t equal to the same d (γ₀ = 0): d = 0 (identical losses) → statistic 0, p 0.5;
 *   d < 0 (the model is better on every date by the same margin) → −Infinity, p 0;
 *   d > 0 → +Infinity, p 1. Callers writing JSON must map the infinities (JSON has none).
 */
export function dieboldMariano(
  lossModel: ArrayLike<number>,
  lossBaseline: ArrayLike<number>,
): DieboldMarianoResult {
  const n = lossModel.length;
  if (n !== lossBaseline.length) {
    throw new RangeError(
      `Diebold–Mariano needs losses on the same dates (${n} vs ${lossBaseline.length})`,
    );
  }
  if (n === 0) throw new RangeError('Diebold–Mariano needs at least one forecast');
  const d = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const di = (lossModel[i] as number) - (lossBaseline[i] as number);
    if (!Number.isFinite(di)) throw new RangeError(`Diebold–Mariano got a non-finite loss at ${i}`);
    d[i] = di;
    sum += di;
  }
  if (n === 1) return NO_EVIDENCE;
  const mean = sum / n;
  let ss = 0;
  let constant = true;
  for (let i = 0; i < n; i++) {
    const dev = (d[i] as number) - mean;
    ss += dev * dev;
    // Compared exactly rather than via ss: a constant series can leave a rounding residue
    // in the mean and hence a tiny, meaningless ss.
    if (d[i] !== d[0]) constant = false;
  }
  // ss can also underflow to 0 for differences below ~1e-154: the same case in practice.
  if (constant || ss === 0) {
    if (mean === 0) return NO_EVIDENCE;
    return mean < 0
      ? { statistic: Number.NEGATIVE_INFINITY, p_value: 0 }
      : { statistic: Number.POSITIVE_INFINITY, p_value: 1 };
  }
  const gamma0 = ss / n;
  const dm = mean / Math.sqrt(gamma0 / n);
  const h = 1;
  const statistic = dm * Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n);
  return { statistic, p_value: tCdf(statistic, n - 1) };
}

const NO_EVIDENCE: DieboldMarianoResult = { statistic: 0, p_value: 0.5 };
