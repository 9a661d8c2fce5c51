import { describe, expect, it } from 'vitest';
import {
  DAG_SYNC_PLAN_SCHEMA,
  type DagSyncPlan,
  isDagSource,
  isDagSyncPlan,
  mwaaSourceChanges,
  mwaaUpdateFields,
  planObjectSync,
  planSidecar,
  renderDagSyncPlan,
  SIDECARS,
} from '../../core/orchestration/dagSyncPlan.ts';

const REQUIREMENTS = SIDECARS[0] as (typeof SIDECARS)[number];
const local = (key: string, sha256: string, size = 10) => ({ key, sha256, size });

describe('planObjectSync', () => {
  it('uploads new and changed objects, deletes removed ones, leaves equal ones alone', () => {
    const plan = planObjectSync(
      [
        local('dags/b.py', 'b2'),
        local('dags/a.py', 'a'),
        local('dags/c.py', 'c'),
        local('dags/d.py', 'd', 11),
      ],
      [
        { key: 'dags/a.py', size: 10, sha256: 'a' },
        { key: 'dags/b.py', size: 10, sha256: 'b1' },
        { key: 'dags/d.py', size: 10, sha256: 'd' },
        { key: 'dags/gone.py', size: 3, sha256: 'x' },
        { key: 'dags/e.py', size: 3 },
      ],
    );
    expect(plan).toEqual({
      uploads: [
        { key: 'dags/b.py', size: 10, reason: 'changed' },
        { key: 'dags/c.py', size: 10, reason: 'new' },
        { key: 'dags/d.py', size: 11, reason: 'changed' },
      ],
      deletes: ['dags/e.py', 'dags/gone.py'],
      unchanged: ['dags/a.py'],
    });
  });

  it('re-uploads an object without a stored hash', () => {
    const plan = planObjectSync([local('k', 's')], [{ key: 'k', size: 10 }]);
    expect(plan.uploads).toEqual([{ key: 'k', size: 10, reason: 'unhashed' }]);
  });

  it('rejects two files with one key', () => {
    expect(() => planObjectSync([local('k', 'a'), local('k', 'b')], [])).toThrow(
      'two local files map to the key k',
    );
  });
});

describe('isDagSource', () => {
  it.each([
    ['stockops_dags.py', true],
    ['pipelines/daily.yaml', true],
    ['pipeline.schema.json', true],
    ['README.md', false],
    ['tests/test_dags.py', false],
    ['__pycache__/x.pyc', false],
    ['lib/x.pyc', false],
    ['.airflowignore', false],
    ['requirements.txt', false],
    ['requirements-test.txt', false],
    ['startup.sh', false],
    ['plugins.zip', false],
    ['scripts/startup.sh', true],
  ])('%s → %s', (path, expected) => {
    expect(isDagSource(path)).toBe(expected);
  });
});

describe('planSidecar and mwaaSourceChanges', () => {
  it('uploads a new or changed file and keeps the version of an unchanged one', () => {
    const file = local('requirements.txt', 'h');
    expect(planSidecar(REQUIREMENTS, file, undefined).action).toBe('upload');
    expect(
      planSidecar(REQUIREMENTS, file, {
        key: 'requirements.txt',
        size: 10,
        sha256: 'old',
        versionId: 'v1',
      }),
    ).toEqual({ file: 'requirements.txt', action: 'upload', versionId: null });
    expect(
      planSidecar(REQUIREMENTS, file, {
        key: 'requirements.txt',
        size: 10,
        sha256: 'h',
        versionId: 'v1',
      }),
    ).toEqual({ file: 'requirements.txt', action: 'unchanged', versionId: 'v1' });
    expect(
      planSidecar(REQUIREMENTS, undefined, { key: 'requirements.txt', size: 1, versionId: 'v0' }),
    ).toEqual({
      file: 'requirements.txt',
      action: 'absent',
      versionId: 'v0',
    });
  });

  it('changes only the fields that differ from the environment', () => {
    const changes = mwaaSourceChanges(
      { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: 'v1' },
      [
        { file: 'requirements.txt', action: 'upload', versionId: 'v2' },
        { file: 'plugins.zip', action: 'absent', versionId: null },
        { file: 'startup.sh', action: 'unchanged', versionId: 's1' },
      ],
    );
    expect(changes).toEqual([
      { field: 'RequirementsS3ObjectVersion', from: 'v1', to: 'v2' },
      { field: 'StartupScriptS3Path', from: null, to: 'startup.sh' },
      { field: 'StartupScriptS3ObjectVersion', from: null, to: 's1' },
    ]);
    expect(mwaaUpdateFields(changes)).toEqual({
      RequirementsS3ObjectVersion: 'v2',
      StartupScriptS3Path: 'startup.sh',
      StartupScriptS3ObjectVersion: 's1',
    });
  });

  it('has nothing to change when the environment already references the versions', () => {
    expect(
      mwaaSourceChanges(
        { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: 'v1' },
        [{ file: 'requirements.txt', action: 'unchanged', versionId: 'v1' }],
      ),
    ).toEqual([]);
  });

  it('will not build an update while a version is unknown', () => {
    const changes = mwaaSourceChanges({}, [
      { file: 'requirements.txt', action: 'upload', versionId: null },
    ]);
    expect(() => mwaaUpdateFields(changes)).toThrow(
      'RequirementsS3ObjectVersion: the new object version is not known yet',
    );
    expect(() =>
      mwaaSourceChanges({}, [{ file: 'x.zip', action: 'upload', versionId: 'v' }]),
    ).toThrow('unknown MWAA source file x.zip');
  });
});

describe('renderDagSyncPlan', () => {
  const plan: DagSyncPlan = {
    schema: DAG_SYNC_PLAN_SCHEMA,
    env: 'dev',
    bucket: 'airflow-b',
    dryRun: true,
    dags: {
      uploads: [{ key: 'dags/a|b.py', size: 5, reason: 'new' }],
      deletes: ['dags/old.py'],
      unchanged: ['dags/c.py'],
    },
    sidecars: [
      { file: 'requirements.txt', action: 'upload', versionId: null },
      { file: 'plugins.zip', action: 'absent', versionId: null },
    ],
    environment: {
      name: 'stockops-dev-airflow',
      changes: [{ field: 'RequirementsS3ObjectVersion', from: 'v1', to: null }],
      updated: false,
    },
  };

  it('renders the rows, the MWAA files and the environment change', () => {
    expect(renderDagSyncPlan(plan)).toBe(
      [
        '### DAG sync plan: dev → s3://airflow-b/dags/',
        '',
        '1 to upload, 1 to delete, 1 unchanged (dry run: nothing was written).',
        '',
        '| object | action | bytes |',
        '| --- | --- | ---: |',
        '| `dags/a\\|b.py` | upload (new) | 5 |',
        '| `dags/old.py` | delete | |',
        '',
        '| MWAA file | action | version |',
        '| --- | --- | --- |',
        '| `requirements.txt` | upload | (new) |',
        '',
        'MWAA environment `stockops-dev-airflow` would be updated:',
        '',
        '- RequirementsS3ObjectVersion: v1 → (version of the upload)',
        '',
      ].join('\n'),
    );
    expect(isDagSyncPlan(plan)).toBe(true);
    expect(isDagSyncPlan({ schema: 'other' })).toBe(false);
  });

  it('says when the environment is up to date, and caps long tables', () => {
    const many = Array.from({ length: 60 }, (_, i) => `dags/f${i}.py`);
    const text = renderDagSyncPlan({
      ...plan,
      dryRun: false,
      dags: { uploads: [], deletes: many, unchanged: [] },
      sidecars: [],
      environment: { name: 'e', changes: [], updated: false },
    });
    expect(text).toContain('… and 10 more.');
    expect(text).toContain('MWAA environment `e`: up to date, no UpdateEnvironment.');
    expect(text).not.toContain('dry run');
  });
});
