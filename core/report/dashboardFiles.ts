import { evaluationKey, gateDecisionKey } from '../data/partitions.ts';
import { EVALUATION_SCHEMA_V2, type Evaluation } from '../evaluate/evaluationTypes.ts';
import { GATE_DECISION_SCHEMA, type GateDecision } from '../gate/gateTypes.ts';
import { readCurated } from '../pipeline/curatedData.ts';
import type { ModelRegistry } from '../ports/modelRegistry.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import { forecast } from '../serving/forecasting.ts';
import type { ServedVariant } from '../serving/invocation.ts';
import {
  type DashboardInput,
  type GateHistoryEntry,
  type NextForecast,
  parseAlertLog,
} from './dashboard.ts';
import { latestDriftReport, readJson } from './runReportFiles.ts';

/** The local alert sink's log: one JSON object per line. */
export const ALERT_LOG_KEY = 'alerts/log.jsonl';
/** Gate decisions the dashboard reads, newest runs first. */
export const GATE_HISTORY_RUNS = 60;

export interface DashboardSources {
  readonly store: ObjectStore;
  readonly registry: ModelRegistry;
  readonly group: string;
  readonly now: () => Date;
  /** The served variants' next-session forecasts; may throw (shown as a note). */
  readonly nextForecasts?: () => Promise<readonly NextForecast[]>;
}

/** The run ids under runs/ that hold `runs/<id>/<tail>`, oldest first (ids start with a UTC stamp). */
async function runsWith(store: ObjectStore, tail: string): Promise<string[]> {
  const ids: string[] = [];
  for (const key of await store.list('runs/')) {
    const rest = key.slice('runs/'.length);
    const slash = rest.indexOf('/');
    if (slash > 0 && rest.slice(slash + 1) === tail) ids.push(rest.slice(0, slash));
  }
  return ids.sort();
}

function ofSchema<T>(value: unknown, schema: string): T | undefined {
  return value !== null &&
    typeof value === 'object' &&
    (value as { schema?: unknown }).schema === schema
    ? (value as T)
    : undefined;
}

/** Reads what the dashboard shows from the store and the registry; absent parts stay absent. */
export async function loadDashboardInput(sources: DashboardSources): Promise<DashboardInput> {
  const { store, registry, group } = sources;
  const probe = 'RUN';
  const gateTail = gateDecisionKey(probe, group).slice(`runs/${probe}/`.length);
  const evalTail = evaluationKey(probe, group).slice(`runs/${probe}/`.length);

  const gateHistory: GateHistoryEntry[] = [];
  for (const runId of (await runsWith(store, gateTail)).slice(-GATE_HISTORY_RUNS)) {
    const decision = ofSchema<GateDecision>(
      await readJson(store, gateDecisionKey(runId, group)),
      GATE_DECISION_SCHEMA,
    );
    if (decision) gateHistory.push({ runId, decision });
  }

  let latestRun: DashboardInput['latestRun'];
  for (const runId of (await runsWith(store, evalTail)).reverse()) {
    const evaluation = ofSchema<Evaluation>(
      await readJson(store, evaluationKey(runId, group)),
      EVALUATION_SCHEMA_V2,
    );
    if (evaluation) {
      latestRun = { runId, evaluation };
      break;
    }
  }

  let nextForecasts: readonly NextForecast[] = [];
  let nextForecastNote: string | undefined;
  if (sources.nextForecasts) {
    try {
      nextForecasts = await sources.nextForecasts();
    } catch (error) {
      nextForecastNote = (error as Error).message;
    }
  } else {
    nextForecastNote = 'no model is served here';
  }

  const alertBytes = await store.get(ALERT_LOG_KEY);
  const champion = await registry.champion(group);
  const drift = await latestDriftReport(store, group);
  return {
    group,
    generatedAt: sources.now().toISOString(),
    nextForecasts,
    ...(nextForecastNote === undefined ? {} : { nextForecastNote }),
    ...(latestRun ? { latestRun } : {}),
    packages: await registry.list(group),
    championVersion: champion?.version ?? null,
    gateHistory,
    alerts: alertBytes === undefined ? null : parseAlertLog(new TextDecoder().decode(alertBytes)),
    ...(drift ? { drift } : {}),
  };
}

/** Bars handed to each served model: ample warm-up for the features and the LSTM window. */
const FORECAST_BARS = 500;

/**
 * Each served variant's forecast for the session after the latest curated bar, made exactly as
 * /invocations would make it from those bars.
 */
export async function nextSessionForecasts(
  variants: readonly ServedVariant[],
  store: ObjectStore,
  group: string,
): Promise<NextForecast[]> {
  if (variants.length === 0) throw new Error('the served model is not loaded (yet)');
  const { bars } = await readCurated(store, group);
  const recent = bars.slice(-FORECAST_BARS);
  const out: NextForecast[] = [];
  for (const v of variants) {
    const result = await forecast(v.model, { kind: 'bars', bars: recent });
    const last = result.kind === 'bars' ? result.forecasts.at(-1) : undefined;
    if (!last) continue;
    out.push({
      variant: v.name,
      model: v.model.name,
      version: v.model.version,
      date: last.date,
      target_date: last.target_date,
      avg_price: last.avg_price,
      predicted_avg_price: last.predicted_avg_price,
      predicted_log_return: last.predicted_log_return,
    });
  }
  return out;
}
