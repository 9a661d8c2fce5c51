import { describe, expect, it } from 'vitest';
import { runPytest } from '../support/pytestSuite.ts';

// The PySpark feature job (processing/tests, pytest with PySpark local[1] in .venv-spark, made
// by `npm test`'s pretest): the committed golden reproduced to 1e-9, random series through
// both implementations, the pinned divergences. It runs once here, and each pytest test
// becomes one vitest test, so .ci/run's vitest totals count the Python tests too.
const PYTHON = '.venv-spark/bin/python';
const run = runPytest({
  python: PYTHON,
  folder: 'processing/tests',
  timeoutMs: 600_000,
  env: { PYSPARK_PYTHON: PYTHON },
});
const available = run !== undefined;

describe('Spark feature job (pytest in .venv-spark, PySpark local[1])', () => {
  // no silent skip: npm test's pretest makes the venv, so a missing one is a broken setup
  it('.venv-spark exists (npm test creates it)', () => {
    expect(available).toBe(true);
  });
  it('pytest ran and collected the Spark tests', () => {
    expect(run?.results.length, run?.output).toBeGreaterThanOrEqual(16);
  });
  it.each(run?.results ?? [])('$name', ({ outcome }) => {
    // a skipped Spark test would hide a parity gap: only PASSED counts
    expect(outcome, run?.output).toBe('PASSED');
  });
  it('pytest exit status 0', () => {
    expect(run?.status, run?.output).toBe(0);
  });
});
