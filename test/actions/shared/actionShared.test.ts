import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { loadActionConfig } from '../../../actions/shared/actionConfig.ts';
import { runnerTempFile, writeFileAtomic } from '../../../actions/shared/actionFiles.ts';
import { Inputs } from '../../../actions/shared/actionInputs.ts';
import {
  annotateIssues,
  githubReport,
  RecordingReport,
  tableCell,
  workspacePath,
} from '../../../actions/shared/actionReport.ts';
import {
  ConfigurationError,
  type FailureReporter,
  runAction,
} from '../../../actions/shared/actionRuntime.ts';
import { awsClientSettings } from '../../../actions/shared/awsClients.ts';
import { runCommand, tail } from '../../../actions/shared/commandRunner.ts';
import { customEndpoint, serviceEndpointVariable } from '../../../adapters/aws/awsEndpoint.ts';
import { useTempDir } from '../../support/tempDir.ts';
import { useRunnerFiles } from '../support/runnerFiles.ts';

const tempDir = useTempDir('stockops-action-shared-');
const runnerFiles = useRunnerFiles();

function failures() {
  const calls: { setFailed: string[]; error: [string, unknown][]; debug: string[] } = {
    setFailed: [],
    error: [],
    debug: [],
  };
  const reporter: FailureReporter = {
    setFailed: (m) => calls.setFailed.push(m),
    error: (m, p) => calls.error.push([m, p]),
    debug: (m) => calls.debug.push(m),
  };
  return { calls, reporter };
}

describe('runAction', () => {
  it('runs with the parsed inputs and fails nothing on success', async () => {
    const { calls, reporter } = failures();
    let seen: number | undefined;
    await runAction(
      () => 7,
      async (n) => {
        seen = n;
      },
      reporter,
    );
    expect(seen).toBe(7);
    expect(calls.setFailed).toEqual([]);
  });

  it('reports a ConfigurationError once, with an annotation at its location', async () => {
    const { calls, reporter } = failures();
    await runAction(
      () => {
        throw new ConfigurationError('bad spec', { file: 'dags/x.yaml', line: 3, column: 5 });
      },
      async () => undefined,
      reporter,
    );
    expect(calls.setFailed).toEqual(['bad spec']);
    expect(calls.error).toEqual([
      ['bad spec', { file: 'dags/x.yaml', startLine: 3, startColumn: 5 }],
    ]);
    expect(calls.debug).toEqual([]);
  });

  it('reports a bug with its error name and the stack in the debug log', async () => {
    const { calls, reporter } = failures();
    await runAction(
      () => 1,
      async () => {
        throw new TypeError('x is undefined');
      },
      reporter,
    );
    expect(calls.setFailed).toEqual(['TypeError: x is undefined']);
    expect(calls.debug[0]).toMatch(/^TypeError: x is undefined\n\s+at /);
    const plain = failures();
    await runAction(
      () => 1,
      async () => {
        throw 'a string';
      },
      plain.reporter,
    );
    expect(plain.calls.setFailed).toEqual(['a string']);
  });
});

describe('Inputs', () => {
  const read = (v: Record<string, string>) => new Inputs((n) => v[n] ?? '');
  it('parses every kind of input and names the input in each error', () => {
    const i = read({ s: ' a ', b: 'TRUE', n: '3', o: 'x', j: '{"k":1}', l: 'a, b\nc' });
    expect(i.string('s')).toBe('a');
    expect(i.string('missing', 'd')).toBe('d');
    expect(i.optionalString('missing')).toBeUndefined();
    expect(i.boolean('b', false)).toBe(true);
    expect(i.boolean('missing', true)).toBe(true);
    expect(i.integer('n', 0, 1)).toBe(3);
    expect(i.integer('missing', 9)).toBe(9);
    expect(i.oneOf('o', ['x', 'y'])).toBe('x');
    expect(i.oneOf('missing', ['x', 'y'], 'y')).toBe('y');
    expect(i.jsonObject('j')).toEqual({ k: 1 });
    expect(i.jsonObject('missing')).toEqual({});
    expect(i.list('l')).toEqual(['a', 'b', 'c']);
    expect(i.list('missing', ['z'])).toEqual(['z']);
    const bad = read({ b: 'yes', n: '1.5', o: 'z', j: '[1]', k: '{', s: '' });
    expect(() => bad.string('s')).toThrow('input "s" is required');
    expect(() => bad.boolean('b', false)).toThrow('input "b" must be true or false (got "yes")');
    expect(() => bad.integer('n', 0)).toThrow('input "n" must be an integer ≥ 0 (got "1.5")');
    expect(() => bad.oneOf('o', ['x'])).toThrow('input "o" must be one of x (got "z")');
    expect(() => bad.jsonObject('j')).toThrow('input "j" must be a JSON object (got [1])');
    expect(() => bad.jsonObject('k')).toThrow(/^input "k" is not valid JSON/);
    expect(() => bad.string('s')).toThrow(ConfigurationError);
  });
});

describe('actionReport', () => {
  it('makes paths relative to the workspace for annotations', () => {
    expect(workspacePath('/ws/dags/x.yaml', '/ws')).toBe('dags/x.yaml');
    expect(workspacePath('/elsewhere/x.yaml', '/ws')).toBe('/elsewhere/x.yaml');
    expect(workspacePath('config/dev.yaml', '/ws')).toBe('config/dev.yaml');
  });

  it('annotates each issue at its file, line and column', () => {
    const report = new RecordingReport();
    annotateIssues(
      [
        {
          file: 'config/prod.yaml',
          line: 12,
          column: 5,
          path: 'gate.max',
          message: 'must be <= 2',
        },
      ],
      report,
    );
    expect(report.errors).toEqual([
      {
        message: 'gate.max: must be <= 2',
        properties: {
          title: 'config/prod.yaml:12:5: gate.max',
          file: 'config/prod.yaml',
          startLine: 12,
          startColumn: 5,
        },
      },
    ]);
  });

  it('escapes table cells', () => {
    expect(tableCell('a|b\nc\\d')).toBe('a\\|b c\\\\d');
  });

  it('githubReport writes outputs and appends summaries to the current files', async () => {
    const files = runnerFiles(tempDir());
    githubReport.setOutput('multi', 'line 1\nline 2');
    githubReport.setOutput('n', 3);
    await githubReport.summary('one');
    await githubReport.summary('two\n');
    expect(files.outputs()).toEqual({ multi: 'line 1\nline 2', n: '3' });
    expect(files.summary()).toBe('one\ntwo\n');
    // A second step's files: the path is read again, not cached.
    const next = runnerFiles(tempDir());
    await githubReport.summary('three');
    expect(next.summary()).toBe('three\n');
    expect(await githubReport.group('g', async () => 5)).toBe(5);
  });
});

describe('loadActionConfig', () => {
  it('returns the resolved config', () => {
    expect(loadActionConfig('config', 'dev', new RecordingReport()).config.aws?.region).toBe(
      'us-east-1',
    );
  });
  it('annotates each config issue and throws one ConfigurationError', () => {
    const report = new RecordingReport();
    expect(() => loadActionConfig('config', 'qa', report)).toThrow(
      /^1 config error:\nconfig\/qa\.yaml:1:1: /,
    );
    expect(report.errors[0]?.properties).toMatchObject({
      file: 'config/qa.yaml',
      startLine: 1,
      startColumn: 1,
    });
  });
});

describe('actionFiles', () => {
  it('puts files in RUNNER_TEMP and writes them whole', () => {
    const dir = tempDir();
    expect(runnerTempFile('x.json', { RUNNER_TEMP: dir })).toBe(join(dir, 'x.json'));
    const path = join(dir, 'sub', 'x.json');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['x.json']);
  });
});

describe('awsClients', () => {
  it('uses path-style S3 and one attempt against a custom endpoint only', () => {
    expect(awsClientSettings('s3', 'eu-west-1', {})).toEqual({ region: 'eu-west-1' });
    expect(
      awsClientSettings('s3', 'eu-west-1', { AWS_ENDPOINT_URL: 'http://localhost:5000' }),
    ).toEqual({
      region: 'eu-west-1',
      maxAttempts: 1,
      forcePathStyle: true,
    });
    expect(awsClientSettings('mwaa', 'eu-west-1', { AWS_ENDPOINT_URL_MWAA: 'http://x' })).toEqual({
      region: 'eu-west-1',
      maxAttempts: 1,
    });
    expect(serviceEndpointVariable('secrets-manager')).toBe('AWS_ENDPOINT_URL_SECRETS_MANAGER');
    expect(customEndpoint('s3', { AWS_ENDPOINT_URL: 'g', AWS_ENDPOINT_URL_S3: 's' })).toBe('s');
    expect(customEndpoint('s3', { AWS_ENDPOINT_URL: ' ' })).toBeUndefined();
  });

  it('the SDK itself sends to AWS_ENDPOINT_URL, path-style', async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        '<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>',
      );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    try {
      const client = new S3Client(awsClientSettings('s3', 'us-east-1'));
      await client.send(new ListObjectsV2Command({ Bucket: 'airflow-bucket' }));
      expect(paths).toHaveLength(1);
      expect(paths[0]).toMatch(/^\/airflow-bucket\/?\?list-type=2/);
    } finally {
      process.env = saved;
      await new Promise((ok) => server.close(ok));
    }
  });
});

describe('commandRunner', () => {
  it('runs a program without a shell and collects its output and code', async () => {
    const r = await runCommand(process.execPath, [
      '-e',
      'process.stdout.write("o"); process.stderr.write("e"); process.exit(3)',
    ]);
    expect(r).toEqual({ code: 3, stdout: 'o', stderr: 'e' });
    const shell = await runCommand(process.execPath, [
      '-e',
      'process.stdout.write(process.argv[1])',
      '$(echo hi); ls',
    ]);
    expect(shell.stdout).toBe('$(echo hi); ls');
  });
  it('rejects when the program cannot start', async () => {
    await expect(runCommand('/nonexistent/program', [])).rejects.toThrow(/ENOENT/);
  });
  it('keeps the last lines for messages', () => {
    expect(tail('a\nb\nc\n', 2)).toBe('b\nc');
  });
});
