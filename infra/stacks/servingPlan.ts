import type { AwsConfig, ServingMode } from '../../core/config/configTypes.ts';
import { endpointAlarmNames as coreAlarmNames } from '../../core/deploy/sagemakerNames.ts';
import { resourceName, type StackContext } from './stackContext.ts';

/** The variant every endpoint config uses, so blue/green updates keep the same name. */
export const VARIANT_NAME = 'AllTraffic';

/**
 * The alarms that watch a live endpoint. The monitoring stack creates them under these names
 * and promote-model hands the same names to UpdateEndpoint as auto-rollback alarms, so the two
 * cannot drift apart. A batch environment has no endpoint, hence no endpoint alarms.
 */
export function endpointAlarmNames(ctx: StackContext): { fiveXx: string; latencyP99: string } {
  const [fiveXx, latencyP99] = coreAlarmNames(ctx.env);
  return {
    fiveXx: fiveXx ?? resourceName(ctx, 'endpoint5xx'),
    latencyP99: latencyP99 ?? resourceName(ctx, 'endpoint-latency-p99'),
  };
}

export function hasEndpoint(mode: ServingMode): boolean {
  return mode !== 'batch';
}

/**
 * What promote-model applies for this environment's serving mode (stored as the
 * `/stockops/<env>/endpoint-defaults` parameter):
 * - realtime: instance variant, target-tracking autoscaling, data capture, canary blue/green;
 * - serverless: a ServerlessConfig variant, no autoscaling (SageMaker scales it) and no data
 *   capture (serverless endpoints support neither), canary blue/green with the same alarms
 *   (rolling deployments are not available on serverless endpoints);
 * - batch: no endpoint; the DAG's batch transform runs on `instance_type` once per run.
 */
export function endpointDefaults(
  ctx: StackContext,
  refs: {
    /** Symbol → its endpoint (core/deploy/sagemakerNames.ts, the names promote-model uses). */
    readonly endpointNames: Readonly<Record<string, string>>;
    readonly dataCaptureUri: string;
    readonly kmsKeyArn: string;
    readonly executionRoleArn: string;
    readonly trainingImage: string;
  },
): Record<string, unknown> {
  const e: AwsConfig['endpoint'] = ctx.aws.endpoint;
  const common = {
    mode: e.mode,
    execution_role_arn: refs.executionRoleArn,
    training_image: refs.trainingImage,
  };
  if (e.mode === 'batch') {
    return {
      ...common,
      endpoint_names: null,
      batch_transform: { instance_type: e.instance_type, instance_count: 1 },
    };
  }
  const alarms = endpointAlarmNames(ctx);
  const deployment = {
    blue_green: {
      traffic_routing: { type: 'CANARY', canary_size_percent: 10, wait_seconds: 300 },
      termination_wait_seconds: 300,
    },
    auto_rollback_alarms: [alarms.fiveXx, alarms.latencyP99],
  };
  if (e.mode === 'serverless') {
    return {
      ...common,
      endpoint_names: refs.endpointNames,
      variant: {
        name: VARIANT_NAME,
        serverless_config: {
          memory_size_in_mb: e.serverless.memory_mb,
          max_concurrency: e.serverless.max_concurrency,
        },
      },
      deployment,
    };
  }
  return {
    ...common,
    endpoint_names: refs.endpointNames,
    variant: { name: VARIANT_NAME, instance_type: e.instance_type },
    instance_type: e.instance_type,
    autoscaling: {
      min_capacity: e.min_capacity,
      max_capacity: e.max_capacity,
      target_tracking: {
        metric: 'SageMakerVariantInvocationsPerInstance',
        target_value: e.target_invocations_per_instance,
      },
    },
    data_capture: {
      enabled: e.data_capture_percent > 0,
      sampling_percentage: e.data_capture_percent,
      destination: refs.dataCaptureUri,
      kms_key_id: refs.kmsKeyArn,
    },
    deployment,
  };
}
