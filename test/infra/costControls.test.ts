import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import type { AwsConfig, StockopsConfig } from '../../core/config/configTypes.ts';
import { infraFacts } from '../../core/cost/costEstimate.ts';
import type { StockopsStacks } from '../../infra/stockopsApp.ts';
import { ENVS, synthEnv } from './synthApp.ts';

/** What each environment's config promises about cost; the templates must show the same. */
const EXPECTED = {
  dev: { mwaaClass: 'mw1.micro', mode: 'serverless', budget: 100 },
  staging: { mwaaClass: 'mw1.small', mode: 'serverless', budget: 200 },
  prod: { mwaaClass: 'mw1.medium', mode: 'realtime', budget: 1000 },
} as const;

const templateOf = (stacks: StockopsStacks, name: keyof StockopsStacks) =>
  Template.fromStack(stacks[name] as never);

/** The endpoint-defaults parameter as an object; CloudFormation tokens become "<token>". */
function endpointDefaultsOf(stacks: StockopsStacks): Record<string, unknown> {
  const params = Object.values(templateOf(stacks, 'ml').findResources('AWS::SSM::Parameter'));
  expect(params).toHaveLength(1);
  const value = params[0]?.Properties.Value as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof value === 'string'
      ? value
      : value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
  return JSON.parse(text);
}

function alarmNames(stacks: StockopsStacks): string[] {
  return Object.values(templateOf(stacks, 'monitoring').findResources('AWS::CloudWatch::Alarm'))
    .map((a) => a.Properties.AlarmName as string)
    .sort();
}

const withEndpoint =
  (edit: Partial<AwsConfig['endpoint']>) =>
  (c: StockopsConfig): StockopsConfig => {
    const aws = c.aws as AwsConfig;
    return { ...c, aws: { ...aws, endpoint: { ...aws.endpoint, ...edit } } };
  };

describe.each(ENVS)('%s: cost controls in the templates', (env) => {
  const { stacks } = synthEnv(env);
  const expected = EXPECTED[env];

  it('runs MWAA on the environment class its config names', () => {
    templateOf(stacks, 'orchestration').hasResourceProperties('AWS::MWAA::Environment', {
      EnvironmentClass: expected.mwaaClass,
    });
  });

  it('serves in the configured mode, with alarms that match it', () => {
    const defaults = endpointDefaultsOf(stacks);
    expect(defaults.mode).toBe(expected.mode);
    expect(templateOf(stacks, 'ml').findOutputs('ServingMode')).toMatchObject({
      ServingMode: { Value: expected.mode },
    });
    const rollback = (defaults.deployment as { auto_rollback_alarms: string[] })
      .auto_rollback_alarms;
    // Every rollback alarm promote-model names exists in the monitoring stack.
    expect(alarmNames(stacks)).toEqual(expect.arrayContaining(rollback));
    expect(rollback).toEqual([
      `stockops-${env}-endpoint5xx`,
      `stockops-${env}-endpoint-latency-p99`,
    ]);
    if (expected.mode === 'serverless') {
      expect(defaults.variant).toEqual({
        name: 'AllTraffic',
        serverless_config: expect.objectContaining({ memory_size_in_mb: 2048 }),
      });
      expect(defaults).not.toHaveProperty('autoscaling');
      expect(defaults).not.toHaveProperty('data_capture');
    } else {
      expect(defaults.variant).toEqual({ name: 'AllTraffic', instance_type: 'ml.m5.large' });
      expect(defaults.autoscaling).toMatchObject({ min_capacity: 2, max_capacity: 4 });
      expect(defaults.data_capture).toMatchObject({ enabled: true, sampling_percentage: 100 });
    }
  });

  it('has a monthly budget scoped to this environment, alerting on actual and forecasted spend', () => {
    const template = templateOf(stacks, 'monitoring');
    const budgets = Object.values(template.findResources('AWS::Budgets::Budget'));
    expect(budgets).toHaveLength(1);
    const props = budgets[0]?.Properties;
    expect(props.Budget).toMatchObject({
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: expected.budget, Unit: 'USD' },
      FilterExpression: {
        And: [
          { Tags: { Key: 'project', Values: ['stockops'] } },
          { Tags: { Key: 'environment', Values: [env] } },
        ],
      },
    });
    const notifications = props.NotificationsWithSubscribers.map(
      (n: { Notification: { NotificationType: string; Threshold: number } }) => [
        n.Notification.NotificationType,
        n.Notification.Threshold,
      ],
    );
    expect(notifications).toEqual([
      ['ACTUAL', 80],
      ['FORECASTED', 100],
    ]);
    for (const n of props.NotificationsWithSubscribers) {
      expect(n.Subscribers[0].SubscriptionType).toBe('SNS');
      expect(JSON.stringify(n.Subscribers[0].Address)).toMatch(/Topicinfrastructure/);
    }
  });

  it('matches the always-on resources the cost estimate counts', () => {
    const resources = Object.values(stacks).flatMap((stack) =>
      Object.values(
        Template.fromStack(stack as never).toJSON().Resources as Record<
          string,
          { Type: string; Properties?: { VpcEndpointType?: string } }
        >,
      ),
    );
    // Gateway endpoints (S3) are free; interface endpoints are billed per AZ-hour.
    const count = (type: string) =>
      resources.filter((r) => r.Type === type && r.Properties?.VpcEndpointType !== 'Gateway')
        .length;
    const facts = infraFacts(loadConfig({ env }).config.aws as AwsConfig);
    expect({
      interfaceEndpoints: count('AWS::EC2::VPCEndpoint'),
      kmsKeys: count('AWS::KMS::Key'),
      dashboards: count('AWS::CloudWatch::Dashboard'),
      alarms: count('AWS::CloudWatch::Alarm'),
      snsTopics: count('AWS::SNS::Topic'),
    }).toEqual(facts);
  });

  it('puts the cost-allocation tags on every taggable resource of every stack', () => {
    const tags = {
      project: 'stockops',
      environment: env,
      owner: 'ml-platform',
      'cost-centre': 'forecasting',
    };
    let tagged = 0;
    for (const [name, stack] of Object.entries(stacks)) {
      const resources = Template.fromStack(stack as never).toJSON().Resources as Record<
        string,
        { Type: string; Properties?: { Tags?: unknown } }
      >;
      for (const [id, resource] of Object.entries(resources)) {
        const raw = resource.Properties?.Tags;
        if (raw === undefined) continue;
        tagged += 1;
        // Most resources take [{Key, Value}]; a few (MWAA, SSM parameters) take a map.
        const found = Array.isArray(raw)
          ? Object.fromEntries(
              (raw as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
            )
          : (raw as Record<string, string>);
        expect(found, `${name}/${id} (${resource.Type})`).toMatchObject(tags);
      }
    }
    expect(tagged).toBeGreaterThan(30);
  });
});

describe('serving mode drives the endpoint settings and alarms', () => {
  it('mode batch creates no endpoint settings and no endpoint alarms', () => {
    const { stacks } = synthEnv('staging', withEndpoint({ mode: 'batch' }));
    const defaults = endpointDefaultsOf(stacks);
    expect(defaults).toMatchObject({
      mode: 'batch',
      endpoint_names: null,
      batch_transform: { instance_type: 'ml.t2.medium', instance_count: 1 },
    });
    expect(defaults).not.toHaveProperty('deployment');
    expect(alarmNames(stacks).filter((n) => n.includes('endpoint'))).toEqual([]);
    const dashboard = JSON.stringify(
      templateOf(stacks, 'monitoring').findResources('AWS::CloudWatch::Dashboard'),
    );
    expect(dashboard).not.toContain('Invocation5XXErrors');
  });

  it('serverless memory and concurrency, and budget thresholds, follow config', () => {
    const { stacks } = synthEnv('dev', (c) => {
      const edited = withEndpoint({
        mode: 'serverless',
        serverless: { memory_mb: 4096, max_concurrency: 9 },
      })(c);
      const aws = edited.aws as AwsConfig;
      return {
        ...edited,
        aws: {
          ...aws,
          budget: { monthly_usd: 55, actual_alert_percent: 50, forecasted_alert_percent: 90 },
        },
      };
    });
    expect(endpointDefaultsOf(stacks).variant).toEqual({
      name: 'AllTraffic',
      serverless_config: { memory_size_in_mb: 4096, max_concurrency: 9 },
    });
    templateOf(stacks, 'monitoring').hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetLimit: { Amount: 55, Unit: 'USD' } },
      NotificationsWithSubscribers: [
        { Notification: { NotificationType: 'ACTUAL', Threshold: 50 } },
        { Notification: { NotificationType: 'FORECASTED', Threshold: 90 } },
      ],
    });
  });
});
