import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inputs } from '../../../actions/shared/actionInputs.ts';
import { RecordingReport } from '../../../actions/shared/actionReport.ts';
import { ConfigurationError, runAction } from '../../../actions/shared/actionRuntime.ts';
import { parseInputs, type ValidateDagsInputs } from '../../../actions/validate-dags/src/inputs.ts';
import { run } from '../../../actions/validate-dags/src/run.ts';
import { useTempDir } from '../../support/tempDir.ts';
import { useRunnerFiles } from '../support/runnerFiles.ts';

const tempDir = useTempDir('stockops-validate-dags-');
const runnerFiles = useRunnerFiles();
const BAD =
  'dag_id: demo\nschedule: "0 6 * * MON-FRI"\ntimezone: Mars/Olympus\ntasks:\n  a:\n    type: ingest\n    after: [nope]\n';

let workspace: string;
const savedWorkspace = process.env.GITHUB_WORKSPACE;
beforeEach(() => {
  // The runner's cwd is the workspace; absolute spec paths are annotated relative to it.
  workspace = tempDir();
  process.env.GITHUB_WORKSPACE = workspace;
  mkdirSync(join(workspace, 'specs'));
  copyFileSync('dags/pipelines/daily.yaml', join(workspace, 'specs', 'daily.yaml'));
});
afterEach(() => {
  if (savedWorkspace === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = savedWorkspace;
});

const inputs = (path: string, extra: Partial<ValidateDagsInputs> = {}): ValidateDagsInputs => ({
  path,
  configDir: 'config',
  env: 'dev',
  ...extra,
});

describe('validate-dags', () => {
  it('passes on the repository specs and lists them', async () => {
    const report = new RecordingReport();
    await run(inputs('dags/pipelines'), { report });
    expect(report.outputs).toEqual({ specs: '2', errors: '0' });
    expect(report.errors).toEqual([]);
    expect(report.summaries[0]).toContain('### DAG specs: ✅ 2 valid (dags/pipelines, config dev)');
    expect(report.summaries[0]).toMatch(/\| dags\/pipelines\/daily\.yaml \| stockops_daily \|/);
  });

  it('annotates every error at its file, line and column and fails', async () => {
    writeFileSync(join(workspace, 'specs', 'bad.yaml'), BAD);
    const report = new RecordingReport();
    const error = await run(inputs(join(workspace, 'specs')), { report }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^3 errors in the pipeline specs:\n/);
    expect(report.errors.map((e) => [e.message, e.properties])).toEqual([
      [
        'timezone: unknown IANA time zone "Mars/Olympus"',
        {
          title: 'specs/bad.yaml:3:11: timezone',
          file: 'specs/bad.yaml',
          startLine: 3,
          startColumn: 11,
        },
      ],
      [
        'tasks.a.params.function_name: is required for a ingest task',
        expect.objectContaining({ file: 'specs/bad.yaml', startLine: 6, startColumn: 5 }),
      ],
      [
        'tasks.a.after: unknown task "nope"',
        expect.objectContaining({ file: 'specs/bad.yaml', startLine: 7, startColumn: 13 }),
      ],
    ]);
    expect(report.outputs).toEqual({ specs: '2', errors: '3' });
  });

  it('reports a config error at the config file', async () => {
    const report = new RecordingReport();
    await expect(run(inputs('dags/pipelines', { env: 'qa' }), { report })).rejects.toThrow(
      'config/qa.yaml:1:1',
    );
    expect(report.errors[0]?.properties).toMatchObject({ file: 'config/qa.yaml', startLine: 1 });
    expect(report.outputs.errors).toBe('1');
  });

  it('reports a missing folder', async () => {
    const report = new RecordingReport();
    await expect(run(inputs('no/such/dir'), { report })).rejects.toThrow(/no\/such\/dir:1:1/);
    expect(report.outputs).toEqual({ specs: '0', errors: '1' });
  });

  it('writes the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY and fails the step once', async () => {
    writeFileSync(join(workspace, 'specs', 'bad.yaml'), BAD);
    const files = runnerFiles(tempDir());
    const failures: string[] = [];
    const annotations: string[] = [];
    const values: Record<string, string> = { path: join(workspace, 'specs') };
    await runAction(
      () => parseInputs(new Inputs((n) => values[n] ?? '')),
      (i) => run(i),
      {
        setFailed: (m) => failures.push(m),
        error: (m) => annotations.push(m),
        debug: () => undefined,
      },
    );
    expect(files.outputs()).toEqual({ specs: '2', errors: '3' });
    expect(files.summary()).toContain('### DAG specs: ❌ 3 errors');
    expect(files.summary()).toContain(
      `- \`${join(workspace, 'specs', 'bad.yaml')}:7:13: tasks.a.after: unknown task "nope"\``,
    );
    expect(failures).toHaveLength(1);
    expect(annotations).toEqual([]);
  });
});

describe('validate-dags inputs', () => {
  it('defaults to dags/pipelines, config and dev', () => {
    expect(parseInputs(new Inputs(() => ''))).toEqual({
      path: 'dags/pipelines',
      configDir: 'config',
      env: 'dev',
    });
  });
  it('reads its inputs', () => {
    const v: Record<string, string> = { path: 'p', 'config-dir': 'c', env: 'prod' };
    expect(parseInputs(new Inputs((n) => v[n] ?? ''))).toEqual({
      path: 'p',
      configDir: 'c',
      env: 'prod',
    });
  });
});
