import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GITHUB_API_URL,
  GithubDispatchError,
  sendRepositoryDispatch,
} from '../../adapters/http/githubDispatch.ts';
import { alertsFromSnsEvent, dispatchBody } from '../../core/monitor/retrainDispatch.ts';
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

/** STOCKOPS_GITHUB_OWNER, _REPO, _TOKEN_SECRET (required) and STOCKOPS_GITHUB_API_URL. */
export function runtimeFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DispatchRuntime {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  return {
    owner: need('STOCKOPS_GITHUB_OWNER'),
    repo: need('STOCKOPS_GITHUB_REPO'),
    tokenSecret: need('STOCKOPS_GITHUB_TOKEN_SECRET'),
    apiUrl: env.STOCKOPS_GITHUB_API_URL || GITHUB_API_URL,
    secrets: new SecretsManagerClient({}),
    log: jsonLog(stdoutLine).with({ service: 'dispatch', env: env.STOCKOPS_ENV ?? 'unknown' }),
  };
}

/**
 * SNS (model-degradation topic, filtered to retrain alerts) → GitHub repository_dispatch
 * `drift-detected`, which runs retrain.yml. The token is read from Secrets Manager on first use
 * and kept for warm invocations; a 401 drops it, so a rotated secret is picked up on the retry.
 * Any failure is thrown: Lambda retries the async invocation.
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
        await sendRepositoryDispatch({
          apiUrl: runtime.apiUrl,
          owner: runtime.owner,
          repo: runtime.repo,
          token: await readToken(),
          body: dispatchBody(alert),
          ...(runtime.fetch ? { fetch: runtime.fetch } : {}),
        });
      } catch (error) {
        if (error instanceof GithubDispatchError && error.status === 401) token = undefined;
        runtime.log.error('dispatch failed', {
          alert_id: alert.id,
          error: (error as Error).message,
        });
        throw error;
      }
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
