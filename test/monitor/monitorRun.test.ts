import { describe, expect, it } from 'vitest';
import { AlertLog } from '../../adapters/local/alertLog.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import type { MonitorConfig } from '../../core/config/configTypes.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { emptyState, recordSession } from '../../core/monitor/breachStreak.ts';
import { DRIFT_REPORT_SCHEMA, type DriftReport } from '../../core/monitor/driftReport.ts';
import { IncidentAlerts } from '../../core/monitor/incidentAlerts.ts';
import { degradationIncident, runMonitor } from '../../core/monitor/monitorRun.ts';
import type { ModelRegistry } from '../../core/ports/modelRegistry.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import {
  monitorConfig,
  monitoredStore,
  recordingPublisher,
  regimeBars,
} from './monitorFixtures.ts';

const SYMBOL = 'TEST';
const now = () => new Date('2024-05-01T12:00:00.000Z');

async function monitorDays(
  ctx: { store: ObjectStore; registry: ModelRegistry },
  bars: readonly PriceBar[],
  days: readonly number[],
  monitor: Partial<MonitorConfig> = {},
) {
  const publisher = recordingPublisher();
  const alerts = new IncidentAlerts({ publisher, store: ctx.store, env: 'local', now });
  const reports: DriftReport[] = [];
  const outcomes = [];
  for (const i of days) {
    const [o] = await runMonitor({
      config: monitorConfig(monitor),
      symbols: [SYMBOL],
      store: ctx.store,
      registry: ctx.registry,
      alerts,
      metrics: { record: (r) => void reports.push(r) },
      asOf: (bars[i] as PriceBar).date,
    });
    outcomes.push(o);
  }
  return { publisher, alerts, reports, outcomes };
}

describe('runMonitor on a stationary series served by the best baseline', () => {
  it('writes an ok report and raises nothing', async () => {
    const bars = regimeBars(700);
    const ctx = await monitoredStore(SYMBOL, bars, 'last_close');
    const { publisher, reports, outcomes } = await monitorDays(ctx, bars, [699]);
    expect(outcomes[0]?.status).toBe('ok');
    expect(publisher.sent).toEqual([]);
    const key = `monitor/${SYMBOL}/drift/${bars[699]?.date}.json`;
    const stored = JSON.parse(new TextDecoder().decode(await ctx.store.get(key))) as DriftReport;
    expect(stored).toEqual(reports[0]);
    expect(stored.schema).toBe(DRIFT_REPORT_SCHEMA);
    expect(stored.recent.rows).toBe(120);
    // the reference ends with the champion's training data (bars[400]), not before the recent window
    expect(stored.reference.to).toBe(bars[400]?.date);
    expect(Object.keys(stored.features)).toEqual([
      'log_return',
      'close_to_avg',
      'volatility',
      'log_volume_z',
    ]);
    // the champion is the best baseline: the same forecasts, ratio exactly 1
    expect(stored.realised_error?.baseline).toBe('last_close');
    expect(stored.realised_error?.rolling_error_ratio).toBe(1);
    expect(stored.realised_error?.series).toHaveLength(120 - 20 + 1);
  });
});

describe('drift detection in the pipeline', () => {
  it('flags a doubling of volatility over the recent window', async () => {
    const bars = regimeBars(700, { regimeFrom: 580, volatility: 2 });
    const ctx = await monitoredStore(SYMBOL, bars, 'last_close');
    const { outcomes, reports } = await monitorDays(ctx, bars, [699]);
    expect(outcomes[0]?.status).toBe('drift');
    expect(reports[0]?.prediction?.drifted).toBe(true);
    expect(outcomes[0]?.reasons.join('; ')).toMatch(/close_to_avg PSI/);
  });

  it('flags a champion whose realised error is 2.5× the best baseline', async () => {
    const bars = regimeBars(700);
    const ctx = await monitoredStore(SYMBOL, bars, 'drift', 0.01);
    const { reports, outcomes } = await monitorDays(ctx, bars, [699]);
    const e = reports[0]?.realised_error;
    expect(e?.model_version).toBe(`${SYMBOL}/3`);
    expect(e?.breached).toBe(true);
    expect(e?.rolling_error_ratio).toBeGreaterThan(2);
    expect(outcomes[0]?.reasons).toEqual([
      expect.stringMatching(/^realised error ratio 2\.\d+ vs last_close > 1\.1$/),
    ]);
  });
});

describe('retraining trigger (monitor.consecutive_days N = 3)', () => {
  it('does not trigger on N−1 bad days and triggers with one alert on the Nth', async () => {
    const bars = regimeBars(700);
    const ctx = await monitoredStore(SYMBOL, bars, 'drift', 0.01);
    const two = await monitorDays(ctx, bars, [695, 696]);
    expect(two.outcomes.map((o) => o?.consecutive_breach_days)).toEqual([1, 2]);
    expect(two.outcomes.some((o) => o?.triggered)).toBe(false);
    expect(two.publisher.sent).toEqual([]);

    const third = await monitorDays(ctx, bars, [697]);
    expect(third.outcomes[0]).toMatchObject({
      triggered: true,
      alert_sent: true,
      consecutive_breach_days: 3,
    });
    expect(third.publisher.sent).toHaveLength(1);
    const alert = third.publisher.sent[0];
    expect(alert).toMatchObject({
      type: 'model_degradation',
      incident: degradationIncident(SYMBOL),
      symbol: SYMBOL,
      retrain: true,
      severity: 'critical',
    });
    expect(alert?.id).toBe(`${degradationIncident(SYMBOL)}@2024-05-01T12:00:00.000Z`);

    // the same incident goes on: day 4, and a re-run of day 3, send nothing more
    const later = await monitorDays(ctx, bars, [698, 697]);
    expect(later.publisher.sent).toEqual([]);
    expect(later.outcomes.map((o) => o?.triggered)).toEqual([false, false]);
    expect(later.outcomes[0]?.alert_id).toBe(alert?.id);
  });

  it('a day without drift closes the incident; the next streak is a new one', async () => {
    const bars = regimeBars(700);
    const bad = await monitoredStore(SYMBOL, bars, 'drift', 0.01);
    await monitorDays(bad, bars, [690, 691, 692]);
    expect(
      await bad.store.head(`alerts/incidents/${degradationIncident(SYMBOL)}.json`),
    ).toBeDefined();
    // the operator points the champion back at the best baseline (v1): the next day is ok
    await bad.registry.setChampion(SYMBOL, 1, 'operator', '2024-05-01T00:00:00.000Z');
    const ok = await monitorDays(bad, bars, [693]);
    expect(ok.outcomes[0]?.status).toBe('ok');
    expect(
      await bad.store.head(`alerts/incidents/${degradationIncident(SYMBOL)}.json`),
    ).toBeUndefined();
  });

  it('a gap in the monitored sessions breaks the streak', () => {
    let s = emptyState(SYMBOL);
    s = recordSession(s, '2024-03-04', true);
    s = recordSession(s, '2024-03-05', true);
    s = recordSession(s, '2024-03-07', true); // 03-06 never monitored
    expect(s.consecutive_breach_days).toBe(1);
    s = recordSession(s, '2024-03-06', true); // backfilled
    expect(s.consecutive_breach_days).toBe(4);
    s = recordSession(s, '2024-03-08', false);
    expect(s.consecutive_breach_days).toBe(0);
    // a weekend is not a gap: Friday 03-08 → Monday 03-11
    s = recordSession(recordSession(s, '2024-03-08', true), '2024-03-11', true);
    expect(s.consecutive_breach_days).toBe(6);
  });
});

describe('failures', () => {
  it('raises one pipeline-failure alert per incident when a symbol cannot be monitored', async () => {
    const store = new MemoryObjectStore();
    const ctx = await monitoredStore(SYMBOL, regimeBars(700), 'last_close');
    const publisher = recordingPublisher();
    const alerts = new IncidentAlerts({ publisher, store, env: 'local', now });
    for (let i = 0; i < 2; i++) {
      const [o] = await runMonitor({
        config: monitorConfig(),
        symbols: ['NONE'],
        store,
        registry: ctx.registry,
        alerts,
        metrics: { record: () => {} },
      });
      expect(o?.status).toBe('failed');
      expect(o?.error).toMatch(/no curated data for NONE/);
    }
    expect(publisher.sent.map((a) => a.incident)).toEqual(['pipeline_failure.NONE.monitor']);
  });

  it('says when the history is too short for the windows', async () => {
    const long = regimeBars(700);
    const c = await monitoredStore(SYMBOL, long, 'last_close');
    const { outcomes } = await monitorDays(c, long, [100]);
    expect(outcomes[0]?.error).toMatch(/too few for a recent window of 120/);
  });
});

describe('alert log (local adapter)', () => {
  it('appends one JSON line per alert and prints one stderr line; a retried publish is not doubled', async () => {
    const store = new MemoryObjectStore();
    const lines: string[] = [];
    const log = new AlertLog(store, (l) => lines.push(l));
    const alerts = new IncidentAlerts({ publisher: log, store, env: 'dev', now });
    const first = await alerts.raise({
      type: 'data_quality',
      incident: 'data_quality.AMZN.gaps',
      severity: 'warning',
      symbol: 'AMZN',
      summary: 'AMZN: 2 sessions missing',
      detail: 'see the quality report',
    });
    expect(first.sent).toBe(true);
    await log.publish(first.alert);
    const again = await alerts.raise({
      type: 'data_quality',
      incident: 'data_quality.AMZN.gaps',
      severity: 'warning',
      symbol: 'AMZN',
      summary: 'AMZN: 3 sessions missing',
      detail: 'see the quality report',
    });
    expect(again).toEqual({ alert: first.alert, sent: false });
    expect(await log.read(first.alert.raised_at)).toEqual([first.alert]);
    expect(lines[0]).toBe(
      `ALERT [data_quality/warning] AMZN: 2 sessions missing (${first.alert.id})`,
    );
    const raw = new TextDecoder().decode(
      await store.get('alerts/log/year=2024/month=05/alerts.jsonl'),
    );
    expect(raw.trim().split('\n')).toHaveLength(1);
    const record = JSON.parse(
      new TextDecoder().decode(await store.get('alerts/incidents/data_quality.AMZN.gaps.json')),
    );
    expect(record.repeats).toBe(1);
    expect(await alerts.resolve('data_quality.AMZN.gaps')).toBe(true);
    expect(await alerts.resolve('data_quality.AMZN.gaps')).toBe(false);
    await expect(
      alerts.raise({ ...first.alert, incident: 'bad key/../x', retrain: false }),
    ).rejects.toThrow(/invalid incident key/);
  });

  it('does not record an incident whose alert could not be sent, so the next raise retries', async () => {
    const store = new MemoryObjectStore();
    let fail = true;
    const sent: string[] = [];
    const alerts = new IncidentAlerts({
      publisher: {
        name: 'flaky',
        publish: async (a) => {
          if (fail) throw new Error('topic unavailable');
          sent.push(a.id);
        },
      },
      store,
      env: 'dev',
      now,
    });
    const input = {
      type: 'infrastructure' as const,
      incident: 'infrastructure.endpoint',
      severity: 'critical' as const,
      symbol: null,
      summary: 'endpoint down',
      detail: '…',
    };
    await expect(alerts.raise(input)).rejects.toThrow(/topic unavailable/);
    fail = false;
    expect((await alerts.raise(input)).sent).toBe(true);
    expect(sent).toHaveLength(1);
  });
});
