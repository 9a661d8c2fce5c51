import type { MonitorConfig, StockopsConfig } from '../config/configTypes.ts';
import { featureOptions } from '../features/featureOptions.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { readCurated } from '../pipeline/curatedData.ts';
import type { ModelPackage, ModelRegistry } from '../ports/modelRegistry.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import { servingModelFromRegistry } from '../serving/registryModels.ts';
import { emptyState, type MonitorState, parseMonitorState, recordSession } from './breachStreak.ts';
import { analyseDrift } from './driftAnalysis.ts';
import type { DriftReport } from './driftReport.ts';
import type { IncidentAlerts } from './incidentAlerts.ts';
import { driftReportKey, monitorStateKey } from './monitorKeys.ts';
import { monitorSettings } from './monitorSettings.ts';

/** Receives each symbol's report and streak: EMF metrics in the CLI, an array in tests. */
export interface MonitorMetrics {
  record(report: DriftReport, state: MonitorState): void | Promise<void>;
}

export interface MonitorInput {
  readonly config: StockopsConfig;
  readonly symbols: readonly string[];
  readonly store: ObjectStore;
  readonly registry: ModelRegistry;
  readonly alerts: IncidentAlerts;
  readonly metrics: MonitorMetrics;
  /** The session to monitor; default the last curated one. */
  readonly asOf?: IsoDate;
}

export interface SymbolMonitorOutcome {
  readonly symbol: string;
  readonly status: 'ok' | 'drift' | 'failed';
  readonly as_of?: IsoDate;
  readonly report_key?: string;
  readonly consecutive_breach_days?: number;
  /** The streak reached monitor.consecutive_days: a retrain is due. */
  readonly triggered: boolean;
  /** The model-degradation alert went out on this run (false while its incident stays open). */
  readonly alert_sent: boolean;
  readonly alert_id?: string;
  /** Why each part breached, for the alert and the console. */
  readonly reasons: readonly string[];
  readonly error?: string;
}

/** The incident keys the monitor raises and resolves. */
export const degradationIncident = (symbol: string) => `model_degradation.${symbol}.drift`;
export const monitorFailureIncident = (symbol: string) => `pipeline_failure.${symbol}.monitor`;

/**
 * Monitors each symbol's champion: the drift report (written to monitor/<SYMBOL>/drift/
 * <as_of>.json), metrics, the breach streak, and alerts. A streak of monitor.consecutive_days
 * drifted sessions opens one model-degradation incident, whose single alert asks for a retrain;
 * a session without drift closes it. A symbol that cannot be monitored raises a pipeline-failure
 * alert and the others go on.
 */
export async function runMonitor(input: MonitorInput): Promise<SymbolMonitorOutcome[]> {
  const settings = monitorSettings(input.config);
  const outcomes: SymbolMonitorOutcome[] = [];
  for (const symbol of input.symbols) {
    try {
      outcomes.push(await monitorSymbol(input, symbol, settings.consecutive_days));
      await input.alerts.resolve(monitorFailureIncident(symbol));
    } catch (error) {
      const message = (error as Error).message;
      await input.alerts.raise({
        type: 'pipeline_failure',
        incident: monitorFailureIncident(symbol),
        severity: 'warning',
        symbol,
        summary: `${symbol}: monitoring failed`,
        detail: `stockops monitor could not check ${symbol}: ${message}`,
      });
      outcomes.push({
        symbol,
        status: 'failed',
        triggered: false,
        alert_sent: false,
        reasons: [],
        error: message,
      });
    }
  }
  return outcomes;
}

async function monitorSymbol(
  input: MonitorInput,
  symbol: string,
  consecutiveDays: number,
): Promise<SymbolMonitorOutcome> {
  const settings = monitorSettings(input.config);
  const { bars: all } = await readCurated(input.store, symbol);
  const asOf = input.asOf;
  const bars = asOf === undefined ? all : all.filter((b) => b.date <= asOf);
  if (asOf !== undefined && bars.at(-1)?.date !== asOf) {
    throw new Error(
      `${symbol}: no curated bar for ${asOf} (last one ${bars.at(-1)?.date ?? 'none'}): monitor a session that was ingested`,
    );
  }
  const features = featureOptions(input.config);
  const { model, pkg } = await servingModelFromRegistry(
    input.registry,
    symbol,
    'champion',
    features,
  );
  const best = bestBaseline(await input.registry.list(symbol));
  const baseline = best
    ? (await servingModelFromRegistry(input.registry, symbol, best.version, features)).model
    : null;
  const report = await analyseDrift({
    symbol,
    bars,
    settings,
    champion: { model, id: pkg.id, trainedTo: pkg.lineage.data.to || null },
    baseline: baseline ? { model: baseline } : null,
  });
  const reportKey = driftReportKey(symbol, report.as_of);
  await input.store.put(reportKey, `${JSON.stringify(report, null, 2)}\n`);

  const stateKey = monitorStateKey(symbol);
  const stored = await input.store.get(stateKey);
  const previous = stored
    ? parseMonitorState(
        new TextDecoder().decode(stored),
        `${input.store.location}/${stateKey}`,
        symbol,
      )
    : emptyState(symbol);
  const state = recordSession(previous, report.as_of, report.status === 'drift');
  await input.store.put(stateKey, `${JSON.stringify(state, null, 2)}\n`);
  await input.metrics.record(report, state);

  const reasons = breachReasons(report, settings);
  const base = {
    symbol,
    status: report.status,
    as_of: report.as_of,
    report_key: reportKey,
    consecutive_breach_days: state.consecutive_breach_days,
    reasons,
  };
  if (state.consecutive_breach_days < consecutiveDays) {
    if (report.status === 'ok') await input.alerts.resolve(degradationIncident(symbol));
    return { ...base, triggered: false, alert_sent: false };
  }
  const raised = await input.alerts.raise({
    type: 'model_degradation',
    incident: degradationIncident(symbol),
    severity: 'critical',
    symbol,
    summary: `${symbol}: ${pkg.model_name} v${pkg.version} drifted ${state.consecutive_breach_days} sessions in a row`,
    detail:
      `${symbol} champion ${pkg.id} (${pkg.model_name}) breached its monitoring thresholds on ` +
      `${state.consecutive_breach_days} consecutive sessions to ${report.as_of}: ${reasons.join('; ')}. ` +
      `A retrain was requested. Report: ${reportKey}. See docs/monitoring.md for what to do.`,
    retrain: true,
    data: {
      as_of: report.as_of,
      report_key: reportKey,
      champion: pkg.id,
      consecutive_breach_days: state.consecutive_breach_days,
      reason: reasons.join('; '),
    },
  });
  return { ...base, triggered: raised.sent, alert_sent: raised.sent, alert_id: raised.alert.id };
}

/** The Approved baseline with the lowest walk-forward RMSE of returns. */
export function bestBaseline(packages: readonly ModelPackage[]): ModelPackage | undefined {
  const score = (p: ModelPackage) => p.metrics['aggregate.rmse_return'] ?? Number.POSITIVE_INFINITY;
  return packages
    .filter((p) => p.kind === 'baseline' && p.status === 'Approved')
    .sort((a, b) => score(a) - score(b) || a.version - b.version)[0];
}

/** One phrase per breached part: `volatility PSI 0.31 > 0.2`, `error ratio 1.18 > 1.1`. */
export function breachReasons(report: DriftReport, settings: MonitorConfig): string[] {
  const { psi_threshold: psiMax, ks_p_value: ksMin } = settings;
  const reasons: string[] = [];
  const describe = (name: string, d: DriftReport['prediction']) => {
    if (!d?.drifted) return;
    const parts = [];
    const limit = d.psi_limit ?? psiMax;
    if (d.psi > limit) parts.push(`PSI ${d.psi.toFixed(3)} > ${Number(limit.toFixed(3))}`);
    if (d.ks_p_value < ksMin) parts.push(`KS p ${d.ks_p_value.toExponential(2)} < ${ksMin}`);
    reasons.push(`${name} ${parts.join(', ')}`);
  };
  for (const [name, d] of Object.entries(report.features)) describe(name, d);
  describe('prediction', report.prediction);
  const e = report.realised_error;
  if (e?.breached && e.rolling_error_ratio !== null) {
    reasons.push(
      `realised error ratio ${e.rolling_error_ratio.toFixed(3)} vs ${e.baseline} > ${settings.max_error_ratio}`,
    );
  }
  return reasons;
}
