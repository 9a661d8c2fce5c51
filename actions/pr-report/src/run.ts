import { existsSync, readFileSync } from 'node:fs';
import { type ActionReport, githubReport } from '../../shared/actionReport.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import { type CommandRunner, runCommand, tail } from '../../shared/commandRunner.ts';
import { octokitComments, type PullRequestComments } from './githubComments.ts';
import type { PrReportInputs } from './inputs.ts';
import { REPORT_MARKER, renderMetrics, renderReport, renderSyncPlan } from './reportBody.ts';

export interface PrReportDeps {
  readonly report?: ActionReport;
  readonly comments?: PullRequestComments;
  /** Runs git (for the config diff). */
  readonly git?: CommandRunner;
}

/** Builds the report and writes it into the pull request's one stockops comment. */
export async function run(inputs: PrReportInputs, deps: PrReportDeps = {}): Promise<void> {
  const report = deps.report ?? githubReport;
  const git = deps.git ?? runCommand;
  const comments =
    deps.comments ??
    octokitComments(inputs.githubToken, {
      owner: inputs.owner,
      repo: inputs.repo,
      issue: inputs.pullRequest,
    });

  const cdkDiff = readInput('cdk-diff', inputs.cdkDiff);
  const plan = readInput('sync-plan', inputs.syncPlan);
  const metrics = readInput('metrics', inputs.metrics);
  const configDiff =
    inputs.baseRef === undefined
      ? undefined
      : {
          baseRef: inputs.baseRef,
          dir: inputs.configDir,
          diff: await diffAgainst(git, inputs.baseRef, inputs.configDir),
        };
  const sha = process.env.GITHUB_SHA;
  const body = renderReport({
    cdkDiff,
    syncPlan: plan === undefined ? undefined : renderSyncPlan(plan),
    metrics:
      metrics === undefined || inputs.metrics === undefined
        ? undefined
        : renderMetrics(metrics, inputs.metrics),
    ...(configDiff ? { configDiff } : {}),
    ...(sha ? { footer: `for ${sha.slice(0, 12)}` } : {}),
  });

  const existing = (await comments.list()).find((c) => c.body.includes(REPORT_MARKER));
  const comment = existing ? await comments.update(existing.id, body) : await comments.create(body);
  report.info(`${existing ? 'updated' : 'created'} comment ${comment.id}: ${comment.url}`);
  report.setOutput('comment-id', comment.id);
  await report.summary(
    `[pull-request report](${comment.url}) ${existing ? 'updated' : 'posted'}\n\n${body}`,
  );
}

/** An input naming a file: its text, or undefined when the input is empty. */
function readInput(name: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  if (!existsSync(file)) {
    throw new ConfigurationError(
      `input "${name}": no file ${file} (did the step that writes it run?)`,
    );
  }
  return readFileSync(file, 'utf8');
}

/**
 * `git diff <base>...HEAD -- <dir>/`: what the pull request changes under the config folder
 * since it left the base. A branch name the checkout only has as a remote ref is tried as
 * origin/<base>.
 */
export async function diffAgainst(
  git: CommandRunner,
  baseRef: string,
  dir: string,
): Promise<string> {
  let ref = baseRef;
  const local = await git('git', ['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`]);
  if (local.code !== 0) {
    const remote = await git('git', [
      'rev-parse',
      '--verify',
      '--quiet',
      `origin/${baseRef}^{commit}`,
    ]);
    if (remote.code !== 0) {
      throw new ConfigurationError(
        `base ref ${baseRef} is not in the checkout (nor origin/${baseRef}): check out with fetch-depth: 0`,
      );
    }
    ref = `origin/${baseRef}`;
  }
  const diff = await git('git', ['diff', '--no-color', `${ref}...HEAD`, '--', `${dir}/`]);
  if (diff.code !== 0) throw new Error(`git diff ${ref}...HEAD failed:\n${tail(diff.stderr)}`);
  return diff.stdout;
}
