import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The PySpark feature job (processing/tests, pytest with PySpark local[1] in .venv-spark, made
// by `npm test`'s pretest): the committed golden reproduced to 1e-9, random series through
// both implementations, the pinned divergences. It runs once here, and each pytest test
// becomes one vitest test, so .ci/run's vitest totals count the Python tests too.
const PYTHON = '.venv-spark/bin/python';

function runPytest() {
  const r = spawnSync(
    PYTHON,
    ['-m', 'pytest', '-q', '-rA', '-p', 'no:cacheprovider', 'processing/tests'],
    {
      encoding: 'utf8',
      timeout: 600_000,
      env: {
        ...process.env,
        // the differential test runs `node scripts/featureTableJson.ts`: the same node as this test
        PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
        PYSPARK_PYTHON: PYTHON,
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
