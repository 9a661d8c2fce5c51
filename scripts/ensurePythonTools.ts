#!/usr/bin/env node
// Runs before `npm test`: the suite uses moto server (S3 over HTTP) and cfn-lint from a project
// venv, and the Airflow DAG tests use the real Airflow + Amazon provider from a second one
// (.venv-airflow: Airflow's pins clash with moto's, and MWAA's versions must be exact), and the
// PySpark feature job's tests a third (.venv-spark: pyspark pinned to the EMR release's Spark;
// Spark runs on the machine's Java 17). A fresh clone gets all three here, once, from PyPI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
    tools: ['.venv/bin/moto_server', '.venv/bin/cfn-lint'],
    why: 'the S3 and CloudFormation tests',
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

for (const venv of VENVS) {
  if (venv.tools.every((tool) => existsSync(tool))) continue;
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
  process.stderr.write(
    `stockops: ${venv.dir} ready in ${((Date.now() - started) / 1000).toFixed(0)}s\n`,
  );
}
