import { afterEach, describe, expect, it } from 'vitest';
import { type ForecastServer, startForecastServer } from '../../adapters/http/forecastServer.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { buildDashboard, parseAlertLog } from '../../core/report/dashboard.ts';
import {
  ALERT_LOG_KEY,
  loadDashboardInput,
  nextSessionForecasts,
} from '../../core/report/dashboardFiles.ts';
import { AT, baselineInput, lstmInput } from '../registry/fixtures.ts';
import { fixtureDrift, recordingRenderer, storeFixtureRun } from './reportFixtures.ts';

const NOW = () => new Date('2024-01-03T00:00:00Z');

async function populatedStore() {
  const store = new MemoryObjectStore();
  const registry = new StoreModelRegistry(store);
  await registry.register(baselineInput('AAA'));
  await registry.register(lstmInput('AAA', { status: 'Rejected', reason: 'gate rejected' }));
  await registry.setChampion('AAA', 1, 'best baseline', AT);
  await storeFixtureRun(store, '20240101T000000Z-aaaaaa');
  const { gate } = await storeFixtureRun(store, '20240102T000000Z-bbbbbb');
  await storeFixtureRun(store, '20240102T000000Z-cccccc', 'BBB');
  await store.put(
    'monitor/AAA/drift/2023-10-02.json',
    JSON.stringify(fixtureDrift('AAA', '2023-10-02')),
  );
  return { store, registry, gate };
}

describe('parseAlertLog', () => {
  it('reads the usual field names and shows an unreadable line instead of hiding it', () => {
    const log = [
      '{"at":"2024-01-02T22:00:00Z","type":"drift","symbol":"AAA","message":"PSI above 0.2"}',
      '{"timestamp":"2024-01-03T22:00:00Z","kind":"error_ratio","group":"AAA","subject":"breach"}',
      '',
      'not json',
      '[1,2]',
    ].join('\n');
    expect(parseAlertLog(log)).toEqual([
      {
        line: 1,
        at: '2024-01-02T22:00:00Z',
        type: 'drift',
        symbol: 'AAA',
        message: 'PSI above 0.2',
      },
      {
        line: 2,
        at: '2024-01-03T22:00:00Z',
        type: 'error_ratio',
        symbol: 'AAA',
        message: 'breach',
      },
      { line: 4, at: null, type: null, symbol: null, message: 'unreadable line 4: not json' },
      { line: 5, at: null, type: null, symbol: null, message: '[1,2]' },
    ]);
  });
});

describe('loadDashboardInput and buildDashboard', () => {
  it('gathers forecasts, registry, gate history, drift and alerts of one group', async () => {
    const { store, registry, gate } = await populatedStore();
    await store.put(
      ALERT_LOG_KEY,
      '{"at":"2024-01-02T22:00:00Z","type":"drift","symbol":"AAA","message":"PSI above 0.2"}\n',
    );
    const input = await loadDashboardInput({
      store,
      registry,
      group: 'AAA',
      now: NOW,
      nextForecasts: async () => [
        {
          variant: 'champion',
          model: 'last_close',
          version: 1,
          date: '2023-10-02',
          target_date: '2023-10-03',
          avg_price: 100,
          predicted_avg_price: 100.5,
          predicted_log_return: 0.005,
        },
      ],
    });
    expect(input.gateHistory.map((h) => h.runId)).toEqual([
      '20240101T000000Z-aaaaaa',
      '20240102T000000Z-bbbbbb',
    ]);
    expect(input.latestRun?.runId).toBe('20240102T000000Z-bbbbbb');
    expect(input.championVersion).toBe(1);
    expect(input.packages.map((p) => p.model_name)).toEqual(['last_close', 'lstm']);
    expect(input.alerts).toHaveLength(1);
    expect(input.drift?.as_of).toBe('2023-10-02');

    const renderer = recordingRenderer();
    const html = await buildDashboard(input, renderer);
    const ids = [...html.matchAll(/<figure class="chart" id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['dash-price-AAA', 'dash-registry-AAA', 'dash-gate-AAA', 'dash-drift-AAA']);
    // the champion leads the registry table; the gate history lists the newest run first
    const registryRows = html.split('<table id="registry-AAA"')[1]?.split('</table>')[0] ?? '';
    expect(registryRows.indexOf('last_close')).toBeLessThan(registryRows.indexOf('lstm'));
    const history = html.split('<table id="gate-history-AAA"')[1]?.split('</table>')[0] ?? '';
    expect(history.indexOf('bbbbbb')).toBeLessThan(history.indexOf('aaaaaa'));
    expect(html).toContain('<table id="gate-AAA" class="gate">');
    for (const c of gate.checks) expect(html).toContain(`<td>${c.name}</td>`);
    expect(html).toContain('<td class="num">100.5</td>');
    expect(html).toContain('PSI above 0.2');
    expect(html).not.toMatch(/<script/);
  });

  it('tolerates an empty store: no runs, nothing registered, no alert log, no model served', async () => {
    const store = new MemoryObjectStore();
    const input = await loadDashboardInput({
      store,
      registry: new StoreModelRegistry(store),
      group: 'AAA',
      now: NOW,
      nextForecasts: () => nextSessionForecasts([], store, 'AAA'),
    });
    expect(input.alerts).toBeNull();
    expect(input.nextForecastNote).toBe('the served model is not loaded (yet)');
    const html = await buildDashboard(input, recordingRenderer());
    for (const text of [
      'No next-session forecast: the served model is not loaded (yet).',
      'No run has evaluated this symbol yet.',
      'Nothing registered yet.',
      'No gate decisions yet.',
      'no drift report yet.',
      'No alert log (alerts/log.jsonl) yet.',
    ]) {
      expect(html).toContain(text);
    }
  });
});

describe('GET /dashboard on the forecast server', () => {
  let server: ForecastServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const start = async (dashboard?: () => Promise<string>) => {
    server = await startForecastServer(
      { load: async () => [], log: () => {}, ...(dashboard ? { dashboard } : {}) },
      { port: 0, host: '127.0.0.1' },
    );
    return server.url;
  };

  it('serves the page as HTML, takes only GET, and answers 500 naming what failed', async () => {
    let fail = false;
    const url = await start(async () => {
      if (fail) throw new Error('runs/x/gate/symbol=AAA/decision.json: not JSON');
      return '<!doctype html><p>ok</p>';
    });
    const ok = await fetch(`${url}/dashboard`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await ok.text()).toContain('<p>ok</p>');
    expect((await fetch(`${url}/dashboard`, { method: 'POST' })).status).toBe(405);
    fail = true;
    const bad = await fetch(`${url}/dashboard`);
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('decision.json: not JSON');
  });

  it('has no dashboard where none is configured (the SageMaker container)', async () => {
    const url = await start();
    expect((await fetch(`${url}/dashboard`)).status).toBe(404);
  });
});
