import { afterEach, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { IngestFailedError } from '../../lambdas/ingest/handler.ts';
import { type FaultyYahoo, startFaultyYahoo } from '../support/faultyYahoo.ts';
import { ingestHarness } from '../support/ingestHarness.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir('stockops-resilience-');
const HISTORY = syntheticBars(60, '2024-01-02');
const DAILY_EVENT = { source: 'stockops.schedule', time: '2024-03-11T22:30:00Z' };
const RAISED_AT = '2030-06-01T00:00:00Z';

let yahoo: FaultyYahoo | undefined;
afterEach(async () => {
  await yahoo?.close();
  yahoo = undefined;
});

/**
 * What sends an event to the DLQ is the handler throwing: Lambda retries the async invocation
 * (retryAttempts 2), then hands the event to the on-failure destination (asserted in
 * test/infra/stacks.test.ts). Here: the handler throws after retries run out, and raises one
 * alert, however often the same day is invoked.
 */
describe('the ingest handler when retries run out', () => {
  it('throws (so the event reaches the on-failure queue) and raises exactly one alert for the day', async () => {
    yahoo = await startFaultyYahoo({ AMZN: HISTORY });
    yahoo.inject({ kind: 'status', status: 503 }, 1000);
    const h = ingestHarness({ baseUrl: yahoo.baseUrl, store: tempDir() });
    // the first invocation and Lambda's two retries of the same event
    for (let i = 0; i < 3; i++) {
      const error = await h.handler(DAILY_EVENT).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IngestFailedError);
      expect((error as Error).message).toMatch(
        /ingest of session 2024-03-11 failed for AMZN: \[source\] .*gave up after 3 attempts: .*HTTP 503/,
      );
    }
    expect(yahoo.requests).toHaveLength(9);
    expect(h.sleeps).toHaveLength(6);
    const alerts = await h.alertLog.read(RAISED_AT);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      type: 'pipeline_failure',
      incident: 'pipeline_failure.ingest.2024-03-11',
      severity: 'critical',
      symbol: 'AMZN',
      env: 'test',
      retrain: false,
      data: { kind: 'scheduled', symbols: { AMZN: 'source' } },
    });
    expect(alerts[0]?.detail).toMatch(/gave up after 3 attempts/);
    const open = await h.alerts.openIncident('pipeline_failure.ingest.2024-03-11');
    expect(open?.repeats).toBe(2);
    const lines = h.logLines();
    expect(lines.filter((l) => l.msg === 'alert raised')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'incident already open; no new alert')).toHaveLength(2);
    // the error line is the last: what a log filter on "ingest failed" finds
    expect(lines.at(-1)).toMatchObject({ level: 'error', msg: 'ingest failed' });
  });

  it('closes the incident when the day loads, so a later failure alerts again', async () => {
    yahoo = await startFaultyYahoo({ AMZN: HISTORY });
    yahoo.inject({ kind: 'status', status: 500 }, 3);
    const alertStore = new MemoryObjectStore();
    const h = ingestHarness({ baseUrl: yahoo.baseUrl, store: tempDir(), alertStore });
    await expect(h.handler(DAILY_EVENT)).rejects.toThrow(IngestFailedError);
    await expect(h.handler(DAILY_EVENT)).resolves.toMatchObject({ status: 'ingested' });
    expect(await h.alerts.openIncident('pipeline_failure.ingest.2024-03-11')).toBeUndefined();
    expect(await alertStore.list('alerts/incidents/')).toEqual([]);
    expect(await h.alertLog.read(RAISED_AT)).toHaveLength(1);
  });

  it('raises data_quality, not pipeline_failure, when bad data stopped the symbol', async () => {
    const bad = HISTORY.map((b) => (b.date === '2024-03-11' ? { ...b, high: b.low - 1 } : b));
    yahoo = await startFaultyYahoo({ AMZN: bad });
    const h = ingestHarness({ baseUrl: yahoo.baseUrl, store: tempDir() });
    await expect(h.handler(DAILY_EVENT)).rejects.toThrow(/\[quality\]/);
    expect(h.sleeps).toEqual([]);
    const alerts = await h.alertLog.read(RAISED_AT);
    expect(alerts.map((a) => [a.type, a.incident])).toEqual([
      ['data_quality', 'data_quality.ingest.2024-03-11'],
    ]);
  });

  it('still throws the run error when the alert cannot be sent', async () => {
    yahoo = await startFaultyYahoo({ AMZN: HISTORY });
    yahoo.inject({ kind: 'status', status: 503 }, 1000);
    const broken = new MemoryObjectStore();
    broken.put = async () => {
      throw new Error('alert store is down');
    };
    const h = ingestHarness({ baseUrl: yahoo.baseUrl, store: tempDir(), alertStore: broken });
    await expect(h.handler(DAILY_EVENT)).rejects.toThrow(IngestFailedError);
    expect(h.logLines().find((l) => l.msg === 'alert not sent')).toMatchObject({
      level: 'error',
      incident: 'pipeline_failure.ingest.2024-03-11',
      error: 'alert store is down',
    });
  });
});
