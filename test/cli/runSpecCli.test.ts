import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { smallPipeline } from '../support/smallPipeline.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();

function readState(store: string, runId: string) {
  return JSON.parse(readFileSync(join(store, 'runs', runId, 'state.json'), 'utf8'));
}
const BIN = resolve('scripts/stockops.ts');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ingest → validate, and a report after validate (no local step: it only logs).
const SPEC = `dag_id: small
schedule: null
timezone: UTC
defaults: {retries: 0, retry_delay_seconds: 0, timeout_seconds: 60}
tasks:
  ingest: {type: ingest, params: {function_name: f, from: "2019-01-01"}}
  validate: {type: validate, after: [ingest]}
  report: {type: report, after: [validate]}
`;

describe('stockops run --spec / --resume', () => {
  it('runs a spec, fails on a missing source, resumes from the failed task', () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const store = join(dir, 'store');
    const spec = join(dir, 'small.yaml');
    writeFileSync(spec, SPEC);
    const common = [
      '--symbols',
      'AAA',
      '--source',
      `csv:${data}`,
      '--store',
      store,
      '--until',
      '2019-06-28',
      '--json',
    ];

    // first run: no data directory yet, so ingest fails and the rest is upstream_failed
    const first = cli(['run', '--spec', spec, ...common]);
    expect(first.code, first.stderr).toBe(1);
    const summary = JSON.parse(first.stdout.trim().split('\n').at(-1) as string);
    expect(summary.results.AAA.error).toMatch(/AAA/);
    const failed = readState(store, summary.run_id);
    expect(failed.tasks.ingest.status).toBe('failed');
    // the source already retried; the runner does not wait out the spec's retry delay again
    expect(failed.tasks.ingest.attempts).toBe(1);
    expect(failed.tasks.validate.status).toBe('upstream_failed');

    mkdirSync(data);
    writeFileSync(join(data, 'AAA.csv'), formatPriceCsv(syntheticBars(200, '2019-01-02', 1)));
    const second = cli(['run', '--resume', failed.run_id, ...common]);
    expect(second.code, second.stderr).toBe(0);
    const resumed = JSON.parse(second.stdout.trim().split('\n').at(-1) as string);
    expect(resumed.run_id).toBe(failed.run_id);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.results.AAA.rows.curated).toBe(124); // the sessions up to --until
    const done = readState(store, failed.run_id);
    expect(Object.values(done.tasks).map((t) => (t as { status: string }).status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    const state = JSON.parse(
      readFileSync(join(store, 'runs', failed.run_id, 'state.json'), 'utf8'),
    );
    expect(state.status).toBe('succeeded');
    const events = readFileSync(join(store, 'runs', failed.run_id, 'lineage.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => `${e.job.name} ${e.eventType}`)).toEqual([
      'small.ingest START',
      'small.ingest FAIL',
      'small.ingest START',
      'small.ingest COMPLETE',
      'small.validate START',
      'small.validate COMPLETE',
      'small.report START',
      'small.report COMPLETE',
    ]);

    // resuming a finished run re-runs nothing
    rmSync(data, { recursive: true });
    const third = cli(['run', '--resume', failed.run_id, ...common]);
    expect(third.code, third.stderr).toBe(0);
  });

  it('plain run executes dags/pipelines/daily.yaml: every task, its state and its lineage', () => {
    const { configDir, data, store } = smallPipeline(tempDir());
    const r = cli([
      'run',
      '--config',
      configDir,
      '--symbols',
      'AAA',
      '--source',
      `csv:${data}`,
      '--store',
      store,
      '--until',
      '2020-06-30',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tasks \(stockops_daily, dags\/pipelines\/daily\.yaml\): succeeded/);
    const runId = /^run (\S+) succeeded/m.exec(r.stdout)?.[1] as string;
    const state = readState(store, runId);
    expect(state.dag_id).toBe('stockops_daily');
    expect(Object.keys(state.tasks)).toEqual([
      'ingest',
      'validate',
      'features',
      'evaluate',
      'train',
      'gate',
      'register',
      'notify',
    ]);
    for (const t of Object.values(state.tasks) as { status: string }[]) {
      expect(t.status).toBe('succeeded');
    }
    expect(state.tasks.train.outputs).toEqual([`runs/${runId}/models/symbol=AAA/`]);
    expect(state.tasks.register.inputs).toContain(`runs/${runId}/gate/symbol=AAA/decision.json`);
    const events = readFileSync(join(store, 'runs', runId, 'lineage.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(16);
    const complete = events.find(
      (e) => e.eventType === 'COMPLETE' && e.job.name === 'stockops_daily.validate',
    );
    expect(complete.outputs.map((o: { name: string }) => o.name)).toEqual([
      'reports/quality/symbol=AAA/quality.json',
      'curated/symbol=AAA/',
    ]);
  });

  it('--resume of an unknown run is a usage error', () => {
    const r = cli(['run', '--resume', 'nope', '--store', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--resume: no run nope');
  });
});
