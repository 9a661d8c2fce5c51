import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface PytestRun {
  readonly status: number | null;
  readonly results: readonly { readonly outcome: string; readonly name: string }[];
  readonly output: string;
}

/**
 * Runs a Python test folder with a project venv's pytest, once, so each pytest result can
 * become one vitest test and `.ci/run`'s vitest totals count the Python tests too. Returns
 * undefined when the venv is missing (the caller fails on that: npm test's pretest makes it).
 */
export function runPytest(options: {
  readonly python: string;
  readonly folder: string;
  readonly timeoutMs: number;
  readonly env?: Readonly<Record<string, string>>;
}): PytestRun | undefined {
  if (!existsSync(options.python)) return undefined;
  const r = spawnSync(
    options.python,
    ['-m', 'pytest', '-q', '-rA', '-p', 'no:cacheprovider', options.folder],
    {
      encoding: 'utf8',
      timeout: options.timeoutMs,
      env: {
        ...process.env,
        // the Python tests call back into `node scripts/…`: the same node as this test
        PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
        ...options.env,
      },
    },
  );
  const results = [...r.stdout.matchAll(/^(PASSED|FAILED|ERROR|SKIPPED) (\S+)/gm)].map((m) => ({
    outcome: m[1] as string,
    name: m[2] as string,
  }));
  return { status: r.status, results, output: `${r.stdout}\n${r.stderr}` };
}
