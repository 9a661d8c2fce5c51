import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cdkArgs,
  parseStackOutputs,
  stackNames,
  stacksWithDifferences,
} from '../../../actions/deploy-cdk/src/cdkCommand.ts';
import { type DeployCdkInputs, parseInputs } from '../../../actions/deploy-cdk/src/inputs.ts';
import { CDK_CLI, run } from '../../../actions/deploy-cdk/src/run.ts';
import { Inputs } from '../../../actions/shared/actionInputs.ts';
import { RecordingReport } from '../../../actions/shared/actionReport.ts';
import { ConfigurationError } from '../../../actions/shared/actionRuntime.ts';
import {
  type CommandOptions,
  type CommandResult,
  runCommand,
} from '../../../actions/shared/commandRunner.ts';
import { useTempDir } from '../../support/tempDir.ts';
import { useRunnerFiles } from '../support/runnerFiles.ts';

const tempDir = useTempDir('stockops-deploy-cdk-');
const runnerFiles = useRunnerFiles();
const CLI = resolve(CDK_CLI);

const DIFF_STDERR = `Stack stockops-dev-storage
Resources
[~] AWS::S3::Bucket Dags DagsBucket
 └─ [~] VersioningConfiguration

✨  Number of stacks with differences: 1
`;

/** A runner that records each call and answers like the CDK CLI would. */
function fakeCdk(answer: (args: readonly string[]) => Partial<CommandResult> = () => ({})) {
  const calls: { command: string; args: readonly string[]; options: CommandOptions | undefined }[] =
    [];
  const runner = async (command: string, args: readonly string[], options?: CommandOptions) => {
    calls.push({ command, args, options });
    return { code: 0, stdout: '', stderr: '', ...answer(args) };
  };
  return { calls, runner };
}

function inputs(extra: Partial<DeployCdkInputs> = {}): DeployCdkInputs {
  return {
    env: 'dev',
    mode: 'deploy',
    stacks: [],
    configDir: 'config',
    requirementsVersion: undefined,
    startupScriptVersion: undefined,
    eventName: 'push',
    ...extra,
  };
}

describe('deploy-cdk', () => {
  it('deploys every stack of the environment and reports the stack outputs', async () => {
    const dir = tempDir();
    const outputsFile = join(dir, 'outputs.json');
    const { calls, runner } = fakeCdk((args) => {
      const file = args[args.indexOf('--outputs-file') + 1] as string;
      writeFileSync(
        file,
        JSON.stringify({ 'stockops-dev-ml': { EndpointName: 'stockops-dev-amzn', Port: 8080 } }),
      );
      return { stdout: 'deployed' };
    });
    const report = new RecordingReport();
    await run(inputs({ requirementsVersion: 'v1' }), { report, runner, outputsFile });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toBe(process.execPath);
    expect(calls[0]?.args).toEqual([
      CLI,
      'deploy',
      '--all',
      '--context',
      'env=dev',
      '--context',
      'configDir=config',
      '--context',
      'requirementsVersion=v1',
      '--no-color',
      '--require-approval',
      'never',
      '--outputs-file',
      outputsFile,
    ]);
    expect(calls[0]?.options?.echo).toBe(true);
    expect(report.outputs).toEqual({
      'diff-file': '',
      'stack-outputs': '{"stockops-dev-ml":{"EndpointName":"stockops-dev-amzn","Port":"8080"}}',
    });
    expect(report.summaries[0]).toContain('| stockops-dev-ml | EndpointName | stockops-dev-amzn |');
  });

  it('deploys the named stacks only, by short or full name', async () => {
    const { calls, runner } = fakeCdk();
    await run(inputs({ env: 'prod', stacks: ['storage', 'stockops-prod-ml'] }), {
      report: new RecordingReport(),
      runner,
      outputsFile: join(tempDir(), 'o.json'),
    });
    expect(calls[0]?.args.slice(1, 4)).toEqual([
      'deploy',
      'stockops-prod-storage',
      'stockops-prod-ml',
    ]);
  });

  it('writes the diff in diff mode and deploys nothing', async () => {
    const { calls, runner } = fakeCdk(() => ({ stderr: DIFF_STDERR, stdout: '' }));
    const diffFile = join(tempDir(), 'diff.txt');
    const report = new RecordingReport();
    await run(inputs({ mode: 'diff', startupScriptVersion: 's1' }), { report, runner, diffFile });
    expect(calls.map((c) => c.args)).toEqual([
      [
        CLI,
        'diff',
        '--all',
        '--context',
        'env=dev',
        '--context',
        'configDir=config',
        '--context',
        'startupScriptVersion=s1',
        '--no-color',
      ],
    ]);
    expect(readFileSync(diffFile, 'utf8')).toBe(DIFF_STDERR);
    expect(report.outputs).toEqual({ 'diff-file': diffFile, 'stack-outputs': '{}' });
    expect(report.summaries[0]).toMatch(/^### CDK diff: dev \(1 stack with differences\)/);
  });

  it('only diffs on a pull request, whatever the mode says', async () => {
    const { calls, runner } = fakeCdk(() => ({ stderr: DIFF_STDERR }));
    const report = new RecordingReport();
    await run(inputs({ mode: 'deploy', eventName: 'pull_request' }), {
      report,
      runner,
      diffFile: join(tempDir(), 'd.txt'),
    });
    expect(calls[0]?.args[1]).toBe('diff');
    expect(report.infos).toContain('pull_request event: running diff, not deploy');
  });

  it('fails with the end of the output when the CLI fails', async () => {
    const { runner } = fakeCdk(() => ({
      code: 1,
      stderr: 'line 1\n❌ stockops-dev-ml failed: AccessDenied\n',
    }));
    await expect(
      run(inputs(), {
        report: new RecordingReport(),
        runner,
        outputsFile: join(tempDir(), 'o.json'),
      }),
    ).rejects.toThrow(
      'cdk deploy exited with 1:\n\nline 1\n❌ stockops-dev-ml failed: AccessDenied',
    );
    const diff = fakeCdk(() => ({ code: 2, stderr: 'boom' }));
    await expect(
      run(inputs({ mode: 'diff' }), { report: new RecordingReport(), runner: diff.runner }),
    ).rejects.toThrow('cdk diff exited with 2:\nboom');
  });

  it('says to run npm ci when the CLI is missing', async () => {
    await expect(
      run(inputs(), { cdkCli: '/nonexistent/cdk', report: new RecordingReport() }),
    ).rejects.toThrow('no CDK CLI at /nonexistent/cdk: run npm ci before this step');
  });

  it('writes the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files', async () => {
    const dir = tempDir();
    const files = runnerFiles(dir);
    const { runner } = fakeCdk(() => ({ stderr: DIFF_STDERR }));
    await run(inputs({ mode: 'diff' }), { runner, diffFile: join(dir, 'diff.txt') });
    expect(files.outputs()).toEqual({ 'diff-file': join(dir, 'diff.txt'), 'stack-outputs': '{}' });
    expect(files.summary()).toContain('<details><summary>cdk diff</summary>');
    expect(files.summary()).toContain('[~] AWS::S3::Bucket Dags DagsBucket');
  });

  it('runs the real CDK CLI: cdk synth of dev with the same app and context', async () => {
    const out = join(tempDir(), 'cdk.out');
    const args = cdkArgs({
      command: 'synth',
      env: 'dev',
      stacks: [],
      configDir: 'config',
      outputDir: out,
    });
    const result = await runCommand(process.execPath, [CLI, ...args]);
    expect(result.code, result.stderr).toBe(0);
    const templates = readdirSync(out)
      .filter((f) => f.endsWith('.template.json'))
      .sort();
    expect(templates).toEqual(
      expect.arrayContaining([
        'stockops-dev-ml.template.json',
        'stockops-dev-orchestration.template.json',
        'stockops-dev-storage.template.json',
      ]),
    );
    expect(templates.every((t) => t.startsWith('stockops-dev-'))).toBe(true);
  }, 60_000);
});

describe('cdkCommand', () => {
  it('maps stack names and refuses another environment', () => {
    expect(stackNames('dev', ['ml', 'stockops-dev-storage'])).toEqual([
      'stockops-dev-ml',
      'stockops-dev-storage',
    ]);
    expect(() => stackNames('dev', ['stockops-prod-ml'])).toThrow(ConfigurationError);
    expect(() => stackNames('dev', ['stockops-prod-ml'])).toThrow(
      'stockops-prod-ml is not a stack of dev',
    );
    expect(() => stackNames('dev', ['Bad Name'])).toThrow('"Bad Name" is not a stack name');
  });

  it('adds --quiet to synth and --output when asked', () => {
    expect(
      cdkArgs({
        command: 'synth',
        env: 'staging',
        stacks: ['stockops-staging-ml'],
        configDir: 'c',
        outputDir: 'o',
      }),
    ).toEqual([
      'synth',
      'stockops-staging-ml',
      '--context',
      'env=staging',
      '--context',
      'configDir=c',
      '--output',
      'o',
      '--no-color',
      '--quiet',
    ]);
  });

  it('parses the outputs file and rejects what is not one', () => {
    expect(parseStackOutputs('{"a":{"K":"v","N":1}}', 'f')).toEqual({ a: { K: 'v', N: '1' } });
    expect(() => parseStackOutputs('nope', 'f')).toThrow(/^f: the CDK outputs file is not JSON/);
    expect(() => parseStackOutputs('[]', 'f')).toThrow(
      'f: the CDK outputs file is not a JSON object',
    );
    expect(() => parseStackOutputs('{"a":3}', 'f')).toThrow('f: outputs of a are not an object');
  });

  it('reads the number of stacks with differences', () => {
    expect(stacksWithDifferences(DIFF_STDERR)).toBe(1);
    expect(stacksWithDifferences('nothing')).toBeUndefined();
  });
});

describe('deploy-cdk inputs', () => {
  const read = (v: Record<string, string>) => new Inputs((n) => v[n] ?? '');
  it('applies the defaults and reads the event', () => {
    expect(parseInputs(read({ env: 'dev' }), { GITHUB_EVENT_NAME: 'pull_request' })).toEqual(
      inputs({ eventName: 'pull_request' }),
    );
  });
  it('reads every input', () => {
    expect(
      parseInputs(
        read({
          env: 'prod',
          mode: 'diff',
          stacks: 'ml, storage',
          'config-dir': 'c',
          'requirements-version': 'r',
          'startup-script-version': 's',
        }),
        {},
      ),
    ).toEqual({
      env: 'prod',
      mode: 'diff',
      stacks: ['ml', 'storage'],
      configDir: 'c',
      requirementsVersion: 'r',
      startupScriptVersion: 's',
      eventName: undefined,
    });
  });
  it.each([
    [{}, 'input "env" is required'],
    [{ env: 'dev', mode: 'destroy' }, 'input "mode" must be one of deploy, diff (got "destroy")'],
  ])('%o fails: %s', (v, message) => {
    expect(() => parseInputs(read(v), {})).toThrow(message);
  });
});
