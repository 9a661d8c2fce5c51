import { type App, type Stack, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ResolvedConfig } from '../core/config/resolveConfig.ts';
import { acknowledgeFindings } from './nagAcknowledgements.ts';
import { AccessStack } from './stacks/accessStack.ts';
import { IngestionStack } from './stacks/ingestionStack.ts';
import { MlStack } from './stacks/mlStack.ts';
import { MonitoringStack } from './stacks/monitoringStack.ts';
import { NetworkStack } from './stacks/networkStack.ts';
import { OrchestrationStack } from './stacks/orchestrationStack.ts';
import { ProcessingStack } from './stacks/processingStack.ts';
import type { StackContext } from './stacks/stackContext.ts';
import { StorageStack } from './stacks/storageStack.ts';

export interface StockopsStacks {
  readonly storage: StorageStack;
  readonly network: NetworkStack;
  readonly orchestration: OrchestrationStack;
  readonly ingestion: IngestionStack;
  readonly ml: MlStack;
  readonly monitoring: MonitoringStack;
  readonly access: AccessStack;
  readonly processing?: ProcessingStack;
}

/** Feature flags the app runs with (cdk.json holds the same for the CDK CLI). */
export const APP_CONTEXT = {
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:stackRelativeExports': true,
  '@aws-cdk/aws-lambda-nodejs:useLatestRuntimeVersion': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
} as const;

export interface AppOptions {
  readonly requirementsVersion?: string;
  readonly startupScriptVersion?: string;
  readonly oidcProviderArn?: string;
}

/** Every stack of one environment, from its resolved config, checked by cdk-nag. */
export function buildStockopsApp(
  app: App,
  resolved: ResolvedConfig,
  options: AppOptions = {},
): StockopsStacks {
  const { config, env } = resolved;
  const aws = config.aws;
  if (!aws) {
    throw new Error(
      `config for ${env} has no aws section: the CDK app needs aws.region and the rest (see config/base.yaml)`,
    );
  }
  const ctx: StackContext = { env, config, aws };
  const props = {
    env: { region: aws.region, ...(aws.account_id ? { account: aws.account_id } : {}) },
    description: `stockops ${env} (${resolved.hash.slice(0, 12)})`,
  };
  const id = (name: string) => `stockops-${env}-${name}`;
  const storage = new StorageStack(app, id('storage'), ctx, props);
  const network = new NetworkStack(app, id('network'), ctx, { key: storage.key }, props);
  const ml = new MlStack(
    app,
    id('ml'),
    ctx,
    { key: storage.key, dataBucket: storage.dataBucket, modelBucket: storage.modelBucket },
    props,
  );
  const orchestration = new OrchestrationStack(
    app,
    id('orchestration'),
    ctx,
    {
      vpc: network.vpc,
      subnets: network.privateSubnets,
      key: storage.key,
      dagBucket: storage.dagBucket,
      dataBucket: storage.dataBucket,
      modelBucket: storage.modelBucket,
      ...(options.requirementsVersion ? { requirementsVersion: options.requirementsVersion } : {}),
      ...(options.startupScriptVersion
        ? { startupScriptVersion: options.startupScriptVersion }
        : {}),
    },
    props,
  );
  const ingestion = new IngestionStack(
    app,
    id('ingestion'),
    ctx,
    { key: storage.key, dataBucket: storage.dataBucket },
    props,
  );
  const monitoring = new MonitoringStack(
    app,
    id('monitoring'),
    ctx,
    {
      key: storage.key,
      ingest: ingestion.function,
      deadLetterQueue: ingestion.deadLetterQueue,
      failureQueue: ingestion.failureQueue,
      endpointNames: ml.endpointNames,
      airflowEnvironment: orchestration.environmentName,
    },
    props,
  );
  const access = new AccessStack(
    app,
    id('access'),
    ctx,
    {
      key: storage.key,
      logBucket: storage.logBucket,
      buckets: [storage.dataBucket, storage.modelBucket, storage.dagBucket],
      dagBucket: storage.dagBucket,
      airflowEnvironment: orchestration.environmentName,
      sagemakerRole: ml.executionRole,
      ...(options.oidcProviderArn ? { oidcProviderArn: options.oidcProviderArn } : {}),
    },
    props,
  );
  const processing = aws.emr.enabled
    ? new ProcessingStack(
        app,
        id('processing'),
        ctx,
        {
          key: storage.key,
          dataBucket: storage.dataBucket,
          airflowRole: orchestration.executionRole,
        },
        props,
      )
    : undefined;

  const stacks: Stack[] = [
    storage,
    network,
    ml,
    orchestration,
    ingestion,
    monitoring,
    access,
    ...(processing ? [processing] : []),
  ];
  for (const stack of stacks) {
    // Buckets are named, not referenced, in the other stacks: order the deploys explicitly.
    if (stack !== storage) stack.addStackDependency(storage);
    Tags.of(stack).add('project', 'stockops');
    Tags.of(stack).add('environment', env);
    Tags.of(stack).add('owner', aws.tags.owner);
    Tags.of(stack).add('cost-centre', aws.tags.cost_centre);
    acknowledgeFindings(stack, env);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    storage,
    network,
    orchestration,
    ingestion,
    ml,
    monitoring,
    access,
    ...(processing ? { processing } : {}),
  };
}
