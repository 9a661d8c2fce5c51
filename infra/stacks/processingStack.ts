import { Stack, type StackProps } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { addStatements, keyUse, objectAccess } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

export interface ProcessingDeps {
  readonly key: kms.Key;
  readonly dataBucket: s3.Bucket;
}

/**
 * EMR Serverless (Spark) for large backfills: ARM64, no pre-initialised capacity (nothing is
 * paid while idle), auto-start and auto-stop. Created only when `aws.emr.enabled`.
 */
export class ProcessingStack extends Stack {
  readonly application: emrserverless.CfnApplication;
  readonly jobRole: iam.Role;

  constructor(
    scope: Construct,
    id: string,
    ctx: StackContext,
    deps: ProcessingDeps,
    props?: StackProps,
  ) {
    super(scope, id, props);
    this.application = new emrserverless.CfnApplication(this, 'Spark', {
      name: resourceName(ctx, 'spark'),
      releaseLabel: ctx.aws.emr.release_label,
      type: 'SPARK',
      architecture: 'ARM64',
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: 15 },
      maximumCapacity: { cpu: '16 vCPU', memory: '64 GB' },
    });
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com'),
      description: 'EMR Serverless feature jobs: read curated/, write features/',
    });
    addStatements(this.jobRole, [
      ...objectAccess(ctx, 'data', 'curated/', 'read'),
      ...objectAccess(ctx, 'data', 'features/', 'readwrite'),
      keyUse(deps.key),
    ]);
  }
}
