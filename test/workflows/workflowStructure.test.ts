import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkWorkflow, checkWorkflows, formatProblem } from './workflowStructure.ts';

const WORKFLOWS = '.github/workflows';
/** `${{ expression }}` as written in a workflow. */
const gh = (expression: string) => `\${{ ${expression} }}`;
const FIXTURES = 'test/workflows/fixtures';

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly if?: string;
}
interface Job {
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly strategy?: { readonly matrix?: Record<string, unknown> };
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions: Record<string, string>;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress'?: boolean };
  readonly jobs: Record<string, Job>;
}

function workflow(name: string): Workflow {
  return parse(readFileSync(`${WORKFLOWS}/${name}`, 'utf8')) as Workflow;
}

function jobs(wf: Workflow): [string, Job][] {
  return Object.entries(wf.jobs);
}

const usesOf = (job: Job) => job.steps.flatMap((s) => (s.uses ? [s.uses] : []));
const assumesRole = (job: Job) =>
  usesOf(job).some((u) => u.startsWith('aws-actions/configure-aws-credentials@'));

describe('the repository workflows', () => {
  it('use only declared inputs of existing actions, pinned SHAs and minimal permissions', () => {
    expect(checkWorkflows(WORKFLOWS, '.').map(formatProblem)).toEqual([]);
  });

  it('pin each third-party action to one commit everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const name of ['pr.yml', 'deploy.yml', 'retrain.yml']) {
      for (const [, job] of jobs(workflow(name))) {
        for (const ref of usesOf(job).filter((u) => !u.startsWith('./'))) {
          const [action = '', sha = ''] = ref.split('@');
          pins.set(action, (pins.get(action) ?? new Set()).add(sha));
        }
      }
    }
    expect([...pins.keys()].sort()).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'actions/setup-python',
      'aws-actions/configure-aws-credentials',
    ]);
    for (const [action, shas] of pins) expect([action, shas.size]).toEqual([action, 1]);
  });

  it('grant id-token: write exactly to the jobs that assume an AWS role', () => {
    for (const name of ['pr.yml', 'deploy.yml', 'retrain.yml']) {
      const wf = workflow(name);
      expect(wf.permissions).toEqual({});
      for (const [id, job] of jobs(wf)) {
        expect([name, id, job.permissions?.['id-token'] === 'write']).toEqual([
          name,
          id,
          assumesRole(job),
        ]);
        if (assumesRole(job)) {
          const creds = job.steps.find((s) => s.uses?.startsWith('aws-actions/'));
          expect(creds?.with?.['role-to-assume']).toBe(gh('vars.AWS_ROLE_ARN'));
          // OIDC trust is per environment: the job must run in one.
          expect(job.environment, `${name} ${id}`).toBeTruthy();
        }
      }
    }
  });

  it('run Node 24', () => {
    for (const name of ['pr.yml', 'deploy.yml', 'retrain.yml']) {
      for (const [, job] of jobs(workflow(name))) {
        for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@'))) {
          expect(step.with?.['node-version']).toBe(24);
        }
      }
    }
  });
});

describe('pr.yml', () => {
  const wf = workflow('pr.yml');
  const runs = jobs(wf).flatMap(([, job]) => job.steps.flatMap((s) => (s.run ? [s.run] : [])));
  const uses = jobs(wf).flatMap(([, job]) => usesOf(job));

  it('runs on pull requests: lint, types, tests, synth per environment, the dist check', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    for (const command of [
      'npm ci',
      'npm run lint',
      'npm run typecheck',
      'npm test',
      'node scripts/buildActions.ts --check',
    ]) {
      expect(runs).toContain(command);
    }
    expect(runs).toContain('npx cdk synth --quiet -c "env=$STOCKOPS_ENV"');
    expect(wf.jobs.synth?.strategy?.matrix?.env).toEqual(['dev', 'staging', 'prod']);
  });

  it('validates config and DAGs and reports through the custom actions', () => {
    for (const action of [
      'validate-config',
      'validate-dags',
      'deploy-cdk',
      'sync-dags',
      'pr-report',
    ]) {
      expect(uses).toContain(`./actions/${action}`);
    }
    const diff = wf.jobs.report?.steps.find((s) => s.uses === './actions/deploy-cdk');
    expect(diff?.with).toEqual({ env: 'dev', mode: 'diff' });
    const sync = wf.jobs.report?.steps.find((s) => s.uses === './actions/sync-dags');
    expect(sync?.with?.['dry-run']).toBe('true');
  });
});

describe('deploy.yml', () => {
  const wf = workflow('deploy.yml');

  it('deploys on pushes to dev, staging and prod, one run per environment at a time', () => {
    expect(wf.on).toEqual({ push: { branches: ['dev', 'staging', 'prod'] } });
    expect(wf.concurrency).toEqual({
      group: `deploy-${gh('github.ref_name')}`,
      'cancel-in-progress': false,
    });
  });

  it('runs every job in the GitHub Environment named by the branch', () => {
    for (const [, job] of jobs(wf)) expect(job.environment).toBe(gh('github.ref_name'));
    for (const [, job] of jobs(wf)) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith('./actions/'))) {
        expect(step.with?.env).toBe(gh('github.ref_name'));
      }
    }
  });

  it('deploy-cdk → sync-dags, then train and gate in dev or promote in staging and prod', () => {
    const infra = usesOf(wf.jobs.infra as Job).filter((u) => u.startsWith('./'));
    expect(infra).toEqual(['./actions/deploy-cdk', './actions/sync-dags']);
    expect(wf.jobs.train?.needs).toBe('infra');
    expect(wf.jobs.train?.if).toBe("github.ref_name == 'dev'");
    expect(usesOf(wf.jobs.train as Job).filter((u) => u.startsWith('./'))).toEqual([
      './actions/train-model',
      './actions/gate-promotion',
    ]);
    const gate = wf.jobs.train?.steps.find((s) => s.uses === './actions/gate-promotion');
    expect(gate?.with?.['job-name']).toBe(gh('steps.train.outputs.job-name'));
    expect(wf.jobs.promote?.needs).toBe('infra');
    expect(wf.jobs.promote?.if).toBe("github.ref_name == 'staging' || github.ref_name == 'prod'");
    expect(usesOf(wf.jobs.promote as Job).filter((u) => u.startsWith('./'))).toEqual([
      './actions/promote-model',
    ]);
  });
});

describe('retrain.yml', () => {
  const wf = workflow('retrain.yml');

  it('takes environment, symbols, hyperparameter overrides and a reason by hand', () => {
    const dispatch = wf.on.workflow_dispatch as { inputs: Record<string, Record<string, unknown>> };
    expect(Object.keys(dispatch.inputs)).toEqual([
      'environment',
      'symbols',
      'hyperparameters',
      'reason',
    ]);
    expect(dispatch.inputs.environment).toMatchObject({
      type: 'choice',
      options: ['dev', 'staging', 'prod'],
    });
    expect(dispatch.inputs.hyperparameters?.default).toBe('{}');
    expect(dispatch.inputs.reason?.required).toBe(true);
  });

  it('also starts on repository_dispatch of type drift-detected', () => {
    expect(wf.on.repository_dispatch).toEqual({ types: ['drift-detected'] });
  });

  it('trains in the requested environment with the overrides and the reason', () => {
    expect(wf.concurrency?.group).toContain('inputs.environment');
    const train = wf.jobs.train as Job;
    expect(train.environment).toBe(gh('needs.request.outputs.environment'));
    const step = train.steps.find((s) => s.uses === './actions/train-model');
    expect(step?.with).toMatchObject({
      env: gh('needs.request.outputs.environment'),
      hyperparameters: gh('needs.request.outputs.hyperparameters'),
      reason: gh('needs.request.outputs.reason'),
    });
    // Event data reaches the resolver through the environment, never the script text.
    const resolve = wf.jobs.request?.steps.find((s) => s.run?.includes('retrainRequest.ts'));
    expect(resolve?.run).toBe('node scripts/retrainRequest.ts');
  });
});

describe('the structural checker', () => {
  it('passes a correct workflow', () => {
    expect(checkWorkflow(`${FIXTURES}/workflows/good.yml`, FIXTURES)).toEqual([]);
  });

  it('reports unknown and missing inputs, unpinned actions and loose permissions, by line', () => {
    const file = `${FIXTURES}/workflows/bad.yml`;
    expect(checkWorkflow(file, FIXTURES).map(formatProblem)).toEqual([
      `${file}:1: permissions: state \`permissions: {}\` at the top; jobs ask for their own`,
      `${file}:7: jobs.unpinned.steps[0].uses: "actions/checkout@v5" is not pinned to a 40-hex commit SHA`,
      `${file}:8: jobs.unpinned.steps[1].uses: "actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444" needs its version in a comment (# vX.Y.Z)`,
      `${file}:11: jobs.unpinned.steps[2].with.nme: ./actions/greet has no input "nme" (its inputs: name, greeting, loud)`,
      `${file}:9: jobs.unpinned.steps[2].with: ./actions/greet requires the input "name"`,
      `${file}:5: jobs.unpinned.permissions: every job states its permissions (at least \`contents: read\`)`,
      `${file}:19: jobs.overgranted.steps[0].uses: ./actions/missing has no action.yml`,
      `${file}:16: jobs.overgranted.permissions.contents: contents: write is not needed by any step of this job`,
      `${file}:17: jobs.overgranted.permissions.id-token: id-token: write is not needed by any step of this job (only aws-actions/configure-aws-credentials needs it)`,
      `${file}:22: jobs.undergranted.permissions: list the scopes (read-all / write-all grant too much)`,
      `${file}:28: jobs.no-token.permissions: aws-actions/configure-aws-credentials@a03048d87541d1d9fcf2ecf528a4a65ba9bd7838 needs id-token: write`,
    ]);
  });
});
