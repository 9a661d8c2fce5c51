import {
  GetEnvironmentCommand,
  type MWAAClient,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-mwaa';
import type { MwaaSourceField, MwaaSources } from '../../core/orchestration/dagSyncPlan.ts';

const SOURCE_FIELDS: readonly MwaaSourceField[] = [
  'RequirementsS3Path',
  'RequirementsS3ObjectVersion',
  'PluginsS3Path',
  'PluginsS3ObjectVersion',
  'StartupScriptS3Path',
  'StartupScriptS3ObjectVersion',
];

/** An MWAA call that failed; the message names the environment and what to check. */
export class MwaaError extends Error {
  constructor(operation: string, name: string, cause: unknown) {
    const e = cause as Error & { $metadata?: { httpStatusCode?: number } };
    const hint =
      e.name === 'ResourceNotFoundException'
        ? `; no MWAA environment "${name}" in this region: check the mwaa-environment and region inputs`
        : e.name === 'AccessDeniedException'
          ? `; the role needs airflow:${operation} on environment/${name}`
          : '';
    super(`MWAA ${operation} ${name} failed: ${e.name}: ${e.message}${hint}`, { cause });
    this.name = 'MwaaError';
  }
}

/** The environment's fields that reference objects in its source bucket. */
export async function getMwaaSources(client: MWAAClient, name: string): Promise<MwaaSources> {
  let environment: Record<string, unknown> | undefined;
  try {
    const out = await client.send(new GetEnvironmentCommand({ Name: name }));
    environment = out.Environment as Record<string, unknown> | undefined;
  } catch (error) {
    throw new MwaaError('GetEnvironment', name, error);
  }
  const sources: MwaaSources = {};
  for (const field of SOURCE_FIELDS) {
    const value = environment?.[field];
    if (typeof value === 'string' && value !== '') sources[field] = value;
  }
  return sources;
}

/** UpdateEnvironment with only the changed source fields; returns the environment's ARN. */
export async function updateMwaaSources(
  client: MWAAClient,
  name: string,
  fields: MwaaSources,
): Promise<string | undefined> {
  try {
    const out = await client.send(new UpdateEnvironmentCommand({ Name: name, ...fields }));
    return out.Arn;
  } catch (error) {
    throw new MwaaError('UpdateEnvironment', name, error);
  }
}
