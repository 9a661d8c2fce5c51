import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();
const BIN = resolve('scripts/stockops.ts');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('stockops dags', () => {
  it('validate: the repository specs are ok', () => {
    const { code, stdout } = cli(['dags', 'validate']);
    expect(code).toBe(0);
    expect(stdout).toContain('dags/pipelines/daily.yaml: ok (stockops_daily');
    expect(stdout).toContain('dags/pipelines/backfill.yaml: ok (stockops_backfill');
  });

  it('validate: one line per error, file:line:col, exit 2', () => {
    const dir = tempDir();
    const daily = readFileSync('dags/pipelines/daily.yaml', 'utf8');
    writeFileSync(
      join(dir, 'a.yaml'),
      daily.replace(
        'after: [features]\n    timeout_seconds: 7200\n    params',
        'after: [featurs]\n    timeout_seconds: 7200\n    params',
      ),
    );
    writeFileSync(
      join(dir, 'b.yaml'),
      daily.replace('stockops_daily', 'stockops_other').replace('America/New_York', 'Nowhere/City'),
    );
    const { code, stderr } = cli(['dags', 'validate', dir]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      `${join(dir, 'a.yaml')}:34:13: tasks.train.after: unknown task "featurs"`,
      `${join(dir, 'b.yaml')}:6:11: timezone: unknown IANA time zone "Nowhere/City"`,
    ]);
  });

  it('validate: two specs with one dag_id', () => {
    const dir = tempDir();
    const daily = readFileSync('dags/pipelines/daily.yaml', 'utf8');
    writeFileSync(join(dir, 'a.yaml'), daily);
    writeFileSync(join(dir, 'b.yaml'), daily);
    const { code, stderr } = cli(['dags', 'validate', dir]);
    expect(code).toBe(2);
    expect(stderr).toContain('b.yaml:1:1: dag_id: dag_id "stockops_daily" is also used by');
  });

  it('export: the task graphs as JSON', () => {
    const { code, stdout } = cli(['dags', 'export']);
    expect(code).toBe(0);
    const graphs = JSON.parse(stdout) as { dag_id: string; tasks: { id: string }[] }[];
    expect(graphs.map((g) => g.dag_id)).toEqual(['stockops_backfill', 'stockops_daily']);
    expect(graphs[1]?.tasks.map((t) => t.id)).toContain('train');
  });
});
