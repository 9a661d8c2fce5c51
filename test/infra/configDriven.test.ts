import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { AwsConfig, StockopsConfig } from '../../core/config/configTypes.ts';
import { synthEnv } from './synthApp.ts';

const withAws = (edit: (aws: AwsConfig) => AwsConfig) => (c: StockopsConfig) => ({
  ...c,
  aws: edit(c.aws as AwsConfig),
});

describe('config drives the templates', () => {
  it('MWAA workers and class follow aws.mwaa', () => {
    const { stacks } = synthEnv(
      'staging',
      withAws((a) => ({
        ...a,
        mwaa: { ...a.mwaa, max_workers: 7, environment_class: 'mw1.large' },
      })),
    );
    Template.fromStack(stacks.orchestration as never).hasResourceProperties(
      'AWS::MWAA::Environment',
      {
        MaxWorkers: 7,
        EnvironmentClass: 'mw1.large',
      },
    );
  });

  it('the Lambda concurrency and the schedule follow aws.ingest', () => {
    const { stacks } = synthEnv(
      'staging',
      withAws((a) => ({
        ...a,
        ingest: {
          ...a.ingest,
          reserved_concurrency: 5,
          schedule_expression: 'cron(45 19 ? * MON-FRI *)',
        },
      })),
    );
    const template = Template.fromStack(stacks.ingestion as never);
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 5 });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(45 19 ? * MON-FRI *)',
    });
  });

  it('alarm thresholds and the budget follow aws.alarms and aws.budget', () => {
    const { stacks } = synthEnv(
      'staging',
      withAws((a) => ({
        ...a,
        alarms: { ...a.alarms, endpoint_5xx: 42 },
        budget: { ...a.budget, monthly_usd: 1234 },
      })),
    );
    const template = Template.fromStack(stacks.monitoring as never);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'stockops-staging-endpoint5xx',
      Threshold: 42,
    });
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetLimit: { Amount: 1234, Unit: 'USD' } },
    });
  });

  it('raw/ lifecycle days and NAT gateways follow aws.storage and aws.network', () => {
    const { stacks } = synthEnv(
      'staging',
      withAws((a) => ({
        ...a,
        storage: { ...a.storage, raw_archive_days: 400 },
        network: { ...a.network, nat_gateways: 1 },
      })),
    );
    expect(JSON.stringify(Template.fromStack(stacks.storage as never).toJSON())).toContain(
      '"TransitionInDays":400',
    );
    Template.fromStack(stacks.network as never).resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  it('prod differs from dev where its overlay says so', () => {
    const { stacks } = synthEnv('prod');
    Template.fromStack(stacks.network as never).resourceCountIs('AWS::EC2::NatGateway', 1);
    Template.fromStack(stacks.orchestration as never).hasResourceProperties(
      'AWS::MWAA::Environment',
      {
        EnvironmentClass: 'mw1.medium',
        MaxWorkers: 5,
      },
    );
  });

  it('refuses a config without an aws section, saying what is missing', () => {
    expect(() => synthEnv('dev', ({ aws: _aws, ...rest }) => rest)).toThrow(/no aws section/);
  });
});
