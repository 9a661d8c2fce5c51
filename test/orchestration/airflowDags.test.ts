import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The Airflow side (dags/tests, pytest with the real Airflow in .venv-airflow, made by
// `npm test`'s pretest). It runs once here, and each pytest test becomes one vitest test, so
// .ci/run's vitest totals count the Python tests too.
const PYTHON = '.venv-airflow/bin/python';
const home = mkdtempSync(join(tmpdir(), 'stockops-airflow-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function runPytest() {
  const r = spawnSync(
    PYTHON,
    ['-m', 'pytest', '-q', '-rA', '-p', 'no:cacheprovider', 'dags/tests'],
    {
      encoding: 'utf8',
      timeout: 300_000,
      env: {
        ...process.env,
        AIRFLOW_HOME: home,
        AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
        // the parity test runs `node scripts/stockops.ts`: the same node as this test
        PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
      },
    },
  );
  const results = [...r.stdout.matchAll(/^(PASSED|FAILED|ERROR|SKIPPED) (\S+)/gm)].map((m) => ({
    outcome: m[1] as string,
    name: m[2] as string,
  }));
  return { status: r.status, results, output: `${r.stdout}\n${r.stderr}` };
}

const available = existsSync(PYTHON);
const run = available ? runPytest() : undefined;

describe('Airflow DAGs (pytest in .venv-airflow)', () => {
  // no silent skip: npm test's pretest makes the venv, so a missing one is a broken setup
  it('.venv-airflow exists (npm test creates it)', () => {
    expect(available).toBe(true);
  });
  it('pytest ran and collected the DAG tests', () => {
    expect(run?.results.length, run?.output).toBeGreaterThanOrEqual(7);
  });
  it.each(run?.results ?? [])('$name', ({ outcome }) => {
    expect(['PASSED', 'SKIPPED'], run?.output).toContain(outcome);
  });
  it('pytest exit status 0', () => {
    expect(run?.status, run?.output).toBe(0);
  });
});
