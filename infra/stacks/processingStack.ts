import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as emrserverless from 'aws-cdk-lib/aws-emrserverless';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { addStatements, bucketArn, keyUse, objectAccess } from './policies.ts';
import { resourceName, type StackContext } from './stackContext.ts';

const FEATURES_JOB = fileURLToPath(
  new URL('../../processing/spark/features_job.py', import.meta.url),
);

/** Where the Spark job writes (feature_version=V/symbol=S/ partitions below it). */
export const SPARK_FEATURES_PREFIX = 'features/spark/';

export interface ProcessingDeps {
  readonly key: kms.Key;
  readonly dataBucket: s3.Bucket;
  /** MWAA's execution role: the DAG's EmrServerlessStartJobOperator runs jobs as it. */
  readonly airflowRole: iam.IRole;
}

/**
 * EMR Serverless (Spark) for the backfill's feature job: ARM64 (Graviton, cheaper per vCPU),
 * no pre-initialised capacity (nothing is paid while idle), auto-start on a job and auto-stop
 * after 15 idle minutes. The job script is a CDK asset (uploaded to the bootstrap bucket at
 * deploy); the job role reads that one object and curated/, writes features/spark/, and uses
 * the environment's key — nothing else. The outputs are what the Airflow Variables
 * stockops_emr_application_id, stockops_emr_role_arn and stockops_features_script_s3_uri hold.
 */
export class ProcessingStack extends Stack {
  readonly application: emrserverless.CfnApplication;
  readonly jobRole: iam.Role;
  readonly script: s3assets.Asset;

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
    this.script = new s3assets.Asset(this, 'FeaturesJob', { path: FEATURES_JOB });
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('emr-serverless.amazonaws.com', {
        // only this account's applications may hand the role to a job (confused deputy)
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:emr-serverless:${Aws.REGION}:${Aws.ACCOUNT_ID}:/applications/*`,
          },
        },
      }),
      description:
        'EMR Serverless feature job: read its script and curated/, write features/spark/',
    });
    addStatements(this.jobRole, [
      new iam.PolicyStatement({
        sid: 'ReadJobScript',
        actions: ['s3:GetObject'],
        resources: [
          `arn:${Aws.PARTITION}:s3:::${this.script.s3BucketName}/${this.script.s3ObjectKey}`,
        ],
      }),
      ...objectAccess(ctx, 'data', 'curated/', 'read'),
      ...objectAccess(ctx, 'data', SPARK_FEATURES_PREFIX, 'readwrite'),
      new iam.PolicyStatement({
        sid: 'SparkMultipartWrites',
        actions: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [`${bucketArn(ctx, 'data')}/${SPARK_FEATURES_PREFIX}*`],
      }),
      keyUse(deps.key),
    ]);
    // What the operator calls (get/start the application, start/poll/cancel a job run, pass
    // the job role), on this application and role only; kept here so it exists exactly when
    // the application does.
    new iam.Policy(this, 'AirflowRunsSparkJobs', {
      roles: [deps.airflowRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'SparkApplication',
          actions: ['emr-serverless:GetApplication', 'emr-serverless:StartApplication'],
          resources: [this.application.attrArn],
        }),
        new iam.PolicyStatement({
          sid: 'SparkJobRuns',
          actions: [
            'emr-serverless:StartJobRun',
            'emr-serverless:GetJobRun',
            'emr-serverless:CancelJobRun',
          ],
          resources: [this.application.attrArn, `${this.application.attrArn}/jobruns/*`],
        }),
        new iam.PolicyStatement({
          sid: 'PassJobRole',
          actions: ['iam:PassRole'],
          resources: [this.jobRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
        }),
      ],
    });
    new CfnOutput(this, 'ApplicationId', {
      description: 'Airflow Variable stockops_emr_application_id',
      value: this.application.attrApplicationId,
    });
    new CfnOutput(this, 'JobRoleArn', {
      description: 'Airflow Variable stockops_emr_role_arn',
      value: this.jobRole.roleArn,
    });
    new CfnOutput(this, 'FeaturesScriptUri', {
      description: 'Airflow Variable stockops_features_script_s3_uri',
      value: this.script.s3ObjectUrl,
    });
  }
}
