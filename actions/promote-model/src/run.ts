import { type AwsClients, defaultAwsClients } from '../../../adapters/aws/awsClients.ts';
import { withResilienceConfig } from '../../../adapters/aws/resilientClient.ts';
import { SageMakerEndpoints } from '../../../adapters/aws/sagemakerEndpoint.ts';
import {
  SageMakerModelPackages,
  type SageMakerPackage,
} from '../../../adapters/aws/sagemakerRegistry.ts';
import { REAL_CLOCK, type WaitClock } from '../../../adapters/aws/sagemakerTraining.ts';
import {
  deploymentConfig,
  type EndpointSettings,
  endpointConfigName,
  endpointConfigRequest,
  modelName,
  modelRequest,
} from '../../../core/deploy/endpointDeployment.ts';
import {
  endpointAlarmNames,
  endpointName,
  PROMOTION_SOURCE,
  packageGroupName,
} from '../../../core/deploy/sagemakerNames.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import {
  type ActionReport,
  actionConfig,
  actionRegion,
  actionSymbol,
  runnerReport,
} from '../../shared/sagemakerActions.ts';
import type { PromoteModelInputs } from './inputs.ts';

export interface PromoteModelDeps {
  readonly clients?: (region: string) => Pick<AwsClients, 'sagemaker'>;
  readonly clock?: WaitClock;
  readonly report?: ActionReport;
}

export async function run(inputs: PromoteModelInputs, deps: PromoteModelDeps = {}): Promise<void> {
  const report = deps.report ?? runnerReport;
  const { config } = actionConfig(inputs.configDir, inputs.env);
  const symbol = actionSymbol(config, inputs.symbol, `${inputs.configDir}/base.yaml`);
  const region = actionRegion(config, inputs.region, inputs.env);
  const endpointConfig = config.aws?.endpoint;
  if (endpointConfig === undefined) {
    throw new ConfigurationError(`config for ${inputs.env} has no aws.endpoint section`);
  }
  const clients = deps.clients
    ? deps.clients(region)
    : defaultAwsClients(region, withResilienceConfig(config.resilience));
  const packages = new SageMakerModelPackages(clients.sagemaker);
  const endpoints = new SageMakerEndpoints(clients.sagemaker, deps.clock ?? REAL_CLOCK);

  const source = inputs.sourceEnv ?? PROMOTION_SOURCE[inputs.env];
  const pkg = await approvedPackage(packages, inputs, source, symbol);
  const name = endpointName(inputs.env, symbol);
  const settings: EndpointSettings = {
    instanceType: endpointConfig.instance_type,
    instanceCount: endpointConfig.min_capacity,
  };
  const model = modelName(name, {
    arn: pkg.arn,
    sourceEnv: groupEnv(pkg.group, source),
    version: pkg.version,
  });
  const configName = endpointConfigName(model, settings);
  report.info(`deploying ${pkg.group} v${pkg.version} (${pkg.arn}) to ${name}`);

  await report.group(`Model ${model} and endpoint config ${configName}`, async () => {
    const m = await endpoints.ensureModel(
      modelRequest({ name: model, packageArn: pkg.arn, roleArn: inputs.roleArn, env: inputs.env }),
    );
    const c = await endpoints.ensureEndpointConfig(
      endpointConfigRequest({ name: configName, model, settings, env: inputs.env }),
    );
    report.info(`model ${model}: ${m}; endpoint config ${configName}: ${c}`);
  });

  const current = await endpoints.describe(name);
  let how: string;
  if (current === undefined) {
    await endpoints.create(name, configName, inputs.env);
    how = 'created (first deploy)';
  } else if (current.configName === configName && current.status === 'InService') {
    how = 'unchanged: already serving this version';
  } else if (current.status !== 'InService') {
    throw new ConfigurationError(
      current.status === 'Failed'
        ? `endpoint ${name} is Failed${current.failureReason ? ` (${current.failureReason})` : ''}: delete it, then promote again to recreate it`
        : `endpoint ${name} is ${current.status}: another deployment is in progress; re-run when it is InService`,
    );
  } else {
    const guard = deploymentConfig(settings.instanceCount, endpointAlarmNames(inputs.env));
    report.info(
      `updating ${name} from ${current.configName}: blue/green ${guard.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type}, rollback on ${endpointAlarmNames(inputs.env).join(', ')}`,
    );
    await endpoints.update(name, configName, guard);
    how = `updated from ${current.configName} with deployment guardrails`;
  }

  const view = await report.group(`Waiting for ${name}`, () =>
    endpoints.waitInService(name, configName, {
      pollMs: inputs.pollSeconds * 1000,
      timeoutMs: inputs.waitMinutes * 60_000,
      onStatus: (line) => report.info(line),
    }),
  );
  report.output('endpoint-name', name);
  report.output('model-version', String(pkg.version));
  report.output('model-package-arn', pkg.arn);
  await report.summary(
    [
      `### Promoted ${symbol} to ${inputs.env}`,
      '',
      `Endpoint \`${name}\` is ${view.status}: ${how}.`,
      '',
      '| model package | version | model | endpoint config |',
      '| --- | ---: | --- | --- |',
      `| ${pkg.group} | ${pkg.version} | ${model} | ${configName} |`,
      '',
    ].join('\n'),
  );
}

async function approvedPackage(
  packages: SageMakerModelPackages,
  inputs: PromoteModelInputs,
  source: string,
  symbol: string,
): Promise<SageMakerPackage> {
  if (inputs.modelPackageArn !== undefined) {
    const pkg = await packages.describe(inputs.modelPackageArn);
    if (pkg.status !== 'Approved') {
      throw new ConfigurationError(
        `input "model-package-arn": ${inputs.modelPackageArn} is ${pkg.status}, not Approved: only an Approved package is deployed`,
      );
    }
    return pkg;
  }
  const group = packageGroupName(source, symbol);
  const pkg = await packages.latestApproved(group);
  if (pkg === undefined) {
    throw new ConfigurationError(
      `model package group ${group} has no Approved version: run gate-promotion in ${source} first, or pass model-package-arn`,
    );
  }
  return pkg;
}

/** `stockops-dev-amzn` → `dev`; the source environment when the group is not ours. */
function groupEnv(group: string, fallback: string): string {
  return /^stockops-(dev|staging|prod)-/.exec(group)?.[1] ?? fallback;
}
