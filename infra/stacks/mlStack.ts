import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { endpointName, packageGroupName } from '../../core/deploy/sagemakerNames.ts';
import { addStatements, bucketArn, keyUse, objectAccess } from './policies.ts';
import { endpointDefaults } from './servingPlan.ts';
import type { StackContext } from './stackContext.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface MlDeps {
  readonly key: kms.Key;
  readonly dataBucket: s3.Bucket;
  readonly modelBucket: s3.Bucket;
}

/** The names gate-promotion and promote-model use too (core/deploy/sagemakerNames.ts). */
export function modelPackageGroupName(env: string, symbol: string): string {
  return packageGroupName(env, symbol);
}

/**
 * The SageMaker side: the execution role, one model package group per symbol, the training
 * image (a DockerImageAsset from training/Dockerfile, built only at deploy), and the endpoint
 * defaults the promote action applies for the environment's serving mode (an endpoint needs an
 * approved model, so it is created by promotion, not here; mode batch creates none).
 */
export class MlStack extends Stack {
  readonly executionRole: iam.Role;
  readonly trainingImage: ecrAssets.DockerImageAsset;
  readonly groups: sagemaker.CfnModelPackageGroup[];
  /** Symbol → its endpoint, created by promote-model on the first promotion. */
  readonly endpointNames: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, ctx: StackContext, deps: MlDeps, props?: StackProps) {
    super(scope, id, props);
    this.endpointNames = Object.fromEntries(
      ctx.config.symbols.map((symbol) => [symbol, endpointName(ctx.env, symbol)]),
    );
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

    new ssm.StringParameter(this, 'EndpointDefaults', {
      parameterName: `/stockops/${ctx.env}/endpoint-defaults`,
      description: `What promote-model applies: serving mode ${ctx.aws.endpoint.mode}`,
      stringValue: JSON.stringify(
        endpointDefaults(ctx, {
          endpointNames: this.endpointNames,
          dataCaptureUri: `s3://${bucketArn(ctx, 'models').split(':::')[1]}/data-capture/`,
          kmsKeyArn: deps.key.keyArn,
          executionRoleArn: this.executionRole.roleArn,
          trainingImage: this.trainingImage.imageUri,
        }),
      ),
    });
    new CfnOutput(this, 'ServingMode', {
      value: ctx.aws.endpoint.mode,
      description: 'realtime, serverless or batch (aws.endpoint.mode); see docs/cost.md',
    });
  }
}
