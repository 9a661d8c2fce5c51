import type { ConfigIssue } from '../config/configError.ts';
import type { SourceMap, SourceNode } from '../config/sourceTree.ts';
import { type ConfigSource, parseConfigSource } from '../config/yamlSource.ts';
import { cronProblem, isTimeZone } from './cron.ts';

/**
 * A pipeline spec (dags/pipelines/*.yaml): the one description of a pipeline that both the
 * Airflow factory (dags/stockops_dags.py) and the local runner read, so they cannot drift.
 * dags/pipeline.schema.json describes the same shape for editors and the Python side.
 */
export const TASK_TYPES = [
  'ingest',
  'validate',
  'features',
  'train',
  'evaluate',
  'gate',
  'register',
  'deploy',
  'batch_predict',
  'monitor',
  'report',
  'notify',
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export type ParamValue = string | number | boolean;

export interface TaskSpec {
  readonly id: string;
  readonly type: TaskType;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly after: readonly string[];
  readonly retries: number;
  readonly retryDelaySeconds: number;
  readonly timeoutSeconds: number;
}

export interface PipelineSpec {
  readonly file: string;
  readonly dagId: string;
  readonly description: string;
  /** null: triggered only (the backfill). */
  readonly schedule: string | null;
  readonly timezone: string;
  readonly tags: readonly string[];
  /** In file order; `planTasks` gives the execution order. */
  readonly tasks: readonly TaskSpec[];
}

type ParamKind = 'string' | 'integer' | 'boolean' | 'date' | { readonly oneOf: readonly string[] };
interface ParamRule {
  readonly kind: ParamKind;
  readonly required?: boolean;
}

/** The parameters each task type takes; anything else is a mistake in the spec. */
export const TASK_PARAMS: Readonly<Record<TaskType, Readonly<Record<string, ParamRule>>>> = {
  ingest: {
    lookback_days: { kind: 'integer' },
    from: { kind: 'date' },
    to: { kind: 'date' },
    function_name: { kind: 'string', required: true },
  },
  validate: { fail_on: { kind: { oneOf: ['warn', 'fail'] } } },
  features: { engine: { kind: { oneOf: ['local', 'spark'] }, required: true } },
  train: { instance_type: { kind: 'string', required: true }, epochs: { kind: 'integer' } },
  evaluate: { folds: { kind: 'integer' } },
  gate: { strict: { kind: 'boolean' } },
  register: { model_package_group: { kind: 'string', required: true } },
  deploy: { endpoint_name: { kind: 'string', required: true } },
  batch_predict: { instance_type: { kind: 'string', required: true } },
  monitor: { max_error_ratio: { kind: 'string' } },
  report: { format: { kind: { oneOf: ['markdown', 'json'] } } },
  notify: { topic: { kind: 'string', required: true }, subject: { kind: 'string' } },
};

const TOP_KEYS = ['dag_id', 'description', 'schedule', 'timezone', 'tags', 'defaults', 'tasks'];
const DEFAULT_KEYS = ['retries', 'retry_delay_seconds', 'timeout_seconds'];
const TASK_KEYS = ['type', 'params', 'after', ...DEFAULT_KEYS];
const ID = /^[a-z][a-z0-9_]*$/;
/** `${config.aws.endpoint.instance_type}`: a value taken from the resolved config. */
const CONFIG_REF = /\$\{config\.([^}]*)\}/g;

export interface SpecResult {
  readonly spec: PipelineSpec | undefined;
  readonly issues: readonly ConfigIssue[];
}

/**
 * Parses and checks one spec: shape, types, ids, dependencies (unknown, self, cycles), cron and
 * time zone, task parameters against the task type, and `${config.x.y}` references against
 * `config` (the resolved config, as plain data). Never throws; the spec is undefined when any
 * issue was found.
 */
export function parsePipelineSpec(source: ConfigSource, config: unknown): SpecResult {
  const parsed = parseConfigSource(source);
  const issues: ConfigIssue[] = [...parsed.issues];
  const at = (node: { position: { line: number; column: number } }, path: string, m: string) =>
    issues.push({
      file: source.file,
      line: node.position.line,
      column: node.position.column,
      path,
      message: m,
    });
  const root = parsed.tree;
  if (root === undefined || root.kind !== 'map') {
    if (issues.length === 0) {
      issues.push({ file: source.file, line: 1, column: 1, path: '(root)', message: 'empty spec' });
    }
    return { spec: undefined, issues };
  }
  unknownKeys(root, '', TOP_KEYS, at);
  const top = (key: string) => root.entries.get(key)?.value;
  const missing = (key: string) => at(root, key, 'is required');

  const str = (node: SourceNode | undefined, path: string): string | undefined => {
    if (node === undefined) return undefined;
    if (node.kind !== 'scalar' || typeof node.value !== 'string' || node.value === '') {
      at(node, path, `must be a non-empty string (got ${describe(node)})`);
      return undefined;
    }
    return node.value;
  };
  const int = (node: SourceNode | undefined, path: string, min: number): number | undefined => {
    if (node === undefined) return undefined;
    if (node.kind !== 'scalar' || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
      at(node, path, `must be an integer (got ${describe(node)})`);
      return undefined;
    }
    if (node.value < min) {
      at(node, path, `must be >= ${min} (got ${node.value})`);
      return undefined;
    }
    return node.value;
  };

  const dagId = str(top('dag_id'), 'dag_id');
  if (top('dag_id') === undefined) missing('dag_id');
  else if (dagId !== undefined && !ID.test(dagId)) {
    at(top('dag_id') as SourceNode, 'dag_id', `must match ${ID.source} (got "${dagId}")`);
  }
  const description = str(top('description'), 'description') ?? '';

  let schedule: string | null = null;
  const scheduleNode = top('schedule');
  if (scheduleNode === undefined) missing('schedule');
  else if (!(scheduleNode.kind === 'scalar' && scheduleNode.value === null)) {
    const text = str(scheduleNode, 'schedule');
    const problem = text === undefined ? null : cronProblem(text);
    if (problem !== null) at(scheduleNode, 'schedule', `invalid cron: ${problem}`);
    schedule = text ?? null;
  }

  const timezoneNode = top('timezone');
  const timezone = str(timezoneNode, 'timezone') ?? 'UTC';
  if (timezoneNode === undefined) missing('timezone');
  else if (timezoneNode.kind === 'scalar' && typeof timezoneNode.value === 'string') {
    if (!isTimeZone(timezone)) at(timezoneNode, 'timezone', `unknown IANA time zone "${timezone}"`);
  }

  const tags: string[] = [];
  const tagsNode = top('tags');
  if (tagsNode !== undefined) {
    if (tagsNode.kind !== 'seq') at(tagsNode, 'tags', `must be a list (got ${describe(tagsNode)})`);
    else tagsNode.items.forEach((t, i) => void pushDefined(tags, str(t, `tags.${i}`)));
  }

  const defaults = { retries: 0, retry_delay_seconds: 60, timeout_seconds: 3600 };
  const defaultsNode = top('defaults');
  if (defaultsNode !== undefined) {
    if (defaultsNode.kind !== 'map') at(defaultsNode, 'defaults', 'must be a mapping');
    else {
      unknownKeys(defaultsNode, 'defaults', DEFAULT_KEYS, at);
      defaults.retries =
        int(defaultsNode.entries.get('retries')?.value, 'defaults.retries', 0) ?? 0;
      defaults.retry_delay_seconds =
        int(
          defaultsNode.entries.get('retry_delay_seconds')?.value,
          'defaults.retry_delay_seconds',
          0,
        ) ?? 60;
      defaults.timeout_seconds =
        int(defaultsNode.entries.get('timeout_seconds')?.value, 'defaults.timeout_seconds', 1) ??
        3600;
    }
  }

  const tasks: TaskSpec[] = [];
  const afterNodes = new Map<string, SourceNode[]>();
  const tasksNode = top('tasks');
  if (tasksNode === undefined) missing('tasks');
  else if (tasksNode.kind !== 'map' || tasksNode.entries.size === 0) {
    at(tasksNode, 'tasks', 'must be a non-empty mapping of task id to task');
  } else {
    for (const [id, entry] of tasksNode.entries) {
      const path = `tasks.${id}`;
      if (!ID.test(id)) at(entry.key, path, `task id must match ${ID.source}`);
      const node = entry.value;
      if (node.kind !== 'map') {
        at(node, path, `must be a mapping with a type (got ${describe(node)})`);
        continue;
      }
      unknownKeys(node, path, TASK_KEYS, at);
      const get = (key: string) => node.entries.get(key)?.value;
      const typeNode = get('type');
      const typeText = str(typeNode, `${path}.type`);
      let type: TaskType | undefined;
      if (typeNode === undefined) at(node, `${path}.type`, 'is required');
      else if (typeText !== undefined) {
        if ((TASK_TYPES as readonly string[]).includes(typeText)) type = typeText as TaskType;
        else
          at(
            typeNode,
            `${path}.type`,
            `unknown task type "${typeText}" (one of ${TASK_TYPES.join(', ')})`,
          );
      }
      const params: Record<string, ParamValue> = {};
      const paramsNode = get('params');
      if (paramsNode !== undefined && paramsNode.kind !== 'map') {
        at(paramsNode, `${path}.params`, 'must be a mapping');
      } else if (type !== undefined) {
        checkParams(type, paramsNode, path, node, params, config, at);
      }
      const after: string[] = [];
      const afterNode = get('after');
      if (afterNode !== undefined) {
        if (afterNode.kind !== 'seq') at(afterNode, `${path}.after`, 'must be a list of task ids');
        else {
          afterNodes.set(id, [...afterNode.items]);
          afterNode.items.forEach(
            (item, i) => void pushDefined(after, str(item, `${path}.after.${i}`)),
          );
        }
      }
      const opt = (key: string, min: number, fallback: number) =>
        int(get(key), `${path}.${key}`, min) ?? fallback;
      if (type !== undefined) {
        tasks.push({
          id,
          type,
          params,
          after,
          retries: opt('retries', 0, defaults.retries),
          retryDelaySeconds: opt('retry_delay_seconds', 0, defaults.retry_delay_seconds),
          timeoutSeconds: opt('timeout_seconds', 1, defaults.timeout_seconds),
        });
      }
    }
    checkDependencies(tasksNode, afterNodes, at);
  }
  if (issues.length > 0 || dagId === undefined) return { spec: undefined, issues };
  return {
    spec: { file: source.file, dagId, description, schedule, timezone, tags, tasks },
    issues,
  };
}

type At = (node: { position: { line: number; column: number } }, path: string, m: string) => void;

function pushDefined<T>(list: T[], value: T | undefined): void {
  if (value !== undefined) list.push(value);
}

function describe(node: SourceNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'a list';
  return node.value === null ? 'nothing' : `${typeof node.value} ${JSON.stringify(node.value)}`;
}

function unknownKeys(map: SourceMap, prefix: string, known: readonly string[], at: At): void {
  for (const [key, entry] of map.entries) {
    if (!known.includes(key)) {
      at(
        entry.key,
        prefix === '' ? key : `${prefix}.${key}`,
        `unknown key (expected one of ${known.join(', ')})`,
      );
    }
  }
}

function checkParams(
  type: TaskType,
  paramsNode: SourceNode | undefined,
  path: string,
  taskNode: SourceMap,
  out: Record<string, ParamValue>,
  config: unknown,
  at: At,
): void {
  const rules = TASK_PARAMS[type];
  const entries = paramsNode?.kind === 'map' ? paramsNode.entries : new Map();
  for (const [name, rule] of Object.entries(rules)) {
    if (rule.required && !entries.has(name)) {
      at(paramsNode ?? taskNode, `${path}.params.${name}`, `is required for a ${type} task`);
    }
  }
  for (const [name, entry] of entries) {
    const p = `${path}.params.${name}`;
    const rule = rules[name];
    const value = entry.value;
    if (rule === undefined) {
      const known = Object.keys(rules);
      at(
        entry.key,
        p,
        `not a parameter of a ${type} task (${known.length ? `expected ${known.join(', ')}` : 'it takes none'})`,
      );
      continue;
    }
    if (value.kind !== 'scalar' || value.value === null) {
      at(value, p, `must be a plain value (got ${describe(value)})`);
      continue;
    }
    const v = value.value;
    if (typeof v === 'string' && CONFIG_REF.test(v)) {
      CONFIG_REF.lastIndex = 0;
      for (const match of v.matchAll(CONFIG_REF)) {
        const ref = match[1] ?? '';
        if (lookup(config, ref) === undefined) {
          at(value, p, `config reference "${ref}" does not resolve in the config`);
        }
      }
      out[name] = v; // checked against the kind when it is resolved at run time
      continue;
    }
    const problem = kindProblem(rule.kind, v);
    if (problem !== null) at(value, p, problem);
    else out[name] = v;
  }
}

function kindProblem(kind: ParamKind, v: string | number | boolean): string | null {
  const got = `${typeof v} ${JSON.stringify(v)}`;
  if (typeof kind === 'object') {
    return typeof v === 'string' && kind.oneOf.includes(v)
      ? null
      : `must be one of ${kind.oneOf.join(', ')} (got ${got})`;
  }
  switch (kind) {
    case 'string':
      return typeof v === 'string' ? null : `must be a string (got ${got})`;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0
        ? null
        : `must be a non-negative integer (got ${got})`;
    case 'boolean':
      return typeof v === 'boolean' ? null : `must be true or false (got ${got})`;
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)
        ? null
        : `must be a date YYYY-MM-DD (got ${got})`;
  }
}

/** Resolves `a.b.c` in plain data; undefined when any step is missing. */
export function lookup(data: unknown, path: string): unknown {
  let here: unknown = data;
  for (const key of path.split('.')) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, key)) return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

function checkDependencies(tasksNode: SourceMap, afterNodes: Map<string, SourceNode[]>, at: At) {
  const known = new Set(tasksNode.entries.keys());
  const edges = new Map<string, string[]>();
  for (const [id, items] of afterNodes) {
    const deps: string[] = [];
    const seen = new Set<string>();
    items.forEach((item, i) => {
      if (item.kind !== 'scalar' || typeof item.value !== 'string') return;
      const dep = item.value;
      const p = `tasks.${id}.after`;
      if (dep === id) at(item, p, `task "${id}" depends on itself`);
      else if (!known.has(dep)) at(item, p, `unknown task "${dep}"`);
      else if (seen.has(dep)) at(item, `${p}.${i}`, `"${dep}" listed twice`);
      else deps.push(dep);
      seen.add(dep);
    });
    edges.set(id, deps);
  }
  // Depth-first search; the first back edge found names the cycle, reported at that `after`.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'open') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      const from = stack[stack.length - 1] as string;
      const node = afterNodes.get(from)?.find((n) => n.kind === 'scalar' && n.value === id);
      if (node) at(node, `tasks.${from}.after`, `dependency cycle: ${cycle.join(' → ')}`);
      return true;
    }
    state.set(id, 'open');
    stack.push(id);
    for (const dep of edges.get(id) ?? []) if (visit(dep)) return true;
    stack.pop();
    state.set(id, 'done');
    return false;
  };
  for (const id of known) if (visit(id)) break;
}
