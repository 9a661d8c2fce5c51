import { sagemakerName } from './sagemakerNames.ts';

/**
 * What promote-model sends to SageMaker, as plain objects: the Model of one registered
 * package version, its endpoint config, and the deployment guardrails of an update. Pure, so
 * the requests are tested without AWS. The variant is `AllTraffic`, the name the endpoint
 * alarms of the monitoring stack watch.
 */
export const VARIANT_NAME = 'AllTraffic';

export interface EndpointSettings {
  readonly instanceType: string;
  readonly instanceCount: number;
}

export interface PackageVersion {
  readonly arn: string;
  /** The package group's environment (where the package was registered). */
  readonly sourceEnv: string;
  readonly version: number;
}

/** `stockops-prod-amzn-staging-v7`: the endpoint, then which package version it serves. */
export function modelName(endpoint: string, pkg: PackageVersion): string {
  return sagemakerName(endpoint, pkg.sourceEnv, `v${pkg.version}`);
}

/**
 * The endpoint config's name says what it holds (model and fleet), so promoting the same
 * version with the same settings again finds it instead of creating a duplicate.
 */
export function endpointConfigName(model: string, settings: EndpointSettings): string {
  return sagemakerName(
    model,
    settings.instanceType.replace(/^ml\./, ''),
    `x${settings.instanceCount}`,
  );
}

/** CreateModel: the container, model data and environment come from the model package. */
export function modelRequest(input: {
  readonly name: string;
  readonly packageArn: string;
  readonly roleArn: string;
  readonly env: string;
}) {
  return {
    ModelName: input.name,
    ExecutionRoleArn: input.roleArn,
    PrimaryContainer: { ModelPackageName: input.packageArn },
    Tags: [{ Key: 'stockops:env', Value: input.env }],
  } as const;
}

export function endpointConfigRequest(input: {
  readonly name: string;
  readonly model: string;
  readonly settings: EndpointSettings;
  readonly env: string;
}) {
  return {
    EndpointConfigName: input.name,
    ProductionVariants: [
      {
        VariantName: VARIANT_NAME,
        ModelName: input.model,
        InstanceType: input.settings.instanceType,
        InitialInstanceCount: input.settings.instanceCount,
        InitialVariantWeight: 1,
      },
    ],
    Tags: [{ Key: 'stockops:env', Value: input.env }],
  } as const;
}

export interface GuardrailTiming {
  /** How long the canary takes traffic before the rest of the fleet shifts. */
  readonly canaryWaitSeconds: number;
  /** How long the old fleet is kept (and the alarms watched) after the shift. */
  readonly terminationWaitSeconds: number;
  /** SageMaker gives up (and rolls back) after this long. */
  readonly maxExecutionSeconds: number;
}

export const DEFAULT_GUARDRAIL_TIMING: GuardrailTiming = {
  canaryWaitSeconds: 300,
  terminationWaitSeconds: 300,
  maxExecutionSeconds: 3600,
};

/**
 * UpdateEndpoint's DeploymentConfig: blue/green with automatic rollback when any alarm fires
 * during the deployment. A canary needs a fleet of two or more (SageMaker caps a canary at half
 * the fleet), so one instance shifts all at once; the alarms still watch the bake time, and
 * the old fleet stays up until it ends.
 */
export function deploymentConfig(
  instanceCount: number,
  alarms: readonly string[],
  timing: GuardrailTiming = DEFAULT_GUARDRAIL_TIMING,
) {
  if (alarms.length === 0) {
    throw new RangeError('a guarded deployment needs at least one alarm to roll back on');
  }
  if (timing.maxExecutionSeconds <= timing.canaryWaitSeconds + timing.terminationWaitSeconds) {
    throw new RangeError(
      `maxExecutionSeconds (${timing.maxExecutionSeconds}) must exceed the canary wait plus the termination wait (${timing.canaryWaitSeconds + timing.terminationWaitSeconds})`,
    );
  }
  const traffic =
    instanceCount >= 2
      ? {
          Type: 'CANARY' as const,
          CanarySize: { Type: 'INSTANCE_COUNT' as const, Value: 1 },
          WaitIntervalInSeconds: timing.canaryWaitSeconds,
        }
      : { Type: 'ALL_AT_ONCE' as const, WaitIntervalInSeconds: timing.canaryWaitSeconds };
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: traffic,
      TerminationWaitInSeconds: timing.terminationWaitSeconds,
      MaximumExecutionTimeoutInSeconds: timing.maxExecutionSeconds,
    },
    AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) },
  };
}
