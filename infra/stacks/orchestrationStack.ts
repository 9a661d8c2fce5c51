import { Aws, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as mwaa from 'aws-cdk-lib/aws-mwaa';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { asIVpc } from './cdkTypes.ts';
import { addStatements, keyUse, objectAccess } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

export interface OrchestrationDeps {
  readonly vpc: ec2.Vpc;
  readonly subnets: ec2.SubnetSelection;
  readonly key: kms.Key;
  readonly dagBucket: s3.Bucket;
  readonly dataBucket: s3.Bucket;
  readonly modelBucket: s3.Bucket;
  /** Versions of requirements.txt and the startup script in the DAG bucket (sync-dags sets them). */
  readonly requirementsVersion?: string;
  readonly startupScriptVersion?: string;
}

/**
 * The MWAA environment: Airflow version, class and workers from config, private web server,
 * DAGs from the versioned bucket; requirements.txt and the startup script are referenced by S3
 * object version, so a change takes effect only through an UpdateEnvironment with the new one.
 */
export class OrchestrationStack extends Stack {
  readonly airflow: mwaa.CfnEnvironment;
  readonly executionRole: iam.Role;
  readonly environmentName: string;

  constructor(
    scope: Construct,
    id: string,
    ctx: StackContext,
    deps: OrchestrationDeps,
    props?: StackProps,
  ) {
    super(scope, id, props);
    const m = ctx.aws.mwaa;
    this.environmentName = resourceName(ctx, 'airflow');
    const envArn = `arn:${Aws.PARTITION}:airflow:${Aws.REGION}:${Aws.ACCOUNT_ID}:environment/${this.environmentName}`;

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('airflow.amazonaws.com'),
        new iam.ServicePrincipal('airflow-env.amazonaws.com'),
      ),
      description: `MWAA execution role for ${this.environmentName}`,
    });
    const policy = this.executionRole;
    policy.addToPolicy(
      new iam.PolicyStatement({ actions: ['airflow:PublishMetrics'], resources: [envArn] }),
    );
    addStatements(policy, [
      ...objectAccess(ctx, 'dags', '', 'read'),
      ...objectAccess(ctx, 'data', '', 'readwrite'),
      ...objectAccess(ctx, 'models', '', 'read'),
      keyUse(deps.key),
    ]);
    policy.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AirflowLogs',
        actions: [
          'logs:CreateLogStream',
          'logs:CreateLogGroup',
          'logs:PutLogEvents',
          'logs:GetLogEvents',
          'logs:GetLogRecord',
          'logs:GetLogGroupFields',
          'logs:GetQueryResults',
        ],
        resources: [
          `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:airflow-${this.environmentName}-*`,
        ],
      }),
    );
    policy.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AirflowCeleryQueues',
        actions: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
        ],
        resources: [`arn:${Aws.PARTITION}:sqs:${Aws.REGION}:*:airflow-celery-*`],
      }),
    );
    policy.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PipelineTasks',
        actions: [
          'lambda:InvokeFunction',
          'sns:Publish',
          'sagemaker:CreateTrainingJob',
          'sagemaker:DescribeTrainingJob',
          'sagemaker:CreateTransformJob',
          'sagemaker:DescribeTransformJob',
          'sagemaker:CreateProcessingJob',
          'sagemaker:DescribeProcessingJob',
          'sagemaker:CreateModelPackage',
          'sagemaker:DescribeModelPackage',
          'sagemaker:ListModelPackages',
          'sagemaker:UpdateModelPackage',
        ],
        resources: [
          `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:stockops-${ctx.env}-*`,
          `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:stockops-${ctx.env}-*`,
          `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${Aws.ACCOUNT_ID}:*/stockops-${ctx.env}-*`,
        ],
      }),
    );

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: asIVpc(deps.vpc),
      description: 'MWAA: workers, scheduler and web server talk to each other only',
      allowAllOutbound: true,
    });
    securityGroup.addIngressRule(securityGroup, ec2.Port.allTraffic(), 'MWAA components');
    const subnetIds = deps.vpc.selectSubnets(deps.subnets).subnetIds.slice(0, 2);

    const logging = { enabled: true, logLevel: 'INFO' };
    this.airflow = new mwaa.CfnEnvironment(this, 'Environment', {
      name: this.environmentName,
      airflowVersion: m.airflow_version,
      environmentClass: m.environment_class,
      minWorkers: m.min_workers,
      maxWorkers: m.max_workers,
      executionRoleArn: this.executionRole.roleArn,
      sourceBucketArn: deps.dagBucket.bucketArn,
      dagS3Path: 'dags',
      ...(deps.requirementsVersion
        ? {
            requirementsS3Path: 'requirements.txt',
            requirementsS3ObjectVersion: deps.requirementsVersion,
          }
        : {}),
      ...(deps.startupScriptVersion
        ? {
            startupScriptS3Path: 'startup.sh',
            startupScriptS3ObjectVersion: deps.startupScriptVersion,
          }
        : {}),
      kmsKey: deps.key.keyArn,
      webserverAccessMode: 'PRIVATE_ONLY',
      networkConfiguration: { subnetIds, securityGroupIds: [securityGroup.securityGroupId] },
      loggingConfiguration: {
        dagProcessingLogs: logging,
        schedulerLogs: logging,
        taskLogs: logging,
        webserverLogs: logging,
        workerLogs: logging,
      },
      tags: { project: 'stockops', environment: ctx.env },
    });
  }
}
