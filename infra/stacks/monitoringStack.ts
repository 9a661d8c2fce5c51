import { fileURLToPath } from 'node:url';
import { Aws, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { topicEnvName } from '../../adapters/aws/snsAlerts.ts';
import { ALERT_TYPES, type AlertType } from '../../core/config/configTypes.ts';
import type { ResilienceConfig } from '../../core/resilience/policySettings.ts';
import { bundledEntry, lambdaRoleAndLogs } from './lambdaFunctions.ts';
import { modelPackageGroupName } from './mlStack.ts';
import { addStatements, bucketName, keyUse, objectAccess } from './policies.ts';
import { endpointAlarmNames, hasEndpoint, VARIANT_NAME } from './servingPlan.ts';
import { resourceName, type StackContext } from './stackContext.ts';

export const DISPATCH_ENTRY = fileURLToPath(
  new URL('../../lambdas/dispatch/handler.ts', import.meta.url),
);
/** Used when config aws.github.dispatch_token_secret is not set. */
export const DEFAULT_DISPATCH_SECRET = 'stockops/github-dispatch-token';

export interface MonitoringDeps {
  readonly key: kms.Key;
  readonly ingest: lambda.Function;
  readonly deadLetterQueue: sqs.Queue;
  readonly failureQueue?: sqs.Queue;
  /** Symbol → endpoint: the endpoint alarms watch every one of them. */
  readonly endpointNames: Readonly<Record<string, string>>;
  readonly airflowEnvironment: string;
}

/** The namespace the pipeline's EMF metrics land in. */
export const METRICS_NAMESPACE = 'stockops';

/**
 * One SNS topic per alert type with subscriptions from config; a dashboard; alarms on the ingest
 * Lambda, its dead-letter queue, the endpoint (when the serving mode has one) and the model's
 * realised error ratio; EventBridge rules for training-job failures and model-package changes;
 * and the monthly cost budget with actual and forecasted notifications from config.
 */
export class MonitoringStack extends Stack {
  readonly topics: Record<AlertType, sns.Topic>;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dispatch: nodejs.NodejsFunction;
  /** The dispatch Lambda's async on-failure destination. */
  readonly dispatchFailures: sqs.Queue;

  constructor(
    scope: Construct,
    id: string,
    ctx: StackContext,
    deps: MonitoringDeps,
    props?: StackProps,
  ) {
    super(scope, id, props);
    const a = ctx.aws.alarms;
    this.topics = Object.fromEntries(
      ALERT_TYPES.map((type) => {
        const topic = new sns.Topic(this, `Topic-${type}`, {
          topicName: resourceName(ctx, type.replace(/_/g, '-')),
          displayName: `stockops ${ctx.env}: ${type.replace(/_/g, ' ')}`,
          masterKey: deps.key,
          enforceSSL: true,
        });
        for (const email of ctx.aws.alerts[type]) {
          topic.addSubscription(new subscriptions.EmailSubscription(email));
        }
        return [type, topic];
      }),
    ) as Record<AlertType, sns.Topic>;

    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      topic: AlertType,
      description: string,
      alarmName = resourceName(ctx, name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()),
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        alarmName,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topics[topic]));
      this.alarms.push(created);
      return created;
    };
    const five = Duration.minutes(5);
    // One endpoint per symbol; an environment's endpoint alarms cover all of them (sum of 5XX,
    // worst p99), so the names promote-model passes as rollback alarms watch whichever endpoint
    // it is updating (one deploy per environment at a time).
    const endpoint = (metricName: string, statistic: string, combine: 'sum' | 'max') => {
      const metrics = Object.values(deps.endpointNames).map(
        (name) =>
          new cloudwatch.Metric({
            namespace: 'AWS/SageMaker',
            metricName,
            dimensionsMap: { EndpointName: name, VariantName: VARIANT_NAME },
            statistic,
            period: five,
          }),
      );
      if (metrics.length === 1) return metrics[0] as cloudwatch.Metric;
      const using = Object.fromEntries(metrics.map((m, i) => [`e${i}`, m]));
      const ids = Object.keys(using);
      return new cloudwatch.MathExpression({
        expression: combine === 'sum' ? ids.join(' + ') : `MAX([${ids.join(', ')}])`,
        usingMetrics: using,
        label: `${metricName} (${combine} over ${ids.length} endpoints)`,
        period: five,
      });
    };
    const lambdaErrors = deps.ingest.metricErrors({ period: five, statistic: 'Sum' });
    const dlqDepth = deps.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: five,
    });
    const endpoint5xx = endpoint('Invocation5XXErrors', 'Sum', 'sum');
    // ModelLatency is reported in microseconds.
    const latencyP99 = endpoint('ModelLatency', 'p99', 'max');
    const errorRatio = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'RealisedErrorRatioVsBestBaseline',
      dimensionsMap: { Environment: ctx.env },
      statistic: 'Average',
      period: Duration.days(1),
    });
    alarm(
      'IngestErrors',
      lambdaErrors,
      a.lambda_errors,
      'infrastructure',
      'The ingest Lambda failed',
    );
    alarm(
      'IngestDeadLetters',
      dlqDepth,
      a.dlq_depth,
      'pipeline_failure',
      'Scheduled ingest events could not be delivered',
    );
    if (deps.failureQueue) {
      alarm(
        'IngestFailures',
        deps.failureQueue.metricApproximateNumberOfMessagesVisible({ period: five }),
        a.dlq_depth,
        'pipeline_failure',
        'Ingest invocations failed after Lambda retries',
      );
    }
    // Mode batch has no endpoint: alarms on its metrics could never fire. Realtime and
    // serverless endpoints both report these metrics; promote-model uses the same alarms to
    // roll a deployment back.
    const serving = ctx.aws.endpoint.mode;
    if (hasEndpoint(serving)) {
      const names = endpointAlarmNames(ctx);
      alarm(
        'Endpoint5xx',
        endpoint5xx,
        a.endpoint_5xx,
        'infrastructure',
        `The ${serving} forecast endpoint answers 5XX`,
        names.fiveXx,
      );
      alarm(
        'EndpointLatencyP99',
        latencyP99,
        a.endpoint_latency_p99_ms * 1000,
        'infrastructure',
        `Endpoint p99 model latency at or above ${a.endpoint_latency_p99_ms} ms`,
        names.latencyP99,
      );
    }
    alarm(
      'ModelErrorRatio',
      errorRatio,
      a.model_error_ratio,
      'model_degradation',
      `Realised error ratio vs the best baseline at or above ${a.model_error_ratio}`,
    );

    new events.Rule(this, 'TrainingJobFailed', {
      description: 'A SageMaker training job of this environment failed',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Training Job State Change'],
        detail: {
          TrainingJobName: [{ prefix: `stockops-${ctx.env}-` }],
          TrainingJobStatus: ['Failed'],
        },
      },
      targets: [new targets.SnsTopic(this.topics.pipeline_failure)],
    });
    new events.Rule(this, 'ModelPackageChanged', {
      description: 'A model package of this environment was registered, approved or rejected',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: {
          ModelPackageGroupName: ctx.config.symbols.map((s) => modelPackageGroupName(ctx.env, s)),
        },
      },
      targets: [new targets.SnsTopic(this.topics.model_degradation)],
    });

    this.dispatchFailures = new sqs.Queue(this, 'DispatchFailureQueue', {
      queueName: resourceName(ctx, 'dispatch-failures'),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: deps.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.dispatch = this.retrainDispatch(ctx, deps, this.dispatchFailures);
    alarm(
      'DispatchFailures',
      this.dispatchFailures.metricApproximateNumberOfMessagesVisible({ period: five }),
      a.dlq_depth,
      'pipeline_failure',
      'Retrain requests could not be dispatched to GitHub after Lambda retries',
    );

    const budgetTopic = this.topics.infrastructure;
    budgetTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [budgetTopic.topicArn],
      }),
    );
    const b = ctx.aws.budget;
    const notify = (type: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: {
        notificationType: type,
        comparisonOperator: 'GREATER_THAN',
        threshold,
        thresholdType: 'PERCENTAGE',
      },
      subscribers: [{ subscriptionType: 'SNS', address: budgetTopic.topicArn }],
    });
    new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: resourceName(ctx, 'monthly'),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: b.monthly_usd, unit: 'USD' },
        // This environment's resources only: project AND environment (cost-allocation tags,
        // activated once per account in Billing; see docs/cost.md).
        filterExpression: {
          and: [
            { tags: { key: 'project', values: ['stockops'] } },
            { tags: { key: 'environment', values: [ctx.env] } },
          ],
        },
      },
      notificationsWithSubscribers: [
        notify('ACTUAL', b.actual_alert_percent),
        notify('FORECASTED', b.forecasted_alert_percent),
      ],
    });

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: resourceName(ctx, 'pipeline'),
    });
    const custom = (metricName: string, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { Environment: ctx.env },
        statistic,
        period: Duration.days(1),
      });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ingest: invocations and errors',
        left: [deps.ingest.metricInvocations({ period: five }), lambdaErrors],
      }),
      new cloudwatch.GraphWidget({
        title: 'Ingest: bars written, retries, dead letters',
        left: [custom('BarsWritten'), custom('Retries')],
        right: [dlqDepth],
      }),
      new cloudwatch.GraphWidget({
        title: 'DAG runs',
        left: ['Succeeded', 'Failed'].map(
          (state) =>
            new cloudwatch.Metric({
              namespace: 'AmazonMWAA',
              metricName: `DAGRun${state}`,
              dimensionsMap: { Environment: deps.airflowEnvironment },
              statistic: 'Sum',
              period: Duration.days(1),
            }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Training: walk-forward RMSE of returns',
        left: [custom('WalkForwardRmseReturn', 'Average')],
      }),
      ...(hasEndpoint(serving)
        ? [
            new cloudwatch.GraphWidget({
              title: `Endpoint (${serving}): latency p99 (µs) and 5XX`,
              left: [latencyP99],
              right: [endpoint5xx],
            }),
          ]
        : []),
      new cloudwatch.GraphWidget({
        title: 'Model: realised error ratio vs best baseline',
        left: [errorRatio],
        leftAnnotations: [{ value: a.model_error_ratio, label: 'alarm' }],
      }),
    );
  }
  /**
   * The retrain trigger in AWS: a Lambda subscribed to the model-degradation topic, filtered to
   * alerts that ask for a retrain (alarms and registry events on the same topic never reach
   * it), that sends GitHub repository_dispatch `drift-detected` with a token it reads from
   * Secrets Manager. The secret is created by hand and referenced by name; the role may read
   * that one secret and write its own log group, nothing else.
   */
  private retrainDispatch(
    ctx: StackContext,
    deps: MonitoringDeps,
    failures: sqs.Queue,
  ): nodejs.NodejsFunction {
    const secretName = ctx.aws.github.dispatch_token_secret ?? DEFAULT_DISPATCH_SECRET;
    const { role, logGroup } = lambdaRoleAndLogs(this, ctx, deps.key, {
      name: 'dispatch',
      logsId: 'DispatchLogs',
      roleId: 'DispatchRole',
      description: 'The dispatch Lambda: read the GitHub token secret, log',
    });
    addStatements(role, [
      // Secrets Manager appends six random characters to a secret's name in its ARN.
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [
          `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${secretName}-??????`,
        ],
      }),
      // one pipeline_failure alert per retrain request that could not be dispatched; open
      // incidents are kept beside the ingest ones, under alerts/ in the data bucket
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: [this.topics.pipeline_failure.topicArn],
      }),
      ...objectAccess(ctx, 'data', 'alerts/', 'readwrite'),
      keyUse(deps.key),
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [failures.queueArn] }),
    ]);
    const fn = new nodejs.NodejsFunction(this, 'Dispatch', {
      role,
      functionName: resourceName(ctx, 'dispatch'),
      description: 'Model-degradation alert → GitHub repository_dispatch drift-detected (retrain)',
      ...bundledEntry(DISPATCH_ENTRY),
      memorySize: 256,
      timeout: Duration.seconds(30),
      // one retrain per incident: never two dispatches racing for the same alert
      reservedConcurrentExecutions: 1,
      retryAttempts: 2,
      // A destination that only names the queue (as the ingest Lambda's): no extra KMS grants.
      onFailure: { bind: () => ({ destination: failures.queueArn }) },
      logGroup,
      environment: {
        STOCKOPS_ENV: ctx.env,
        STOCKOPS_GITHUB_OWNER: ctx.aws.github.owner,
        STOCKOPS_GITHUB_REPO: ctx.aws.github.repo,
        STOCKOPS_GITHUB_TOKEN_SECRET: secretName,
        STOCKOPS_BUCKET: bucketName(ctx, 'data'),
        STOCKOPS_RESILIENCE: JSON.stringify(dispatchPolicies(ctx.config.resilience)),
        ...Object.fromEntries(ALERT_TYPES.map((t) => [topicEnvName(t), this.topics[t].topicArn])),
      },
    });
    this.topics.model_degradation.addSubscription(
      new subscriptions.LambdaSubscription(fn, {
        filterPolicy: { retrain: sns.SubscriptionFilter.stringFilter({ allowlist: ['true'] }) },
      }),
    );
    return fn;
  }
}

/** The resilience policies the dispatch handler runs under, from config (absent ones: defaults). */
export function dispatchPolicies(resilience: ResilienceConfig | undefined): ResilienceConfig {
  const { secrets, github, sns: snsPolicy, s3 } = resilience ?? {};
  return {
    ...(secrets ? { secrets } : {}),
    ...(github ? { github } : {}),
    ...(snsPolicy ? { sns: snsPolicy } : {}),
    ...(s3 ? { s3 } : {}),
  };
}
