import { Aws, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { asIBucket } from './cdkTypes.ts';
import { bucketName } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

/** Where `stockops compact` writes one object per symbol and month (core/data/partitions.ts). */
export const RAW_MONTHLY_PREFIX = 'raw-monthly/';
/** S3 does not transition objects under 128 KB by default, and bills IA at 128 KB minimum. */
export const MIN_TRANSITION_BYTES = 131_072;

/**
 * Buckets for data, model artifacts and DAGs (MWAA's source bucket), all versioned,
 * KMS-encrypted, TLS-only, public access blocked and access-logged; lifecycle rules from
 * config move compacted raw months (raw-monthly/, 128 KB and up) to Infrequent Access and then
 * to Glacier, and expire old versions.
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

    const dataRules: s3.LifecycleRule[] = [
      expireOldVersions,
      {
        // Daily raw/ objects (a few KB each) are never transitioned: S3 bills Standard-IA
        // at 128 KB minimum per object and Glacier adds ~40 KB of overhead per object, so a
        // move would raise the bill. `stockops compact` folds each finished month into one
        // raw-monthly/ object and deletes the days only after re-reading it, so no rule
        // expires raw/ by age (that could delete a day that was never compacted); the
        // noncurrent-version rule above keeps deleted days restorable for its window.
        id: 'raw-monthly-to-cold-storage',
        prefix: RAW_MONTHLY_PREFIX,
        objectSizeGreaterThan: MIN_TRANSITION_BYTES,
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
      {
        // Deleting a compacted day leaves a delete marker; once its old version has expired
        // the marker is clutter that slows listings.
        id: 'remove-expired-delete-markers',
        expiredObjectDeleteMarker: true,
      },
    ];
    this.dataBucket = bucket('Data', {
      bucketName: bucketName(ctx, 'data'),
      lifecycleRules: dataRules,
    });
    // CloudFormation's schema types ObjectSizeGreaterThan as a string; CDK writes a number,
    // which CloudFormation coerces with a validation warning.
    const sized = dataRules.findIndex((r) => r.objectSizeGreaterThan !== undefined);
    (this.dataBucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
      `LifecycleConfiguration.Rules.${sized}.ObjectSizeGreaterThan`,
      String(MIN_TRANSITION_BYTES),
    );
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
