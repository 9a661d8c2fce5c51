#!/usr/bin/env node
// Runs before `npm test`: the suite uses moto server (S3 over HTTP) and cfn-lint from a project
// venv. A fresh clone gets it here, once, from requirements-dev.txt (PyPI).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TOOLS = ['.venv/bin/moto_server', '.venv/bin/cfn-lint'];

if (!TOOLS.every((tool) => existsSync(tool))) {
  process.stderr.write(
    'stockops: creating .venv with the Python test tools (requirements-dev.txt)…\n',
  );
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', '.venv']],
    [
      '.venv/bin/pip',
      ['install', '--quiet', '--disable-pip-version-check', '-r', 'requirements-dev.txt'],
    ],
  ];
  for (const [command, args] of steps) {
    const r = spawnSync(command, args, { stdio: 'inherit' });
    if (r.status !== 0) {
      process.stderr.write(
        `stockops: \`${command} ${args.join(' ')}\` failed (exit ${r.status ?? r.error?.message}); ` +
          'the S3 and CloudFormation tests need Python 3 with venv and access to PyPI\n',
      );
      process.exit(1);
    }
  }
}
