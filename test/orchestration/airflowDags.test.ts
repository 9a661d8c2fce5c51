import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPytest } from '../support/pytestSuite.ts';

// The Airflow side (dags/tests, pytest with the real Airflow in .venv-airflow, made by
// `npm test`'s pretest). It runs once here, and each pytest test becomes one vitest test, so
// .ci/run's vitest totals count the Python tests too.
const PYTHON = '.venv-airflow/bin/python';
const home = mkdtempSync(join(tmpdir(), 'stockops-airflow-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const run = runPytest({
  python: PYTHON,
  folder: 'dags/tests',
  timeoutMs: 300_000,
  env: { AIRFLOW_HOME: home, AIRFLOW__CORE__LOAD_EXAMPLES: 'False' },
});
const available = run !== undefined;

describe('Airflow DAGs (pytest in .venv-airflow)', () => {
  // no silent skip: npm test's pretest makes the venv, so a missing one is a broken setup
  it('.venv-airflow exists (npm test creates it)', () => {
    expect(available).toBe(true);
  });
  it('pytest ran and collected the DAG tests', () => {
    expect(run?.results.length, run?.output).toBeGreaterThanOrEqual(7);
  });
  it.each(run?.results ?? [])('$name', ({ outcome }) => {
    // a skipped DAG test would count as passing without checking anything: only PASSED counts
    expect(outcome, run?.output).toBe('PASSED');
  });
  it('pytest exit status 0', () => {
    expect(run?.status, run?.output).toBe(0);
  });
});
