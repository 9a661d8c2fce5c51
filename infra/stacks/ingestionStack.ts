import { fileURLToPath } from 'node:url';
import { Aws, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { topicEnvName } from '../../adapters/aws/snsAlerts.ts';
import { ALERT_TYPES, type AlertType } from '../../core/config/configTypes.ts';
import type { ResilienceConfig } from '../../core/resilience/policySettings.ts';
import { bundledEntry, lambdaRoleAndLogs } from './lambdaFunctions.ts';
import { addStatements, bucketName, keyUse, objectAccess } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

export const INGEST_ENTRY = fileURLToPath(
  new URL('../../lambdas/ingest/handler.ts', import.meta.url),
);

export interface IngestionDeps {
  readonly key: kms.Key;
  readonly dataBucket: s3.Bucket;
}

/**
 * The ingest Lambda (bundled by esbuild at synth), its EventBridge Scheduler schedule
 * (weekdays after the close, New York time) with a retry policy and a dead-letter queue, the
 * async on-failure destination, and reserved concurrency to cap bursts against Yahoo.
 */
export class IngestionStack extends Stack {
  readonly function: nodejs.NodejsFunction;
  readonly deadLetterQueue: sqs.Queue;
  /** The async on-failure destination: events the handler threw on, after Lambda's retries. */
  readonly failureQueue: sqs.Queue;
  readonly schedule: scheduler.CfnSchedule;

  constructor(
    scope: Construct,
    id: string,
    ctx: StackContext,
    deps: IngestionDeps,
    props?: StackProps,
  ) {
    super(scope, id, props);
    const ingest = ctx.aws.ingest;
    const queue = (name: string) =>
      new sqs.Queue(this, name, {
        queueName: resourceName(ctx, `ingest-${name.toLowerCase()}`),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: deps.key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    // One queue for events the scheduler could not deliver, one for invocations that failed
    // after Lambda's own retries: both need a person, and both alarm.
    this.deadLetterQueue = queue('DeadLetter');
    const failures = queue('Failures');
    this.failureQueue = failures;

    // Named, not referenced: the monitoring stack (which creates the topics) depends on this one.
    const alertTopic = Object.fromEntries(
      ALERT_TYPES.map((t) => [t, alertTopicArn(ctx, t)]),
    ) as Record<AlertType, string>;
    const { role, logGroup } = lambdaRoleAndLogs(this, ctx, deps.key, {
      name: 'ingest',
      logsId: 'Logs',
      roleId: 'IngestRole',
      description: 'The ingest Lambda: write raw/ and curated/, read reports/, log',
    });
    addStatements(role, [
      ...objectAccess(ctx, 'data', 'raw/', 'readwrite'),
      ...objectAccess(ctx, 'data', 'curated/', 'readwrite'),
      ...objectAccess(ctx, 'data', 'reports/', 'readwrite'),
      // the alert log and open incidents: one alert per failed day, however often it is retried
      ...objectAccess(ctx, 'data', 'alerts/', 'readwrite'),
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: (['pipeline_failure', 'data_quality'] as const).map((t) => alertTopic[t]),
      }),
      keyUse(deps.key),
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [failures.queueArn] }),
    ]);
    this.function = new nodejs.NodejsFunction(this, 'Ingest', {
      role,
      functionName: resourceName(ctx, 'ingest'),
      ...bundledEntry(INGEST_ENTRY),
      memorySize: ingest.memory_mb,
      timeout: Duration.seconds(ingest.timeout_seconds),
      reservedConcurrentExecutions: ingest.reserved_concurrency,
      logGroup,
      environment: {
        STOCKOPS_ENV: ctx.env,
        STOCKOPS_BUCKET: bucketName(ctx, 'data'),
        STOCKOPS_SYMBOLS: ctx.config.symbols.join(','),
        STOCKOPS_METRICS_NAMESPACE: 'stockops',
        STOCKOPS_YAHOO_BASE_URL: ctx.config.data.yahoo.base_url,
        STOCKOPS_YAHOO_TIMEOUT_MS: String(ctx.config.data.yahoo.timeout_ms),
        STOCKOPS_QUALITY: JSON.stringify(ctx.config.quality),
        // only the policies the handler uses: Lambda environments are limited to 4 KB
        STOCKOPS_RESILIENCE: JSON.stringify(ingestPolicies(ctx.config.resilience)),
        ...Object.fromEntries(ALERT_TYPES.map((t) => [topicEnvName(t), alertTopic[t]])),
      },
      // A destination that only names the queue: SqsDestination would also grant
      // kms:ReEncrypt* and kms:GenerateDataKey*; the role's own statements are narrower.
      onFailure: { bind: () => ({ destination: failures.queueArn }) },
      retryAttempts: 2,
      maxEventAge: Duration.seconds(ingest.maximum_event_age_seconds),
    });

    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invoke the ingest Lambda, dead-letter to SQS',
    });
    addStatements(schedulerRole, [
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.functionArn],
      }),
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
      keyUse(deps.key),
    ]);

    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: resourceName(ctx, 'ingest-daily'),
      description: 'Daily ingest after the NYSE close; the handler skips non-trading days',
      scheduleExpression: ingest.schedule_expression,
      scheduleExpressionTimezone: ingest.schedule_timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.function.functionArn,
        roleArn: schedulerRole.roleArn,
        // Scheduler substitutes the scheduled time, from which the handler derives the trading day.
        input: JSON.stringify({
          source: 'stockops.schedule',
          time: '<aws.scheduler.scheduled-time>',
          symbols: ctx.config.symbols,
        }),
        retryPolicy: {
          maximumRetryAttempts: ingest.retry_attempts,
          maximumEventAgeInSeconds: ingest.maximum_event_age_seconds,
        },
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      },
    });
  }
}

/** The ARN of an alert type's topic, `stockops-<env>-pipeline-failure` (the monitoring stack's). */
export function alertTopicArn(ctx: StackContext, type: AlertType): string {
  return `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resourceName(ctx, type.replace(/_/g, '-'))}`;
}

/** The resilience policies the ingest handler runs under, from config (absent ones: defaults). */
export function ingestPolicies(resilience: ResilienceConfig | undefined): ResilienceConfig {
  const { yahoo, s3, sns } = resilience ?? {};
  return {
    ...(yahoo ? { yahoo } : {}),
    ...(s3 ? { s3 } : {}),
    ...(sns ? { sns } : {}),
  };
}
