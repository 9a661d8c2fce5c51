import { describe, expect, it } from 'vitest';
import {
  type LineageEvent,
  type RunnerPorts,
  type RunState,
  runPipeline,
} from '../../core/orchestration/localRunner.ts';
import { parsePipelineSpec, type TaskSpec } from '../../core/orchestration/pipelineSpec.ts';

const SPEC = `dag_id: demo
schedule: null
timezone: UTC
defaults: {retries: 1, retry_delay_seconds: 30, timeout_seconds: 60}
tasks:
  ingest: {type: ingest, params: {function_name: f}}
  validate: {type: validate, after: [ingest]}
  features: {type: features, after: [validate], params: {engine: local}}
  report: {type: report, after: [ingest]}
  train: {type: train, after: [features], params: {instance_type: x}}
`;

function spec() {
  const r = parsePipelineSpec({ file: 'demo.yaml', text: SPEC }, {});
  if (r.spec === undefined) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

/** Fakes: a clock that moves 1 s per reading, sleeps recorded, states and events kept. */
function harness(behave: (task: TaskSpec, attempt: number) => Promise<void> | 'hang') {
  let t = Date.UTC(2026, 0, 5);
  let n = 0;
  const calls: string[] = [];
  const sleeps: number[] = [];
  const saved: RunState[] = [];
  const events: LineageEvent[] = [];
  const ports: RunnerPorts = {
    execute: async (task, ctx) => {
      calls.push(`${task.id}#${ctx.attempt}`);
      ctx.log(`running ${task.id}`);
      const b = behave(task, ctx.attempt);
      if (b === 'hang') await new Promise(() => undefined);
      else await b;
      return { inputs: [`in/${task.id}`], outputs: [`out/${task.id}`] };
    },
    now: () => {
      t += 1000;
      return new Date(t);
    },
    sleep: (ms, signal) => {
      sleeps.push(ms);
      // a macrotask: a task that finishes at once wins the race against its timeout
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, 1);
        signal?.addEventListener('abort', () => clearTimeout(timer));
      });
    },
    saveState: async (s) => void saved.push(structuredClone(s)),
    emit: (e) => void events.push(e),
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  };
  return { ports, calls, sleeps, saved, events };
}

describe('local runner', () => {
  it('runs tasks in dependency order and records timings', async () => {
    const h = harness(async () => undefined);
    const state = await runPipeline(spec(), 'r1', h.ports);
    expect(h.calls).toEqual(['ingest#1', 'validate#1', 'features#1', 'report#1', 'train#1']);
    expect(state.status).toBe('succeeded');
    expect(state.tasks.train?.duration_ms).toBeGreaterThan(0);
    expect(state.tasks.train?.log[0]).toMatch(/running train$/);
    expect(h.saved.at(-1)).toEqual(state);
  });

  it('retries after the retry delay, then succeeds', async () => {
    const h = harness(async (task, attempt) => {
      if (task.id === 'validate' && attempt === 1) throw new Error('flaky');
    });
    const state = await runPipeline(spec(), 'r1', h.ports);
    expect(state.status).toBe('succeeded');
    expect(state.tasks.validate?.attempts).toBe(2);
    expect(h.calls).toContain('validate#2');
    expect(h.sleeps).toContain(30_000);
  });

  it('does not retry an error marked retryable: false (nor wait the retry delay)', async () => {
    const h = harness(async (task) => {
      if (task.id === 'validate')
        throw Object.assign(new Error('quality failed'), { retryable: false });
    });
    const state = await runPipeline(spec(), 'r1', h.ports);
    expect(state.tasks.validate).toMatchObject({ status: 'failed', attempts: 1 });
    expect(state.tasks.validate?.log.join('\n')).toMatch(/not retryable/);
    expect(h.sleeps).not.toContain(30_000);
  });

  it('fails a task that passes its timeout, on every attempt', async () => {
    const h = harness((task) => (task.id === 'features' ? 'hang' : Promise.resolve()));
    const state = await runPipeline(spec(), 'r1', h.ports);
    expect(state.tasks.features).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: 'timed out after 60s',
    });
    expect(h.sleeps).toContain(60_000);
  });

  it('a failure stops its dependants but not independent tasks', async () => {
    const h = harness(async (task) => {
      if (task.id === 'validate') throw new Error('bad data');
    });
    const state = await runPipeline(spec(), 'r1', h.ports);
    expect(state.status).toBe('failed');
    expect(state.tasks.validate?.status).toBe('failed');
    expect(state.tasks.features?.status).toBe('upstream_failed');
    expect(state.tasks.train?.status).toBe('upstream_failed');
    expect(state.tasks.report?.status).toBe('succeeded');
    expect(h.calls).not.toContain('features#1');
  });

  it('resumes from the failed task without re-running finished ones', async () => {
    const first = harness(async (task) => {
      if (task.id === 'features') throw new Error('disk full');
    });
    const failed = await runPipeline(spec(), 'r1', first.ports);
    expect(failed.status).toBe('failed');
    const second = harness(async () => undefined);
    const resumed = await runPipeline(spec(), 'r1', second.ports, failed);
    expect(second.calls).toEqual(['features#1', 'train#1']);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.tasks.ingest).toEqual(failed.tasks.ingest);
  });

  it('refuses to resume a run of another DAG', async () => {
    const h = harness(async () => undefined);
    const state = await runPipeline(spec(), 'r1', h.ports);
    await expect(runPipeline(spec(), 'r1', h.ports, { ...state, dag_id: 'other' })).rejects.toThrow(
      'run r1 is of other, not demo',
    );
  });

  it('emits well-formed OpenLineage run events: START then COMPLETE or FAIL', async () => {
    const h = harness(async (task) => {
      if (task.id === 'train') throw new Error('nan loss');
    });
    await runPipeline(spec(), 'r1', h.ports);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const parents = new Set(h.events.map((e) => e.run.facets.parent.run.runId));
    expect(parents.size).toBe(1);
    for (const e of h.events) {
      expect(e.run.runId).toMatch(uuid);
      expect(e.eventTime).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(e.schemaURL).toContain('openlineage.io/spec');
      expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    }
    const byJob = (name: string) => h.events.filter((e) => e.job.name === `demo.${name}`);
    expect(byJob('ingest').map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    expect(byJob('ingest')[1]?.outputs).toEqual([{ namespace: 'stockops', name: 'out/ingest' }]);
    expect(byJob('train').map((e) => e.eventType)).toEqual(['START', 'FAIL']);
  });
});
