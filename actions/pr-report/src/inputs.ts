import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { Inputs } from '../../shared/actionInputs.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';

export interface PrReportInputs {
  readonly githubToken: string;
  readonly cdkDiff: string | undefined;
  readonly syncPlan: string | undefined;
  readonly metrics: string | undefined;
  readonly baseRef: string | undefined;
  readonly configDir: string;
  readonly owner: string;
  readonly repo: string;
  readonly pullRequest: number;
}

export function parseInputs(
  inputs: Inputs = new Inputs(),
  env: NodeJS.ProcessEnv = process.env,
): PrReportInputs {
  const githubToken = inputs.string('github-token');
  core.setSecret(githubToken);
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo || rest.length > 0) {
    throw new ConfigurationError(
      `GITHUB_REPOSITORY must be owner/repo (got "${env.GITHUB_REPOSITORY ?? ''}")`,
    );
  }
  const explicit = inputs.integer('pull-request', 0, 0);
  const pullRequest = explicit > 0 ? explicit : eventPullRequest(env.GITHUB_EVENT_PATH);
  if (pullRequest === undefined) {
    throw new ConfigurationError(
      'no pull request: run on a pull_request event or set the "pull-request" input',
    );
  }
  return {
    githubToken,
    cdkDiff: inputs.optionalString('cdk-diff'),
    syncPlan: inputs.optionalString('sync-plan'),
    metrics: inputs.optionalString('metrics'),
    baseRef: inputs.optionalString('base-ref') ?? (env.GITHUB_BASE_REF || undefined),
    configDir: inputs.string('config-dir', 'config'),
    owner,
    repo,
    pullRequest,
  };
}

/** `pull_request.number` (or `issue.number`) of the event payload, if any. */
export function eventPullRequest(path: string | undefined): number | undefined {
  if (!path) return undefined;
  let payload: { pull_request?: { number?: unknown }; issue?: { number?: unknown } };
  try {
    payload = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const n = payload.pull_request?.number ?? payload.issue?.number;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}
