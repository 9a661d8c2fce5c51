import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acknowledgements } from '../../infra/nagAcknowledgements.ts';
import { ENVS, synthEnv } from './synthApp.ts';

const CFN_LINT = resolve('.venv/bin/cfn-lint');

interface PluginReport {
  readonly pluginName: string;
  readonly violations: readonly {
    ruleName: string;
    violatingConstructs: { constructPath: string }[];
  }[];
  readonly suppressedViolations: readonly {
    acknowledgedId: string;
    acknowledgedAt: string;
    reason: string;
  }[];
}

/** The assembly's validation report: every finding of every plugin, warnings included. */
function validationReport(outdir: string): PluginReport[] {
  const file = join(outdir, 'validation-report.json');
  if (!existsSync(file)) throw new Error(`${file} missing: was the cdk-nag plugin added?`);
  return JSON.parse(readFileSync(file, 'utf8')).pluginReports;
}

describe.each(ENVS)('%s: cdk-nag AwsSolutions and cfn-lint', (env) => {
  const { outdir, assembly } = synthEnv(env);

  it('synthesizes with zero unacknowledged cdk-nag findings', () => {
    // Under a test runner an error-level finding makes synth throw; warnings only reach the report.
    const reports = validationReport(outdir);
    expect(reports.map((r) => r.pluginName)).toEqual(['AwsSolutions']);
    const open = reports.flatMap((r) =>
      r.violations.flatMap((v) =>
        v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`),
      ),
    );
    expect(open).toEqual([]);
    expect(assembly.stacks.length).toBeGreaterThanOrEqual(7);
  });

  it('uses every acknowledgement, each with a reason, none stale', () => {
    const used = validationReport(outdir)
      .flatMap((r) => r.suppressedViolations)
      .map((s) => `${s.acknowledgedAt} ${s.acknowledgedId}`);
    const stacks = new Set(assembly.stacks.map((s) => s.stackName));
    const declared = acknowledgements(env)
      .filter((a) => stacks.has(`stockops-${env}-${a.stack}`))
      .map((a) => `stockops-${env}-${a.stack}/${a.path} ${a.id}`);
    expect([...new Set(used)].sort()).toEqual([...new Set(declared)].sort());
    for (const a of acknowledgements(env)) expect(a.reason.length, a.id).toBeGreaterThan(40);
  });

  it('passes cfn-lint with zero errors on every template', () => {
    if (!existsSync(CFN_LINT)) {
      throw new Error(
        `${CFN_LINT} not found: python3 -m venv .venv && .venv/bin/pip install cfn-lint`,
      );
    }
    const templates = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => join(outdir, f));
    expect(templates.length).toBeGreaterThanOrEqual(7);
    const run = spawnSync(CFN_LINT, ['--format', 'json', ...templates], { encoding: 'utf8' });
    const findings = JSON.parse(run.stdout || '[]') as {
      Level: string;
      Rule: { Id: string };
      Message: string;
    }[];
    const errors = findings
      .filter((f) => f.Level === 'Error')
      .map((f) => `${f.Rule.Id}: ${f.Message}`);
    expect(errors).toEqual([]);
  });
});
