import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { AwsConfig } from '../../core/config/configTypes.ts';
import {
  endpointAlarmNames,
  endpointName,
  packageGroupName,
} from '../../core/deploy/sagemakerNames.ts';
import { synthEnv } from './synthApp.ts';

const { stacks } = synthEnv('dev');
const t = (stack: keyof typeof stacks) => Template.fromStack(stacks[stack] as never);

describe('storage stack', () => {
  const template = t('storage');
  it('makes every bucket versioned, encrypted, TLS-only, private and access-logged', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(4);
    for (const [id, bucket] of Object.entries(buckets)) {
      const p = bucket.Properties;
      expect(p.VersioningConfiguration, id).toEqual({ Status: 'Enabled' });
      expect(p.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const sse =
        p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
      if (id.startsWith('AccessLogs')) expect(sse.SSEAlgorithm).toBe('AES256');
      else {
        expect(sse.SSEAlgorithm, id).toBe('aws:kms');
        expect(p.LoggingConfiguration.DestinationBucketName, id).toBeDefined();
      }
    }
    const policies = template.findResources('AWS::S3::BucketPolicy');
    expect(Object.keys(policies)).toHaveLength(4);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('moves compacted raw months of 128 KB and up to IA then Glacier, never daily raw/, from config', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['stockops-dev-data-'])] }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
          Match.objectLike({
            Id: 'raw-monthly-to-cold-storage',
            Prefix: 'raw-monthly/',
            ObjectSizeGreaterThan: '131072',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER', TransitionInDays: 180 },
            ],
          }),
          Match.objectLike({ ExpiredObjectDeleteMarker: true }),
        ]),
      },
    });
    const rules = Object.values(template.findResources('AWS::S3::Bucket')).flatMap(
      (b) => b.Properties.LifecycleConfiguration?.Rules ?? [],
    );
    // No rule may move or expire the daily objects: only compaction removes them.
    expect(rules.filter((r: { Prefix?: string }) => r.Prefix === 'raw/')).toEqual([]);
    for (const rule of rules.filter((r: { Transitions?: unknown }) => r.Transitions)) {
      expect(Number(rule.ObjectSizeGreaterThan), rule.Id).toBeGreaterThanOrEqual(131072);
    }
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('names the DAG bucket as MWAA requires (airflow-…)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith(['airflow-stockops-dev-'])],
      }),
    });
  });
});

describe('network stack', () => {
  it('has private subnets in two AZs, no NAT in dev, flow logs and the endpoints MWAA and SageMaker need', () => {
    const template = t('network');
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e) =>
      JSON.stringify(e.Properties.ServiceName),
    );
    for (const service of [
      's3',
      'sagemaker.api',
      'sagemaker.runtime',
      'airflow.api',
      'airflow.env',
      'airflow.ops',
      'sqs',
      'logs',
      'monitoring',
      'kms',
      'ecr.api',
      'ecr.dkr',
      'sts',
    ]) {
      expect(
        services.some((s) => s.includes(`.${service}`)),
        service,
      ).toBe(true);
    }
  });
});

describe('orchestration stack', () => {
  it('runs MWAA with the configured version, class and workers, private, DAGs from the bucket', () => {
    t('orchestration').hasResourceProperties('AWS::MWAA::Environment', {
      Name: 'stockops-dev-airflow',
      AirflowVersion: '3.3.1',
      EnvironmentClass: 'mw1.micro',
      MinWorkers: 1,
      MaxWorkers: 1,
      DagS3Path: 'dags',
      WebserverAccessMode: 'PRIVATE_ONLY',
      LoggingConfiguration: Match.objectLike({ TaskLogs: { Enabled: true, LogLevel: 'INFO' } }),
    });
  });

  it('references requirements.txt and the startup script by S3 object version', () => {
    const { stacks: withVersions } = synthEnv('dev', (c) => c, {
      requirementsVersion: 'req-v3',
      startupScriptVersion: 'start-v7',
    });
    Template.fromStack(withVersions.orchestration as never).hasResourceProperties(
      'AWS::MWAA::Environment',
      {
        RequirementsS3Path: 'requirements.txt',
        RequirementsS3ObjectVersion: 'req-v3',
        StartupScriptS3Path: 'startup.sh',
        StartupScriptS3ObjectVersion: 'start-v7',
      },
    );
  });
});

describe('ingestion stack', () => {
  const template = t('ingestion');
  it('schedules weekdays 18:30 New York with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 18 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetter'), 'Arn'] } },
        Input: Match.stringLikeRegexp('<aws.scheduler.scheduled-time>'),
      }),
    });
  });

  it('bundles the Lambda, caps its concurrency and sends failed async invocations to a queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'stockops-dev-ingest',
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: 1,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumEventAgeInSeconds: 3600,
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Failures'), 'Arn'] } },
      },
    });
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('ml stack', () => {
  it('has a model package group per symbol and the endpoint defaults from config', () => {
    const template = t('ml');
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: 'stockops-dev-amzn',
    });
    const params = template.findResources('AWS::SSM::Parameter');
    const value = JSON.stringify(Object.values(params)[0]?.Properties.Value);
    // dev serves serverless (the per-environment cases are in costControls.test.ts).
    expect(value).toContain('serverless_config');
    expect(value).toContain('memory_size_in_mb');
    expect(value).not.toContain('SageMakerVariantInvocationsPerInstance');
  });
});

describe('monitoring stack', () => {
  it('watches the endpoints promote-model deploys, under the alarm names it rolls back on', () => {
    const template = Template.fromStack(stacks.monitoring);
    const [fiveXx, latency] = endpointAlarmNames('dev');
    for (const [name, metric] of [
      [fiveXx, 'Invocation5XXErrors'],
      [latency, 'ModelLatency'],
    ] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name,
        MetricName: metric,
        Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: endpointName('dev', 'AMZN') }]),
      });
    }
    Template.fromStack(stacks.ml).hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: packageGroupName('dev', 'AMZN'),
    });
  });

  const template = t('monitoring');
  it('has one encrypted topic per alert type', () => {
    for (const type of [
      'pipeline-failure',
      'data-quality',
      'model-degradation',
      'infrastructure',
    ]) {
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: `stockops-dev-${type}`,
        KmsMasterKeyId: Match.anyValue(),
      });
    }
  });

  it('wires each alarm to its topic', () => {
    const topicOf = (alarm: string) => {
      const found = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
        (a) => a.Properties.AlarmName === alarm,
      );
      return JSON.stringify(found?.Properties.AlarmActions);
    };
    expect(topicOf('stockops-dev-ingest-errors')).toMatch(/Topicinfrastructure/);
    expect(topicOf('stockops-dev-ingest-dead-letters')).toMatch(/Topicpipelinefailure/);
    expect(topicOf('stockops-dev-endpoint5xx')).toMatch(/Topicinfrastructure/);
    expect(topicOf('stockops-dev-endpoint-latency-p99')).toMatch(/Topicinfrastructure/);
    expect(topicOf('stockops-dev-model-error-ratio')).toMatch(/Topicmodeldegradation/);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'stockops-dev-endpoint-latency-p99',
      Threshold: 500_000,
      ExtendedStatistic: 'p99',
    });
  });

  it('routes training failures and model package changes to SNS, and has a budget', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['SageMaker Training Job State Change'] }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['SageMaker Model Package State Change'] }),
    });
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ BudgetLimit: { Amount: 100, Unit: 'USD' }, TimeUnit: 'MONTHLY' }),
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('subscribes the dispatch Lambda to retrain alerts only, reading one secret by name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'stockops-dev-dispatch',
      Runtime: 'nodejs24.x',
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          STOCKOPS_ENV: 'dev',
          STOCKOPS_GITHUB_OWNER: 'stockops',
          STOCKOPS_GITHUB_REPO: 'stockops',
          STOCKOPS_GITHUB_TOKEN_SECRET: 'stockops/github-dispatch-token',
          STOCKOPS_BUCKET: { 'Fn::Join': ['', Match.arrayWith(['stockops-dev-data-'])] },
          STOCKOPS_RESILIENCE: Match.serializedJson(
            Match.objectEquals({
              secrets: Match.objectLike({ max_attempts: 3 }),
              github: Match.objectLike({ attempt_timeout_ms: 5000 }),
              sns: Match.anyValue(),
              s3: Match.anyValue(),
            }),
          ),
          STOCKOPS_ALERT_TOPIC_PIPELINE_FAILURE: {
            Ref: Match.stringLikeRegexp('Topicpipelinefailure'),
          },
        }),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: Match.stringLikeRegexp('Topicmodeldegradation') },
      FilterPolicy: { retrain: ['true'] },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('DispatchRole'),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.map((s: { Action: unknown }) => s.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      'secretsmanager:GetSecretValue',
      'sns:Publish',
      ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketVersions'],
      ['s3:DeleteObject', 's3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'],
      'sqs:SendMessage',
    ]);
    expect(JSON.stringify(statements[1].Resource)).toContain(
      ':secret:stockops/github-dispatch-token-??????',
    );
  });
});

describe('failures that survive the resilience policies', () => {
  it("send the dispatch Lambda's failed async invocations to its own queue, which alarms", () => {
    const template = t('monitoring');
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(
      ([, r]) => r.Properties.FunctionName === 'stockops-dev-dispatch',
    );
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn?.[0] },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatchFailureQueue'), 'Arn'] },
        },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'stockops-dev-dispatch-failures',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'stockops-dev-dispatch-failures',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Topicpipelinefailure') }],
    });
  });

  it("alarm on the ingest Lambda's on-failure queue, and let the handler raise its own alert", () => {
    t('monitoring').hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'stockops-dev-ingest-failures',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Topicpipelinefailure') }],
    });
    const ingestion = t('ingestion');
    ingestion.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'stockops-dev-ingest',
      Environment: {
        Variables: Match.objectLike({
          STOCKOPS_RESILIENCE: Match.serializedJson(
            Match.objectEquals({
              yahoo: Match.objectLike({ max_attempts: 4, attempt_timeout_ms: 15000 }),
              s3: Match.anyValue(),
              sns: Match.anyValue(),
            }),
          ),
          STOCKOPS_ALERT_TOPIC_PIPELINE_FAILURE: Match.anyValue(),
          STOCKOPS_ALERT_TOPIC_DATA_QUALITY: Match.anyValue(),
        }),
      },
    });
    const statements = Object.values(ingestion.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p).includes('IngestRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const publish = statements.find((s: { Action: unknown }) => s.Action === 'sns:Publish');
    expect(JSON.stringify(publish.Resource)).toMatch(/stockops-dev-pipeline-failure/);
    expect(JSON.stringify(publish.Resource)).toMatch(/stockops-dev-data-quality/);
  });
});

describe('access stack', () => {
  const template = t('access');
  it("trusts GitHub OIDC only from this repository's dev branch or dev environment", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'stockops-dev-github-deploy',
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
              'ForAnyValue:StringEquals': {
                'token.actions.githubusercontent.com:sub': [
                  'repo:stockops/stockops:ref:refs/heads/dev',
                  'repo:stockops/stockops:environment:dev',
                ],
              },
            },
          }),
        ],
      },
    });
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
  });

  it('records data events on the buckets with a validated, encrypted trail', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      EnableLogFileValidation: true,
      KMSKeyId: Match.anyValue(),
      EventSelectors: Match.arrayWith([
        Match.objectLike({
          ReadWriteType: 'All',
          IncludeManagementEvents: false,
          DataResources: [Match.objectLike({ Type: 'AWS::S3::Object' })],
        }),
      ]),
    });
  });

  it('uses an existing OIDC provider when one is given', () => {
    const { stacks: s } = synthEnv('dev', (c) => c, {
      oidcProviderArn:
        'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
    });
    Template.fromStack(s.access as never).resourceCountIs('AWS::IAM::OIDCProvider', 0);
  });
});

describe('tags and processing', () => {
  it('tags every stack with project, environment, owner and cost centre', () => {
    const bucket = Object.values(t('storage').findResources('AWS::S3::Bucket'))[0];
    expect(bucket?.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'project', Value: 'stockops' },
        { Key: 'environment', Value: 'dev' },
        { Key: 'owner', Value: 'ml-platform' },
        { Key: 'cost-centre', Value: 'forecasting' },
      ]),
    );
  });

  it('creates the EMR Serverless application only when enabled: ARM64, auto-stop, no pre-initialised capacity', () => {
    const { stacks: off } = synthEnv('dev', (c) => ({
      ...c,
      aws: { ...(c.aws as AwsConfig), emr: { enabled: false, release_label: 'emr-7.5.0' } },
    }));
    expect(off.processing).toBeUndefined();
    const template = t('processing');
    template.hasResourceProperties('AWS::EMRServerless::Application', {
      Type: 'SPARK',
      Architecture: 'ARM64',
      ReleaseLabel: 'emr-7.5.0',
      AutoStartConfiguration: { Enabled: true },
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 15 },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('InitialCapacity');
  });

  it('gives the Spark job role its script, curated/ to read and features/spark/ to write, nothing more', () => {
    const template = t('processing');
    const role = Object.values(template.findResources('AWS::IAM::Role'))[0];
    const trust = JSON.stringify(role?.Properties.AssumeRolePolicyDocument);
    expect(trust).toContain('emr-serverless.amazonaws.com');
    expect(trust).toContain('aws:SourceAccount');
    const policies = template.findResources('AWS::IAM::Policy');
    const jobPolicy = Object.entries(policies).find(([id]) => id.startsWith('JobRole'))?.[1];
    const statements = jobPolicy?.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const actions = statements.flatMap((st) => [st.Action].flat());
    expect(actions.every((a) => /^(s3|kms):[A-Za-z]+$/.test(a))).toBe(true); // no wildcards
    const writes = statements.filter((st) => [st.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(writes.map((w) => w.Resource))).toContain('/features/spark/*');
    expect(JSON.stringify(writes.map((w) => w.Resource))).not.toContain('curated/');
    const script = statements.find(
      (st) => st.Action === 's3:GetObject' && !JSON.stringify(st.Resource).includes('*'),
    );
    expect(JSON.stringify(script?.Resource)).toMatch(/\.py/);
  });

  it('lets the MWAA role run jobs on this application and pass this job role only', () => {
    const template = t('processing');
    const airflow = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('AirflowRunsSparkJobs'),
    )?.[1];
    const doc = JSON.stringify(airflow?.Properties);
    expect(doc).toContain('emr-serverless:StartJobRun');
    expect(doc).toContain('iam:PassedToService');
    expect(doc).not.toContain('"Resource":"*"');
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['ApplicationId', 'JobRoleArn', 'FeaturesScriptUri']),
    );
  });
});
