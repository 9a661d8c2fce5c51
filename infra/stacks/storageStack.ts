import { Aws, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { asIBucket } from './cdkTypes.ts';
import { bucketName } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

/**
 * Buckets for data, model artifacts and DAGs (MWAA's source bucket), all versioned,
 * KMS-encrypted, TLS-only, public access blocked and access-logged; lifecycle rules from
 * config move raw/ to Infrequent Access and then to Glacier, and expire old versions.
 */
export class StorageStack extends Stack {
  readonly key: kms.Key;
  readonly dataBucket: s3.Bucket;
  readonly modelBucket: s3.Bucket;
  readonly dagBucket: s3.Bucket;
  readonly logBucket: s3.Bucket;

  constructor(scope: Construct, id: string, ctx: StackContext, props?: StackProps) {
    super(scope, id, props);
    const storage = ctx.aws.storage;
    const retain = ctx.env === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new kms.Key(this, 'DataKey', {
      alias: `alias/${resourceName(ctx, 'data')}`,
      description: `stockops ${ctx.env}: buckets, queues, topics and logs`,
      enableKeyRotation: true,
      removalPolicy: retain,
    });
    // AWS services that write encrypted data on our behalf: log groups, alarm and event
    // deliveries to encrypted topics and queues, budget notifications.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAwsServicesToUseTheKey',
        principals: [
          new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`),
          new iam.ServicePrincipal('events.amazonaws.com'),
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
          new iam.ServicePrincipal('budgets.amazonaws.com'),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:Encrypt', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    // Server access logs cannot be delivered to an SSE-KMS bucket, so this one uses SSE-S3.
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: retain,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: Duration.days(storage.access_log_retention_days),
          noncurrentVersionExpiration: Duration.days(storage.noncurrent_expiration_days),
        },
      ],
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log target itself; logging it into itself would loop.',
    });

    const bucket = (id: string, extra: Partial<s3.BucketProps> = {}) =>
      new s3.Bucket(this, id, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        enforceSSL: true,
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        serverAccessLogsBucket: asIBucket(this.logBucket),
        serverAccessLogsPrefix: `${id.toLowerCase()}/`,
        removalPolicy: retain,
        ...extra,
      });
    const expireOldVersions: s3.LifecycleRule = {
      id: 'expire-noncurrent-versions',
      noncurrentVersionExpiration: Duration.days(storage.noncurrent_expiration_days),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    };

    this.dataBucket = bucket('Data', {
      bucketName: bucketName(ctx, 'data'),
      lifecycleRules: [
        expireOldVersions,
        {
          id: 'raw-to-cold-storage',
          prefix: 'raw/',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(storage.raw_infrequent_access_days),
            },
            {
              storageClass: s3.StorageClass.GLACIER,
              transitionAfter: Duration.days(storage.raw_archive_days),
            },
          ],
        },
      ],
    });
    this.modelBucket = bucket('Models', {
      bucketName: bucketName(ctx, 'models'),
      lifecycleRules: [expireOldVersions],
    });
    this.dagBucket = bucket('Dags', {
      bucketName: bucketName(ctx, 'dags'),
      lifecycleRules: [expireOldVersions],
    });
  }
}
