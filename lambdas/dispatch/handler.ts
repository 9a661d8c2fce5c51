import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../adapters/aws/resilientClient.ts';
import { createS3Client, S3ObjectStore } from '../../adapters/aws/s3ObjectStore.ts';
import {
  alertTopicsFromEnv,
  createSnsClient,
  SnsAlerts,
  topicEnvName,
} from '../../adapters/aws/snsAlerts.ts';
import {
  GITHUB_API_URL,
  GithubDispatchError,
  isRetryableGithubError,
  sendRepositoryDispatch,
} from '../../adapters/http/githubDispatch.ts';
import { AlertLog } from '../../adapters/local/alertLog.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { ResiliencePolicy } from '../../adapters/resilience/resiliencePolicy.ts';
import { IncidentAlerts } from '../../core/monitor/incidentAlerts.ts';
import { alertsFromSnsEvent, dispatchBody } from '../../core/monitor/retrainDispatch.ts';
import type { Alert, AlertPublisher } from '../../core/ports/alerts.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { policySettings, type ResilienceConfig } from '../../core/resilience/policySettings.ts';
import { type JsonLog, jsonLog } from '../ingest/jsonLog.ts';

/** What the handler works with: built once per container from the environment, or by a test. */
export interface DispatchRuntime {
  readonly owner: string;
  readonly repo: string;
  /** Secrets Manager secret name (or ARN) holding the token, as a plain string. */
  readonly tokenSecret: string;
  /** https://api.github.com; a loopback stub in tests. */
  readonly apiUrl: string;
  readonly secrets: SecretsManagerClient;
  /** The `github` policy every repository_dispatch runs under. */
  readonly github: ResiliencePolicy;
  /** Where a dispatch that failed after its retries raises its one pipeline_failure alert. */
  readonly alerts: IncidentAlerts;
  readonly log: JsonLog;
  readonly fetch?: typeof fetch;
}

export interface DispatchOutcome {
  readonly dispatched: readonly string[];
  /** Alerts that do not ask for a retrain (the subscription filter should keep them away). */
  readonly ignored: readonly string[];
}

const stdoutLine = (line: string) => {
  process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
};

/**
 * STOCKOPS_GITHUB_OWNER, _REPO, _TOKEN_SECRET (required), STOCKOPS_GITHUB_API_URL,
 * STOCKOPS_RESILIENCE (JSON of the config's resilience section: secrets, github, sns, s3),
 * STOCKOPS_BUCKET / STOCKOPS_PREFIX (where open incidents are kept) and the
 * STOCKOPS_ALERT_TOPIC_* ARNs (unset: alerts go to the log, incidents are kept in memory).
 */
export function runtimeFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DispatchRuntime {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  let resilience: ResilienceConfig;
  try {
    resilience = JSON.parse(env.STOCKOPS_RESILIENCE || '{}') as ResilienceConfig;
  } catch (error) {
    throw new Error(`STOCKOPS_RESILIENCE: not JSON (${(error as Error).message})`);
  }
  const github = new ResiliencePolicy('github', policySettings('github', resilience), {
    isRetryable: isRetryableGithubError,
  });
  const bucket = env.STOCKOPS_BUCKET?.trim();
  const store: ObjectStore = bucket
    ? new S3ObjectStore({
        bucket,
        prefix: (env.STOCKOPS_PREFIX ?? '').replace(/^\/+|\/+$/g, ''),
        client: createS3Client({}, { resilience }),
      })
    : new MemoryObjectStore();
  const publisher: AlertPublisher = env[topicEnvName('pipeline_failure')]
    ? new SnsAlerts({
        client: createSnsClient({}, { resilience }),
        topics: alertTopicsFromEnv(env),
      })
    : new AlertLog(store);
  const envName = env.STOCKOPS_ENV ?? 'unknown';
  return {
    owner: need('STOCKOPS_GITHUB_OWNER'),
    repo: need('STOCKOPS_GITHUB_REPO'),
    tokenSecret: need('STOCKOPS_GITHUB_TOKEN_SECRET'),
    apiUrl: env.STOCKOPS_GITHUB_API_URL || GITHUB_API_URL,
    secrets: createAwsClient(SecretsManagerClient, {}, 'secrets', { resilience }),
    github,
    alerts: new IncidentAlerts({ publisher, store, env: envName, now: () => new Date() }),
    log: jsonLog(stdoutLine).with({ service: 'dispatch', env: envName }),
  };
}

/** The incident of a retrain request that could not be dispatched: one alert per request. */
export function dispatchIncident(alert: Alert): string {
  return `pipeline_failure.dispatch.${alert.incident}`.slice(0, 200);
}

/**
 * SNS (model-degradation topic, filtered to retrain alerts) → GitHub repository_dispatch
 * `drift-detected`, which runs retrain.yml. The token is read from Secrets Manager on first use
 * and kept for warm invocations; a 401 drops it, so a rotated secret is picked up on the retry.
 * Each call runs under its resilience policy (`secrets`, `github`). A failure that survives it
 * raises one pipeline_failure alert (de-duplicated per retrain request) and is thrown: Lambda
 * retries the async invocation, then sends the event to the on-failure queue.
 */
export function createDispatchHandler(runtime: DispatchRuntime) {
  let token: string | undefined;
  const readToken = async () => {
    if (token !== undefined) return token;
    const secret = await runtime.secrets.send(
      new GetSecretValueCommand({ SecretId: runtime.tokenSecret }),
    );
    const value = secret.SecretString?.trim();
    if (!value) {
      throw new Error(
        `secret ${runtime.tokenSecret} has no SecretString: store the GitHub token as plain text`,
      );
    }
    token = value;
    return value;
  };
  // An alert that cannot be sent is logged, never thrown: the dispatch error must reach Lambda.
  const raiseFailure = async (alert: Alert, message: string) => {
    try {
      const { sent } = await runtime.alerts.raise({
        type: 'pipeline_failure',
        incident: dispatchIncident(alert),
        severity: 'critical',
        symbol: alert.symbol,
        summary: `retrain dispatch to GitHub failed for ${alert.symbol ?? 'a model'}`,
        detail:
          `repository_dispatch for alert ${alert.id} failed: ${message}. Lambda retries the ` +
          'event, then sends it to the dispatch failures queue; run retrain.yml by hand or redrive it.',
        data: { alert_id: alert.id },
      });
      runtime.log.warn(sent ? 'alert raised' : 'incident already open; no new alert', {
        alert_id: alert.id,
      });
    } catch (error) {
      runtime.log.error('alert not sent', { alert_id: alert.id, error: (error as Error).message });
    }
  };
  const resolveFailure = async (alert: Alert) => {
    try {
      await runtime.alerts.resolve(dispatchIncident(alert));
    } catch (error) {
      runtime.log.warn('incident not resolved', { error: (error as Error).message });
    }
  };
  return async (event: unknown): Promise<DispatchOutcome> => {
    const alerts = alertsFromSnsEvent(event);
    const dispatched: string[] = [];
    const ignored: string[] = [];
    for (const alert of alerts) {
      if (!alert.retrain) {
        runtime.log.warn('alert does not ask for a retrain; ignored', { alert_id: alert.id });
        ignored.push(alert.id);
        continue;
      }
      try {
        const bearer = await readToken();
        await runtime.github.execute(
          ({ signal }) =>
            sendRepositoryDispatch({
              apiUrl: runtime.apiUrl,
              owner: runtime.owner,
              repo: runtime.repo,
              token: bearer,
              body: dispatchBody(alert),
              signal,
              ...(runtime.fetch ? { fetch: runtime.fetch } : {}),
            }),
          { call: `github repository_dispatch ${runtime.owner}/${runtime.repo}` },
        );
      } catch (error) {
        if (error instanceof GithubDispatchError && error.status === 401) token = undefined;
        const message = (error as Error).message;
        runtime.log.error('dispatch failed', { alert_id: alert.id, error: message });
        await raiseFailure(alert, message);
        throw error;
      }
      await resolveFailure(alert);
      runtime.log.info('retrain dispatched', {
        alert_id: alert.id,
        symbol: alert.symbol,
        repository: `${runtime.owner}/${runtime.repo}`,
      });
      dispatched.push(alert.id);
    }
    return { dispatched, ignored };
  };
}

let cached: ReturnType<typeof createDispatchHandler> | undefined;

/** The Lambda entry point; the runtime is built on the first event and kept. */
export async function handler(event: unknown): Promise<DispatchOutcome> {
  cached ??= createDispatchHandler(runtimeFromEnv());
  return cached(event);
}
