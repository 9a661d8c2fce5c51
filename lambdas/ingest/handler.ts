import { createS3Client, S3ObjectStore } from '../../adapters/aws/s3ObjectStore.ts';
import {
  alertTopicsFromEnv,
  createSnsClient,
  SnsAlerts,
  topicEnvName,
} from '../../adapters/aws/snsAlerts.ts';
import { AlertLog } from '../../adapters/local/alertLog.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { ResilientPriceSource } from '../../adapters/sources/resilientSource.ts';
import { YahooPriceSource } from '../../adapters/sources/yahooSource.ts';
import {
  ingestFailureIncident,
  ingestIncidentsFor,
  ingestPlanningIncident,
} from '../../core/ingest/ingestAlert.ts';
import type { IngestQuality } from '../../core/ingest/ingestChunk.ts';
import { parseIngestEvent } from '../../core/ingest/ingestEvent.ts';
import { describeFailures, type IngestOutcome, runIngest } from '../../core/ingest/ingestRun.ts';
import { type IngestSettings, parseIngestEnv } from '../../core/ingest/ingestSettings.ts';
import { dateInZone } from '../../core/market/isoDate.ts';
import { IncidentAlerts } from '../../core/monitor/incidentAlerts.ts';
import type { AlertPublisher } from '../../core/ports/alerts.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { emitIngestMetrics } from './ingestMetrics.ts';
import { type JsonLog, jsonLog } from './jsonLog.ts';

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** What the handler works with: built once per container from the environment, or by a test. */
export interface IngestRuntime {
  readonly store: ObjectStore;
  readonly source: ResilientPriceSource;
  /**
   * Where a failed run raises its one alert (pipeline_failure or data_quality): SNS in AWS, the
   * alert log in the store otherwise. Open incidents are kept in the store, so Lambda's retries
   * of the same event, and later runs for the same day, do not alert again.
   */
  readonly alerts: IncidentAlerts;
  readonly symbols: readonly string[];
  readonly quality: IngestQuality;
  readonly now: () => Date;
  readonly log: JsonLog;
  /** Receives EMF documents (stdout in Lambda). */
  readonly writeMetrics: (document: string) => void;
  readonly metricsNamespace: string;
  readonly env: string;
  readonly safetyMarginMs: number;
}

/** Thrown when a symbol could not be loaded: Lambda's async retries and the DLQ take over. */
export class IngestFailedError extends Error {
  readonly outcome: IngestOutcome;
  constructor(outcome: IngestOutcome) {
    super(describeFailures(outcome));
    this.name = 'IngestFailedError';
    this.outcome = outcome;
  }
}

const stdoutLine = (line: string) => {
  process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
};

/** Builds the runtime from the Lambda's environment variables (see docs/ingestion.md). */
export function runtimeFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): IngestRuntime {
  const settings: IngestSettings = parseIngestEnv(env);
  const log = jsonLog(stdoutLine).with({ service: 'ingest', env: settings.env });
  const store: ObjectStore =
    settings.store.kind === 's3'
      ? new S3ObjectStore({
          bucket: settings.store.bucket,
          prefix: settings.store.prefix,
          client: createS3Client(
            {
              forcePathStyle: settings.store.forcePathStyle,
              ...(settings.store.endpoint ? { endpoint: settings.store.endpoint } : {}),
              ...(settings.store.region ? { region: settings.store.region } : {}),
            },
            { resilience: settings.resilience },
          ),
        })
      : new FileObjectStore(settings.store.dir);
  const source = new ResilientPriceSource(
    new YahooPriceSource({ baseUrl: settings.yahoo.baseUrl, timeoutMs: settings.yahoo.timeoutMs }),
    { settings: settings.policies.yahoo },
  );
  const publisher: AlertPublisher = env[topicEnvName('pipeline_failure')]
    ? new SnsAlerts({
        client: createSnsClient({}, { resilience: settings.resilience }),
        topics: alertTopicsFromEnv(env),
      })
    : new AlertLog(store);
  const now = () => new Date();
  const alerts = new IncidentAlerts({ publisher, store, env: settings.env, now });
  return {
    store,
    source,
    alerts,
    symbols: settings.symbols,
    quality: settings.quality,
    now,
    log,
    writeMetrics: stdoutLine,
    metricsNamespace: settings.metricsNamespace,
    env: settings.env,
    safetyMarginMs: settings.safetyMarginMs,
  };
}

/**
 * The handler over a runtime: event → request → core → store; metrics and one summary log
 * line; a failure thrown after the metrics are out. Scheduled events on a non-trading day
 * return `skipped` with the reason and write nothing.
 */
export function createIngestHandler(runtime: IngestRuntime) {
  return async (event: unknown, context: LambdaContextLike = {}): Promise<IngestOutcome> => {
    const t0 = performance.now();
    const log = runtime.log.with(
      context.awsRequestId === undefined ? {} : { requestId: context.awsRequestId },
    );
    const before = { ...runtime.source.stats };
    let request: ReturnType<typeof parseIngestEvent>;
    try {
      request = parseIngestEvent(event);
    } catch (error) {
      log.error('bad event', { error: (error as Error).message, event });
      throw error;
    }
    // An alert that cannot be sent is logged, never thrown: the run's own error must reach
    // Lambda so the event is retried and lands in the on-failure queue.
    const raise = async (input: Parameters<IncidentAlerts['raise']>[0]) => {
      try {
        const { alert, sent } = await runtime.alerts.raise(input);
        log.warn(sent ? 'alert raised' : 'incident already open; no new alert', {
          alert_id: alert.id,
          incident: alert.incident,
          type: alert.type,
        });
      } catch (error) {
        log.error('alert not sent', {
          incident: input.incident,
          error: (error as Error).message,
        });
      }
    };
    const resolve = async (incidents: readonly string[]) => {
      for (const incident of incidents) {
        try {
          if (await runtime.alerts.resolve(incident)) log.info('incident resolved', { incident });
        } catch (error) {
          log.warn('incident not resolved', { incident, error: (error as Error).message });
        }
      }
    };
    const remaining = context.getRemainingTimeInMillis?.bind(context);
    const unlisten = runtime.source.listen((e) => log.warn(`source ${e.type}`, { ...e }));
    const figures = () => {
      const stats = runtime.source.stats;
      return {
        latencyMs: performance.now() - t0,
        sourceMs: stats.fetchMs - before.fetchMs,
        retries: stats.retries - before.retries,
        attempts: stats.attempts - before.attempts,
        circuitOpens: stats.circuitOpens - before.circuitOpens,
      };
    };
    const emit = (outcome: IngestOutcome) =>
      emitIngestMetrics(
        runtime.writeMetrics,
        runtime.metricsNamespace,
        runtime.env,
        outcome,
        figures(),
      );
    let outcome: IngestOutcome;
    try {
      outcome = await runIngest(request, {
        sourceName: runtime.source.name,
        fetch: runtime.source.fetchChecked,
        store: runtime.store,
        quality: runtime.quality,
        now: runtime.now,
        defaultSymbols: runtime.symbols,
        ...(remaining ? { outOfTime: () => remaining() < runtime.safetyMarginMs } : {}),
        onChunk: (chunk, result) => {
          if (result instanceof Error) {
            log.error('chunk failed', {
              symbol: chunk.symbol,
              from: chunk.from,
              to: chunk.to,
              error: result.message,
            });
          } else {
            log.info('chunk loaded', { ...result, warnings: result.warnings.length });
          }
        },
      });
    } catch (error) {
      // planning failed (the store could not be listed, a time outside the calendar)
      await emit({ kind: request.kind, status: 'failed', symbols: {} });
      const message = (error as Error).message;
      const day = dateInZone(runtime.now(), 'America/New_York');
      await raise(ingestPlanningIncident(request.kind, day, message));
      log.error('ingest failed', { kind: request.kind, error: message });
      throw error;
    } finally {
      unlisten();
    }
    await emit(outcome);
    const summary = { kind: outcome.kind, status: outcome.status, ...summaryFields(outcome) };
    if (outcome.status === 'failed') {
      const error = new IngestFailedError(outcome);
      await raise(ingestFailureIncident(outcome));
      log.error('ingest failed', { ...summary, error: error.message });
      // thrown after the alert: Lambda's async retries, then the on-failure queue, take the event
      throw error;
    }
    if (outcome.status !== 'skipped') await resolve(ingestIncidentsFor(outcome));
    log.info(outcome.status === 'skipped' ? 'nothing to ingest' : 'ingest done', summary);
    return outcome;
  };
}

function summaryFields(outcome: IngestOutcome): Record<string, unknown> {
  return {
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    ...(outcome.date === undefined ? {} : { date: outcome.date }),
    ...(outcome.from === undefined ? {} : { from: outcome.from, to: outcome.to }),
    symbols: Object.fromEntries(
      Object.values(outcome.symbols).map((s) => [
        s.symbol,
        { written: s.written, complete: s.complete, error: s.error },
      ]),
    ),
  };
}

let cached: ReturnType<typeof createIngestHandler> | undefined;

/**
 * The Lambda entry point. Nothing is built at import (a cold start only loads code); the
 * runtime is built on the first event and kept for warm invocations, with its circuit breaker.
 */
export async function handler(event: unknown, context?: LambdaContextLike): Promise<IngestOutcome> {
  if (!cached) {
    try {
      cached = createIngestHandler(runtimeFromEnv());
    } catch (error) {
      jsonLog(stdoutLine).error('bad configuration', {
        service: 'ingest',
        error: (error as Error).message,
      });
      throw error;
    }
  }
  return cached(event, context);
}
