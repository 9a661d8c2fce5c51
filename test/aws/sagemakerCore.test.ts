import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import {
  deploymentConfig,
  endpointConfigName,
  modelName,
} from '../../core/deploy/endpointDeployment.ts';
import {
  endpointAlarmNames,
  packageGroupName,
  sagemakerName,
} from '../../core/deploy/sagemakerNames.ts';
import { evaluateGate } from '../../core/gate/promotionGate.ts';
import { championFromRegistry } from '../../core/gate/registryChampion.ts';
import {
  approvalDescription,
  packageMetadata,
  plannedPackages,
  readPackageIdentity,
} from '../../core/registry/packageMetadata.ts';
import { finalMetricMismatches } from '../../core/training/finalMetricCheck.ts';
import {
  finalMetrics,
  trainingHyperparameters,
  trainingJobName,
  trainingJobRequest,
} from '../../core/training/trainingJobRequest.ts';
import { buildEvaluation, GATE_THRESHOLDS } from '../gate/evaluationBuilder.ts';

const dev = loadConfig({ env: 'dev' }).config;
const AT = new Date('2026-06-12T22:30:05Z');
const base = {
  config: dev,
  env: 'dev',
  symbol: 'AMZN',
  imageUri: 'img',
  roleArn: 'role',
  bucket: 'stockops-dev-models',
  overrides: {},
  reason: '',
  at: AT,
};

describe('the CreateTrainingJob request', () => {
  it("names jobs by environment, symbol and second, within SageMaker's limits", () => {
    expect(trainingJobName('dev', 'AMZN', AT)).toBe('stockops-dev-amzn-20260612-223005');
    expect(trainingJobName('staging', 'BRK.B', AT)).toBe('stockops-staging-brk-b-20260612-223005');
    expect(sagemakerName('x'.repeat(70), 'y')).toHaveLength(63);
  });

  it('sends every container hyperparameter from config as strings, overrides on top', () => {
    const h = trainingHyperparameters(dev, 'AMZN', {
      units: 32,
      warm_start: false,
      avg_price: 'close',
    });
    expect(h).toMatchObject({
      units: '32',
      warm_start: 'false',
      avg_price: 'close',
      epochs: '12',
      folds: '5',
      symbol: 'AMZN',
    });
    expect(Object.keys(h)).toEqual([...Object.keys(h)].sort());
    expect(() => trainingHyperparameters(dev, 'AMZN', { symbol: 'MSFT', layers: [2] })).toThrow(
      'hyperparameters.json: symbol: set it with the symbol input, not as a hyperparameter; layers: expected a number, a boolean or a string (got [2])',
    );
  });

  it('on-demand: no wait time and no checkpoints; tags keep the reason and commit', () => {
    const onDemand = {
      ...dev,
      aws: { ...dev.aws, training: { ...dev.aws?.training, use_spot: false } },
    } as StockopsConfig;
    const r = trainingJobRequest({
      ...base,
      config: onDemand,
      reason: 'drift: error ratio 1.07 | alarm',
      gitSha: 'abc',
    });
    expect(r.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200 });
    expect(r.EnableManagedSpotTraining).toBe(false);
    expect('CheckpointConfig' in r).toBe(false);
    expect(r.Tags).toEqual([
      { Key: 'stockops:env', Value: 'dev' },
      { Key: 'stockops:symbol', Value: 'AMZN' },
      { Key: 'stockops:reason', Value: 'drift: error ratio 1.07   alarm' },
      { Key: 'stockops:git-sha', Value: 'abc' },
    ]);
    expect(r.AlgorithmSpecification.MetricDefinitions.map((d) => d.Name)).toContain(
      'walkforward:rmse_return',
    );
    expect(r.Environment).toEqual({ STOCKOPS_ENV: 'dev' });
  });

  it('refuses a config without aws.training and a bad bucket', () => {
    const { aws: _, ...local } = dev;
    expect(() => trainingJobRequest({ ...base, config: local as StockopsConfig })).toThrow(
      'config for dev has no aws.training section',
    );
    expect(() => trainingJobRequest({ ...base, bucket: 'S3://x' })).toThrow(
      'bucket must be an S3 bucket name (got "S3://x")',
    );
  });

  it("reads FinalMetricDataList and checks it against the artifact's evaluation", () => {
    expect(
      finalMetrics([
        { MetricName: 'a', Value: 1 },
        { MetricName: 'b', Value: Number.NaN },
        { Value: 2 },
      ]),
    ).toEqual({ a: 1 });
    const e = buildEvaluation();
    const rmse = e.models.lstm?.aggregate.scores.rmse_return ?? 0;
    expect(
      finalMetricMismatches(
        { 'walkforward:rmse_return': Math.fround(rmse), 'train:progress': 100 },
        e,
      ),
    ).toEqual([]);
    expect(finalMetricMismatches({ 'walkforward:rmse_return': 0.5 }, e)).toEqual([
      `walkforward:rmse_return: the job reported 0.5, its evaluation.json says ${rmse}`,
    ]);
  });
});

describe('names and guardrails', () => {
  it('names groups, endpoints and alarms as the contract and the monitoring stack do', () => {
    expect(packageGroupName('prod', 'BRK.B')).toBe('stockops-prod-brk-b');
    expect(endpointAlarmNames('staging')).toEqual([
      'stockops-staging-endpoint5xx',
      'stockops-staging-endpoint-latency-p99',
    ]);
    const model = modelName('stockops-prod-amzn', { arn: 'a', sourceEnv: 'staging', version: 12 });
    expect(model).toBe('stockops-prod-amzn-staging-v12');
    expect(endpointConfigName(model, { instanceType: 'ml.m5.large', instanceCount: 2 })).toBe(
      'stockops-prod-amzn-staging-v12-m5-large-x2',
    );
  });

  it('refuses a guardrail without alarms or with a timeout shorter than its waits', () => {
    expect(() => deploymentConfig(2, [])).toThrow('a guarded deployment needs at least one alarm');
    expect(() =>
      deploymentConfig(2, ['a'], {
        canaryWaitSeconds: 300,
        terminationWaitSeconds: 300,
        maxExecutionSeconds: 600,
      }),
    ).toThrow(
      'maxExecutionSeconds (600) must exceed the canary wait plus the termination wait (600)',
    );
  });
});

describe('the champion and the packages of a gate decision', () => {
  const candidate = buildEvaluation();

  it("compares a baseline champion, and an LSTM with the same hyperparameters, on the candidate's evaluation", () => {
    expect(championFromRegistry(candidate, undefined)).toBeUndefined();
    expect(
      championFromRegistry(candidate, { kind: 'baseline', model: 'last_close', version: 1 }),
    ).toEqual({
      version: 1,
      model: 'last_close',
      evaluation: candidate,
    });
    const older = buildEvaluation({ sha256: 'b'.repeat(64) });
    expect(
      championFromRegistry(candidate, {
        kind: 'candidate',
        model: 'lstm',
        version: 2,
        evaluation: older,
      })?.evaluation,
    ).toBe(candidate);
    const other = JSON.parse(JSON.stringify(older));
    other.models.lstm.params = { units: 8 };
    expect(
      championFromRegistry(candidate, {
        kind: 'candidate',
        model: 'lstm',
        version: 2,
        evaluation: other,
      })?.evaluation,
    ).toBe(other);
  });

  it("plans the best baseline first on a new group, then the candidate with the gate's status", () => {
    const decision = evaluateGate({ candidate, thresholds: GATE_THRESHOLDS });
    const plan = plannedPackages({
      evaluation: candidate,
      decision,
      trainingJob: 'job-1',
      firstChampion: true,
    });
    expect(
      plan.map((p) => [
        p.identity.kind,
        p.identity.model,
        p.status,
        p.environment.STOCKOPS_SERVE_MODEL,
      ]),
    ).toEqual([
      ['baseline', 'last_close', 'Approved', 'last_close'],
      ['candidate', 'lstm', 'Approved', 'lstm'],
    ]);
    expect(
      plannedPackages({
        evaluation: candidate,
        decision,
        trainingJob: 'job-1',
        firstChampion: false,
      }),
    ).toHaveLength(1);
    const metadata = plan[1]?.metadata ?? {};
    expect(Object.keys(metadata).length).toBeLessThanOrEqual(50);
    expect(Object.entries(metadata).every(([k, v]) => k.length <= 128 && v.length <= 256)).toBe(
      true,
    );
    expect(readPackageIdentity(metadata)).toEqual({
      kind: 'candidate',
      model: 'lstm',
      trainingJob: 'job-1',
    });
    expect(readPackageIdentity({ 'stockops:kind': 'other' })).toBeUndefined();
    expect(
      packageMetadata({ kind: 'baseline', model: 'missing', trainingJob: 'j' }, candidate)[
        'stockops:data-sha256'
      ],
    ).toBe('a'.repeat(64));
  });

  it("keeps the approval description within SageMaker's 1024 characters", () => {
    const reject = {
      ...evaluateGate({ candidate, thresholds: GATE_THRESHOLDS }),
      decision: 'reject' as const,
      reasons: ['x'.repeat(2000)],
    };
    const text = approvalDescription(
      { kind: 'candidate', model: 'lstm', trainingJob: 'j' },
      reject,
    );
    expect(text).toHaveLength(1024);
    expect(text.endsWith('…')).toBe(true);
  });
});
