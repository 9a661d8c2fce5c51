import { AlertLog } from '../../adapters/local/alertLog.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { ResilientPriceSource } from '../../adapters/sources/resilientSource.ts';
import { YahooPriceSource } from '../../adapters/sources/yahooSource.ts';
import { DEFAULT_INGEST_QUALITY } from '../../core/ingest/ingestChunk.ts';
import { INGEST_NAMESPACE } from '../../core/ingest/ingestSettings.ts';
import { IncidentAlerts } from '../../core/monitor/incidentAlerts.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { type PolicySettings, policySettings } from '../../core/resilience/policySettings.ts';
import { createIngestHandler, type IngestRuntime } from '../../lambdas/ingest/handler.ts';
import { jsonLog } from '../../lambdas/ingest/jsonLog.ts';

/** Fast retries for tests: 3 attempts, 200 ms per attempt; waits recorded, never slept. */
export const TEST_RETRY: PolicySettings = policySettings('yahoo', {
  yahoo: {
    max_attempts: 3,
    initial_delay_ms: 200,
    max_delay_ms: 5000,
    attempt_timeout_ms: 200,
    breaker_failures: 5,
    breaker_half_open_ms: 60_000,
  },
});

export interface HarnessOptions {
  readonly baseUrl: string;
  readonly store: ObjectStore | string;
  readonly symbols?: readonly string[];
  /** The handler's clock (backfills stop at the last close before it). */
  readonly now?: string;
  readonly retry?: PolicySettings;
  /** Where alerts and open incidents are kept; a fresh memory store by default. */
  readonly alertStore?: ObjectStore;
}

/**
 * The ingest handler on a loopback Yahoo and a local store, with an injected sleep (the
 * backoff waits are recorded, not slept), a fixed clock, and logs and EMF documents captured.
 */
export function ingestHarness(options: HarnessOptions) {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const metrics: string[] = [];
  const now = () => new Date(options.now ?? '2030-06-01T00:00:00Z');
  const log = jsonLog((line) => logs.push(line), now).with({ service: 'ingest' });
  const store =
    typeof options.store === 'string' ? new FileObjectStore(options.store) : options.store;
  const source = new ResilientPriceSource(
    new YahooPriceSource({ baseUrl: options.baseUrl, timeoutMs: 2000 }),
    {
      settings: options.retry ?? TEST_RETRY,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  );
  // alerts and open incidents in a store of their own (in AWS: alerts/ in the data bucket), so
  // "nothing written" stays a statement about the data; stderr lines are kept, not printed
  const alertStore = options.alertStore ?? new MemoryObjectStore();
  const alertLines: string[] = [];
  const alertLog = new AlertLog(alertStore, (line) => alertLines.push(line));
  const alerts = new IncidentAlerts({ publisher: alertLog, store: alertStore, env: 'test', now });
  const runtime: IngestRuntime = {
    store,
    source,
    alerts,
    symbols: options.symbols ?? ['AMZN'],
    quality: DEFAULT_INGEST_QUALITY,
    now,
    log,
    writeMetrics: (doc) => metrics.push(doc),
    metricsNamespace: INGEST_NAMESPACE,
    env: 'test',
    safetyMarginMs: 1000,
  };
  const handler = createIngestHandler(runtime);
  return {
    handler,
    store,
    source,
    alertLog,
    alertLines,
    alerts,
    sleeps,
    logs,
    metrics,
    /** Parsed log lines. */
    logLines: () => logs.map((l) => JSON.parse(l) as Record<string, unknown>),
    /** The value of an EMF metric in each document that has it. */
    metric: (name: string, symbol?: string) =>
      metrics
        .map((d) => JSON.parse(d) as Record<string, unknown>)
        .filter((d) => name in d && (symbol === undefined || d.Symbol === symbol))
        .map((d) => d[name] as number),
  };
}

/** Every object in a store, key → text: what byte-identity is checked on. */
export async function snapshot(store: ObjectStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await store.list('')) {
    const bytes = await store.get(key);
    out[key] = new TextDecoder().decode(bytes);
  }
  return out;
}

/** Curated rows per date and raw objects per date of a symbol: zero lost, zero duplicated. */
export function countRows(objects: Record<string, string>, symbol: string) {
  const curated: string[] = [];
  const raw: string[] = [];
  for (const [key, text] of Object.entries(objects)) {
    if (key.startsWith(`curated/symbol=${symbol}/`)) {
      curated.push(
        ...text
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.slice(0, 10)),
      );
    }
    const m = new RegExp(
      `^raw/source=\\w+/symbol=${symbol}/year=(\\d+)/month=(\\d+)/day=(\\d+)/`,
    ).exec(key);
    if (m) raw.push(`${m[1]}-${m[2]}-${m[3]}`);
  }
  return { curated: curated.sort(), raw: raw.sort() };
}
