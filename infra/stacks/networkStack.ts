import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StackContext } from './stackContext.ts';

/**
 * A VPC with private subnets in `max_azs` zones (MWAA needs two) and the VPC endpoints MWAA
 * and SageMaker need, so that with `nat_gateways: 0` nothing reaches the internet.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly privateSubnets: ec2.SubnetSelection;

  constructor(
    scope: Construct,
    id: string,
    ctx: StackContext,
    deps: { key: kms.Key },
    props?: StackProps,
  ) {
    super(scope, id, props);
    const { max_azs: maxAzs, nat_gateways: natGateways } = ctx.aws.network;
    const privateType =
      natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways,
      subnetConfiguration: [
        ...(natGateways > 0
          ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }]
          : []),
        { name: 'private', subnetType: privateType, cidrMask: 20 },
      ],
    });
    this.privateSubnets = { subnetType: privateType };
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: deps.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
    });
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const services: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      SageMakerApi: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
      SageMakerRuntime: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
      AirflowApi: ec2.InterfaceVpcEndpointAwsService.AIRFLOW_API,
      AirflowEnv: ec2.InterfaceVpcEndpointAwsService.AIRFLOW_ENV,
      AirflowOps: ec2.InterfaceVpcEndpointAwsService.AIRFLOW_OPS,
      Sqs: ec2.InterfaceVpcEndpointAwsService.SQS,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      Monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
      Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Sts: ec2.InterfaceVpcEndpointAwsService.STS,
    };
    for (const [name, service] of Object.entries(services)) {
      this.vpc.addInterfaceEndpoint(name, { service, subnets: this.privateSubnets });
    }
  }
}
