#!/usr/bin/env node
// Runs before `npm test`: the suite uses moto server (S3 over HTTP), cfn-lint and zizmor from a
// project venv, and the Airflow DAG tests use the real Airflow + Amazon provider from a second
// one (.venv-airflow: Airflow's pins clash with moto's, and MWAA's versions must be exact), and
// the PySpark feature job's tests a third (.venv-spark: pyspark pinned to the EMR release's
// Spark; Spark runs on the machine's Java 17). A fresh clone gets all three here, once, from
// PyPI; and actionlint (a Go program) built into .tools/bin from the Go module proxy.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface Venv {
  readonly dir: string;
  readonly requirements: string;
  readonly tools: readonly string[];
  readonly why: string;
}

const VENVS: readonly Venv[] = [
  {
    dir: '.venv',
    requirements: 'requirements-dev.txt',
    tools: ['.venv/bin/moto_server', '.venv/bin/cfn-lint', '.venv/bin/zizmor'],
    why: 'the S3, CloudFormation and workflow tests',
  },
  {
    dir: '.venv-airflow',
    requirements: 'dags/requirements-test.txt',
    tools: ['.venv-airflow/bin/pytest', '.venv-airflow/bin/airflow'],
    why: 'the Airflow DAG tests (dags/tests)',
  },
  {
    dir: '.venv-spark',
    requirements: 'processing/requirements.txt',
    tools: ['.venv-spark/bin/pytest', '.venv-spark/bin/spark-submit'],
    why: 'the Spark feature job tests (processing/tests)',
  },
];

/** A venv records the hash of the requirements it was made from, so a changed pin rebuilds it. */
const stampOf = (venv: Venv) => `${venv.dir}/.stockops-requirements.sha256`;
const requirementsHash = (venv: Venv) =>
  createHash('sha256').update(readFileSync(venv.requirements)).digest('hex');

for (const venv of VENVS) {
  const wanted = requirementsHash(venv);
  const stamp = existsSync(stampOf(venv)) ? readFileSync(stampOf(venv), 'utf8').trim() : null;
  const complete = venv.tools.every((tool) => existsSync(tool));
  if (complete && stamp === wanted) continue;
  if (existsSync(venv.dir)) {
    process.stderr.write(
      `stockops: ${venv.dir} was not made from this ${venv.requirements}: rebuilding it\n`,
    );
    rmSync(venv.dir, { recursive: true, force: true });
  }
  process.stderr.write(`stockops: creating ${venv.dir} for ${venv.why} (${venv.requirements})…\n`);
  const started = Date.now();
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', venv.dir]],
    [
      `${venv.dir}/bin/pip`,
      ['install', '--quiet', '--disable-pip-version-check', '-r', venv.requirements],
    ],
  ];
  for (const [command, args] of steps) {
    const r = spawnSync(command, args, { stdio: 'inherit' });
    if (r.status !== 0) {
      process.stderr.write(
        `stockops: \`${command} ${args.join(' ')}\` failed (exit ${r.status ?? r.error?.message}); ` +
          `${venv.why} need Python 3 with venv and access to PyPI\n`,
      );
      process.exit(1);
    }
  }
  writeFileSync(stampOf(venv), `${wanted}\n`);
  process.stderr.write(
    `stockops: ${venv.dir} ready in ${((Date.now() - started) / 1000).toFixed(0)}s\n`,
  );
}

/** Go programs the tests run, built with `go install` into .tools/bin (git-ignored). */
interface GoTool {
  readonly binary: string;
  readonly module: string;
  readonly why: string;
}

const GO_TOOLS: readonly GoTool[] = [
  {
    binary: '.tools/bin/actionlint',
    module: 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12',
    why: 'the workflow tests (test/workflows)',
  },
];

for (const tool of GO_TOOLS) {
  if (existsSync(tool.binary)) continue;
  // Go ships as /usr/local/go on machines where it is not on PATH.
  const go = spawnSync('go', ['version']).status === 0 ? 'go' : '/usr/local/go/bin/go';
  process.stderr.write(`stockops: building ${tool.binary} for ${tool.why} (${tool.module})…\n`);
  const started = Date.now();
  const r = spawnSync(go, ['install', tool.module], {
    stdio: 'inherit',
    // GOTOOLCHAIN=local: build with the installed Go instead of fetching another toolchain.
    env: { ...process.env, GOBIN: resolve('.tools/bin'), GOTOOLCHAIN: 'local' },
  });
  if (r.status !== 0) {
    process.stderr.write(
      `stockops: \`${go} install ${tool.module}\` failed (exit ${r.status ?? r.error?.message}); ` +
        `${tool.why} need Go 1.25+ and access to the Go module proxy\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `stockops: ${tool.binary} ready in ${((Date.now() - started) / 1000).toFixed(0)}s\n`,
  );
}
