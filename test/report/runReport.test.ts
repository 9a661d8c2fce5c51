import { describe, expect, it } from 'vitest';
import { VegaSvgRenderer } from '../../adapters/charts/vegaSvgRenderer.ts';
import { buildRunReport, NO_DRIFT_REPORT, runMarkdown } from '../../core/report/runReport.ts';
import {
  fixtureDrift,
  fixtureEvaluation,
  fixtureGate,
  fixtureSummary,
  recordingRenderer,
} from './reportFixtures.ts';

const evaluation = await fixtureEvaluation('AAA');
const gate = fixtureGate(evaluation);
const summary = fixtureSummary('20240102T000000Z-abcdef', ['AAA']);
const result = summary.results.AAA;

describe('buildRunReport', () => {
  it('draws price, residuals, error ratio over time and per fold, and drift when there is a report', async () => {
    const renderer = recordingRenderer();
    const drift = fixtureDrift('AAA', '2023-10-02');
    const report = await buildRunReport(
      { summary, symbols: [{ symbol: 'AAA', result, evaluation, gate, drift }] },
      renderer,
    );
    const ids = [...report.html.matchAll(/<figure class="chart" id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([
      'price-AAA',
      'residuals-AAA',
      'error-ratio-time-AAA',
      'error-ratio-folds-AAA',
      'drift-chart-AAA',
      'realised-error-AAA',
    ]);
    // every chart carries its data inline and nothing to fetch
    for (const spec of renderer.specs) {
      expect(spec.data).toHaveProperty('values');
      expect(JSON.stringify(spec)).not.toMatch(/"url"/);
    }
    expect(report.html).toContain('<table id="gate-AAA" class="gate">');
    for (const check of gate.checks) expect(report.html).toContain(`<td>${check.name}</td>`);
    expect(report.html).toContain('<td>volatility</td>');
    expect(report.html).not.toContain(NO_DRIFT_REPORT);
    expect(report.html).not.toMatch(/<script|<link|<img|https?:\/\/(?!www\.w3\.org)/);
  });

  it('says there is no drift report yet, and works without forecasts or a candidate', async () => {
    const { forecasts: _dropped, ...old } = evaluation;
    const renderer = recordingRenderer();
    const report = await buildRunReport(
      { summary, symbols: [{ symbol: 'AAA', result, evaluation: old }] },
      renderer,
    );
    expect(report.html).toContain(`${NO_DRIFT_REPORT}.`);
    expect(report.html).toContain('holds no forecasts');
    expect(report.html).toContain('No gate decision for this symbol');
    expect(renderer.specs).toHaveLength(1); // the per-fold chart is drawn from the scores alone
    expect(report.markdown).toContain(`Drift: ${NO_DRIFT_REPORT}.`);
  });

  it('reports a failed symbol without an evaluation, and escapes what it prints', async () => {
    const failed = {
      ...summary,
      status: 'failed' as const,
      results: {
        AAA: {
          ...(result as NonNullable<typeof result>),
          status: 'failed' as const,
          error: 'quality <failed> & stopped',
        },
      },
    };
    const report = await buildRunReport(
      { summary: failed, symbols: [{ symbol: 'AAA', result: failed.results.AAA }] },
      recordingRenderer(),
    );
    expect(report.html).toContain('failed: quality &lt;failed&gt; &amp; stopped');
    expect(report.html).toContain('No evaluation for this symbol in this run.');
    expect(report.markdown).toContain('| AAA | failed |');
  });

  it('keeps the price chart to the last N days with rounded prices', async () => {
    const renderer = recordingRenderer();
    await buildRunReport(
      { summary, symbols: [{ symbol: 'AAA', result, evaluation, gate }], recentDays: 10 },
      renderer,
    );
    const values = (
      (renderer.specs[0]?.data ?? { values: [] }) as { values: { d: string; v: number }[] }
    ).values;
    const days = new Set(values.map((v) => v.d));
    expect(days.size).toBe(10);
    expect([...days].at(-1)).toBe(evaluation.plan.holdout.to);
    for (const v of values) expect(Math.round(v.v * 100) / 100).toBe(v.v);
  });

  it('renders real SVG with drawn marks through vega', async () => {
    const report = await buildRunReport(
      {
        summary,
        symbols: [
          { symbol: 'AAA', result, evaluation, gate, drift: fixtureDrift('AAA', '2023-10-02') },
        ],
      },
      new VegaSvgRenderer(),
    );
    const svgs = report.html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(6);
    for (const svg of svgs) expect(svg).toMatch(/<path[^>]* d="M[^"]+"/);
  });
});

describe('runMarkdown', () => {
  it('summarises status, models, every gate check and drift for a job summary', () => {
    const md = runMarkdown({
      summary,
      symbols: [
        { symbol: 'AAA', result, evaluation, gate, drift: fixtureDrift('AAA', '2023-10-02') },
      ],
    });
    expect(md).toContain('## stockops run `20240102T000000Z-abcdef`: succeeded');
    expect(md).toContain(`| AAA | succeeded | ${gate.decision} |`);
    expect(md).toContain(`| ${evaluation.best_baseline} (best baseline) |`);
    expect(md).toContain('| lstm (candidate) |');
    for (const check of gate.checks)
      expect(md).toContain(`| ${check.name} | ${check.passed ? '✅' : '❌'} |`);
    expect(md).toContain('Drift as of 2023-10-02: **drift** (volatility)');
  });
});
