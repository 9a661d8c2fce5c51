// actionlint and zizmor over .github/workflows: both must report nothing. Each is also run on
// a fixture with known faults, so a linter that silently checks nothing fails here too.
// `npm test`'s pretest (scripts/ensurePythonTools.ts) provisions both: zizmor into .venv from
// requirements-dev.txt, actionlint into .tools/bin from the Go module proxy.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ACTIONLINT = resolve('.tools/bin/actionlint');
const ZIZMOR = resolve('.venv/bin/zizmor');
const UNSAFE = 'test/workflows/fixtures/linters/unsafe.yml';
const WORKFLOWS = '.github/workflows';
const WORKFLOW_FILES = readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(WORKFLOWS, f));

function run(binary: string, args: readonly string[]) {
  if (!existsSync(binary)) {
    throw new Error(
      `${binary} is missing: run \`node scripts/ensurePythonTools.ts\` (npm pretest)`,
    );
  }
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const actionlint = (...files: string[]) => run(ACTIONLINT, ['-no-color', '-oneline', ...files]);
const zizmor = (...inputs: string[]) =>
  run(ZIZMOR, [
    '--offline',
    '--no-progress',
    '--color=never',
    '--config=.github/zizmor.yml',
    ...inputs,
  ]);

describe('actionlint', () => {
  it('reports nothing on .github/workflows', () => {
    // Local actions (./actions/<name>) are checked too: their inputs and their dist/index.js.
    expect(WORKFLOW_FILES).toHaveLength(3);
    const r = actionlint(...WORKFLOW_FILES);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('reports an untrusted expression in a script and an unknown step output', () => {
    const r = actionlint(UNSAFE);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${UNSAFE}:9:24: "github.event.pull_request.title" is potentially untrusted`,
    );
    expect(r.stdout).toContain(`${UNSAFE}:10:24: property "missing" is not defined`);
  });
});

describe('zizmor (offline audits)', () => {
  it('reports nothing on .github/workflows', () => {
    const r = zizmor('.github/workflows');
    expect(r.stdout).toContain('No findings to report');
    expect(r.code).toBe(0);
  });

  it('reports template injection, an unpinned action and persisted credentials', () => {
    const r = zizmor(UNSAFE);
    // zizmor's exit code grows with the worst severity found (10 + n); 0 means no findings.
    expect(r.code).toBeGreaterThanOrEqual(10);
    for (const audit of ['template-injection', 'unpinned-uses', 'artipacked']) {
      expect(r.stdout).toContain(`[${audit}]`);
    }
  });
});
