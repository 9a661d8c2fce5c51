import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  eventPullRequest,
  type PrReportInputs,
  parseInputs,
} from '../../../actions/pr-report/src/inputs.ts';
import {
  MAX_COMMENT_CHARS,
  REPORT_MARKER,
  renderMetrics,
  renderReport,
  renderSyncPlan,
} from '../../../actions/pr-report/src/reportBody.ts';
import { diffAgainst, run } from '../../../actions/pr-report/src/run.ts';
import { Inputs } from '../../../actions/shared/actionInputs.ts';
import { RecordingReport } from '../../../actions/shared/actionReport.ts';
import { ConfigurationError } from '../../../actions/shared/actionRuntime.ts';
import { type CommandOptions, runCommand } from '../../../actions/shared/commandRunner.ts';
import { GATE_DECISION_SCHEMA, type GateDecision } from '../../../core/gate/gateTypes.ts';
import { DAG_SYNC_PLAN_SCHEMA, type DagSyncPlan } from '../../../core/orchestration/dagSyncPlan.ts';
import { useTempDir } from '../../support/tempDir.ts';
import { type GitHubApiStub, startGitHubApiStub } from '../support/githubApiStub.ts';
import { useRunnerFiles } from '../support/runnerFiles.ts';

const OWNER = 'stockops';
const REPO = 'stockops';
const PR = 42;
const TOKEN = 'ghs_test_token';
const tempDir = useTempDir('stockops-pr-report-');
const runnerFiles = useRunnerFiles();

let stub: GitHubApiStub;
const savedApi = process.env.GITHUB_API_URL;
beforeAll(async () => {
  stub = await startGitHubApiStub(OWNER, REPO);
  process.env.GITHUB_API_URL = stub.url;
});
afterAll(async () => {
  if (savedApi === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = savedApi;
  await stub.close();
});
beforeEach(() => {
  stub.comments.clear();
  stub.requests.length = 0;
});

const DECISION: GateDecision = {
  schema: GATE_DECISION_SCHEMA,
  decision: 'reject',
  candidate: 'lstm',
  best_baseline: 'last_close',
  champion: 'last_close',
  reasons: ['max_error_ratio: 1.005 is above the maximum 1'],
  checks: [
    {
      name: 'max_error_ratio',
      value: 1.005,
      threshold: 1,
      comparator: '<=',
      passed: false,
      detail: '1.005 is above the maximum 1',
    },
  ],
} as unknown as GateDecision;

const PLAN: DagSyncPlan = {
  schema: DAG_SYNC_PLAN_SCHEMA,
  env: 'dev',
  bucket: 'airflow-stockops-dev',
  dryRun: true,
  dags: {
    uploads: [{ key: 'dags/pipelines/daily.yaml', size: 10, reason: 'changed' }],
    deletes: [],
    unchanged: [],
  },
  sidecars: [],
};

/** git, answering like a checkout where `dev` is only a remote branch. */
function fakeGit(diff: string) {
  const calls: string[][] = [];
  const git = async (_cmd: string, args: readonly string[], _o?: CommandOptions) => {
    calls.push([...args]);
    if (args[0] === 'rev-parse')
      return { code: args[3]?.startsWith('origin/') ? 0 : 1, stdout: '', stderr: '' };
    return { code: 0, stdout: diff, stderr: '' };
  };
  return { calls, git };
}

function files(dir: string) {
  const cdkDiff = join(dir, 'diff.txt');
  const syncPlan = join(dir, 'plan.json');
  const metrics = join(dir, 'decision.json');
  writeFileSync(cdkDiff, 'Stack stockops-dev-ml\n[~] AWS::SageMaker::Endpoint Endpoint\n');
  writeFileSync(syncPlan, JSON.stringify(PLAN));
  writeFileSync(metrics, JSON.stringify(DECISION));
  return { cdkDiff, syncPlan, metrics };
}

function inputs(extra: Partial<PrReportInputs> = {}): PrReportInputs {
  return {
    githubToken: TOKEN,
    cdkDiff: undefined,
    syncPlan: undefined,
    metrics: undefined,
    baseRef: 'dev',
    configDir: 'config',
    owner: OWNER,
    repo: REPO,
    pullRequest: PR,
    ...extra,
  };
}

describe('pr-report against a local stub of the GitHub REST API', () => {
  it('creates one comment, then updates it in place on the second run', async () => {
    stub.comments.set(PR, [{ id: 7, body: 'LGTM', html_url: 'u' }]);
    const { git, calls } = fakeGit(
      'diff --git a/config/dev.yaml b/config/dev.yaml\n-  max_workers: 1\n+  max_workers: 2\n',
    );
    const first = new RecordingReport();
    await run(inputs(files(tempDir())), { report: first, git });
    const after1 = stub.comments.get(PR) ?? [];
    expect(after1).toHaveLength(2);
    const ours = after1[1];
    expect(ours?.body.startsWith(`${REPORT_MARKER}\n## stockops pull-request report`)).toBe(true);
    expect(ours?.body).toContain('[~] AWS::SageMaker::Endpoint Endpoint');
    expect(ours?.body).toContain('| `dags/pipelines/daily.yaml` | upload (changed) | 10 |');
    expect(ours?.body).toContain(
      '### Config changes against `dev`\n\n```diff\ndiff --git a/config/dev.yaml',
    );
    expect(ours?.body).toContain('### Promotion gate: ❌ reject');
    expect(first.outputs).toEqual({ 'comment-id': String(ours?.id) });
    expect(calls).toEqual([
      ['rev-parse', '--verify', '--quiet', 'dev^{commit}'],
      ['rev-parse', '--verify', '--quiet', 'origin/dev^{commit}'],
      ['diff', '--no-color', 'origin/dev...HEAD', '--', 'config/'],
    ]);

    const second = new RecordingReport();
    await run(inputs({ ...files(tempDir()), metrics: undefined }), {
      report: second,
      git: fakeGit('').git,
    });
    const after2 = stub.comments.get(PR) ?? [];
    expect(after2).toHaveLength(2);
    expect(after2[0]?.body).toBe('LGTM');
    expect(after2[1]?.id).toBe(ours?.id);
    expect(after2[1]?.body).toContain('No changes under `config/`.');
    expect(after2[1]?.body).toContain('### Latest metrics against the champion\n\n_not run_');
    expect(second.outputs).toEqual({ 'comment-id': String(ours?.id) });
    expect(stub.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
    expect(stub.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  });

  it('finds its comment on a later page of a long thread', async () => {
    const many = Array.from({ length: 130 }, (_, i) => ({
      id: i + 1,
      body: `comment ${i}`,
      html_url: 'u',
    }));
    many[120] = { id: 121, body: `${REPORT_MARKER}\nold`, html_url: 'u' };
    stub.comments.set(PR, many);
    const report = new RecordingReport();
    await run(inputs({ baseRef: undefined }), { report, git: fakeGit('').git });
    expect(report.outputs['comment-id']).toBe('121');
    expect(stub.comments.get(PR)).toHaveLength(130);
    expect(stub.comments.get(PR)?.[120]?.body).toContain('_no base ref: not compared_');
    expect(stub.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'PATCH']);
  });

  it('writes the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files', async () => {
    const out = runnerFiles(tempDir());
    await run(inputs({ baseRef: undefined }), { git: fakeGit('').git });
    const [comment] = stub.comments.get(PR) ?? [];
    expect(out.outputs()).toEqual({ 'comment-id': String(comment?.id) });
    expect(out.summary()).toContain(`[pull-request report](${comment?.html_url}) posted`);
    expect(out.summary()).toContain(REPORT_MARKER);
  });

  it('names an input file that does not exist', async () => {
    const error = await run(inputs({ cdkDiff: '/nonexistent/diff.txt' }), {
      report: new RecordingReport(),
      git: fakeGit('').git,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'input "cdk-diff": no file /nonexistent/diff.txt (did the step that writes it run?)',
    );
    expect(stub.requests).toEqual([]);
  });

  it('surfaces an API error', async () => {
    await expect(
      run(inputs({ owner: 'someone', baseRef: undefined }), { report: new RecordingReport() }),
    ).rejects.toThrow(/stub: no route for GET \/repos\/someone\/stockops\/issues\/42\/comments/);
  });
});

describe('config diff with real git', () => {
  it('lists what the branch changed under config/ since it left the base', async () => {
    const repo = tempDir();
    const g = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, stdio: 'pipe' }).toString();
    g('init', '-q', '-b', 'dev');
    g('config', 'user.email', 't@example.com');
    g('config', 'user.name', 't');
    mkdirSync(join(repo, 'config'));
    writeFileSync(join(repo, 'config', 'dev.yaml'), 'a: 1\n');
    writeFileSync(join(repo, 'README.md'), 'x\n');
    g('add', '.');
    g('commit', '-qm', 'base');
    g('checkout', '-qb', 'feature');
    writeFileSync(join(repo, 'config', 'dev.yaml'), 'a: 2\n');
    writeFileSync(join(repo, 'README.md'), 'y\n');
    g('commit', '-qam', 'change');
    const git = (c: string, a: readonly string[]) => runCommand(c, a, { cwd: repo });
    const diff = await diffAgainst(git, 'dev', 'config');
    expect(diff).toContain('-a: 1\n+a: 2');
    expect(diff).not.toContain('README');
    await expect(diffAgainst(git, 'main', 'config')).rejects.toThrow(
      'base ref main is not in the checkout (nor origin/main): check out with fetch-depth: 0',
    );
  });
});

describe('report body', () => {
  it('renders metrics: a gate decision, Markdown, other JSON, plain text', () => {
    expect(renderMetrics(JSON.stringify(DECISION), 'd.json')).toMatch(
      /^### Promotion gate: ❌ reject/,
    );
    expect(renderMetrics('# m\n', 'm.md')).toBe('# m');
    expect(renderMetrics('{"rmse":1}', 'x.json')).toBe('```json\n{\n  "rmse": 1\n}\n```');
    expect(renderMetrics('rmse 1', 'x.txt')).toBe('```\nrmse 1\n```');
    expect(renderSyncPlan('plain plan')).toBe('```\nplain plan\n```');
  });

  it('cuts a huge CDK diff to keep the body under the comment limit', () => {
    const body = renderReport({ cdkDiff: 'x'.repeat(200_000), metrics: 'm', syncPlan: 'p' });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toContain("… (cut: the full diff is in the job's log)");
    expect(body).toContain('### Latest metrics against the champion\n\nm');
    expect(renderReport({ cdkDiff: 'small' })).not.toContain('cut');
  });
});

describe('pr-report inputs', () => {
  const read = (v: Record<string, string>) => new Inputs((n) => v[n] ?? '');
  afterEach(() => undefined);

  it('takes the repository, pull request and base from the runner environment', () => {
    const event = join(tempDir(), 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 9 } }));
    expect(
      parseInputs(read({ 'github-token': TOKEN, 'cdk-diff': 'd.txt' }), {
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_EVENT_PATH: event,
        GITHUB_BASE_REF: 'staging',
      }),
    ).toEqual({
      githubToken: TOKEN,
      cdkDiff: 'd.txt',
      syncPlan: undefined,
      metrics: undefined,
      baseRef: 'staging',
      configDir: 'config',
      owner: 'o',
      repo: 'r',
      pullRequest: 9,
    });
  });

  it('prefers the explicit inputs', () => {
    const parsed = parseInputs(
      read({ 'github-token': TOKEN, 'pull-request': '5', 'base-ref': 'prod' }),
      {
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_BASE_REF: 'dev',
      },
    );
    expect([parsed.pullRequest, parsed.baseRef]).toEqual([5, 'prod']);
  });

  it.each([
    [{}, { GITHUB_REPOSITORY: 'o/r' }, 'input "github-token" is required'],
    [
      { 'github-token': TOKEN },
      { GITHUB_REPOSITORY: 'bad' },
      'GITHUB_REPOSITORY must be owner/repo (got "bad")',
    ],
    [
      { 'github-token': TOKEN },
      { GITHUB_REPOSITORY: 'o/r' },
      'no pull request: run on a pull_request event',
    ],
    [
      { 'github-token': TOKEN, 'pull-request': 'x' },
      { GITHUB_REPOSITORY: 'o/r' },
      'input "pull-request" must be an integer',
    ],
  ])('%o %o fails: %s', (v, env, message) => {
    expect(() => parseInputs(read(v), env)).toThrow(message);
  });

  it('reads the number from the event, or nothing from a bad event file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'issue.json'), JSON.stringify({ issue: { number: 3 } }));
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(eventPullRequest(join(dir, 'issue.json'))).toBe(3);
    expect(eventPullRequest(join(dir, 'bad.json'))).toBeUndefined();
    expect(eventPullRequest(undefined)).toBeUndefined();
  });
});
