import type { Evaluation, EvaluationForecasts } from '../evaluate/evaluationTypes.ts';
import type { GateDecision } from '../gate/gateTypes.ts';
import type { DriftReport } from '../monitor/driftReport.ts';
import type { VegaLiteSpec } from '../ports/chartRenderer.ts';

/**
 * Vega-Lite specifications for the report and the dashboard, built from typed inputs. Data is
 * kept small on purpose (recent days only, rounded numbers): every point becomes SVG path text
 * in a file that must stay well under 2 MB for a full history.
 */

/** A chart to draw: its id (unique on the page), a caption, and the spec. */
export interface ChartDefinition {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: VegaLiteSpec;
}

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 220;
/** Rolling window of the error-ratio-over-time chart, in forecast days. */
export const ROLLING_DAYS = 60;

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: CHART_WIDTH,
  height: CHART_HEIGHT,
  background: 'white',
  config: {
    font: 'sans-serif',
    view: { stroke: null },
    axis: { labelFontSize: 11, titleFontSize: 11 },
    legend: { orient: 'bottom', labelFontSize: 11 },
  },
} as const;

export const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** Significant digits, for values whose magnitude varies (returns, residuals). */
const sig = (x: number, digits = 4): number => Number(x.toPrecision(digits));

export const REALISED = 'realised';

/** The index of the first of the last `days` forecasts. */
function recentStart(f: EvaluationForecasts, days: number): number {
  return Math.max(0, f.dates.length - days);
}

/**
 * Realised avg_price over the last `days` target dates, with each model's forecast turned into
 * a price (origin avg_price · exp(forecast log return)).
 */
export function priceChart(
  id: string,
  f: EvaluationForecasts,
  models: readonly string[],
  days: number,
): ChartDefinition {
  const values: { d: string; s: string; v: number }[] = [];
  const shown = models.filter((m) => f.predicted_log_return[m] !== undefined);
  for (let i = recentStart(f, days); i < f.dates.length; i++) {
    const d = f.dates[i] as string;
    const origin = f.origin_avg_price[i] as number;
    values.push({
      d,
      s: REALISED,
      v: round(origin * Math.exp(f.actual_log_return[i] as number), 2),
    });
    for (const m of shown) {
      const p = f.predicted_log_return[m]?.[i] as number;
      values.push({ d, s: m, v: round(origin * Math.exp(p), 2) });
    }
  }
  return {
    id,
    title: 'Price: forecasts and realised values',
    caption:
      `avg_price over the last ${Math.min(days, f.dates.length)} forecast days and each model's ` +
      'next-session forecast of it, made the session before.',
    spec: {
      ...BASE,
      data: { values },
      mark: { type: 'line', strokeWidth: 1.4 },
      encoding: {
        x: { field: 'd', type: 'temporal', title: null },
        y: { field: 'v', type: 'quantitative', title: 'avg_price', scale: { zero: false } },
        color: {
          field: 's',
          type: 'nominal',
          title: null,
          sort: [REALISED, ...shown],
          scale: { domain: [REALISED, ...shown], range: palette(shown.length + 1) },
        },
        strokeDash: {
          condition: { test: `datum.s !== '${REALISED}'`, value: [4, 2] },
          value: [1, 0],
        },
      },
    },
  };
}

/** Realised minus forecast log return, per model, over the last `days` target dates. */
export function residualChart(
  id: string,
  f: EvaluationForecasts,
  models: readonly string[],
  days: number,
): ChartDefinition {
  const shown = models.filter((m) => f.predicted_log_return[m] !== undefined);
  const values: { d: string; m: string; r: number }[] = [];
  for (let i = recentStart(f, days); i < f.dates.length; i++) {
    for (const m of shown) {
      const p = f.predicted_log_return[m]?.[i] as number;
      values.push({ d: f.dates[i] as string, m, r: sig((f.actual_log_return[i] as number) - p) });
    }
  }
  return {
    id,
    title: 'Residuals',
    caption: `Realised minus forecast log return over the same ${Math.min(days, f.dates.length)} days.`,
    spec: {
      ...BASE,
      data: { values },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 10, opacity: 0.7 },
          encoding: {
            x: { field: 'd', type: 'temporal', title: null },
            y: { field: 'r', type: 'quantitative', title: 'residual (log return)' },
            color: {
              field: 'm',
              type: 'nominal',
              title: null,
              scale: { domain: [...shown], range: palette(shown.length + 1).slice(1) },
            },
          },
        },
        rule(0),
      ],
    },
  };
}

/**
 * Rolling RMSE ratio of `model` to `baseline` over every scored day, one line per fold and the
 * hold-out, with the gate's maximum when known. Null when either model has no forecasts.
 */
export function errorRatioOverTimeChart(
  id: string,
  f: EvaluationForecasts,
  model: string,
  baseline: string,
  maxRatio: number | null,
  window = ROLLING_DAYS,
): ChartDefinition | null {
  const pm = f.predicted_log_return[model];
  const pb = f.predicted_log_return[baseline];
  if (!pm || !pb || f.dates.length < window) return null;
  const values: { d: string; seg: string; v: number }[] = [];
  let sm = 0;
  let sb = 0;
  for (let i = 0; i < f.dates.length; i++) {
    const a = f.actual_log_return[i] as number;
    sm += ((pm[i] as number) - a) ** 2;
    sb += ((pb[i] as number) - a) ** 2;
    if (i >= window) {
      const j = i - window;
      const aj = f.actual_log_return[j] as number;
      sm -= ((pm[j] as number) - aj) ** 2;
      sb -= ((pb[j] as number) - aj) ** 2;
    }
    if (i >= window - 1 && sb > 0) {
      values.push({
        d: f.dates[i] as string,
        seg: segmentName(f.fold[i] as number),
        v: round(Math.sqrt(sm / sb), 4),
      });
    }
  }
  const rules: VegaLiteSpec[] = [rule(1)];
  if (maxRatio !== null && maxRatio !== 1) {
    rules.push(rule(maxRatio, { color: '#c0392b', strokeDash: [4, 3] }));
  }
  return {
    id,
    title: `Error ratio over time: ${model} ÷ ${baseline}`,
    caption:
      `RMSE of returns of ${model} divided by ${baseline}'s over the last ${window} forecast days, ` +
      'on every walk-forward test day and the hold-out. Below 1 the model is better; ' +
      (maxRatio === null
        ? 'grey line: 1.'
        : `grey line: 1, red dashed line: the gate's maximum ${maxRatio}.`),
    spec: {
      ...BASE,
      data: { values },
      layer: [
        {
          mark: { type: 'line', strokeWidth: 1.4 },
          encoding: {
            x: { field: 'd', type: 'temporal', title: null },
            y: { field: 'v', type: 'quantitative', title: 'error ratio', scale: { zero: false } },
            color: { field: 'seg', type: 'nominal', title: null, sort: null },
          },
        },
        ...rules,
      ],
    },
  };
}

/**
 * Each model's error ratio to the best baseline per fold, pooled over the folds, and on the
 * hold-out. Null when no model but the best baseline was evaluated.
 */
export function foldErrorRatioChart(id: string, e: Evaluation): ChartDefinition | null {
  const best = e.best_baseline;
  const models = Object.keys(e.models).filter((m) => m !== best);
  if (models.length === 0) return null;
  const values: { fold: string; m: string; v: number }[] = [];
  const ranges = [
    ...e.plan.folds.map((p) => ({
      label: segmentName(p.fold),
      pick: (m: string) => e.models[m]?.folds[p.fold],
    })),
    { label: 'all folds', pick: (m: string) => e.models[m]?.aggregate },
    { label: 'hold-out', pick: (m: string) => e.models[m]?.holdout },
  ];
  for (const r of ranges) {
    for (const m of models) {
      const ratio = r.pick(m)?.vs[best]?.error_ratio;
      if (ratio !== undefined && Number.isFinite(ratio) && ratio < 1e6) {
        values.push({ fold: r.label, m, v: round(ratio, 4) });
      }
    }
  }
  return {
    id,
    title: `Error ratio per fold vs ${best}`,
    caption:
      `RMSE of returns of each model divided by the best baseline's (${best}) on the same days: ` +
      'per walk-forward fold, pooled over the folds (what the gate reads), and on the hold-out.',
    spec: {
      ...BASE,
      data: { values },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'fold', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
            xOffset: { field: 'm', type: 'nominal', sort: models },
            y: { field: 'v', type: 'quantitative', title: 'error ratio', scale: { zero: false } },
            color: { field: 'm', type: 'nominal', title: null, sort: models },
          },
        },
        rule(1),
      ],
    },
  };
}

/** PSI per feature (and the prediction), coloured by whether it drifted. */
export function driftChart(id: string, drift: DriftReport): ChartDefinition | null {
  const entries = Object.entries(drift.features);
  if (drift.prediction) entries.push(['prediction', drift.prediction]);
  if (entries.length === 0) return null;
  const values = entries.map(([f, d]) => ({
    f,
    v: round(d.psi, 4),
    s: d.drifted ? 'drifted' : 'ok',
  }));
  return {
    id,
    title: 'Drift per feature',
    caption:
      `Population stability index of each feature, recent window ${drift.recent.from} → ${drift.recent.to} ` +
      `against the training window ${drift.reference.from} → ${drift.reference.to}.`,
    spec: {
      ...BASE,
      height: Math.max(60, 22 * values.length),
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'f', type: 'nominal', title: null, sort: null },
        x: { field: 'v', type: 'quantitative', title: 'PSI' },
        color: {
          field: 's',
          type: 'nominal',
          title: null,
          scale: { domain: ['ok', 'drifted'], range: ['#2e7d32', '#c62828'] },
        },
      },
    },
  };
}

/** The served model's realised rolling error ratio, from the drift report. */
export function realisedErrorChart(id: string, drift: DriftReport): ChartDefinition | null {
  const r = drift.realised_error;
  if (!r || r.series.length === 0) return null;
  return {
    id,
    title: `Realised error ratio vs ${r.baseline}`,
    caption: `The served model's rolling RMSE ratio to ${r.baseline} as actual bars arrived (${r.days} days).`,
    spec: {
      ...BASE,
      data: { values: r.series.map((p) => ({ d: p.date, v: round(p.error_ratio, 4) })) },
      layer: [
        {
          mark: { type: 'line', point: r.series.length < 40 },
          encoding: {
            x: { field: 'd', type: 'temporal', title: null },
            y: { field: 'v', type: 'quantitative', title: 'error ratio', scale: { zero: false } },
          },
        },
        rule(1),
      ],
    },
  };
}

/** The gate's error-ratio check per run, coloured by the decision: the dashboard's gate history. */
export function gateHistoryChart(
  id: string,
  history: readonly { readonly runId: string; readonly decision: GateDecision }[],
): ChartDefinition | null {
  const values = history.flatMap(({ runId, decision }) => {
    const check = decision.checks.find((c) => c.name === 'max_error_ratio');
    return check?.value == null || !Number.isFinite(check.value)
      ? []
      : [{ run: runId.slice(0, 16), v: round(check.value, 4), s: decision.decision }];
  });
  if (values.length === 0) return null;
  return {
    id,
    title: 'Gate history',
    caption: "Each run's candidate error ratio to the best baseline, as the gate read it.",
    spec: {
      ...BASE,
      data: { values },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            x: {
              field: 'run',
              type: 'ordinal',
              title: 'run',
              sort: null,
              axis: { labelAngle: -40 },
            },
            y: { field: 'v', type: 'quantitative', title: 'error ratio', scale: { zero: false } },
            color: {
              field: 's',
              type: 'nominal',
              title: null,
              scale: { domain: ['approve', 'reject'], range: ['#2e7d32', '#c62828'] },
            },
          },
        },
        rule(1),
      ],
    },
  };
}

/** The champion and challengers side by side: one metric per registry version. */
export function registryMetricChart(
  id: string,
  rows: readonly { readonly label: string; readonly value: number; readonly champion: boolean }[],
  metric: string,
): ChartDefinition | null {
  if (rows.length === 0) return null;
  return {
    id,
    title: `Registry: ${metric}`,
    caption: `${metric} of each registered version; the champion is highlighted.`,
    spec: {
      ...BASE,
      height: Math.max(60, 22 * rows.length),
      data: {
        values: rows.map((r) => ({
          l: r.label,
          v: sig(r.value),
          c: r.champion ? 'champion' : 'challenger',
        })),
      },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'l', type: 'nominal', title: null, sort: null },
        x: { field: 'v', type: 'quantitative', title: metric, scale: { zero: false } },
        color: {
          field: 'c',
          type: 'nominal',
          title: null,
          scale: { domain: ['champion', 'challenger'], range: ['#1f77b4', '#aab7c4'] },
        },
      },
    },
  };
}

/**
 * A horizontal reference line. It carries one datum of its own: in a layer it would otherwise
 * inherit the chart's data and be drawn once per row.
 */
function rule(
  y: number,
  style: Readonly<Record<string, unknown>> = { color: '#444' },
): VegaLiteSpec {
  return {
    data: { values: [{}] },
    mark: { type: 'rule', ...style },
    encoding: { y: { datum: y } },
  };
}

export function segmentName(fold: number): string {
  return fold < 0 ? 'hold-out' : `fold ${fold + 1}`;
}

/** Realised in black, then Tableau-10 colours for the models. */
function palette(n: number): string[] {
  const colours = ['#222222', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
  return colours.slice(0, Math.max(1, Math.min(n, colours.length)));
}
