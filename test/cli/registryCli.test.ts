import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallPipeline } from '../support/smallPipeline.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();
const BIN = resolve('scripts/stockops.ts');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('stockops registry', () => {
  it('lists versions, refuses a Rejected champion, approves by hand, rolls the champion back', () => {
    const { configDir, data, store } = smallPipeline(tempDir());
    const at = ['--config', configDir, '--store', store, '--symbols', 'AAA'];
    const run = cli(['run', ...at, '--source', `csv:${data}`, '--until', '2020-06-30', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
    const registry = summary.results.AAA.registry;
    const baseline = registry.champion.version as number;
    const lstm = registry.candidate.version as number;

    const list = cli(['registry', 'list', ...at]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^AAA: 5 versions, champion v${baseline}$`, 'm'));
    expect(list.stdout).toMatch(new RegExp(`^  \\* v${baseline} `, 'm'));
    expect(list.stdout.split('\n').filter((l) => /^ {2}[ *] v\d/.test(l))).toHaveLength(5);

    const one = ['--symbol', 'AAA', '--version', String(lstm)];
    if (registry.candidate.status === 'Rejected') {
      const refused = cli(['registry', 'champion', ...at, ...one, '--reason', 'try it']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^stockops: registry: AAA\/\d+ is Rejected/m);
      const approved = cli(['registry', 'approve', ...at, ...one, '--reason', 'reviewed by hand']);
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.stdout).toBe(`AAA v${lstm}: Approved\n`);
    }
    const promoted = cli(['registry', 'champion', ...at, ...one, '--reason', 'serve the lstm']);
    expect(promoted.code, promoted.stderr).toBe(0);
    const back = [...at, '--symbol', 'AAA', '--version', String(baseline)];
    const rollback = cli(['registry', 'champion', ...back, '--reason', 'roll back']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toBe(`AAA: champion is v${baseline} (roll back)\n`);
    const json = cli(['registry', 'list', ...at, '--json']);
    expect(JSON.parse(json.stdout).champion).toBe(baseline);

    const bad = cli([
      'registry',
      'champion',
      ...at,
      '--symbol',
      'AAA',
      '--version',
      'x',
      '--reason',
      'r',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--version: expected a version number/);
  }, 120_000);
});
