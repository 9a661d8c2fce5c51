import { describe, expect, it } from 'vitest';
import {
  buildFeatureTable,
  FEATURE_COLUMNS,
  type FeatureTable,
} from '../../core/features/featureTable.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import {
  BASELINE_NAMES,
  baselineForecasters,
  drift,
  lastClose,
  linearAr,
  persistence,
} from '../../core/model/baselines.ts';
import type { Forecaster } from '../../core/model/forecaster.ts';
import { seededRandom, syntheticBars } from '../support/syntheticBars.ts';

const features = { avgPrice: '(high+low)/2', volatilityWindow: 5, volumeWindow: 5 } as const;
const tableOf = (bars: readonly PriceBar[]) => buildFeatureTable(bars, features);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const fold = { fold: 0 };

describe('baseline forecasters', () => {
  const bars = syntheticBars(40);
  const table = tableOf(bars);
  const avg = bars.map((b) => (b.high + b.low) / 2);
  const train = range(table.firstComplete, 30);
  const test = range(30, 40); // includes the last row: a live forecast has no target yet

  it('are the four named baselines, in order, all of kind baseline', () => {
    const all = baselineForecasters();
    expect(all.map((f) => f.name)).toEqual([...BASELINE_NAMES]);
    expect(all.every((f) => f.kind === 'baseline')).toBe(true);
  });

  it('persistence forecasts no change', async () => {
    const m = await persistence().fit(table, train, fold);
    expect(Array.from(await m.predict(table, test))).toEqual(test.map(() => 0));
    expect(m.describe()).toEqual({});
    expect(m.name).toBe('persistence');
  });

  it("last_close forecasts tomorrow's avg_price = today's close", async () => {
    const m = await lastClose().fit(table, train, fold);
    const predicted = await m.predict(table, test);
    test.forEach((t, i) => {
      const bar = bars[t] as PriceBar;
      // the implied price is exactly the close
      expect((avg[t] as number) * Math.exp(predicted[i] as number)).toBeCloseTo(bar.close, 10);
      expect(predicted[i]).toBeCloseTo(Math.log(bar.close / (avg[t] as number)), 14);
    });
  });

  it('drift forecasts the mean training return', async () => {
    const m = await drift().fit(table, train, fold);
    const returns = train.map((t) => Math.log((avg[t + 1] as number) / (avg[t] as number)));
    const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
    const predicted = await m.predict(table, test);
    for (const p of predicted) expect(p).toBeCloseTo(mean, 14);
    expect(m.describe()).toEqual({ drift: predicted[0], n_train: train.length });
  });

  it('refuse origins that are not complete rows of the table, or have no target', async () => {
    for (const f of baselineForecasters()) {
      await expect(f.fit(table, [-1], fold)).rejects.toThrow(RangeError);
      await expect(f.fit(table, [1.5], fold)).rejects.toThrow(RangeError);
      const m = await f.fit(table, train, fold);
      await expect(m.predict(table, [table.dates.length])).rejects.toThrow(/not a row/);
    }
    await expect(drift().fit(table, [], fold)).rejects.toThrow(/at least one/);
    await expect(linearAr().fit(table, [], fold)).rejects.toThrow(/at least one/);
    await expect(drift().fit(table, [39], fold)).rejects.toThrow(/no target/);
    // row 0 has no log return: a warm-up row
    await expect(linearAr().fit(table, [0, 10], fold)).rejects.toThrow(/log_return.*row 0/);
    const m = await linearAr().fit(table, train, fold);
    await expect(m.predict(table, [1])).rejects.toThrow(/not defined at row 1/);
  });
});

/**
 * A table whose next return is an exact linear function of the origin row's features:
 * r[t+1] = a + Σ b_j x_j[t]. Only the columns matter to the baselines; prices follow r.
 */
function linearTable(
  n: number,
  intercept: number,
  coefficients: Record<(typeof FEATURE_COLUMNS)[number], number>,
  constantVolatility = false,
): FeatureTable {
  const rand = seededRandom(7);
  const r = new Float64Array(n);
  const c = Float64Array.from({ length: n }, () => (rand() - 0.5) * 0.02);
  const v = Float64Array.from({ length: n }, () =>
    constantVolatility ? 0.02 : 0.01 + rand() * 0.02,
  );
  const z = Float64Array.from({ length: n }, () => (rand() - 0.5) * 3);
  r[0] = 0.001;
  for (let t = 0; t < n - 1; t++) {
    r[t + 1] =
      intercept +
      coefficients.log_return * (r[t] as number) +
      coefficients.close_to_avg * (c[t] as number) +
      coefficients.volatility * (v[t] as number) +
      coefficients.log_volume_z * (z[t] as number);
  }
  const avgPrice = new Float64Array(n);
  let price = 100;
  for (let t = 0; t < n; t++) {
    price *= Math.exp(r[t] as number);
    avgPrice[t] = price;
  }
  return {
    dates: Array.from({ length: n }, (_, t) => `2024-01-${String(t + 1).padStart(2, '0')}`),
    avgPrice,
    close: avgPrice.map((p, t) => p * Math.exp(c[t] as number)),
    columns: { log_return: r, close_to_avg: c, volatility: v, log_volume_z: z },
    firstComplete: 0,
  };
}

describe('linear_ar', () => {
  const truth = { log_return: 0.2, close_to_avg: 0.5, volatility: -0.03, log_volume_z: 0.0004 };

  it('recovers the coefficients of an exactly linear target', async () => {
    const table = linearTable(25, 0.001, truth);
    const m = await linearAr().fit(table, range(0, 24), fold);
    const d = m.describe() as {
      intercept: number;
      coefficients: Record<string, number>;
      ridge_lambda: number;
      n_train: number;
    };
    // λ = 1e-6·n on standardised features shrinks by about one part in a million
    expect(d.intercept).toBeCloseTo(0.001, 6);
    for (const c of FEATURE_COLUMNS) expect(d.coefficients[c]).toBeCloseTo(truth[c], 5);
    expect(d.ridge_lambda).toBeCloseTo(24e-6, 15);
    expect(d.n_train).toBe(24);
    // and forecasts the next return, here on the last row (no target in the table)
    const [p] = await m.predict(table, [24]);
    const col = (name: (typeof FEATURE_COLUMNS)[number]) => table.columns[name][24] as number;
    const expected = 0.001 + FEATURE_COLUMNS.reduce((s, c) => s + truth[c] * col(c), 0);
    expect(p).toBeCloseTo(expected, 8);
  });

  it('holds the coefficient of a feature constant over training at 0', async () => {
    const table = linearTable(25, 0.001, { ...truth, volatility: 0 }, true);
    const d = (await linearAr().fit(table, range(0, 24), fold)).describe() as {
      coefficients: Record<string, number>;
      feature_std: Record<string, number>;
    };
    expect(d.coefficients.volatility).toBe(0);
    expect(d.feature_std.volatility).toBe(1);
    expect(d.coefficients.close_to_avg).toBeCloseTo(0.5, 5);
  });

  it('describe() hands out a copy', async () => {
    const m = await linearAr().fit(linearTable(25, 0, truth), range(0, 24), fold);
    (m.describe() as { intercept: number }).intercept = 99;
    expect(m.describe().intercept).not.toBe(99);
  });

  it('a larger ridge shrinks the slopes', async () => {
    const table = linearTable(25, 0.001, truth);
    const d = (await linearAr({ ridgePerOrigin: 10 }).fit(table, range(0, 24), fold)).describe();
    const slopes = d.coefficients as Record<string, number>;
    expect(Math.abs(slopes.close_to_avg as number)).toBeLessThan(0.5 * 0.2);
  });
});

describe('no baseline can see the future', () => {
  const bars = syntheticBars(60);
  const table = tableOf(bars);
  const cut = 40; // last training origin; its target is row 41
  const train = range(table.firstComplete, cut + 1);
  const bump = (k: number): PriceBar[] =>
    bars.map((b, i) =>
      i === k
        ? {
            ...b,
            high: b.high * 1.07,
            low: b.low * 0.95,
            close: b.close * 1.03,
            volume: b.volume * 3,
          }
        : b,
    );
  const forecasters: Forecaster[] = baselineForecasters();

  it('a fit is unchanged by any bar after its last training target', async () => {
    for (const f of forecasters) {
      const base = await f.fit(table, train, fold);
      const basePredictions = await base.predict(table, train);
      for (const k of [cut + 2, cut + 3, 50, 59]) {
        const changed = tableOf(bump(k));
        const m = await f.fit(changed, train, fold);
        expect(m.describe(), `${f.name}, bar ${k}`).toEqual(base.describe());
        const predictions = await m.predict(changed, train);
        expect(Array.from(predictions), `${f.name}, bar ${k}`).toEqual(Array.from(basePredictions));
      }
      // the bar holding the last target does matter to the fits that read targets
      if (f.name === 'drift' || f.name === 'linear_ar') {
        const m = await f.fit(tableOf(bump(cut + 1)), train, fold);
        expect(m.describe()).not.toEqual(base.describe());
      }
    }
  });

  it('a forecast at origin t is unchanged by any bar after t', async () => {
    for (const f of forecasters) {
      const m = await f.fit(table, train, fold);
      for (const t of [45, 50, 58]) {
        const [before] = await m.predict(table, [t]);
        for (const k of [t + 1, 59]) {
          const [after] = await m.predict(tableOf(bump(k)), [t]);
          expect(after, `${f.name} at ${t}, bar ${k}`).toBe(before);
        }
      }
    }
  });
});
