import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VegaSvgRenderer } from '../../adapters/charts/vegaSvgRenderer.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { runReportHtmlKey } from '../../core/data/partitions.ts';
import type { GateDecision } from '../../core/gate/gateTypes.ts';
import { ALERT_LOG_KEY } from '../../core/report/dashboardFiles.ts';
import { writeRunReport } from '../../core/report/runReportFiles.ts';
import { type RunningServe, startServe } from '../../scripts/commands/serveCommand.ts';
import { fixtureDrift, fullRun } from './reportFixtures.ts';

/**
 * The report and /dashboard in a real headless Chromium (Debian's `chromium` package driven by
 * playwright-core): every chart must have drawn marks, the gate table must list its checks,
 * and the report must open with every network request blocked. Screenshots go to
 * test-artifacts/.
 */

const CHROMIUM_INSTALL = 'sudo apt-get update && sudo apt-get install -y chromium';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts');
const SYMBOL = 'AAA';
const RUN_ID = '20240101T000000Z-b10b10';

let browser: Promise<Browser> | undefined;
let work: string;
let storeDir: string;
let reportFile: string;
let serve: RunningServe | undefined;

function launchable(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the report and dashboard browser tests need it. ` +
        `Install it with \`${CHROMIUM_INSTALL}\` (Debian), or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  return CHROMIUM;
}

/** Launched on first use inside a test, so a missing Chromium fails each test (never skips it). */
function newPage(): Promise<Page> {
  browser ??= chromium.launch({ executablePath: launchable(), args: ['--no-sandbox'] });
  return browser.then((b) => b.newPage({ viewport: { width: 1200, height: 900 } }));
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'stockops-browser-'));
  const dataDir = join(work, 'data');
  storeDir = join(work, 'store');
  mkdirSync(dataDir);
  const summary = await fullRun(dataDir, storeDir, SYMBOL, RUN_ID, writeFileSync);
  expect(summary.status).toBe('succeeded');
  const store = new FileObjectStore(storeDir);
  // within the 400 sessions from 2019-01-02, so the report of the run picks it up
  const asOf = '2020-06-01';
  await store.put(
    `monitor/${SYMBOL}/drift/${asOf}.json`,
    JSON.stringify(fixtureDrift(SYMBOL, asOf)),
  );
  await store.put(
    ALERT_LOG_KEY,
    `${JSON.stringify({ at: '2020-06-01T22:00:00Z', type: 'drift', symbol: SYMBOL, message: 'volatility PSI 0.31' })}\n`,
  );
  await writeRunReport(store, RUN_ID, new VegaSvgRenderer());
  reportFile = join(storeDir, runReportHtmlKey(RUN_ID));
}, 120_000);

afterAll(async () => {
  await serve?.close();
  await (await browser?.catch(() => undefined))?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Blocks every request that does not start with `allowed`; returns the URLs it blocked. */
async function offline(page: Page, allowed: string): Promise<string[]> {
  const blocked: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(allowed)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return blocked;
}

interface ChartCheck {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** Data marks drawn with a visible extent (paths with geometry, rects, lines). */
  readonly marks: number;
}

/** Every chart figure on the page and how many of its data marks have a drawn extent. */
function charts(page: Page): Promise<ChartCheck[]> {
  return page.$$eval('figure.chart', (figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      const shapes = svg
        ? [...svg.querySelectorAll('g.role-mark path, g.role-mark rect, g.role-mark line')]
        : [];
      const drawn = shapes.filter((el) => {
        const b = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
        return (
          (b.width > 0 || b.height > 0) &&
          (el.tagName !== 'path' || (el.getAttribute('d') ?? '') !== '')
        );
      });
      return {
        id: figure.id,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
        marks: drawn.length,
      };
    }),
  );
}

async function gateRows(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
  );
}

async function storedGate(): Promise<GateDecision> {
  const bytes = await new FileObjectStore(storeDir).get(
    `runs/${RUN_ID}/gate/symbol=${SYMBOL}/decision.json`,
  );
  return JSON.parse(new TextDecoder().decode(bytes)) as GateDecision;
}

function expectDrawn(found: ChartCheck[], ids: readonly string[]): void {
  expect(found.map((c) => c.id)).toEqual(ids);
  for (const chart of found) {
    expect(chart.width, `${chart.id} width`).toBeGreaterThan(100);
    expect(chart.height, `${chart.id} height`).toBeGreaterThan(40);
    expect(chart.marks, `${chart.id} has no drawn marks`).toBeGreaterThan(0);
  }
}

describe('report and dashboard in headless Chromium', () => {
  it('opens the run report from disk with every network request blocked', async () => {
    const page = await newPage();
    const blocked = await offline(page, 'file://');
    await page.goto(`file://${reportFile}`);
    expectDrawn(await charts(page), [
      `price-${SYMBOL}`,
      `residuals-${SYMBOL}`,
      `error-ratio-time-${SYMBOL}`,
      `error-ratio-folds-${SYMBOL}`,
      `drift-chart-${SYMBOL}`,
      `realised-error-${SYMBOL}`,
    ]);
    const gate = await storedGate();
    const rows = await gateRows(page, `table#gate-${SYMBOL}`);
    expect(rows.map((r) => [r[0], r[1]])).toEqual(
      gate.checks.map((c) => [c.name, c.passed ? 'pass' : 'fail']),
    );
    expect(blocked).toEqual([]);
    expect(statSync(reportFile).size).toBeLessThan(2 * 1024 * 1024);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  });

  it('serves /dashboard from stockops serve with its charts, gate table and alerts', async () => {
    serve = await startServe(
      {
        config: 'config',
        env: 'local',
        store: storeDir,
        symbol: SYMBOL,
        port: '0',
        metrics: 'off',
      },
      () => {},
    );
    expect(await serve.server.ready).toBe(true);
    const page = await newPage();
    const blocked = await offline(page, serve.server.url);
    const response = await page.goto(`${serve.server.url}/dashboard`);
    expect(response?.status()).toBe(200);
    expectDrawn(await charts(page), [
      `dash-price-${SYMBOL}`,
      `dash-registry-${SYMBOL}`,
      `dash-gate-${SYMBOL}`,
      `dash-drift-${SYMBOL}`,
    ]);
    const gate = await storedGate();
    expect((await gateRows(page, `table#gate-${SYMBOL}`)).map((r) => r[0])).toEqual(
      gate.checks.map((c) => c.name),
    );
    const forecasts = await gateRows(page, 'table.forecasts');
    expect(forecasts).toHaveLength(1);
    expect(forecasts[0]?.[0]).toBe('champion');
    expect(await page.textContent(`table#alerts-${SYMBOL}`)).toContain('volatility PSI 0.31');
    expect(blocked).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await page.close();
  });

  it('counts an empty chart as empty (the check above can fail)', async () => {
    const page = await newPage();
    await page.setContent(
      '<figure class="chart" id="empty"><svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">' +
        '<g class="mark-line role-mark"><path d=""/></g><g class="mark-rect role-mark"><rect width="0" height="0"/></g>' +
        '</svg></figure>',
    );
    expect(await charts(page)).toEqual([{ id: 'empty', width: 300, height: 100, marks: 0 }]);
    await page.close();
  });
});
