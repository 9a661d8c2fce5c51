import { type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag (AwsSolutions) findings this design accepts: each names the construct path
 * (relative to its stack), the plugin-qualified finding id, and the reason a reviewer would
 * accept. One acknowledgement per finding; a finding not listed here fails the nag test.
 */
interface Acknowledgement {
  readonly stack: string;
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

const IAM5 = (finding: string) => `AwsSolutions::AwsSolutions-IAM5[${finding}]`;
const S3_OBJECTS =
  'S3 object keys under a prefix can only be granted with a trailing wildcard; actions are listed one by one.';

export function acknowledgements(env: string): Acknowledgement[] {
  const partition = '<AWS::Partition>';
  const region = '<AWS::Region>';
  const account = '<AWS::AccountId>';
  const s3 = (bucket: string, prefix: string) =>
    IAM5(`Resource::arn:${partition}:s3:::${bucket}-${account}-${region}/${prefix}*`);
  const data = `stockops-${env}-data`;
  const models = `stockops-${env}-models`;
  const dags = `airflow-stockops-${env}`;
  const sagemakerResources = IAM5(
    `Resource::arn:${partition}:sagemaker:${region}:${account}:*/stockops-${env}-*`,
  );
  const endpointSgs = [
    'SageMakerApi',
    'SageMakerRuntime',
    'AirflowApi',
    'AirflowEnv',
    'AirflowOps',
    'Sqs',
    'Logs',
    'Monitoring',
    'Kms',
    'EcrApi',
    'EcrDocker',
    'Sts',
  ];
  return [
    ...endpointSgs.map((name) => ({
      stack: 'network',
      path: `Vpc/${name}/SecurityGroup/Resource`,
      id: 'AwsSolutions::AwsSolutions-EC23',
      reason:
        'Interface endpoint security group: ingress is 443 from the VPC CIDR only (Fn::GetAtt Vpc.CidrBlock, which cdk-nag cannot resolve).',
    })),
    {
      stack: 'ingestion',
      path: 'DeadLetter/Resource',
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is the EventBridge Scheduler schedule's dead-letter queue; it alarms and a person drains it.",
    },
    {
      stack: 'ingestion',
      path: 'Failures/Resource',
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is the ingest Lambda's on-failure destination (a dead-letter queue for async invocations); it alarms.",
    },
    ...['raw/', 'curated/', 'reports/'].map((prefix) => ({
      stack: 'ingestion',
      path: 'IngestRole/DefaultPolicy/Resource',
      id: s3(data, prefix),
      reason: `The ingest Lambda writes the objects of ${prefix} only. ${S3_OBJECTS}`,
    })),
    {
      stack: 'ingestion',
      path: 'IngestRole/DefaultPolicy/Resource',
      id: s3(data, 'alerts/'),
      reason: `The ingest Lambda keeps its alert log and open incidents (one alert per failed day) under alerts/. ${S3_OBJECTS}`,
    },
    {
      stack: 'monitoring',
      path: 'DispatchRole/DefaultPolicy/Resource',
      id: s3(data, 'alerts/'),
      reason: `The dispatch Lambda keeps open incidents (one alert per retrain request it could not dispatch) under alerts/. ${S3_OBJECTS}`,
    },
    {
      stack: 'monitoring',
      path: 'DispatchFailureQueue/Resource',
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "This queue is the dispatch Lambda's on-failure destination (a dead-letter queue for async invocations); it alarms.",
    },
    {
      stack: 'ingestion',
      path: 'IngestRole/DefaultPolicy/Resource',
      id: IAM5('Resource::<Logs6819BB44.Arn>:*'),
      reason: "Log streams of the Lambda's own log group; stream names are created at run time.",
    },
    ...[
      [data, 'curated/', 'reads curated bars for training'],
      [data, 'features/', 'reads features for training'],
      [models, '', 'writes model artifacts and data capture'],
    ].map(([bucket, prefix, why]) => ({
      stack: 'ml',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: s3(bucket as string, prefix as string),
      reason: `SageMaker ${why}. ${S3_OBJECTS}`,
    })),
    {
      stack: 'ml',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: IAM5(`Resource::arn:${partition}:logs:${region}:${account}:log-group:/aws/sagemaker/*`),
      reason:
        'SageMaker names its log groups (/aws/sagemaker/TrainingJobs, /Endpoints/<name>) at run time.',
    },
    {
      stack: 'ml',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: IAM5('Resource::*'),
      reason:
        'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by the cloudwatch:namespace condition.',
    },
    ...[
      [dags, 'reads DAGs, requirements and plugins'],
      [data, 'runs pipeline tasks over the data'],
      [models, 'reads model artifacts for batch prediction'],
    ].map(([bucket, why]) => ({
      stack: 'orchestration',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: s3(bucket as string, ''),
      reason: `MWAA ${why}. ${S3_OBJECTS}`,
    })),
    {
      stack: 'orchestration',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: IAM5(`Resource::arn:${partition}:lambda:${region}:${account}:function:stockops-${env}-*`),
      reason: "DAG tasks invoke this environment's functions only (named stockops-<env>-*).",
    },
    {
      stack: 'orchestration',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: IAM5(
        `Resource::arn:${partition}:logs:${region}:${account}:log-group:airflow-stockops-${env}-airflow-*`,
      ),
      reason: 'MWAA creates one log group per component (airflow-<environment>-Task, -Worker, …).',
    },
    {
      stack: 'orchestration',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: sagemakerResources,
      reason:
        "DAG tasks create and describe this environment's SageMaker jobs and packages, named stockops-<env>-*.",
    },
    {
      stack: 'orchestration',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: IAM5(`Resource::arn:${partition}:sns:${region}:${account}:stockops-${env}-*`),
      reason: "The failure callback publishes to this environment's alert topics only.",
    },
    {
      stack: 'orchestration',
      path: 'ExecutionRole/DefaultPolicy/Resource',
      id: IAM5(`Resource::arn:${partition}:sqs:${region}:*:airflow-celery-*`),
      reason:
        "MWAA's Celery queues live in an AWS-owned account with generated names; this is the documented MWAA execution-role policy.",
    },
    ...[
      ['curated/', 'reads curated bars'],
      ['features/spark/', 'writes the features it computes (and its _temporary files)'],
    ].map(([prefix, why]) => ({
      stack: 'processing',
      path: 'JobRole/DefaultPolicy/Resource',
      id: s3(data, prefix as string),
      reason: `The Spark job ${why}. ${S3_OBJECTS}`,
    })),
    {
      stack: 'monitoring',
      path: 'DispatchRole/DefaultPolicy/Resource',
      id: IAM5('Resource::<DispatchLogsD81576BD.Arn>:*'),
      reason:
        "Log streams of the dispatch Lambda's own log group; stream names are created at run time.",
    },
    {
      stack: 'processing',
      path: 'AirflowRunsSparkJobs/Resource',
      id: IAM5('Resource::<Spark.Arn>/jobruns/*'),
      reason:
        'Job run ids are generated by StartJobRun; the DAG polls and cancels runs of this one application only.',
    },
    {
      stack: 'access',
      path: 'DeployRole/DefaultPolicy/Resource',
      id: IAM5(
        `Resource::arn:${partition}:iam::${account}:role/cdk-hnb659fds-*-${account}-${region}`,
      ),
      reason:
        'CDK deploys assume the bootstrap roles (deploy, file-publishing, image-publishing, lookup) of this account and region only.',
    },
    {
      stack: 'access',
      path: 'DeployRole/DefaultPolicy/Resource',
      id: s3(dags, ''),
      reason: `sync-dags uploads and deletes DAG files in the DAG bucket. ${S3_OBJECTS}`,
    },
    {
      stack: 'access',
      path: 'DeployRole/DefaultPolicy/Resource',
      id: sagemakerResources,
      reason:
        "Training, gating and promotion act on this environment's SageMaker resources only (stockops-<env>-*).",
    },
  ];
}

/** Applies the acknowledgements that belong to `stack` (`stockops-<env>-<name>`). */
export function acknowledgeFindings(stack: Stack, env: string): void {
  const name = stack.stackName.replace(`stockops-${env}-`, '');
  for (const ack of acknowledgements(env).filter((a) => a.stack === name)) {
    const construct = findPath(stack, ack.path);
    if (construct) Validations.of(construct).acknowledge({ id: ack.id, reason: ack.reason });
  }
}

function findPath(root: IConstruct, path: string): IConstruct | undefined {
  let node: IConstruct | undefined = root;
  for (const part of path.split('/')) node = node?.node.tryFindChild(part);
  return node;
}
