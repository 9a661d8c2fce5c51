import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import type { GateDecision } from '../gate/gateTypes.ts';
import type { DriftReport } from '../monitor/driftReport.ts';
import type { RunSummary, SymbolResult } from '../pipeline/runSummary.ts';
import type { ChartRenderer } from '../ports/chartRenderer.ts';
import { badge, escapeHtml, figures, formatValue, page, slug, table } from './htmlPage.ts';
import {
  type ChartDefinition,
  driftChart,
  errorRatioOverTimeChart,
  foldErrorRatioChart,
  priceChart,
  realisedErrorChart,
  residualChart,
} from './reportCharts.ts';

/** What the report of one symbol of a run is drawn from; each part may be missing. */
export interface SymbolReportInput {
  readonly symbol: string;
  readonly result: SymbolResult | undefined;
  readonly evaluation?: Evaluation;
  readonly gate?: GateDecision;
  /** The latest drift report up to the evaluated data, when the monitor has written one. */
  readonly drift?: DriftReport;
}

export interface RunReportInput {
  readonly summary: RunSummary;
  readonly symbols: readonly SymbolReportInput[];
  /** How many of the latest forecast days the price and residual charts show (default 250). */
  readonly recentDays?: number;
}

export interface RunReport {
  readonly html: string;
  readonly markdown: string;
}

export const DEFAULT_RECENT_DAYS = 250;
export const NO_DRIFT_REPORT = 'no drift report yet';

/** The run's HTML report (charts as inline SVG) and its Markdown summary. */
export async function buildRunReport(
  input: RunReportInput,
  renderer: ChartRenderer,
): Promise<RunReport> {
  const { summary } = input;
  const sections: string[] = [];
  for (const s of input.symbols) sections.push(await symbolSection(s, input, renderer));
  const head =
    `<h1>stockops run ${escapeHtml(summary.run_id)} ${badge(summary.status, summary.status)}</h1>\n` +
    `<p class="meta">env ${escapeHtml(summary.env)} · source ${escapeHtml(summary.source)} · ` +
    `started ${escapeHtml(summary.started_at)} · ${formatValue(summary.duration_ms / 1000)} s · ` +
    `config ${escapeHtml(summary.config_hash.slice(0, 12))}</p>\n` +
    table(
      ['symbol', 'status', 'bars', 'quality', 'gate', 'champion'],
      input.symbols.map((s) => [
        s.symbol,
        statusCell(s.result?.status ?? 'failed'),
        s.result?.rows.fetched ?? null,
        s.result?.quality?.status ?? null,
        s.result?.gate ? statusCell(s.result.gate.decision) : null,
        championLabel(s.result),
      ]),
      { className: 'overview' },
    );
  return {
    html: page(`stockops run ${summary.run_id}`, `${head}\n${sections.join('\n')}`),
    markdown: runMarkdown(input),
  };
}

async function symbolSection(
  s: SymbolReportInput,
  input: RunReportInput,
  renderer: ChartRenderer,
): Promise<string> {
  const id = slug(s.symbol);
  const parts = [`<section id="symbol-${id}">`, `<h2>${escapeHtml(s.symbol)}</h2>`];
  if (s.result?.error) parts.push(`<p class="failed">failed: ${escapeHtml(s.result.error)}</p>`);
  const e = s.evaluation;
  if (e) {
    parts.push('<h3>Models</h3>', modelTable(e));
    const days = input.recentDays ?? DEFAULT_RECENT_DAYS;
    const shown = forecastModels(e, s.gate);
    const charts: (ChartDefinition | null)[] = [];
    if (e.forecasts) {
      charts.push(
        priceChart(`price-${id}`, e.forecasts, shown, days),
        residualChart(`residuals-${id}`, e.forecasts, shown, days),
      );
      if (e.candidate) {
        charts.push(
          errorRatioOverTimeChart(
            `error-ratio-time-${id}`,
            e.forecasts,
            e.candidate,
            e.best_baseline,
            gateThreshold(s.gate, 'max_error_ratio'),
          ),
        );
      }
    } else {
      parts.push(
        '<p class="note">This evaluation holds no forecasts (written before they were kept): no price, residual or error-over-time chart.</p>',
      );
    }
    charts.push(foldErrorRatioChart(`error-ratio-folds-${id}`, e));
    parts.push(await figures(charts, renderer));
  } else {
    parts.push('<p class="note">No evaluation for this symbol in this run.</p>');
  }
  parts.push('<h3>Gate</h3>', gateHtml(s.gate, id));
  parts.push('<h3>Drift</h3>', await driftHtml(s.drift, id, renderer));
  parts.push('</section>');
  return parts.join('\n');
}

/** The forecasts worth drawing: the candidate, the best baseline and the champion. */
function forecastModels(e: Evaluation, gate: GateDecision | undefined): string[] {
  const names = [e.candidate, e.best_baseline, gate?.champion ?? null].filter(
    (n): n is string => n !== null && n !== '' && e.models[n] !== undefined,
  );
  return [...new Set(names)];
}

function gateThreshold(gate: GateDecision | undefined, check: string): number | null {
  const t = gate?.checks.find((c) => c.name === check)?.threshold;
  return t === undefined || t === null || !Number.isFinite(t) ? null : t;
}

function modelTable(e: Evaluation): string {
  const best = e.best_baseline;
  const rows = Object.values(e.models).map((m) => {
    const s = m.aggregate.scores;
    const vs = m.aggregate.vs[best];
    const hold = m.holdout.vs[best];
    const tag = m.name === best ? ' (best baseline)' : m.name === e.candidate ? ' (candidate)' : '';
    return [
      `${m.name}${tag}`,
      s.rmse_return,
      vs ? vs.error_ratio : null,
      vs ? vs.dm_p_value : null,
      s.mape_price,
      s.directional_accuracy,
      s.up_day_rate,
      hold ? hold.error_ratio : null,
    ];
  });
  return (
    table(
      [
        'model',
        'RMSE(return)',
        `ratio vs ${best}`,
        'DM p',
        'MAPE',
        'dir. accuracy',
        'up-day rate',
        'hold-out ratio',
      ],
      rows,
      { className: 'models' },
    ) +
    `\n<p class="meta">${e.plan.folds.length} walk-forward folds ${escapeHtml(e.plan.folds[0]?.test_from ?? '')} → ` +
    `${escapeHtml(e.plan.folds.at(-1)?.test_to ?? '')}, hold-out ${escapeHtml(e.plan.holdout.from)} → ` +
    `${escapeHtml(e.plan.holdout.to)} (${e.plan.holdout.n} days); data to ${escapeHtml(e.data.to)}.</p>`
  );
}

export function gateHtml(gate: GateDecision | undefined, id: string): string {
  if (!gate) return '<p class="note">No gate decision for this symbol in this run.</p>';
  const against = gate.champion ?? `best baseline ${gate.best_baseline}`;
  return (
    `<p>Decision ${badge(gate.decision, gate.decision)}: ${escapeHtml(gate.candidate || 'no candidate')} ` +
    `against ${escapeHtml(against)}.</p>\n` +
    table(
      ['check', 'passed', 'value', 'comparator', 'threshold', 'detail'],
      gate.checks.map((c) => [
        c.name,
        statusCell(c.passed ? 'pass' : 'fail'),
        c.value,
        c.comparator,
        c.threshold,
        c.detail,
      ]),
      { id: `gate-${id}`, className: 'gate' },
    )
  );
}

async function driftHtml(
  drift: DriftReport | undefined,
  id: string,
  renderer: ChartRenderer,
): Promise<string> {
  if (!drift) return `<p class="note" id="drift-${id}">${NO_DRIFT_REPORT}.</p>`;
  const rows = Object.entries(drift.features).map(([name, d]) => [
    name,
    d.psi,
    d.ks_statistic,
    d.ks_p_value,
    statusCell(d.drifted ? 'drift' : 'ok'),
  ]);
  if (drift.prediction) {
    const d = drift.prediction;
    rows.push([
      'prediction',
      d.psi,
      d.ks_statistic,
      d.ks_p_value,
      statusCell(d.drifted ? 'drift' : 'ok'),
    ]);
  }
  const realised = drift.realised_error;
  return (
    `<p id="drift-${id}">As of ${escapeHtml(drift.as_of)}: ${badge(drift.status, drift.status)}` +
    (realised?.rolling_error_ratio == null
      ? ''
      : `; realised error ratio vs ${escapeHtml(realised.baseline)} ${formatValue(realised.rolling_error_ratio)}` +
        (realised.breached ? ' (breached)' : '')) +
    '.</p>\n' +
    table(['feature', 'PSI', 'KS D', 'KS p', 'status'], rows, { className: 'drift' }) +
    '\n' +
    (await figures(
      [driftChart(`drift-chart-${id}`, drift), realisedErrorChart(`realised-error-${id}`, drift)],
      renderer,
    ))
  );
}

function statusCell(status: string): { html: string; className: string } {
  return { html: escapeHtml(status), className: status };
}

function championLabel(result: SymbolResult | undefined): string | null {
  const c = result?.registry?.champion;
  return c ? `v${c.version} ${c.model}` : (result?.gate?.champion ?? null);
}

// ---- Markdown: for job summaries and PR comments (GitHub-flavoured tables) ----

function mdEscape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdNumber(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : formatValue(x);
}

/** The run in Markdown: an overview, each symbol's models, gate checks and drift. */
export function runMarkdown(input: RunReportInput): string {
  const { summary } = input;
  const lines = [
    `## stockops run \`${summary.run_id}\`: ${summary.status}`,
    '',
    `env \`${summary.env}\`, source \`${mdEscape(summary.source)}\`, ${formatValue(summary.duration_ms / 1000)} s`,
    '',
    '| symbol | status | gate | champion | drift |',
    '|---|---|---|---|---|',
  ];
  for (const s of input.symbols) {
    lines.push(
      `| ${mdEscape(s.symbol)} | ${s.result?.status ?? 'failed'} | ${s.gate?.decision ?? '–'} | ` +
        `${mdEscape(championLabel(s.result) ?? '–')} | ${s.drift ? s.drift.status : NO_DRIFT_REPORT} |`,
    );
  }
  for (const s of input.symbols) {
    lines.push('', `### ${mdEscape(s.symbol)}`, '');
    if (s.result?.error) lines.push(`Failed: ${mdEscape(s.result.error)}`, '');
    const e = s.evaluation;
    if (e) {
      const best = e.best_baseline;
      lines.push(
        `| model | RMSE(return) | ratio vs ${best} | DM p | MAPE | hold-out ratio |`,
        '|---|---:|---:|---:|---:|---:|',
      );
      for (const m of Object.values(e.models)) {
        const tag =
          m.name === best ? ' (best baseline)' : m.name === e.candidate ? ' (candidate)' : '';
        lines.push(
          `| ${mdEscape(m.name + tag)} | ${mdNumber(m.aggregate.scores.rmse_return)} | ` +
            `${mdNumber(m.aggregate.vs[best]?.error_ratio)} | ${mdNumber(m.aggregate.vs[best]?.dm_p_value)} | ` +
            `${mdNumber(m.aggregate.scores.mape_price)} | ${mdNumber(m.holdout.vs[best]?.error_ratio)} |`,
        );
      }
      lines.push('');
    }
    if (s.gate) {
      lines.push(
        `Gate: **${s.gate.decision}** (${mdEscape(s.gate.candidate || 'no candidate')} vs ` +
          `${mdEscape(s.gate.champion ?? `best baseline ${s.gate.best_baseline}`)})`,
        '',
        '| check | passed | value | threshold | detail |',
        '|---|---|---:|---:|---|',
        ...s.gate.checks.map(
          (c) =>
            `| ${c.name} | ${c.passed ? '✅' : '❌'} | ${mdNumber(c.value)} | ${mdNumber(c.threshold)} | ${mdEscape(c.detail)} |`,
        ),
        '',
      );
    }
    if (s.drift) {
      const drifted = Object.entries(s.drift.features)
        .filter(([, d]) => d.drifted)
        .map(([name]) => name);
      lines.push(
        `Drift as of ${s.drift.as_of}: **${s.drift.status}**` +
          (drifted.length ? ` (${drifted.map(mdEscape).join(', ')})` : ''),
      );
    } else {
      lines.push(`Drift: ${NO_DRIFT_REPORT}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}
