import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  StopTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, runAction } from '../../../actions/shared/actionRuntime.ts';
import { parseInputs, type TrainModelInputs } from '../../../actions/train-model/src/inputs.ts';
import { run } from '../../../actions/train-model/src/run.ts';
import { trainingJobName } from '../../../core/training/trainingJobRequest.ts';
import {
  actionManifest,
  BUCKET,
  fakeClock,
  IMAGE_URI,
  motoClients,
  ROLE_ARN,
  recordingReport,
  runnerEnvironment,
} from '../../aws/sagemakerHarness.ts';
import { type MotoServer, startMoto } from '../../support/motoServer.ts';

const AT = new Date('2026-06-12T22:30:05.123Z');
const JOB = trainingJobName('dev', 'AMZN', AT);

const RAW: Record<string, string> = {
  env: 'dev',
  'role-arn': ROLE_ARN,
  'image-uri': IMAGE_URI,
  bucket: BUCKET,
};
const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

function inputs(extra: Record<string, string> = {}): TrainModelInputs {
  return parseInputs(reader({ ...RAW, ...extra }));
}

describe('train-model inputs', () => {
  it('applies the contract defaults', () => {
    expect(inputs()).toEqual({
      env: 'dev',
      symbol: undefined,
      hyperparameters: {},
      roleArn: ROLE_ARN,
      imageUri: IMAGE_URI,
      bucket: BUCKET,
      wait: true,
      region: undefined,
      reason: '',
      configDir: 'config',
      pollSeconds: 30,
    });
  });

  it('reads every input', () => {
    const parsed = inputs({
      symbol: 'amzn',
      hyperparameters: '{"units": 32, "learning_rate": "0.001"}',
      wait: 'false',
      region: 'eu-west-1',
      reason: 'drift alarm',
      'poll-seconds': '5',
    });
    expect(parsed).toMatchObject({
      symbol: 'amzn',
      hyperparameters: { units: 32, learning_rate: '0.001' },
      wait: false,
      region: 'eu-west-1',
      reason: 'drift alarm',
      pollSeconds: 5,
    });
  });

  it.each([
    [{ env: 'local' }, 'input "env" must be one of dev, staging, prod (got "local")'],
    [{ 'role-arn': '' }, 'input "role-arn" is required'],
    [{ 'image-uri': '' }, 'input "image-uri" is required'],
    [{ bucket: '' }, 'input "bucket" is required'],
    [{ wait: 'yes' }, 'input "wait" must be true or false (got "yes")'],
    [{ hyperparameters: '[1]' }, 'input "hyperparameters" must be a JSON object (got [1])'],
    [{ hyperparameters: '{units:' }, 'input "hyperparameters" is not valid JSON'],
    [{ 'poll-seconds': '0' }, 'input "poll-seconds" must be an integer ≥ 1 (got "0")'],
  ])('refuses %j', (extra, message) => {
    expect(() => inputs(extra)).toThrow(ConfigurationError);
    expect(() => inputs(extra)).toThrow(message);
  });
});

describe('train-model against moto', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());
  beforeEach(async () => moto.reset());

  const deps = (extra: object = {}) => ({
    clients: () => motoClients(moto.endpoint),
    clock: fakeClock(),
    now: () => AT,
    signal: new AbortController().signal,
    gitSha: 'abc123',
    ...extra,
  });

  it('creates the job from config, follows its logs and outputs name, artifact and metrics', async () => {
    const clients = motoClients(moto.endpoint);
    // what the container would have logged (moto runs no container); stamped now, because
    // CloudWatch Logs drops events older than 14 days
    await clients.logs.send(
      new CreateLogGroupCommand({ logGroupName: '/aws/sagemaker/TrainingJobs' }),
    );
    const stream = `${JOB}/algo-1-1781303405`;
    await clients.logs.send(
      new CreateLogStreamCommand({
        logGroupName: '/aws/sagemaker/TrainingJobs',
        logStreamName: stream,
      }),
    );
    await clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: '/aws/sagemaker/TrainingJobs',
        logStreamName: stream,
        logEvents: [
          { timestamp: Date.now(), message: 'train: AMZN, 7316 bars' },
          { timestamp: Date.now() + 1, message: 'walkforward:rmse_return=0.0191' },
        ],
      }),
    );
    const report = recordingReport();
    await run(inputs({ hyperparameters: '{"units": 32}', reason: 'weekly retrain' }), {
      ...deps(),
      report,
    });

    expect(report.outputs).toEqual({
      'job-name': JOB,
      'model-artifact': `s3://${BUCKET}/training/output/${JOB}/output/model.tar.gz`,
      // moto completes every job at once with this fixed FinalMetricDataList
      metrics: '{"train:progress":100}',
    });
    expect(report.lines).toContain('  | train: AMZN, 7316 bars');
    expect(report.lines).toContain('  | walkforward:rmse_return=0.0191');
    expect(report.lines.some((l) => l.startsWith(`${JOB}: Completed`))).toBe(true);
    expect(report.summaries[0]).toContain(`### Training AMZN (dev): Completed`);

    const job = await clients.sagemaker.send(
      new DescribeTrainingJobCommand({ TrainingJobName: JOB }),
    );
    expect(job.HyperParameters).toMatchObject({
      units: '32',
      symbol: 'AMZN',
      epochs: '12',
      window: '20',
    });
    expect(job.RoleArn).toBe(ROLE_ARN);
    expect(job.AlgorithmSpecification?.TrainingImage).toBe(IMAGE_URI);
    expect(job.ResourceConfig).toMatchObject({
      InstanceType: 'ml.m5.large',
      InstanceCount: 1,
      VolumeSizeInGB: 10,
    });
    expect(job.EnableManagedSpotTraining).toBe(true);
    expect(job.StoppingCondition).toEqual({
      MaxRuntimeInSeconds: 7200,
      MaxWaitTimeInSeconds: 14400,
    });
    expect(job.CheckpointConfig?.S3Uri).toBe(`s3://${BUCKET}/training/checkpoints/${JOB}/`);
    expect(job.InputDataConfig?.[0]).toMatchObject({
      ChannelName: 'train',
      DataSource: { S3DataSource: { S3Uri: `s3://${BUCKET}/training/prices/` } },
    });
  });

  it('with wait false outputs the expected artifact and no metrics at once', async () => {
    const report = recordingReport();
    const clock = fakeClock();
    await run(inputs({ wait: 'false' }), { ...deps({ clock }), report });
    expect(report.outputs).toEqual({
      'job-name': JOB,
      'model-artifact': `s3://${BUCKET}/training/output/${JOB}/output/model.tar.gz`,
      metrics: '{}',
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('refuses bad hyperparameter overrides before any AWS call', async () => {
    const report = recordingReport();
    await expect(
      run(inputs({ hyperparameters: '{"unit": 32}' }), { ...deps(), report }),
    ).rejects.toThrow(
      /input "hyperparameters": unit: not a hyperparameter \(known: avg_price, batch_size/,
    );
    await expect(
      run(inputs({ hyperparameters: '{"units": 0}' }), { ...deps(), report }),
    ).rejects.toThrow(/input "hyperparameters": hyperparameter units: must be >= 1/);
    await expect(
      run(inputs({ hyperparameters: '{"units": "many"}' }), { ...deps(), report }),
    ).rejects.toThrow('input "hyperparameters": units: expected an integer (got "many")');
    await expect(run(inputs({ symbol: 'TSLA' }), { ...deps(), report })).rejects.toThrow(
      'input "symbol": TSLA is not in the config\'s symbols (AMZN)',
    );
    expect(report.outputs).toEqual({});
  });

  it('writes outputs and the summary to the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files', async () => {
    const runner = runnerEnvironment({ ...RAW, symbol: 'AMZN' }, moto.endpoint);
    const failures: string[] = [];
    try {
      // default clients: the SDK finds moto through AWS_ENDPOINT_URL
      await runAction(
        () => parseInputs(),
        (i) => run(i, { clock: fakeClock(), now: () => AT, signal: new AbortController().signal }),
        { setFailed: (m) => failures.push(m), error: () => {}, debug: () => {} },
      );
      expect(failures).toEqual([]);
      expect(runner.outputs()).toEqual({
        'job-name': JOB,
        'model-artifact': `s3://${BUCKET}/training/output/${JOB}/output/model.tar.gz`,
        metrics: '{"train:progress":100}',
      });
      expect(runner.summary()).toContain(`Job \`${JOB}\``);
    } finally {
      runner.restore();
    }
  });
});

// moto completes every training job at once and does not implement StopTrainingJob, so the
// wait's in-progress, failure and cancellation paths are driven by aws-sdk-client-mock.
describe('train-model waiting (aws-sdk-client-mock: moto has no running jobs or StopTrainingJob)', () => {
  let sagemaker: AwsClientStub<SageMakerClient>;
  // a class-level mock: created here, not at import, so the moto tests above talk to moto
  beforeAll(() => {
    sagemaker = mockClient(SageMakerClient);
  });
  afterAll(() => sagemaker.restore());
  beforeEach(() => sagemaker.reset());

  function clients() {
    const real = motoClients('http://localhost:1');
    return () => ({
      sagemaker: new SageMakerClient({ region: 'us-east-1' }),
      logs: logsWithoutStreams(real.logs),
    });
  }

  it('polls with the injected clock, reports each status change, and fails with the reason', async () => {
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn:job' });
    sagemaker
      .on(DescribeTrainingJobCommand)
      .resolvesOnce({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Starting' })
      .resolvesOnce({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' })
      .resolvesOnce({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' })
      .resolves({
        TrainingJobStatus: 'Failed',
        SecondaryStatus: 'Failed',
        FailureReason: 'AlgorithmError: channel train holds no SYMBOL.csv file',
      });
    const clock = fakeClock();
    const report = recordingReport();
    await expect(
      run(inputs({ 'poll-seconds': '10' }), {
        clients: clients(),
        clock,
        now: () => AT,
        signal: new AbortController().signal,
        report,
      }),
    ).rejects.toThrow(
      `training job ${JOB} failed: AlgorithmError: channel train holds no SYMBOL.csv file`,
    );
    expect(clock.sleeps).toEqual([10_000, 10_000, 10_000]);
    expect(report.lines.filter((l) => l.startsWith(JOB))).toEqual([
      `${JOB}: InProgress (Starting) after 0.0 min`,
      `${JOB}: InProgress (Training) after 0.2 min`,
      `${JOB}: Failed (Failed) after 0.5 min`,
    ]);
    // the job name is out before the wait, for the steps that look into the failure
    expect(report.outputs['job-name']).toBe(JOB);
    expect(report.summaries[0]).toContain('Failure: AlgorithmError');
  });

  it('stops the job once when the workflow is cancelled and waits for Stopped', async () => {
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn:job' });
    sagemaker.on(StopTrainingJobCommand).resolves({});
    sagemaker
      .on(DescribeTrainingJobCommand)
      .resolvesOnce({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' })
      .resolvesOnce({ TrainingJobStatus: 'Stopping', SecondaryStatus: 'Stopping' })
      .resolves({ TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' });
    const controller = new AbortController();
    const clock = fakeClock();
    const sleep = clock.sleep;
    await expect(
      run(inputs(), {
        clients: clients(),
        clock: {
          now: clock.now,
          sleep: async (ms) => {
            controller.abort();
            await sleep(ms);
          },
        },
        now: () => AT,
        signal: controller.signal,
        report: recordingReport(),
      }),
    ).rejects.toThrow(`training job ${JOB} stopped`);
    expect(sagemaker.commandCalls(StopTrainingJobCommand).map((c) => c.args[0].input)).toEqual([
      { TrainingJobName: JOB },
    ]);
  });

  it('gives up waiting after the stopping condition plus a margin, leaving the job running', async () => {
    sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn:job' });
    sagemaker
      .on(DescribeTrainingJobCommand)
      .resolves({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' });
    const clock = fakeClock();
    await expect(
      run(inputs({ 'poll-seconds': '600' }), {
        clients: clients(),
        clock,
        now: () => AT,
        signal: new AbortController().signal,
        report: recordingReport(),
      }),
    ).rejects.toThrow(
      `training job ${JOB} is still InProgress after 255 min of waiting; it keeps running`,
    );
    // max_wait_seconds 14400 s + 15 min margin = 15300 s: 26 polls of 10 minutes
    expect(clock.sleeps.length).toBe(26);
    expect(sagemaker.commandCalls(StopTrainingJobCommand)).toEqual([]);
  });
});

/** A Logs client whose group does not exist yet (the instance has not started). */
function logsWithoutStreams(client: ReturnType<typeof motoClients>['logs']) {
  const fake = Object.create(client) as typeof client;
  fake.send = (async () => {
    const e = new Error('The specified log group does not exist.');
    e.name = 'ResourceNotFoundException';
    throw e;
  }) as typeof client.send;
  return fake;
}

describe('train-model action.yml', () => {
  it("declares the contract's inputs, defaults and outputs, on node24", () => {
    expect(actionManifest('train-model')).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      inputs: {
        env: { required: true },
        symbol: { required: false, default: '' },
        hyperparameters: { required: false, default: '{}' },
        'role-arn': { required: true },
        'image-uri': { required: true },
        bucket: { required: true },
        wait: { required: false, default: 'true' },
        region: { required: false, default: '' },
        reason: { required: false, default: '' },
        'config-dir': { required: false, default: 'config' },
        'poll-seconds': { required: false, default: '30' },
      },
      outputs: ['job-name', 'model-artifact', 'metrics'],
    });
  });
});
