import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runnerTempFile, writeFileAtomic } from '../../shared/actionFiles.ts';
import { type ActionReport, githubReport, tableCell } from '../../shared/actionReport.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import { type CommandRunner, runCommand, tail } from '../../shared/commandRunner.ts';
import {
  cdkArgs,
  parseStackOutputs,
  type StackOutputs,
  stackNames,
  stacksWithDifferences,
} from './cdkCommand.ts';
import type { DeployCdkInputs, DeployMode } from './inputs.ts';

/** The CDK CLI the repository pins (devDependency aws-cdk), run with this Node. */
export const CDK_CLI = 'node_modules/aws-cdk/bin/cdk';

/** Large diffs are cut in the job summary (the file keeps all of it). */
const SUMMARY_DIFF_CHARS = 60_000;

export interface DeployCdkDeps {
  readonly report?: ActionReport;
  readonly runner?: CommandRunner;
  /** The CDK CLI script; CDK_CLI under the working directory by default. */
  readonly cdkCli?: string;
  readonly diffFile?: string;
  readonly outputsFile?: string;
}

/** The mode that runs: a pull request only ever diffs. */
export function effectiveMode(inputs: DeployCdkInputs): DeployMode {
  return inputs.eventName?.startsWith('pull_request') ? 'diff' : inputs.mode;
}

export async function run(inputs: DeployCdkInputs, deps: DeployCdkDeps = {}): Promise<void> {
  const report = deps.report ?? githubReport;
  const runner = deps.runner ?? runCommand;
  const cli = resolve(deps.cdkCli ?? CDK_CLI);
  if (deps.runner === undefined && !existsSync(cli)) {
    throw new ConfigurationError(`no CDK CLI at ${cli}: run npm ci before this step`);
  }
  const mode = effectiveMode(inputs);
  if (mode !== inputs.mode) report.info(`${inputs.eventName} event: running diff, not deploy`);
  const stacks = stackNames(inputs.env, inputs.stacks);
  const common = {
    env: inputs.env,
    stacks,
    configDir: inputs.configDir,
    requirementsVersion: inputs.requirementsVersion,
    startupScriptVersion: inputs.startupScriptVersion,
  };
  const scope = stacks.length === 0 ? `every stack of ${inputs.env}` : stacks.join(', ');

  if (mode === 'diff') {
    const args = cdkArgs({ ...common, command: 'diff' });
    const result = await report.group(`cdk diff (${scope})`, () =>
      runner(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' } }),
    );
    // The CLI prints the diff on stderr and its progress on stdout; keep both, in that order.
    const text = [result.stderr, result.stdout].filter((t) => t.trim() !== '').join('\n');
    if (result.code !== 0) throw new Error(`cdk diff exited with ${result.code}:\n${tail(text)}`);
    const diffFile = deps.diffFile ?? runnerTempFile(`stockops-cdk-diff-${inputs.env}.txt`);
    writeFileAtomic(diffFile, text.endsWith('\n') ? text : `${text}\n`);
    report.setOutput('diff-file', diffFile);
    report.setOutput('stack-outputs', '{}');
    const changed = stacksWithDifferences(text);
    await report.summary(
      [
        `### CDK diff: ${inputs.env}${changed === undefined ? '' : ` (${changed} stack${changed === 1 ? '' : 's'} with differences)`}`,
        '',
        '<details><summary>cdk diff</summary>',
        '',
        '```',
        text.length > SUMMARY_DIFF_CHARS ? `${text.slice(0, SUMMARY_DIFF_CHARS)}\n… (cut)` : text,
        '```',
        '',
        '</details>',
        '',
      ].join('\n'),
    );
    return;
  }

  const outputsFile = deps.outputsFile ?? runnerTempFile(`stockops-cdk-outputs-${inputs.env}.json`);
  const args = cdkArgs({ ...common, command: 'deploy', outputsFile });
  const result = await report.group(`cdk deploy (${scope})`, () =>
    runner(process.execPath, [cli, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      echo: true,
    }),
  );
  if (result.code !== 0) {
    throw new Error(
      `cdk deploy exited with ${result.code}:\n${tail(`${result.stdout}\n${result.stderr}`)}`,
    );
  }
  let outputs: StackOutputs = {};
  if (existsSync(outputsFile))
    outputs = parseStackOutputs(readFileSync(outputsFile, 'utf8'), outputsFile);
  report.setOutput('diff-file', '');
  report.setOutput('stack-outputs', JSON.stringify(outputs));
  const rows = Object.entries(outputs).flatMap(([stack, o]) =>
    Object.entries(o).map(
      ([k, v]) => `| ${tableCell(stack)} | ${tableCell(k)} | ${tableCell(v)} |`,
    ),
  );
  await report.summary(
    [
      `### CDK deploy: ${inputs.env} ✅ (${scope})`,
      '',
      ...(rows.length === 0
        ? ['No stack outputs.']
        : ['| stack | output | value |', '| --- | --- | --- |', ...rows]),
      '',
    ].join('\n'),
  );
}
