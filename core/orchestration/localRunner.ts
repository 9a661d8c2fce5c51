import type { PipelineSpec, TaskSpec } from './pipelineSpec.ts';
import { planTasks } from './taskGraph.ts';

/**
 * The local runner: executes a pipeline spec's tasks in dependency order with the spec's
 * retries, retry delays and timeouts, the same semantics Airflow applies on MWAA. Everything
 * with effects (the task bodies, the clock, sleeping, persisting state, lineage) is a port, so
 * tests drive it with fakes and the CLI with the local adapters.
 */
export type TaskStatus = 'pending' | 'succeeded' | 'failed' | 'upstream_failed';

export interface TaskState {
  status: TaskStatus;
  attempts: number;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  error: string | null;
  inputs: string[];
  outputs: string[];
  log: string[];
}

/** Persisted as runs/<run id>/state.json; `--resume` reads it back. */
export interface RunState {
  schema: 'stockops.run-state/v1';
  run_id: string;
  dag_id: string;
  /** The spec file, so `--resume RUN_ID` needs nothing else. */
  spec_file: string;
  status: 'running' | 'succeeded' | 'failed';
  tasks: Record<string, TaskState>;
}

/** What a task read and wrote (object-store keys), for lineage. */
export interface TaskIo {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface TaskContext {
  readonly runId: string;
  readonly attempt: number;
  /** Aborted when the task's timeout passes; long tasks should stop at the next check. */
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

export interface RunnerPorts {
  readonly execute: (task: TaskSpec, ctx: TaskContext) => Promise<TaskIo>;
  readonly now: () => Date;
  /** Resolves after ms; rejects or never resolves once `signal` aborts (the timer is cleared). */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly saveState: (state: RunState) => Promise<void>;
  readonly emit: (event: LineageEvent) => void;
  /** A fresh UUID (OpenLineage run ids are UUIDs; core has no crypto). */
  readonly uuid: () => string;
}

/** An OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json). */
export interface LineageEvent {
  readonly eventType: 'START' | 'COMPLETE' | 'FAIL';
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: {
    readonly runId: string;
    readonly facets: {
      readonly parent: {
        readonly _producer: string;
        readonly _schemaURL: string;
        readonly run: { readonly runId: string };
        readonly job: { readonly namespace: string; readonly name: string };
      };
    };
  };
  readonly job: { readonly namespace: string; readonly name: string };
  readonly inputs: readonly { readonly namespace: string; readonly name: string }[];
  readonly outputs: readonly { readonly namespace: string; readonly name: string }[];
}

export const LINEAGE_NAMESPACE = 'stockops';
export const LINEAGE_PRODUCER = 'https://github.com/stockops/stockops/core/orchestration';
const RUN_EVENT_SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const PARENT_SCHEMA = 'https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json';

class TaskTimeout extends Error {
  constructor(seconds: number) {
    super(`timed out after ${seconds}s`);
    this.name = 'TaskTimeout';
  }
}

export function newRunState(spec: PipelineSpec, runId: string): RunState {
  const tasks: Record<string, TaskState> = {};
  for (const t of spec.tasks) tasks[t.id] = pendingTask();
  return {
    schema: 'stockops.run-state/v1',
    run_id: runId,
    dag_id: spec.dagId,
    spec_file: spec.file,
    status: 'running',
    tasks,
  };
}

function pendingTask(): TaskState {
  return {
    status: 'pending',
    attempts: 0,
    started_at: null,
    ended_at: null,
    duration_ms: null,
    error: null,
    inputs: [],
    outputs: [],
    log: [],
  };
}

/**
 * Runs `spec`. With `previous` (a saved state of the same DAG) it resumes: tasks that
 * succeeded are kept as they were and not run again; failed and blocked ones run afresh.
 * A failed task marks everything downstream `upstream_failed`; independent branches go on.
 */
export async function runPipeline(
  spec: PipelineSpec,
  runId: string,
  ports: RunnerPorts,
  previous?: RunState,
): Promise<RunState> {
  if (previous !== undefined && previous.dag_id !== spec.dagId) {
    throw new Error(`run ${previous.run_id} is of ${previous.dag_id}, not ${spec.dagId}`);
  }
  const state = newRunState(spec, runId);
  for (const t of spec.tasks) {
    const before = previous?.tasks[t.id];
    if (before?.status === 'succeeded') state.tasks[t.id] = before;
  }
  const parentRunId = ports.uuid();
  await ports.saveState(state);
  for (const task of planTasks(spec)) {
    const ts = state.tasks[task.id] as TaskState;
    if (ts.status === 'succeeded') continue;
    if (task.after.some((d) => state.tasks[d]?.status !== 'succeeded')) {
      ts.status = 'upstream_failed';
      continue;
    }
    await runTask(spec, task, ts, runId, parentRunId, ports);
    await ports.saveState(state);
  }
  state.status = Object.values(state.tasks).every((t) => t.status === 'succeeded')
    ? 'succeeded'
    : 'failed';
  await ports.saveState(state);
  return state;
}

async function runTask(
  spec: PipelineSpec,
  task: TaskSpec,
  ts: TaskState,
  runId: string,
  parentRunId: string,
  ports: RunnerPorts,
): Promise<void> {
  const started = ports.now();
  const taskRunId = ports.uuid();
  Object.assign(ts, pendingTask(), { started_at: started.toISOString() });
  const event = (eventType: LineageEvent['eventType'], io: TaskIo): LineageEvent => ({
    eventType,
    eventTime: ports.now().toISOString(),
    producer: LINEAGE_PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA,
    run: {
      runId: taskRunId,
      facets: {
        parent: {
          _producer: LINEAGE_PRODUCER,
          _schemaURL: PARENT_SCHEMA,
          run: { runId: parentRunId },
          job: { namespace: LINEAGE_NAMESPACE, name: spec.dagId },
        },
      },
    },
    job: { namespace: LINEAGE_NAMESPACE, name: `${spec.dagId}.${task.id}` },
    inputs: io.inputs.map((name) => ({ namespace: LINEAGE_NAMESPACE, name })),
    outputs: io.outputs.map((name) => ({ namespace: LINEAGE_NAMESPACE, name })),
  });
  ports.emit(event('START', { inputs: [], outputs: [] }));
  const log = (line: string) => ts.log.push(`${ports.now().toISOString()} ${line}`);
  for (let attempt = 1; attempt <= task.retries + 1; attempt++) {
    ts.attempts = attempt;
    const controller = new AbortController();
    try {
      // Airflow's execution_timeout: the attempt fails when the timer wins.
      const timer = ports
        .sleep(task.timeoutSeconds * 1000, controller.signal)
        .then(() => Promise.reject(new TaskTimeout(task.timeoutSeconds)));
      timer.catch(() => undefined); // a cancelled timer's rejection is not an error
      const io = await Promise.race([
        ports.execute(task, { runId, attempt, signal: controller.signal, log }),
        timer,
      ]);
      controller.abort();
      finish(ts, 'succeeded', ports.now(), started, null, io);
      ports.emit(event('COMPLETE', io));
      return;
    } catch (error) {
      controller.abort();
      const message = (error as Error).message;
      log(`attempt ${attempt} of ${task.retries + 1} failed: ${message}`);
      // Like Airflow's AirflowFailException: a failure a retry would only repeat.
      const final = (error as { retryable?: unknown }).retryable === false;
      if (final && attempt <= task.retries) log('not retryable: no further attempts');
      if (final || attempt > task.retries) {
        finish(ts, 'failed', ports.now(), started, message, { inputs: [], outputs: [] });
        ports.emit(event('FAIL', { inputs: [], outputs: [] }));
        return;
      }
      await ports.sleep(task.retryDelaySeconds * 1000);
    }
  }
}

function finish(
  ts: TaskState,
  status: TaskStatus,
  end: Date,
  started: Date,
  error: string | null,
  io: TaskIo,
): void {
  ts.status = status;
  ts.ended_at = end.toISOString();
  ts.duration_ms = end.getTime() - started.getTime();
  ts.error = error;
  ts.inputs = [...io.inputs];
  ts.outputs = [...io.outputs];
}
