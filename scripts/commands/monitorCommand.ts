import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withResilienceConfig } from '../../adapters/aws/resilientClient.ts';
import {
  type AlertTopics,
  alertTopicsFromEnv,
  createSnsClient,
  SnsAlerts,
} from '../../adapters/aws/snsAlerts.ts';
import { AlertLog } from '../../adapters/local/alertLog.ts';
import { EmfMonitorMetrics } from '../../adapters/local/emfMetrics.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { dateInZone, isIsoDate } from '../../core/market/isoDate.ts';
import { IncidentAlerts } from '../../core/monitor/incidentAlerts.ts';
import {
  type MonitorMetrics,
  runMonitor,
  type SymbolMonitorOutcome,
} from '../../core/monitor/monitorRun.ts';
import { monitorSettings } from '../../core/monitor/monitorSettings.ts';
import type { AlertPublisher } from '../../core/ports/alerts.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { type CommandContext, commandContext, type DataOptions } from '../cli/commandContext.ts';
import { runDailyFromCli } from './runCommand.ts';

export interface MonitorOptions extends DataOptions {
  /** The session to monitor (default: the last curated one). */
  readonly asOf?: string;
  /** Run the daily pipeline for symbols whose trigger fired (also config monitor.retrain_on_trigger). */
  readonly retrain?: boolean;
  /** `local` (the alert log and stderr, default) or `sns` (topic ARNs from STOCKOPS_ALERT_TOPIC_*). */
  readonly alerts?: string;
  /** EMF metrics: a file (default <store>/logs/monitor-metrics.emf.jsonl), `-` for stdout, `off`. */
  readonly metrics?: string;
  readonly json?: boolean;
}

export const MONITOR_RUN_SCHEMA = 'stockops.monitor-run/v1';

export interface RetrainResult {
  readonly symbol: string;
  readonly status: 'succeeded' | 'failed';
  readonly run_id?: string;
  readonly error?: string;
}

/**
 * `stockops monitor`: the drift report of each symbol's champion, EMF metrics, the breach
 * streak, alerts through the port, and with --retrain a local retrain (the daily run) of the
 * symbols whose trigger fired. Drift is a finding, not a failure: exit 1 only when a symbol
 * could not be monitored or a retrain failed.
 */
export async function monitorCommand(options: MonitorOptions): Promise<number> {
  if (options.asOf !== undefined && !isIsoDate(options.asOf)) {
    throw new UsageError(`--as-of: expected YYYY-MM-DD (got "${options.asOf}")`);
  }
  const ctx = commandContext(options);
  const config = ctx.resolved.config;
  const settings = monitorSettings(config);
  const alerts = new IncidentAlerts({
    publisher: alertPublisher(options.alerts ?? 'local', ctx),
    store: ctx.store,
    env: ctx.resolved.env,
    now: () => new Date(),
  });
  const sink = metricsSink(options.metrics, ctx.store.location, ctx.resolved.env);
  let outcomes: SymbolMonitorOutcome[];
  try {
    outcomes = await runMonitor({
      config,
      symbols: ctx.symbols,
      store: ctx.store,
      registry: new StoreModelRegistry(ctx.store),
      alerts,
      metrics: sink.metrics,
      ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
    });
  } finally {
    await sink.end();
  }
  for (const o of outcomes) process.stderr.write(`${describe(o, settings.consecutive_days)}\n`);

  const retrain: RetrainResult[] = [];
  const due = outcomes.filter((o) => o.triggered).map((o) => o.symbol);
  if (due.length > 0 && (options.retrain || settings.retrain_on_trigger)) {
    process.stderr.write(`retrain ${due.join(', ')}: running the daily pipeline\n`);
    const summary = await runDailyFromCli(ctx, due, dateInZone(new Date(), 'America/New_York'));
    for (const symbol of due) {
      const r = summary.results[symbol];
      const ok = r?.status === 'succeeded';
      retrain.push({
        symbol,
        status: ok ? 'succeeded' : 'failed',
        run_id: summary.run_id,
        ...(ok ? {} : { error: r?.error ?? 'no result' }),
      });
      if (!ok) {
        await alerts.raise({
          type: 'pipeline_failure',
          incident: `pipeline_failure.${symbol}.retrain`,
          severity: 'critical',
          symbol,
          summary: `${symbol}: the retrain after drift failed`,
          detail: `run ${summary.run_id} failed for ${symbol}: ${r?.error ?? 'no result'}; see ${summary.summary_path}`,
        });
      } else {
        await alerts.resolve(`pipeline_failure.${symbol}.retrain`);
      }
    }
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ schema: MONITOR_RUN_SCHEMA, env: ctx.resolved.env, results: outcomes, retrain })}\n`,
    );
  }
  const failed =
    outcomes.some((o) => o.status === 'failed') || retrain.some((r) => r.status === 'failed');
  return failed ? EXIT_FAILED : EXIT_OK;
}

function describe(o: SymbolMonitorOutcome, n: number): string {
  if (o.status === 'failed') return `✗ monitor   ${o.symbol}  ${o.error}`;
  const streak = `${o.consecutive_breach_days}/${n} drifted sessions in a row`;
  const why = o.reasons.length > 0 ? `: ${o.reasons.join('; ')}` : '';
  const alert = o.alert_sent
    ? `; alert ${o.alert_id} sent, retrain due`
    : o.alert_id
      ? `; incident ${o.alert_id} still open (no new alert)`
      : '';
  return `✓ monitor   ${o.symbol}  ${o.as_of} ${o.status} (${streak})${why}${alert} → ${o.report_key}`;
}

function alertPublisher(kind: string, ctx: CommandContext): AlertPublisher {
  if (kind === 'local') return new AlertLog(ctx.store);
  if (kind === 'sns') {
    let topics: AlertTopics;
    try {
      topics = alertTopicsFromEnv(process.env);
    } catch (error) {
      throw new UsageError(`--alerts sns: ${(error as Error).message}`);
    }
    return new SnsAlerts({
      client: createSnsClient({}, withResilienceConfig(ctx.resolved.config.resilience)),
      topics,
    });
  }
  throw new UsageError(`--alerts: expected local or sns (got "${kind}")`);
}

function metricsSink(
  option: string | undefined,
  storeRoot: string,
  env: string,
): { metrics: MonitorMetrics; end: () => Promise<void> } {
  if (option === 'off') return { metrics: { record: () => {} }, end: async () => {} };
  if (option === '-') {
    return {
      metrics: new EmfMonitorMetrics({ write: (d) => process.stdout.write(`${d}\n`), env }),
      end: async () => {},
    };
  }
  const file = option ?? join(storeRoot, 'logs', 'monitor-metrics.emf.jsonl');
  mkdirSync(dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'a' });
  return {
    metrics: new EmfMonitorMetrics({ write: (d) => stream.write(`${d}\n`), env }),
    end: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}
