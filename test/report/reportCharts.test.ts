import { describe, expect, it } from 'vitest';
import { VegaSvgRenderer } from '../../adapters/charts/vegaSvgRenderer.ts';
import type { EvaluationForecasts } from '../../core/evaluate/evaluationTypes.ts';
import {
  driftChart,
  errorRatioOverTimeChart,
  foldErrorRatioChart,
  gateHistoryChart,
  realisedErrorChart,
  registryMetricChart,
} from '../../core/report/reportCharts.ts';
import { fixtureDrift, fixtureEvaluation, fixtureGate } from './reportFixtures.ts';

const values = <T>(spec: Readonly<Record<string, unknown>> | undefined) =>
  ((spec?.data ?? { values: [] }) as { values: T[] }).values;

/** Forecasts where model `m` is always off by 1 and `b` by 2: the ratio is exactly 0.5. */
function constantErrors(n: number): EvaluationForecasts {
  const dates = Array.from({ length: n }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`);
  return {
    dates,
    fold: dates.map((_, i) => (i < n - 3 ? 0 : -1)),
    origin_avg_price: dates.map(() => 100),
    actual_log_return: dates.map(() => 0),
    predicted_log_return: { m: dates.map(() => 1), b: dates.map(() => 2) },
  };
}

describe('report charts', () => {
  it('error ratio over time is the rolling RMSE ratio, split into folds and the hold-out', () => {
    const chart = errorRatioOverTimeChart('t', constantErrors(12), 'm', 'b', 1, 5);
    const rows = values<{ d: string; seg: string; v: number }>(chart?.spec);
    expect(rows).toHaveLength(12 - 5 + 1);
    expect(new Set(rows.map((r) => r.v))).toEqual(new Set([0.5]));
    expect(rows.at(-1)?.seg).toBe('hold-out');
    expect(rows[0]?.seg).toBe('fold 1');
  });

  it('error ratio over time drops out the day a window leaves behind', () => {
    const f = constantErrors(6);
    // one bad day for m at the start: it counts only while inside the 3-day window
    const m = [...(f.predicted_log_return.m as number[])];
    m[0] = 10;
    const chart = errorRatioOverTimeChart(
      't',
      { ...f, predicted_log_return: { ...f.predicted_log_return, m } },
      'm',
      'b',
      null,
      3,
    );
    const rows = values<{ v: number }>(chart?.spec);
    expect(rows[0]?.v).toBeCloseTo(Math.sqrt((100 + 1 + 1) / 12), 4);
    expect(rows.slice(1).map((r) => r.v)).toEqual([0.5, 0.5, 0.5]);
    expect(chart?.caption).not.toContain("gate's maximum");
  });

  it('has no error-ratio-over-time chart for a missing model or too few days', () => {
    expect(errorRatioOverTimeChart('t', constantErrors(12), 'nope', 'b', 1)).toBeNull();
    expect(errorRatioOverTimeChart('t', constantErrors(4), 'm', 'b', 1, 5)).toBeNull();
  });

  it('per-fold ratios come straight from the evaluation, for every model but the best baseline', async () => {
    const e = await fixtureEvaluation();
    const rows = values<{ fold: string; m: string; v: number }>(foldErrorRatioChart('f', e)?.spec);
    const lstm = rows.filter((r) => r.m === 'lstm');
    expect(lstm.map((r) => r.fold)).toEqual([
      'fold 1',
      'fold 2',
      'fold 3',
      'all folds',
      'hold-out',
    ]);
    expect(lstm[1]?.v).toBeCloseTo(
      e.models.lstm?.folds[1]?.vs[e.best_baseline]?.error_ratio as number,
      4,
    );
    expect(rows.some((r) => r.m === e.best_baseline)).toBe(false);
    const only = { ...e, models: { [e.best_baseline]: e.models[e.best_baseline] } } as typeof e;
    expect(foldErrorRatioChart('f', only)).toBeNull();
  });

  it('drift, realised error, gate history and registry charts draw what they are given', async () => {
    const drift = fixtureDrift('AAA', '2023-10-02');
    expect(values<{ f: string; s: string }>(driftChart('d', drift)?.spec)).toContainEqual({
      f: 'volatility',
      v: 0.31,
      s: 'drifted',
    });
    expect(driftChart('d', { ...drift, features: {}, prediction: null })).toBeNull();
    expect(values(realisedErrorChart('r', drift)?.spec)).toHaveLength(5);
    expect(realisedErrorChart('r', { ...drift, realised_error: null })).toBeNull();
    const decision = fixtureGate(await fixtureEvaluation());
    expect(
      values<{ s: string }>(gateHistoryChart('g', [{ runId: 'r1', decision }])?.spec)[0]?.s,
    ).toBe(decision.decision);
    expect(gateHistoryChart('g', [])).toBeNull();
    expect(registryMetricChart('x', [], 'm')).toBeNull();
  });
});

describe('VegaSvgRenderer', () => {
  it('draws a spec to a standalone SVG with its marks', async () => {
    const chart = registryMetricChart(
      'x',
      [
        { label: 'v1 a', value: 0.02, champion: true },
        { label: 'v2 b', value: 0.03, champion: false },
      ],
      'rmse',
    );
    const svg = await new VegaSvgRenderer().toSvg(chart?.spec ?? {});
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path[^>]* d="M[^"]+"/g)?.length).toBeGreaterThanOrEqual(2);
    expect(svg).toContain('v2 b');
  });

  it('draws each reference line once, not once per data row', async () => {
    const chart = errorRatioOverTimeChart('t', constantErrors(30), 'm', 'b', 1.2, 5);
    const svg = await new VegaSvgRenderer().toSvg(chart?.spec ?? {});
    const ruleGroups = svg.split('class="mark-rule role-mark').slice(1);
    expect(ruleGroups.map((g) => g.split('</g>')[0]?.match(/<line/g)?.length)).toEqual([1, 1]);
  });

  it('refuses a spec that would fetch its data', async () => {
    await expect(
      new VegaSvgRenderer().toSvg({ data: { url: 'https://example.com/x.json' }, mark: 'bar' }),
    ).rejects.toThrow(/inline/);
  });
});
