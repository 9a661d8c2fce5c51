import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type PromoteModelInputs, parseInputs } from '../../../actions/promote-model/src/inputs.ts';
import { run } from '../../../actions/promote-model/src/run.ts';
import { ConfigurationError, runAction } from '../../../actions/shared/actionRuntime.ts';
import {
  actionManifest,
  fakeClock,
  IMAGE_URI,
  motoClients,
  ROLE_ARN,
  recordingReport,
  runnerEnvironment,
} from '../../aws/sagemakerHarness.ts';
import { type MotoServer, startMoto } from '../../support/motoServer.ts';

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
const RAW = { env: 'dev', 'role-arn': ROLE_ARN };
const inputs = (extra: Record<string, string> = {}): PromoteModelInputs =>
  parseInputs(reader({ ...RAW, ...extra }));

describe('promote-model inputs', () => {
  it('applies the contract defaults', () => {
    expect(inputs()).toEqual({
      env: 'dev',
      symbol: undefined,
      modelPackageArn: undefined,
      sourceEnv: undefined,
      roleArn: ROLE_ARN,
      region: undefined,
      waitMinutes: 30,
      pollSeconds: 30,
      configDir: 'config',
    });
  });

  it.each([
    [{ 'role-arn': '' }, 'input "role-arn" is required'],
    [
      { 'source-env': 'local' },
      'input "source-env" must be one of dev, staging, prod (got "local")',
    ],
    [{ 'wait-minutes': '0' }, 'input "wait-minutes" must be an integer ≥ 1 (got "0")'],
    [{ env: '' }, 'input "env" must be one of dev, staging, prod (got "")'],
  ])('refuses %j', (extra, message) => {
    expect(() => inputs(extra)).toThrow(ConfigurationError);
    expect(() => inputs(extra)).toThrow(message);
  });
});

describe('promote-model against moto', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());
  beforeEach(async () => moto.reset());
  const clients = () => motoClients(moto.endpoint);

  /** A model package in `group`, as gate-promotion registers it. */
  async function registered(group: string, status: 'Approved' | 'Rejected'): Promise<string> {
    const sm = clients().sagemaker;
    await sm
      .send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }))
      .catch(() => {});
    const out = await sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: group,
        InferenceSpecification: {
          Containers: [
            {
              Image: IMAGE_URI,
              ModelDataUrl: 's3://stockops-dev-models/job-1/output/model.tar.gz',
              Environment: { STOCKOPS_SERVE_MODEL: 'lstm' },
            },
          ],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
        },
        ModelApprovalStatus: status,
      }),
    );
    return out.ModelPackageArn ?? '';
  }

  it('first deploy: creates model, endpoint config and endpoint from the latest Approved version', async () => {
    await registered('stockops-dev-amzn', 'Approved');
    const v2 = await registered('stockops-dev-amzn', 'Approved');
    await registered('stockops-dev-amzn', 'Rejected');
    const report = recordingReport();
    await run(inputs(), { clients, clock: fakeClock(), report });

    expect(report.outputs).toEqual({
      'endpoint-name': 'stockops-dev-amzn',
      'model-version': '2',
      'model-package-arn': v2,
    });
    const sm = clients().sagemaker;
    const endpoint = await sm.send(
      new DescribeEndpointCommand({ EndpointName: 'stockops-dev-amzn' }),
    );
    expect(endpoint.EndpointStatus).toBe('InService');
    expect(endpoint.EndpointConfigName).toBe('stockops-dev-amzn-dev-v2-t2-medium-x1');
    const config = await sm.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
    );
    expect(config.ProductionVariants?.[0]).toMatchObject({
      VariantName: 'AllTraffic',
      ModelName: 'stockops-dev-amzn-dev-v2',
      InstanceType: 'ml.t2.medium',
      InitialInstanceCount: 1,
    });
    const model = await sm.send(
      new DescribeModelCommand({ ModelName: 'stockops-dev-amzn-dev-v2' }),
    );
    expect(model.PrimaryContainer?.ModelPackageName).toBe(v2);
    expect(model.ExecutionRoleArn).toBe(ROLE_ARN);
    expect(report.summaries[0]).toContain(
      'Endpoint `stockops-dev-amzn` is InService: created (first deploy).',
    );
  });

  it("staging takes dev's package; promoting it again changes nothing", async () => {
    await registered('stockops-staging-amzn', 'Approved');
    const fromDev = await registered('stockops-dev-amzn', 'Approved');
    const first = recordingReport();
    await run(inputs({ env: 'staging' }), { clients, clock: fakeClock(), report: first });
    expect(first.outputs['model-package-arn']).toBe(fromDev);
    expect(first.outputs['endpoint-name']).toBe('stockops-staging-amzn');
    // the same version again: no UpdateEndpoint (which moto does not implement anyway)
    const again = recordingReport();
    await run(inputs({ env: 'staging' }), { clients, clock: fakeClock(), report: again });
    expect(again.outputs).toEqual(first.outputs);
    expect(again.summaries[0]).toContain('unchanged: already serving this version');
    expect(again.lines).toContain(
      'model stockops-staging-amzn-dev-v1: exists; endpoint config stockops-staging-amzn-dev-v1-t2-medium-x1: exists',
    );
  });

  it('refuses a group with no Approved version and a package that is not Approved', async () => {
    await expect(
      run(inputs({ env: 'prod' }), { clients, clock: fakeClock(), report: recordingReport() }),
    ).rejects.toThrow(
      'model package group stockops-staging-amzn has no Approved version: run gate-promotion in staging first, or pass model-package-arn',
    );
    const rejected = await registered('stockops-dev-amzn', 'Rejected');
    const failed = run(inputs({ 'model-package-arn': rejected }), {
      clients,
      clock: fakeClock(),
      report: recordingReport(),
    });
    await expect(failed).rejects.toThrow(ConfigurationError);
    await expect(failed).rejects.toThrow(
      `input "model-package-arn": ${rejected} is Rejected, not Approved`,
    );
  });

  it('writes outputs and the summary to the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files', async () => {
    const arn = await registered('stockops-dev-amzn', 'Approved');
    const runner = runnerEnvironment({ ...RAW, 'model-package-arn': arn }, moto.endpoint);
    const failures: string[] = [];
    try {
      await runAction(
        () => parseInputs(),
        (i) => run(i),
        {
          setFailed: (m) => failures.push(m),
          error: () => {},
          debug: () => {},
        },
      );
      expect(failures).toEqual([]);
      expect(runner.outputs()).toEqual({
        'endpoint-name': 'stockops-dev-amzn',
        'model-version': '1',
        'model-package-arn': arn,
      });
      expect(runner.summary()).toContain('### Promoted AMZN to dev');
    } finally {
      runner.restore();
    }
  });
});

// moto does not implement UpdateEndpoint (with or without DeploymentConfig), and creates every
// endpoint InService at once: the guarded update, the rollback and the wait are mock-tested.
describe('promote-model updates (aws-sdk-client-mock: moto lacks UpdateEndpoint)', () => {
  let sm: AwsClientStub<SageMakerClient>;
  beforeAll(() => {
    sm = mockClient(SageMakerClient);
  });
  afterAll(() => sm.restore());
  const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/stockops-staging-amzn/4';

  beforeEach(() => {
    sm.reset();
    sm.on(DescribeModelPackageCommand).resolves({
      ModelPackageArn: ARN,
      ModelPackageGroupName: 'stockops-staging-amzn',
      ModelPackageVersion: 4,
      ModelApprovalStatus: 'Approved',
    });
    sm.on(DescribeModelCommand).resolves({ ModelName: 'exists' });
    sm.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: 'exists' });
    sm.on(UpdateEndpointCommand).resolves({ EndpointArn: 'arn:endpoint' });
  });
  const deps = (clock = fakeClock()) => ({
    clients: () => ({ sagemaker: new SageMakerClient({ region: 'us-east-1' }) }),
    clock,
    report: recordingReport(),
  });
  const NEW = 'stockops-prod-amzn-staging-v4-m5-large-x2';

  it('prod: a canary blue/green update that rolls back on the alarms the monitoring stack creates', async () => {
    sm.on(DescribeEndpointCommand)
      .resolvesOnce({
        EndpointStatus: 'InService',
        EndpointConfigName: 'stockops-prod-amzn-staging-v3-m5-large-x2',
      })
      .resolvesOnce({
        EndpointStatus: 'Updating',
        EndpointConfigName: 'stockops-prod-amzn-staging-v3-m5-large-x2',
      })
      .resolves({ EndpointStatus: 'InService', EndpointConfigName: NEW });
    const d = deps();
    await run(inputs({ env: 'prod', 'model-package-arn': ARN, 'poll-seconds': '20' }), d);
    expect(sm.commandCalls(UpdateEndpointCommand).map((c) => c.args[0].input)).toEqual([
      {
        EndpointName: 'stockops-prod-amzn',
        EndpointConfigName: NEW,
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: {
              Type: 'CANARY',
              CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 },
              WaitIntervalInSeconds: 300,
            },
            TerminationWaitInSeconds: 300,
            MaximumExecutionTimeoutInSeconds: 3600,
          },
          AutoRollbackConfiguration: {
            Alarms: [
              { AlarmName: 'stockops-prod-endpoint5xx' },
              { AlarmName: 'stockops-prod-endpoint-latency-p99' },
            ],
          },
        },
      },
    ]);
    expect(d.clock.sleeps).toEqual([20_000]);
    expect(d.report.outputs).toEqual({
      'endpoint-name': 'stockops-prod-amzn',
      'model-version': '4',
      'model-package-arn': ARN,
    });
  });

  it('dev (one instance): all at once, still guarded by the alarms', async () => {
    sm.on(DescribeEndpointCommand)
      .resolvesOnce({ EndpointStatus: 'InService', EndpointConfigName: 'old' })
      .resolves({
        EndpointStatus: 'InService',
        EndpointConfigName: 'stockops-dev-amzn-staging-v4-t2-medium-x1',
      });
    await run(inputs({ 'model-package-arn': ARN }), deps());
    const config = sm.commandCalls(UpdateEndpointCommand)[0]?.args[0].input.DeploymentConfig;
    expect(config?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration).toEqual({
      Type: 'ALL_AT_ONCE',
      WaitIntervalInSeconds: 300,
    });
    expect(config?.AutoRollbackConfiguration?.Alarms?.map((a) => a.AlarmName)).toEqual([
      'stockops-dev-endpoint5xx',
      'stockops-dev-endpoint-latency-p99',
    ]);
  });

  it('an update SageMaker rolled back fails the step, naming the config still serving', async () => {
    sm.on(DescribeEndpointCommand)
      .resolvesOnce({ EndpointStatus: 'InService', EndpointConfigName: 'old-config' })
      .resolvesOnce({ EndpointStatus: 'Updating', EndpointConfigName: 'old-config' })
      .resolvesOnce({ EndpointStatus: 'RollingBack', EndpointConfigName: 'old-config' })
      .resolves({ EndpointStatus: 'InService', EndpointConfigName: 'old-config' });
    const d = deps();
    await expect(run(inputs({ env: 'prod', 'model-package-arn': ARN }), d)).rejects.toThrow(
      `endpoint stockops-prod-amzn is InService with old-config, not ${NEW}: the update was rolled back (an alarm fired during the deployment)`,
    );
    expect(d.report.outputs).toEqual({});
  });

  it('gives up after wait-minutes, and refuses to update an endpoint mid-deployment', async () => {
    sm.on(DescribeEndpointCommand)
      .resolvesOnce({ EndpointStatus: 'InService', EndpointConfigName: 'old' })
      .resolves({ EndpointStatus: 'Updating', EndpointConfigName: 'old' });
    const d = deps();
    await expect(
      run(
        inputs({
          env: 'prod',
          'model-package-arn': ARN,
          'wait-minutes': '5',
          'poll-seconds': '60',
        }),
        d,
      ),
    ).rejects.toThrow(
      'endpoint stockops-prod-amzn is still Updating after 5 min: raise wait-minutes, or follow it in the SageMaker console',
    );
    expect(d.clock.sleeps.length).toBe(5);
    sm.on(DescribeEndpointCommand).resolves({
      EndpointStatus: 'Updating',
      EndpointConfigName: 'old',
    });
    sm.resetHistory();
    await expect(run(inputs({ env: 'prod', 'model-package-arn': ARN }), deps())).rejects.toThrow(
      'endpoint stockops-prod-amzn is Updating: another deployment is in progress; re-run when it is InService',
    );
    expect(sm.commandCalls(UpdateEndpointCommand)).toEqual([]);
  });
});

describe('promote-model action.yml', () => {
  it("declares the contract's inputs, defaults and outputs, on node24", () => {
    expect(actionManifest('promote-model')).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      inputs: {
        env: { required: true },
        symbol: { required: false, default: '' },
        'model-package-arn': { required: false, default: '' },
        'source-env': { required: false, default: '' },
        'role-arn': { required: true },
        region: { required: false, default: '' },
        'wait-minutes': { required: false, default: '30' },
        'poll-seconds': { required: false, default: '30' },
        'config-dir': { required: false, default: 'config' },
      },
      outputs: ['endpoint-name', 'model-version', 'model-package-arn'],
    });
  });
});
