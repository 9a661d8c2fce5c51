import { Aws, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { asIBucket } from './cdkTypes.ts';
import { addStatements, keyUse, objectAccess } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface AccessDeps {
  readonly key: kms.Key;
  readonly logBucket: s3.Bucket;
  readonly buckets: readonly s3.Bucket[];
  readonly dagBucket: s3.Bucket;
  readonly airflowEnvironment: string;
  readonly sagemakerRole: iam.Role;
  /** An existing GitHub OIDC provider (one per account); created here when absent. */
  readonly oidcProviderArn?: string;
}

/**
 * GitHub OIDC and the environment's deploy role — trusted only from this repository's
 * environment branch or GitHub Environment, no long-lived keys — plus CloudTrail data events
 * on the buckets.
 */
export class AccessStack extends Stack {
  readonly deployRole: iam.Role;
  readonly trail: cloudtrail.Trail;

  constructor(
    scope: Construct,
    id: string,
    ctx: StackContext,
    deps: AccessDeps,
    props?: StackProps,
  ) {
    super(scope, id, props);
    const { owner, repo } = ctx.aws.github;
    const providerArn =
      deps.oidcProviderArn ??
      new iam.CfnOIDCProvider(this, 'GitHubOidc', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdList: ['sts.amazonaws.com'],
      }).attrArn;

    this.deployRole = new iam.Role(this, 'DeployRole', {
      roleName: resourceName(ctx, 'github-deploy'),
      description: `GitHub Actions deploys of ${owner}/${repo} to ${ctx.env}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' },
        // The branch for pushes, the GitHub Environment for jobs that declare one: either way
        // only this repository's `${env}`.
        'ForAnyValue:StringEquals': {
          [`${GITHUB_OIDC_HOST}:sub`]: [
            `repo:${owner}/${repo}:ref:refs/heads/${ctx.env}`,
            `repo:${owner}/${repo}:environment:${ctx.env}`,
          ],
        },
      }),
    });
    const account = Aws.ACCOUNT_ID;
    const region = Aws.REGION;
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: [
          `arn:${Aws.PARTITION}:iam::${account}:role/cdk-hnb659fds-*-${account}-${region}`,
        ],
      }),
    );
    addStatements(this.deployRole, [
      ...objectAccess(ctx, 'dags', '', 'readwrite'),
      keyUse(deps.key),
    ]);
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UpdateAirflow',
        actions: ['airflow:UpdateEnvironment', 'airflow:GetEnvironment'],
        resources: [
          `arn:${Aws.PARTITION}:airflow:${region}:${account}:environment/${deps.airflowEnvironment}`,
        ],
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TrainGatePromote',
        actions: [
          'sagemaker:CreateTrainingJob',
          'sagemaker:DescribeTrainingJob',
          'sagemaker:StopTrainingJob',
          'sagemaker:CreateModelPackage',
          'sagemaker:DescribeModelPackage',
          'sagemaker:ListModelPackages',
          'sagemaker:UpdateModelPackage',
          'sagemaker:CreateModel',
          'sagemaker:CreateEndpointConfig',
          'sagemaker:CreateEndpoint',
          'sagemaker:UpdateEndpoint',
          'sagemaker:DescribeEndpoint',
        ],
        resources: [`arn:${Aws.PARTITION}:sagemaker:${region}:${account}:*/stockops-${ctx.env}-*`],
      }),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassSageMakerRole',
        actions: ['iam:PassRole'],
        resources: [deps.sagemakerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );

    const trailBucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: deps.key,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: asIBucket(deps.logBucket),
      serverAccessLogsPrefix: 'trail/',
    });
    const trailLogs = new logs.LogGroup(this, 'TrailLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: deps.key,
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName: resourceName(ctx, 'data-events'),
      bucket: asIBucket(trailBucket),
      encryptionKey: deps.key,
      enableFileValidation: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: trailLogs,
      includeGlobalServiceEvents: false,
      isMultiRegionTrail: false,
      managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
    });
    this.trail.addS3EventSelector(
      deps.buckets.map((bucket) => ({ bucket: asIBucket(bucket) })),
      { readWriteType: cloudtrail.ReadWriteType.ALL, includeManagementEvents: false },
    );
  }
}
