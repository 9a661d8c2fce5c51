import type { Environment } from '../config/configTypes.ts';

/**
 * Names of the SageMaker resources the actions create or read (the action contract): one
 * model package group and one endpoint per environment and symbol, `stockops-<env>-<symbol>`
 * with the symbol lowercased (SageMaker names allow letters, digits and hyphens: BRK.B → brk-b).
 */
export function resourceSuffix(symbol: string): string {
  return symbol.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function packageGroupName(env: string, symbol: string): string {
  return `stockops-${env}-${resourceSuffix(symbol)}`;
}

export function endpointName(env: string, symbol: string): string {
  return `stockops-${env}-${resourceSuffix(symbol)}`;
}

/**
 * The endpoint alarms the monitoring stack creates (infra/stacks/monitoringStack.ts names them
 * `resourceName(ctx, 'endpoint5xx')` and `resourceName(ctx, 'endpoint-latency-p99')`): a
 * blue/green update rolls back when either goes into ALARM while the new fleet bakes.
 */
export function endpointAlarmNames(env: string): readonly string[] {
  return [`stockops-${env}-endpoint5xx`, `stockops-${env}-endpoint-latency-p99`];
}

/** Where an environment's models come from: staging deploys dev's, prod deploys staging's. */
export const PROMOTION_SOURCE: Readonly<Record<Environment, Environment>> = {
  local: 'local',
  dev: 'dev',
  staging: 'dev',
  prod: 'staging',
};

/** A SageMaker name: letters, digits and single hyphens, at most 63 characters. */
export function sagemakerName(...parts: readonly string[]): string {
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}
