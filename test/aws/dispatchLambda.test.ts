import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryableGithubError } from '../../adapters/http/githubDispatch.ts';
import { AlertLog } from '../../adapters/local/alertLog.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { ResiliencePolicy } from '../../adapters/resilience/resiliencePolicy.ts';
import { IncidentAlerts } from '../../core/monitor/incidentAlerts.ts';
import type { Alert } from '../../core/ports/alerts.ts';
import { policySettings } from '../../core/resilience/policySettings.ts';
import {
  createDispatchHandler,
  type DispatchRuntime,
  runtimeFromEnv,
} from '../../lambdas/dispatch/handler.ts';
import { jsonLog } from '../../lambdas/ingest/jsonLog.ts';
import { type MotoServer, startMoto } from '../support/motoServer.ts';

const SECRET = 'stockops/github-dispatch-token';
let moto: MotoServer;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** GitHub's API on loopback: records each request and answers with the queued statuses (default 204). */
async function githubStub(statuses: number[] = []) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(text || 'null'),
      });
      const status = statuses.shift() ?? 204;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 204 ? '' : JSON.stringify({ message: 'Bad credentials' }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

const secrets = () =>
  new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });

const alert: Alert = {
  schema: 'stockops.alert/v1',
  id: 'model_degradation.AMZN.drift@2024-05-01T12:00:00.000Z',
  type: 'model_degradation',
  incident: 'model_degradation.AMZN.drift',
  severity: 'critical',
  symbol: 'AMZN',
  summary: 'AMZN: lstm v5 drifted 3 sessions in a row',
  detail: '…',
  raised_at: '2024-05-01T12:00:00.000Z',
  env: 'dev',
  retrain: true,
  data: { reason: 'realised error ratio 1.300 vs last_close > 1.1' },
};
const snsEvent = (...alerts: Alert[]) => ({
  Records: alerts.map((a) => ({ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(a) } })),
});

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  await secrets().send(new CreateSecretCommand({ Name: SECRET, SecretString: 'ghp_first\n' }));
});

/** The resilience and alert parts of a runtime: retries recorded, never slept; alerts in memory. */
function resilienceParts() {
  const sleeps: number[] = [];
  const store = new MemoryObjectStore();
  const alertLog = new AlertLog(store, () => {});
  const github = new ResiliencePolicy('github', policySettings('github'), {
    isRetryable: isRetryableGithubError,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  const alerts = new IncidentAlerts({
    publisher: alertLog,
    store,
    env: 'dev',
    now: () => new Date('2024-05-01T13:00:00Z'),
  });
  return { sleeps, alertLog, github, alerts };
}

function runtimeFor(apiUrl: string, logs: string[] = []) {
  const parts = resilienceParts();
  const runtime: DispatchRuntime = {
    owner: 'acme',
    repo: 'stockops',
    tokenSecret: SECRET,
    apiUrl,
    secrets: secrets(),
    github: parts.github,
    alerts: parts.alerts,
    log: jsonLog((l) => logs.push(l)),
  };
  return { ...parts, runtime };
}

function handlerFor(apiUrl: string, logs: string[] = []) {
  return createDispatchHandler(runtimeFor(apiUrl, logs).runtime);
}

describe('dispatch Lambda: SNS → GitHub repository_dispatch', () => {
  it('POSTs drift-detected with the token from Secrets Manager', async () => {
    const github = await githubStub();
    try {
      const logs: string[] = [];
      const out = await handlerFor(github.url, logs)(snsEvent(alert));
      expect(out).toEqual({ dispatched: [alert.id], ignored: [] });
      expect(github.seen).toHaveLength(1);
      const [req] = github.seen;
      expect(req?.method).toBe('POST');
      expect(req?.url).toBe('/repos/acme/stockops/dispatches');
      expect(req?.headers.authorization).toBe('Bearer ghp_first');
      expect(req?.headers.accept).toBe('application/vnd.github+json');
      expect(req?.headers['x-github-api-version']).toBe('2022-11-28');
      expect(req?.body).toEqual({
        event_type: 'drift-detected',
        client_payload: {
          symbol: 'AMZN',
          reason: 'realised error ratio 1.300 vs last_close > 1.1',
          alert_id: alert.id,
          env: 'dev',
        },
      });
      expect(logs.join('')).not.toContain('ghp_first');
    } finally {
      await github.close();
    }
  });

  it('ignores alerts that do not ask for a retrain', async () => {
    const github = await githubStub();
    try {
      const out = await handlerFor(github.url)(snsEvent({ ...alert, retrain: false }));
      expect(out).toEqual({ dispatched: [], ignored: [alert.id] });
      expect(github.seen).toEqual([]);
    } finally {
      await github.close();
    }
  });

  it('throws on a 401 and reads the rotated secret on the retry', async () => {
    const github = await githubStub([401]);
    try {
      const handler = handlerFor(github.url);
      await expect(handler(snsEvent(alert))).rejects.toThrow(
        /answered HTTP 401: the token is invalid or expired/,
      );
      await secrets().send(
        new PutSecretValueCommand({ SecretId: SECRET, SecretString: 'ghp_second' }),
      );
      await handler(snsEvent(alert));
      expect(github.seen.map((s) => s.headers.authorization)).toEqual([
        'Bearer ghp_first',
        'Bearer ghp_second',
      ]);
    } finally {
      await github.close();
    }
  });

  it('fails clearly on a missing secret, a bad event and missing configuration', async () => {
    const handler = createDispatchHandler({
      ...runtimeFor('http://127.0.0.1:9').runtime,
      tokenSecret: 'no/such/secret',
    });
    await expect(handler(snsEvent(alert))).rejects.toThrow(/secret/i);
    await expect(handler({})).rejects.toThrow(/expected an SNS event/);
    await expect(handler({ Records: [{ Sns: { Message: '{"schema":"x"}' } }] })).rejects.toThrow(
      /Records\[0\]\.Sns\.Message: schema/,
    );
    expect(() => runtimeFromEnv({ STOCKOPS_GITHUB_OWNER: 'acme' })).toThrow(
      /STOCKOPS_GITHUB_REPO is not set/,
    );
    const runtime = runtimeFromEnv({
      STOCKOPS_GITHUB_OWNER: 'acme',
      STOCKOPS_GITHUB_REPO: 'stockops',
      STOCKOPS_GITHUB_TOKEN_SECRET: SECRET,
    });
    expect(runtime.apiUrl).toBe('https://api.github.com');
  });

  it('retries a 5xx from GitHub with backoff, then dispatches', async () => {
    const github = await githubStub([503, 502]);
    try {
      const parts = runtimeFor(github.url);
      const out = await createDispatchHandler(parts.runtime)(snsEvent(alert));
      expect(out.dispatched).toEqual([alert.id]);
      expect(github.seen).toHaveLength(3);
      expect(parts.sleeps).toEqual([750, 1500]);
      expect(await parts.alertLog.read('2024-05-01T13:00:00Z')).toEqual([]);
    } finally {
      await github.close();
    }
  });

  it('after exhausted retries: throws (Lambda retries, then the on-failure queue) and raises one alert', async () => {
    const github = await githubStub(Array.from({ length: 6 }, () => 503));
    try {
      const parts = runtimeFor(github.url);
      const handler = createDispatchHandler(parts.runtime);
      // Lambda's async retries invoke the handler again with the same event
      for (let i = 0; i < 2; i++) {
        await expect(handler(snsEvent(alert))).rejects.toThrow(
          /github repository_dispatch acme\/stockops: gave up after 3 attempts: .*HTTP 503/,
        );
      }
      expect(github.seen).toHaveLength(6);
      const logged = await parts.alertLog.read('2024-05-01T13:00:00Z');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        type: 'pipeline_failure',
        incident: 'pipeline_failure.dispatch.model_degradation.AMZN.drift',
        symbol: 'AMZN',
        retrain: false,
      });
      // a later success closes the incident, so the next failure alerts again
      github.seen.length = 0;
      await handler(snsEvent(alert));
      expect(
        await parts.alerts.openIncident('pipeline_failure.dispatch.model_degradation.AMZN.drift'),
      ).toBeUndefined();
    } finally {
      await github.close();
    }
  });

  it('does not retry a 403 (the token lacks a permission)', async () => {
    const github = await githubStub([403]);
    try {
      const parts = runtimeFor(github.url);
      await expect(createDispatchHandler(parts.runtime)(snsEvent(alert))).rejects.toThrow(
        /answered HTTP 403/,
      );
      expect(github.seen).toHaveLength(1);
      expect(parts.sleeps).toEqual([]);
    } finally {
      await github.close();
    }
  });
});
