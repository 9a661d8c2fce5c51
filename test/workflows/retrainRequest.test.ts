import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  outputLines,
  RetrainRequestError,
  resolveRetrainRequest,
} from '../../scripts/retrainRequest.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();
const fromConfig = (env: string) => (env === 'prod' ? ['AMZN', 'MSFT'] : ['AMZN']);

describe('resolveRetrainRequest', () => {
  it('takes the workflow_dispatch inputs', () => {
    expect(
      resolveRetrainRequest(
        'workflow_dispatch',
        {
          environment: 'staging',
          symbols: ' amzn, MSFT ,amzn',
          hyperparameters: '{"epochs": 20, "units": 32}',
          reason: 'new   quarter\nof data',
        },
        fromConfig,
      ),
    ).toEqual({
      environment: 'staging',
      symbols: ['AMZN', 'MSFT'],
      hyperparameters: { epochs: 20, units: 32 },
      reason: 'new quarter of data',
    });
  });

  it('defaults a drift-detected dispatch to dev, the config symbols and a stated reason', () => {
    expect(resolveRetrainRequest('repository_dispatch', null, fromConfig)).toEqual({
      environment: 'dev',
      symbols: ['AMZN'],
      hyperparameters: {},
      reason: 'drift detected',
    });
    expect(
      resolveRetrainRequest(
        'repository_dispatch',
        { environment: 'prod', symbols: ['msft'], hyperparameters: { epochs: 5 } },
        fromConfig,
      ),
    ).toMatchObject({ environment: 'prod', symbols: ['MSFT'], hyperparameters: { epochs: 5 } });
    expect(
      resolveRetrainRequest('workflow_dispatch', { environment: 'prod', reason: 'r' }, fromConfig)
        .symbols,
    ).toEqual(['AMZN', 'MSFT']);
  });

  it.each([
    [
      { environment: 'qa', reason: 'r' },
      'input.environment must be one of dev, staging, prod (got "qa")',
    ],
    [
      { symbols: 'AMZN;rm -rf', reason: 'r' },
      'input.symbols: "AMZN;RM -RF" is not a ticker symbol',
    ],
    [{ hyperparameters: '{epochs: 1}', reason: 'r' }, 'input.hyperparameters is not valid JSON'],
    [{ hyperparameters: '[1]', reason: 'r' }, 'input.hyperparameters must be a JSON object'],
    [{ reason: '  ' }, 'input.reason: say why the model is retrained'],
    [{ environment: 1, reason: 'r' }, 'input.environment must be a string (got 1)'],
  ])('refuses %j', (fields, message) => {
    const call = () => resolveRetrainRequest('workflow_dispatch', fields, fromConfig);
    expect(call).toThrow(RetrainRequestError);
    expect(call).toThrow(message);
  });

  it('refuses other events', () => {
    expect(() => resolveRetrainRequest('push', {}, fromConfig)).toThrow(
      'retrain runs on workflow_dispatch or repository_dispatch, not push',
    );
  });

  it('writes one line per output', () => {
    expect(
      outputLines({
        environment: 'dev',
        symbols: ['AMZN'],
        hyperparameters: { epochs: 3 },
        reason: 'drift detected',
      }),
    ).toBe(
      'environment=dev\nsymbols=["AMZN"]\nhyperparameters={"epochs":3}\nreason=drift detected\n',
    );
  });
});

describe('node scripts/retrainRequest.ts', () => {
  const script = resolve('scripts/retrainRequest.ts');
  const run = (event: string, request: string, output: string) =>
    spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GITHUB_EVENT_NAME: event,
        RETRAIN_REQUEST: request,
        GITHUB_OUTPUT: output,
      },
    });

  it('appends the request to GITHUB_OUTPUT, symbols from config/<env>.yaml', () => {
    const output = join(tempDir(), 'output');
    const r = run(
      'workflow_dispatch',
      '{"environment":"dev","symbols":"","reason":"test"}',
      output,
    );
    expect(r.status).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe(
      'environment=dev\nsymbols=["AMZN"]\nhyperparameters={}\nreason=test\n',
    );
  });

  it('exits 2 with an error annotation on a bad request', () => {
    const r = run('repository_dispatch', '{"hyperparameters":"x"}', join(tempDir(), 'output'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      '::error title=retrain request::client_payload.hyperparameters is not valid JSON',
    );
  });
});
