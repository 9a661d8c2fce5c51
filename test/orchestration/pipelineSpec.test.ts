import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../core/config/configError.ts';
import { cronProblem, isTimeZone } from '../../core/orchestration/cron.ts';
import { parsePipelineSpec } from '../../core/orchestration/pipelineSpec.ts';
import { exportGraph, planTasks } from '../../core/orchestration/taskGraph.ts';

const CONFIG = { aws: { endpoint: { instance_type: 'ml.t2.medium' } } };
const FILE = 'dags/pipelines/bad.yaml';

/** A valid spec; each bad case edits one thing. Line numbers below count from here. */
const GOOD = `dag_id: demo
schedule: "0 6 * * MON-FRI"
timezone: America/New_York
defaults:
  retries: 2
tasks:
  ingest:
    type: ingest
    params:
      function_name: f
  features:
    type: features
    after: [ingest]
    params:
      engine: local
  train:
    type: train
    after: [features]
    params:
      instance_type: ml.m5.large
`;

function errors(text: string): string[] {
  return parsePipelineSpec({ file: FILE, text }, CONFIG).issues.map(formatIssue);
}

describe('pipeline spec checks', () => {
  it('accepts the good spec and the repository specs', () => {
    expect(errors(GOOD)).toEqual([]);
    for (const name of ['daily', 'backfill']) {
      const file = `dags/pipelines/${name}.yaml`;
      const r = parsePipelineSpec(
        { file, text: readFileSync(file, 'utf8') },
        {
          aws: { endpoint: { instance_type: 'ml.t2.medium' } },
        },
      );
      expect(r.issues.map(formatIssue)).toEqual([]);
    }
  });

  const cases: [string, string, string][] = [
    [
      'unknown dependency',
      GOOD.replace('after: [features]', 'after: [featurs]'),
      `${FILE}:18:13: tasks.train.after: unknown task "featurs"`,
    ],
    [
      'self-dependency',
      GOOD.replace('after: [features]', 'after: [train]'),
      `${FILE}:18:13: tasks.train.after: task "train" depends on itself`,
    ],
    [
      'cycle',
      GOOD.replace(
        '    params:\n      function_name: f',
        '    after: [train]\n    params:\n      function_name: f',
      ),
      `${FILE}:14:13: tasks.features.after: dependency cycle: ingest → train → features → ingest`,
    ],
    [
      'duplicate task id',
      `${GOOD}  train:\n    type: train\n`,
      `${FILE}:21:3: (yaml): Map keys must be unique (duplicate key "train")`,
    ],
    [
      'bad cron (range)',
      GOOD.replace('0 6 * * MON-FRI', '0 25 * * MON-FRI'),
      `${FILE}:2:11: schedule: invalid cron: hour "25": "25" is not a number from 0 to 23`,
    ],
    [
      'bad cron (fields)',
      GOOD.replace('0 6 * * MON-FRI', '0 6 * *'),
      `${FILE}:2:11: schedule: invalid cron: expected 5 fields (minute hour day month weekday) or a preset like @daily (got 4)`,
    ],
    [
      'bad timezone',
      GOOD.replace('America/New_York', 'America/New_Yrok'),
      `${FILE}:3:11: timezone: unknown IANA time zone "America/New_Yrok"`,
    ],
    [
      'offset instead of a zone',
      GOOD.replace('America/New_York', '"+05:00"'),
      `${FILE}:3:11: timezone: unknown IANA time zone "+05:00"`,
    ],
    [
      'unknown task type',
      GOOD.replace('type: features', 'type: featurize'),
      `${FILE}:12:11: tasks.features.type: unknown task type "featurize" (one of ingest, validate, features, train, evaluate, gate, register, deploy, batch_predict, monitor, report, notify)`,
    ],
    [
      'missing required parameter',
      GOOD.replace('      instance_type: ml.m5.large\n', '      epochs: 3\n'),
      `${FILE}:20:7: tasks.train.params.instance_type: is required for a train task`,
    ],
    [
      'wrong parameter type',
      GOOD.replace(
        '      instance_type: ml.m5.large\n',
        '      instance_type: ml.m5.large\n      epochs: many\n',
      ),
      `${FILE}:21:15: tasks.train.params.epochs: must be a non-negative integer (got string "many")`,
    ],
    [
      'parameter not of the type',
      GOOD.replace('      engine: local', '      engine: local\n      instance_type: x'),
      `${FILE}:16:7: tasks.features.params.instance_type: not a parameter of a features task (expected engine)`,
    ],
    [
      'enum parameter',
      GOOD.replace('engine: local', 'engine: flink'),
      `${FILE}:15:15: tasks.features.params.engine: must be one of local, spark (got string "flink")`,
    ],
    [
      'unresolved config reference',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a spec's config reference, not a template
      GOOD.replace('ml.m5.large', '${config.aws.endpoint.instance_typo}'),
      `${FILE}:20:22: tasks.train.params.instance_type: config reference "aws.endpoint.instance_typo" does not resolve in the config`,
    ],
    ['missing dag_id', GOOD.replace('dag_id: demo\n', ''), `${FILE}:1:1: dag_id: is required`],
    [
      'bad dag_id',
      GOOD.replace('dag_id: demo', 'dag_id: Demo DAG'),
      `${FILE}:1:9: dag_id: must match ^[a-z][a-z0-9_]*$ (got "Demo DAG")`,
    ],
    [
      'negative retries',
      GOOD.replace('retries: 2', 'retries: -1'),
      `${FILE}:5:12: defaults.retries: must be >= 0 (got -1)`,
    ],
    [
      'unknown top-level key',
      GOOD.replace('timezone:', 'timezon: UTC\ntimezone:'),
      `${FILE}:3:1: timezon: unknown key (expected one of dag_id, description, schedule, timezone, tags, defaults, tasks)`,
    ],
    [
      'after is not a list',
      GOOD.replace('after: [features]', 'after: features'),
      `${FILE}:18:12: tasks.train.after: must be a list of task ids`,
    ],
    [
      'task without a type',
      GOOD.replace('    type: train\n', ''),
      `${FILE}:17:5: tasks.train.type: is required`,
    ],
    [
      'no tasks',
      GOOD.replace(/tasks:[\s\S]*$/, 'tasks: {}\n'),
      `${FILE}:6:8: tasks: must be a non-empty mapping of task id to task`,
    ],
    ['YAML syntax', 'dag_id: [demo\n', `${FILE}:2:1:`],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    const found = errors(text);
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((line) => line.startsWith(expected))).toBe(true);
    expect(parsePipelineSpec({ file: FILE, text }, CONFIG).spec).toBeUndefined();
  });

  it('has at least 15 bad-spec cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });
});

describe('cron and zones', () => {
  it.each(['*/15 * * * *', '0 0 1,15 * *', '30 18 * JAN-MAR 1-5', '@daily', '0 0 * * 7'])(
    'accepts %s',
    (cron) => expect(cronProblem(cron)).toBeNull(),
  );
  it.each(['60 * * * *', '* * 0 * *', '* * * 13 *', '5-1 * * * *', '*/0 * * * *', '@sometimes'])(
    'rejects %s',
    (cron) => expect(cronProblem(cron)).not.toBeNull(),
  );
  it('knows zones', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('plan and export', () => {
  it('orders by dependency and exports a sorted graph', () => {
    const { spec } = parsePipelineSpec({ file: FILE, text: GOOD }, CONFIG);
    if (spec === undefined) throw new Error('spec');
    expect(planTasks(spec).map((t) => t.id)).toEqual(['ingest', 'features', 'train']);
    const graph = exportGraph(spec);
    expect(graph.tasks.map((t) => t.id)).toEqual(['features', 'ingest', 'train']);
    expect(graph.tasks[2]).toEqual({
      id: 'train',
      type: 'train',
      upstream: ['features'],
      retries: 2,
      retry_delay_seconds: 60,
      timeout_seconds: 3600,
    });
  });
});
