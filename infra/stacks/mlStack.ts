import { fileURLToPath } from 'node:url';
import { Aws, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { addStatements, bucketArn, keyUse, objectAccess } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface MlDeps {
  readonly key: kms.Key;
  readonly dataBucket: s3.Bucket;
  readonly modelBucket: s3.Bucket;
}

/** SageMaker model package group names allow [a-zA-Z0-9-] only: BRK.B → BRK-B. */
export function modelPackageGroupName(env: string, symbol: string): string {
  return `stockops-${env}-${symbol.replace(/[^A-Za-z0-9]/g, '-')}`;
}

/**
 * The SageMaker side: the execution role, one model package group per symbol, the training
 * image (a DockerImageAsset from training/Dockerfile, built only at deploy), and the endpoint
 * defaults the promote action applies (an endpoint needs an approved model, so it is created
 * by promotion, not here).
 */
export class MlStack extends Stack {
  readonly executionRole: iam.Role;
  readonly trainingImage: ecrAssets.DockerImageAsset;
  readonly groups: sagemaker.CfnModelPackageGroup[];
  readonly endpointName: string;

  constructor(scope: Construct, id: string, ctx: StackContext, deps: MlDeps, props?: StackProps) {
    super(scope, id, props);
    this.endpointName = resourceName(ctx, 'forecast');
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker training, transform and endpoints for stockops',
    });
    addStatements(this.executionRole, [
      ...objectAccess(ctx, 'data', 'curated/', 'read'),
      ...objectAccess(ctx, 'data', 'features/', 'read'),
      ...objectAccess(ctx, 'models', '', 'readwrite'),
      keyUse(deps.key),
    ]);
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TrainingLogsAndMetrics',
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogStreams',
        ],
        resources: [
          `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/*`,
        ],
      }),
    );
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'cloudwatch:namespace': ['/aws/sagemaker/TrainingJobs', 'stockops'] },
        },
      }),
    );

    this.trainingImage = new ecrAssets.DockerImageAsset(this, 'TrainingImage', {
      directory: REPO_ROOT,
      file: 'training/Dockerfile',
      platform: ecrAssets.Platform.LINUX_AMD64,
      exclude: [
        'node_modules',
        '.git',
        '.stockops',
        // every project venv (.venv, .venv-airflow, .venv-spark): hundreds of MB, not image input
        '.venv*',
        '.tools',
        'test-artifacts',
        'cdk.out',
        'coverage',
        'tmp',
        'test',
      ],
    });
    this.trainingImage.repository.grantPull(this.executionRole);

    this.groups = ctx.config.symbols.map(
      (symbol) =>
        new sagemaker.CfnModelPackageGroup(this, `Group${symbol.replace(/[^A-Za-z0-9]/g, '')}`, {
          modelPackageGroupName: modelPackageGroupName(ctx.env, symbol),
          modelPackageGroupDescription: `${symbol} daily avg_price forecasts: baselines and LSTM candidates`,
        }),
    );

    const e = ctx.aws.endpoint;
    new ssm.StringParameter(this, 'EndpointDefaults', {
      parameterName: `/stockops/${ctx.env}/endpoint-defaults`,
      description: 'What promote-model applies when it creates or updates the endpoint',
      stringValue: JSON.stringify({
        endpoint_name: this.endpointName,
        instance_type: e.instance_type,
        autoscaling: {
          min_capacity: e.min_capacity,
          max_capacity: e.max_capacity,
          target_tracking: {
            metric: 'SageMakerVariantInvocationsPerInstance',
            target_value: e.target_invocations_per_instance,
          },
        },
        data_capture: {
          enabled: e.data_capture_percent > 0,
          sampling_percentage: e.data_capture_percent,
          destination: `s3://${bucketArn(ctx, 'models').split(':::')[1]}/data-capture/`,
          kms_key_id: deps.key.keyArn,
        },
        execution_role_arn: this.executionRole.roleArn,
        training_image: this.trainingImage.imageUri,
      }),
    });
  }
}
