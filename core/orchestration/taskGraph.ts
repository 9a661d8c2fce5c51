import type { PipelineSpec, TaskSpec } from './pipelineSpec.ts';

/**
 * Execution order: a task comes after everything in its `after`; ties keep file order, so the
 * plan is deterministic. The spec has been checked to be acyclic.
 */
export function planTasks(spec: PipelineSpec): TaskSpec[] {
  const done = new Set<string>();
  const plan: TaskSpec[] = [];
  while (plan.length < spec.tasks.length) {
    const next = spec.tasks.find((t) => !done.has(t.id) && t.after.every((d) => done.has(d)));
    if (next === undefined) throw new Error(`${spec.file}: dependency cycle`);
    plan.push(next);
    done.add(next.id);
  }
  return plan;
}

/** The graph both sides export for the parity test (stockops.task-graph/v1). */
export interface TaskGraph {
  readonly schema: 'stockops.task-graph/v1';
  readonly dag_id: string;
  readonly schedule: string | null;
  readonly timezone: string;
  readonly tags: readonly string[];
  readonly tasks: readonly {
    readonly id: string;
    readonly type: string;
    readonly upstream: readonly string[];
    readonly retries: number;
    readonly retry_delay_seconds: number;
    readonly timeout_seconds: number;
  }[];
}

/**
 * Sorted by task id with sorted upstream ids, so the Python factory's export of its DAG
 * (dags/stockops_dags.py `export_graph`) can be compared byte for byte.
 */
export function exportGraph(spec: PipelineSpec): TaskGraph {
  const tasks = [...spec.tasks]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((t) => ({
      id: t.id,
      type: t.type,
      upstream: [...t.after].sort(),
      retries: t.retries,
      retry_delay_seconds: t.retryDelaySeconds,
      timeout_seconds: t.timeoutSeconds,
    }));
  return {
    schema: 'stockops.task-graph/v1',
    dag_id: spec.dagId,
    schedule: spec.schedule,
    timezone: spec.timezone,
    tags: [...spec.tags].sort(),
    tasks,
  };
}
