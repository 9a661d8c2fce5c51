import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import type { GateDecision } from '../gate/gateTypes.ts';
import type { DriftReport } from '../monitor/driftReport.ts';
import type { ChartRenderer } from '../ports/chartRenderer.ts';
import type { ModelPackage } from '../ports/modelRegistry.ts';
import { badge, escapeHtml, figures, page, slug, table } from './htmlPage.ts';
import {
  type ChartDefinition,
  driftChart,
  gateHistoryChart,
  priceChart,
  registryMetricChart,
} from './reportCharts.ts';
import { gateHtml, NO_DRIFT_REPORT } from './runReport.ts';

/** A served variant's forecast for the session after the latest curated bar. */
export interface NextForecast {
  readonly variant: string;
  readonly model: string;
  readonly version: number | null;
  /** The last curated session the forecast is made from. */
  readonly date: string;
  readonly target_date: string | null;
  readonly avg_price: number;
  readonly predicted_avg_price: number;
  readonly predicted_log_return: number;
}

/** One line of the alert log; fields the line does not have are null. */
export interface AlertEntry {
  readonly line: number;
  readonly at: string | null;
  readonly type: string | null;
  readonly symbol: string | null;
  readonly message: string;
}

export interface GateHistoryEntry {
  readonly runId: string;
  readonly decision: GateDecision;
}

export interface DashboardInput {
  readonly group: string;
  readonly generatedAt: string;
  readonly nextForecasts: readonly NextForecast[];
  /** Why there are no next-session forecasts (model still loading, no curated data, …). */
  readonly nextForecastNote?: string;
  /** The newest run that evaluated the group: its forecasts feed the recent-days chart. */
  readonly latestRun?: { readonly runId: string; readonly evaluation: Evaluation };
  readonly packages: readonly ModelPackage[];
  readonly championVersion: number | null;
  /** Oldest first. */
  readonly gateHistory: readonly GateHistoryEntry[];
  /** null when there is no alert log at all. Newest last. */
  readonly alerts: readonly AlertEntry[] | null;
  readonly drift?: DriftReport;
}

/** Days of forecasts the dashboard's price chart shows. */
export const DASHBOARD_DAYS = 60;
/** Registry versions and alerts listed, newest first. */
export const DASHBOARD_ROWS = 20;

const METRIC = 'aggregate.rmse_return';

/** The /dashboard page: server-rendered HTML with inline SVG charts, no script. */
export async function buildDashboard(
  input: DashboardInput,
  renderer: ChartRenderer,
): Promise<string> {
  const g = slug(input.group);
  const sections = [
    `<h1>stockops dashboard: ${escapeHtml(input.group)}</h1>`,
    `<p class="meta">generated ${escapeHtml(input.generatedAt)}</p>`,
    '<h2>Latest forecasts</h2>',
    forecastTable(input),
  ];
  const e = input.latestRun?.evaluation;
  const charts: (ChartDefinition | null)[] = [];
  if (e?.forecasts) {
    const champion = input.packages.find((p) => p.version === input.championVersion)?.model_name;
    const models = [champion, e.candidate, e.best_baseline].filter(
      (m): m is string => typeof m === 'string' && e.models[m] !== undefined,
    );
    charts.push(priceChart(`dash-price-${g}`, e.forecasts, [...new Set(models)], DASHBOARD_DAYS));
  }
  sections.push(
    await figures(charts, renderer),
    input.latestRun
      ? `<p class="meta">recent forecasts from run ${escapeHtml(input.latestRun.runId)}</p>`
      : '<p class="note">No run has evaluated this symbol yet.</p>',
  );

  sections.push('<h2>Champion and challengers</h2>', registryTable(input));
  const recent = newestFirst(input.packages).slice(0, DASHBOARD_ROWS);
  const metricRows = recent.flatMap((p) => {
    const v = p.metrics[METRIC];
    return typeof v === 'number' && Number.isFinite(v)
      ? [
          {
            label: `v${p.version} ${p.model_name}`,
            value: v,
            champion: p.version === input.championVersion,
          },
        ]
      : [];
  });
  sections.push(
    await figures([registryMetricChart(`dash-registry-${g}`, metricRows, METRIC)], renderer),
  );

  sections.push('<h2>Gate history</h2>');
  const last = input.gateHistory.at(-1);
  sections.push(
    await figures([gateHistoryChart(`dash-gate-${g}`, input.gateHistory)], renderer),
    table(
      ['run', 'decision', 'candidate', 'against', 'reasons'],
      [...input.gateHistory]
        .reverse()
        .slice(0, DASHBOARD_ROWS)
        .map((h) => [
          h.runId,
          { html: escapeHtml(h.decision.decision), className: h.decision.decision },
          h.decision.candidate,
          h.decision.champion ?? `best baseline ${h.decision.best_baseline}`,
          h.decision.reasons.join('; ') || '–',
        ]),
      { id: `gate-history-${g}`, className: 'gate-history' },
    ),
    last
      ? `<h3>Latest decision (run ${escapeHtml(last.runId)})</h3>\n${gateHtml(last.decision, g)}`
      : '<p class="note">No gate decisions yet.</p>',
  );

  sections.push('<h2>Drift</h2>');
  if (input.drift) {
    sections.push(
      `<p>As of ${escapeHtml(input.drift.as_of)}: ${badge(input.drift.status, input.drift.status)}</p>`,
      await figures([driftChart(`dash-drift-${g}`, input.drift)], renderer),
    );
  } else {
    sections.push(`<p class="note">${NO_DRIFT_REPORT}.</p>`);
  }

  sections.push('<h2>Alerts</h2>', alertsHtml(input.alerts, g));
  return page(`stockops dashboard ${input.group}`, sections.join('\n'));
}

function forecastTable(input: DashboardInput): string {
  if (input.nextForecasts.length === 0) {
    return `<p class="note">No next-session forecast${input.nextForecastNote ? `: ${escapeHtml(input.nextForecastNote)}` : ''}.</p>`;
  }
  return table(
    [
      'variant',
      'model',
      'from session',
      'for session',
      'avg_price',
      'forecast avg_price',
      'log return',
    ],
    input.nextForecasts.map((f) => [
      f.variant,
      f.version === null ? f.model : `v${f.version} ${f.model}`,
      f.date,
      f.target_date,
      f.avg_price,
      f.predicted_avg_price,
      f.predicted_log_return,
    ]),
    { className: 'forecasts' },
  );
}

function newestFirst(packages: readonly ModelPackage[]): ModelPackage[] {
  return [...packages].sort((a, b) => b.version - a.version);
}

function registryTable(input: DashboardInput): string {
  if (input.packages.length === 0) return '<p class="note">Nothing registered yet.</p>';
  const champion = input.packages.filter((p) => p.version === input.championVersion);
  const others = newestFirst(input.packages).filter((p) => p.version !== input.championVersion);
  const rows = [...champion, ...others].slice(0, DASHBOARD_ROWS).map((p) => [
    p.version === input.championVersion
      ? { html: badge('champion', 'approve'), className: '' }
      : 'challenger',
    `v${p.version}`,
    p.model_name,
    p.kind,
    {
      html: escapeHtml(p.status),
      className: p.status === 'Approved' ? 'pass' : p.status === 'Rejected' ? 'fail' : 'warn',
    },
    p.metrics['aggregate.rmse_return'] ?? null,
    p.metrics['aggregate.error_ratio_vs_best_baseline'] ?? null,
    p.metrics['holdout.error_ratio_vs_best_baseline'] ?? null,
    p.metrics['aggregate.directional_accuracy'] ?? null,
    p.created_at,
  ]);
  return table(
    [
      'role',
      'version',
      'model',
      'kind',
      'status',
      'RMSE(return)',
      'ratio vs best baseline',
      'hold-out ratio',
      'dir. accuracy',
      'registered',
    ],
    rows,
    { id: `registry-${slug(input.group)}`, className: 'registry' },
  );
}

function alertsHtml(alerts: readonly AlertEntry[] | null, g: string): string {
  if (alerts === null) return '<p class="note">No alert log (alerts/log.jsonl) yet.</p>';
  if (alerts.length === 0) return '<p class="note">The alert log is empty.</p>';
  return table(
    ['time', 'type', 'symbol', 'message'],
    [...alerts]
      .reverse()
      .slice(0, DASHBOARD_ROWS)
      .map((a) => [a.at, a.type, a.symbol, a.message]),
    { id: `alerts-${g}`, className: 'alerts' },
  );
}

/**
 * The alert log, one JSON object per line. Fields are read leniently (the log is written by
 * whatever raised the alert); a line that is not JSON is shown as such rather than hidden.
 */
export function parseAlertLog(text: string): AlertEntry[] {
  const out: AlertEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.push({
        line: i + 1,
        at: null,
        type: null,
        symbol: null,
        message: `unreadable line ${i + 1}: ${line.slice(0, 120)}`,
      });
      return;
    }
    const o = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    const text = (...keys: string[]) => {
      for (const k of keys) if (typeof o[k] === 'string') return o[k] as string;
      return null;
    };
    out.push({
      line: i + 1,
      at: text('at', 'time', 'timestamp'),
      type: text('type', 'kind', 'alert'),
      symbol: text('symbol', 'group'),
      message: text('message', 'subject', 'detail') ?? line.slice(0, 200),
    });
  });
  return out;
}
