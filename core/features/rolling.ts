/**
 * Series maths on plain arrays. A value that cannot be computed yet (too little history) is
 * NaN, never 0, so that it can't be mistaken for data; consumers drop the warm-up rows.
 */

/** r[t] = ln(v[t] / v[t-1]); r[0] is NaN. */
export function logReturns(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let t = 1; t < values.length; t++) {
    out[t] = Math.log((values[t] as number) / (values[t - 1] as number));
  }
  return out;
}

/**
 * Sample standard deviation (n − 1 denominator) of the `window` values ending at t, two-pass
 * for accuracy; exactly 0 when the window's values are all the same. The sample form is pinned here because the Spark job must match it (Spark's
 * `stddev` is the sample one).
 */
export function rollingStd(values: ArrayLike<number>, window: number): Float64Array {
  if (window < 2) throw new RangeError(`rolling std needs a window of at least 2 (got ${window})`);
  const means = rollingMean(values, window);
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let t = window - 1; t < values.length; t++) {
    const mean = means[t] as number;
    if (Number.isNaN(mean)) continue;
    let ss = 0;
    let constant = true;
    for (let k = t - window + 1; k <= t; k++) {
      const d = (values[k] as number) - mean;
      ss += d * d;
      constant &&= values[k] === values[t];
    }
    // Identical values have std 0 exactly; the sum above would leave rounding noise (their
    // mean is rarely the value itself), which a z-score would blow up to ±0.8 or so.
    out[t] = constant ? 0 : Math.sqrt(ss / (window - 1));
  }
  return out;
}

/** Mean of the `window` values ending at t (inclusive); NaN while fewer exist or any is NaN. */
export function rollingMean(values: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`rolling window must be a positive integer (got ${window})`);
  }
  const out = new Float64Array(values.length).fill(Number.NaN);
  // Summed afresh per position, not as a running sum: windows are small and this keeps each
  // value exact whatever the history length (no drift, NaN never leaks past its window).
  for (let t = window - 1; t < values.length; t++) {
    let sum = 0;
    for (let k = t - window + 1; k <= t; k++) sum += values[k] as number;
    out[t] = sum / window;
  }
  return out;
}
