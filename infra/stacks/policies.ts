import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { resourceName, type StackContext } from './stackContext.ts';

/**
 * Least-privilege statements written out, instead of CDK's grant helpers: those add wildcard
 * actions (`s3:GetObject*`, `kms:ReEncrypt*`) and name buckets by cross-stack export tokens.
 * Buckets have deterministic names, so their ARNs are stable strings in every stack.
 */
export type BucketKind = 'data' | 'models' | 'dags';

export function bucketName(ctx: StackContext, kind: BucketKind): string {
  // MWAA only accepts a source bucket whose name starts with "airflow-".
  const base = kind === 'dags' ? `airflow-stockops-${ctx.env}` : resourceName(ctx, kind);
  return `${base}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

export function bucketArn(ctx: StackContext, kind: BucketKind): string {
  return `arn:${Aws.PARTITION}:s3:::${bucketName(ctx, kind)}`;
}

/** List the bucket under `prefix` and read (or read and write) the objects there. */
export function objectAccess(
  ctx: StackContext,
  kind: BucketKind,
  prefix: string,
  mode: 'read' | 'readwrite',
): iam.PolicyStatement[] {
  const actions = ['s3:GetObject', 's3:GetObjectVersion'];
  if (mode === 'readwrite') actions.push('s3:PutObject', 's3:DeleteObject');
  return [
    new iam.PolicyStatement({
      actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketVersions'],
      resources: [bucketArn(ctx, kind)],
      ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
    }),
    new iam.PolicyStatement({ actions, resources: [`${bucketArn(ctx, kind)}/${prefix}*`] }),
  ];
}

/** Use the environment's key for SSE-KMS objects, encrypted queues and topics. */
export function keyUse(key: kms.Key): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    resources: [key.keyArn],
  });
}

export function addStatements(principal: iam.Role, statements: iam.PolicyStatement[]): void {
  for (const statement of statements) principal.addToPolicy(statement);
}
