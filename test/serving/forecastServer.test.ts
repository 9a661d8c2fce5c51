import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ForecastServer,
  type ForecastServerOptions,
  MAX_BODY_BYTES,
  startForecastServer,
} from '../../adapters/http/forecastServer.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import type { ServedVariant } from '../../core/serving/invocation.ts';
import type { InvocationRecord } from '../../core/serving/invocationMetrics.ts';
import type { ServingModel } from '../../core/serving/servingModel.ts';
import {
  answer,
  BARS,
  type FittedSet,
  fitFinalModels,
  servingModels,
  smallConfigDir,
  variant,
  windowRows,
} from './servingFixtures.ts';

let fitted: FittedSet;
let models: Record<string, ServingModel>;
const config = smallConfigDir();
beforeAll(async () => {
  fitted = await fitFinalModels(config.dir);
  models = await servingModels(fitted);
});
afterAll(() => config.dispose());

const servers: ForecastServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Started {
  readonly server: ForecastServer;
  readonly logs: string[];
  readonly records: InvocationRecord[];
}

async function start(
  load: ForecastServerOptions['load'],
  extra: Partial<ForecastServerOptions> = {},
): Promise<Started> {
  const logs: string[] = [];
  const records: InvocationRecord[] = [];
  const server = await startForecastServer(
    {
      load,
      log: (line) => logs.push(line),
      metrics: { record: (r) => records.push(r), flush: async () => {} },
      ...extra,
    },
    { port: 0, host: '127.0.0.1' },
  );
  servers.push(server);
  return { server, logs, records };
}

const model = (name: string) => models[name] as ServingModel;
const champion = () => variant('champion', model('last_close'), 0.9);
const challenger = () => variant('challenger', model('lstm'), 0.1);
const windowBody = JSON.stringify({ windows: [windowRows(5)] });

function invoke(server: ForecastServer, body: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('forecast server over HTTP', () => {
  it('/ping answers 503 while the models load and 200 once they are loaded', async () => {
    const loading = deferred<ServedVariant[]>();
    const { server } = await start(() => loading.promise);
    const before = await fetch(`${server.url}/ping`);
    expect(before.status).toBe(503);
    expect(await answer(before)).toEqual({ status: 'loading' });
    const early = await invoke(server, windowBody);
    expect(early.status).toBe(503);
    expect((await answer(early)).error).toBe('model is loading: retry when /ping answers 200');
    expect(server.status()).toBe('loading');
    loading.resolve([champion(), challenger()]);
    expect(await server.ready).toBe(true);
    const after = await fetch(`${server.url}/ping`);
    expect(after.status).toBe(200);
    expect(await answer(after)).toEqual({
      status: 'ready',
      variants: [
        { name: 'champion', weight: 0.9, model: 'last_close', version: 2 },
        { name: 'challenger', weight: 0.1, model: 'lstm', version: 5 },
      ],
    });
  });

  it('answers JSON and CSV with the forecasts, model, version and variant', async () => {
    const { server } = await start(async () => [variant('champion', model('lstm'))]);
    await server.ready;
    const json = await invoke(server, windowBody, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.headers.get('x-amzn-invoked-production-variant')).toBe('champion');
    const body = await answer(json);
    expect(body).toMatchObject({ model: 'lstm', version: 5, variant: 'champion' });
    expect(body.forecasts).toHaveLength(1);
    expect(Number.isFinite(body.forecasts[0]?.predicted_log_return)).toBe(true);

    const csv = await invoke(server, formatPriceCsv(BARS.slice(-12)), {
      'content-type': 'text/csv',
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv');
    const lines = (await csv.text()).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'date,target_date,avg_price,predicted_log_return,predicted_avg_price,model,version,variant',
    );
    // 12 bars: features complete from the 6th (5 bars of warm-up), a 5-row window from the 10th
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(BARS.slice(-3).map((b) => b.date));
    expect(lines[1]).toMatch(/,lstm,5,champion$/);

    const jsonBars = await invoke(
      server,
      JSON.stringify({
        bars: BARS.slice(-10).map((b) => ({
          date: b.date,
          open: b.open,
          high: b.high,
          low: b.low,
          close: b.close,
          volume: b.volume,
        })),
      }),
      { accept: 'text/csv' },
    );
    expect(jsonBars.headers.get('content-type')).toBe('text/csv');
    expect((await jsonBars.text()).trimEnd().split('\n')).toHaveLength(2);
  });

  it('honours X-Amzn-SageMaker-Target-Variant and ignores unknown headers', async () => {
    const { server, records } = await start(async () => [champion(), challenger()]);
    await server.ready;
    for (let i = 0; i < 5; i++) {
      const r = await invoke(server, windowBody, {
        'X-Amzn-SageMaker-Target-Variant': 'challenger',
        'X-Amzn-SageMaker-Custom-Attributes': 'trace=1',
        'X-Made-Up': 'whatever',
      });
      expect((await answer(r)).variant).toBe('challenger');
    }
    const unknown = await invoke(server, windowBody, {
      'X-Amzn-SageMaker-Target-Variant': 'canary',
    });
    expect(unknown.status).toBe(400);
    expect((await answer(unknown)).error).toBe(
      'target variant "canary" is not served here: variants are champion, challenger',
    );
    expect(records.map((r) => [r.variant, r.model, r.status])).toEqual([
      ...Array.from({ length: 5 }, () => ['challenger', 'lstm v5', 200]),
      ['none', null, 400],
    ]);
    expect(records.every((r) => r.latencyMs >= 0)).toBe(true);
  });

  it('splits 2,000 unaddressed requests within 1% of the weights, and records each per variant', async () => {
    const { server, records } = await start(async () => [
      variant('champion', model('last_close'), 0.9),
      variant('challenger', model('persistence'), 0.1),
    ]);
    await server.ready;
    const counts: Record<string, number> = { champion: 0, challenger: 0 };
    let next = 0;
    const worker = async () => {
      while (next < 2000) {
        next += 1;
        const r = await invoke(server, windowBody);
        const { variant: name, model: m } = await answer(r);
        counts[name] = (counts[name] ?? 0) + 1;
        expect(m).toBe(name === 'champion' ? 'last_close' : 'persistence');
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect((counts.champion ?? 0) + (counts.challenger ?? 0)).toBe(2000);
    expect(Math.abs((counts.challenger ?? 0) / 2000 - 0.1)).toBeLessThan(0.01);
    expect(records.filter((r) => r.variant === 'challenger')).toHaveLength(counts.challenger ?? -1);
  });

  it('refuses malformed requests with 400 and a JSON error naming the problem', async () => {
    const { server, records } = await start(async () => [champion()]);
    await server.ready;
    const cases: [string, Record<string, string>, number, string | RegExp][] = [
      ['{"windows": [[[1,2]]]}', {}, 400, /windows\[0\]\[0\] must be an array of 4 numbers/],
      ['not json', {}, 400, /body is not valid JSON/],
      ['1,2,3\n', { 'content-type': 'text/csv' }, 400, /line 1: 3 values are not whole rows/],
      [JSON.stringify({ bars: [] }), {}, 400, /"bars" must be a non-empty array/],
      [
        windowBody,
        { 'content-type': 'text/plain' },
        415,
        /Content-Type text\/plain is not supported/,
      ],
      [windowBody, { accept: 'image/png' }, 406, /Accept image\/png cannot be met/],
    ];
    for (const [body, headers, status, message] of cases) {
      const r = await invoke(server, body, headers);
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect((await answer(r)).error).toMatch(message);
    }
    expect(records.map((r) => r.status)).toEqual([400, 400, 400, 400, 415, 406]);
    const notFound = await fetch(`${server.url}/predict`);
    expect(notFound.status).toBe(404);
    const wrongMethod = await fetch(`${server.url}/invocations`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const params = await fetch(`${server.url}/execution-parameters`);
    expect(await answer(params)).toEqual({
      MaxConcurrentTransforms: 1,
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 6,
    });
  });

  it('answers 413 to a body over 6 MB, declared or chunked, and keeps serving', async () => {
    const { server } = await start(async () => [champion()]);
    await server.ready;
    const big = 'x'.repeat(MAX_BODY_BYTES + 1);
    const declared = await invoke(server, big);
    expect(declared.status).toBe(413);
    expect((await answer(declared)).error).toMatch(/body of 6.0 MB exceeds the 6.0 MB limit/);
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = 'y'.repeat(1024 * 1024);
      for (let i = 0; i < 7; i++) req.write(chunk);
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error).toMatch(/body is larger than the 6.0 MB limit/);
    // a body of exactly the limit is read and answered
    const under = await invoke(server, ' '.repeat(MAX_BODY_BYTES - windowBody.length) + windowBody);
    expect(under.status).toBe(200);
    expect((await invoke(server, windowBody)).status).toBe(200);
  });

  it('with Expect: 100-continue, a too-large body is refused before it is sent', async () => {
    const { server } = await start(async () => [champion()], { maxBodyBytes: 1000 });
    await server.ready;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/invocations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': '5000',
          expect: '100-continue',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('continue', () => reject(new Error('the server asked for the body')));
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    const small = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/invocations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(windowBody.length),
          expect: '100-continue',
        },
      });
      req.on('continue', () => req.end(windowBody));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(small).toBe(200);
  });

  it('close drains: an in-flight request completes, then the server stops', async () => {
    const release = deferred<void>();
    const started = deferred<void>();
    const slow: ServingModel = {
      ...model('last_close'),
      fitted: {
        name: 'last_close',
        describe: () => ({}),
        predict: async (table, origins) => {
          started.resolve();
          await release.promise;
          return model('last_close').fitted.predict(table, origins);
        },
      },
    };
    const { server, logs } = await start(async () => [variant('champion', slow)]);
    await server.ready;
    const inFlight = invoke(server, windowBody);
    await started.promise;
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    expect(server.status()).toBe('closing');
    // several event-loop turns: close must still be waiting for the request
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    release.resolve();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect((await answer(response)).forecasts).toHaveLength(1);
    await closing;
    expect(closed).toBe(true);
    expect(logs).toContain('draining 1 in-flight request');
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });

  it('a drain that outlasts its timeout cuts the connection', async () => {
    const started = deferred<void>();
    const never: ServingModel = {
      ...model('last_close'),
      fitted: {
        name: 'x',
        describe: () => ({}),
        predict: () => {
          started.resolve();
          return new Promise(() => {});
        },
      },
    };
    const { server, logs } = await start(async () => [variant('champion', never)], {
      drainTimeoutMs: 50,
    });
    await server.ready;
    const stuck = invoke(server, windowBody);
    await started.promise;
    await server.close();
    await expect(stuck).rejects.toThrow();
    expect(logs).toContain('drain timed out after 50 ms; closing 1 connection(s)');
  });

  it('a load that fails leaves /ping at 503 for good, with the reason logged', async () => {
    const { server, logs } = await start(async () => {
      throw new Error('AMZN/2: artifact model.json was changed: expected sha256 aaa, got bbb');
    });
    expect(await server.ready).toBe(false);
    for (let i = 0; i < 3; i++) {
      const ping = await fetch(`${server.url}/ping`);
      expect(ping.status).toBe(503);
      expect(await answer(ping)).toEqual({
        status: 'failed',
        reason: 'AMZN/2: artifact model.json was changed: expected sha256 aaa, got bbb',
      });
    }
    const r = await invoke(server, windowBody);
    expect(r.status).toBe(503);
    expect((await answer(r)).error).toMatch(
      /^model failed to load: AMZN\/2: artifact model.json was changed/,
    );
    expect(logs).toContain(
      'model load failed; /ping will answer 503 until restarted: AMZN/2: artifact model.json was changed: expected sha256 aaa, got bbb',
    );
    // an invalid variant set fails the same way
    const dup = await start(async () => [champion(), champion()]);
    expect(await dup.server.ready).toBe(false);
    expect(dup.logs.at(-1)).toMatch(/two variants are named "champion"/);
  });

  it('logs a model fault and answers 500', async () => {
    const broken: ServingModel = {
      ...model('last_close'),
      fitted: {
        name: 'x',
        describe: () => ({}),
        predict: async () => Promise.reject(new Error('tensor exploded')),
      },
    };
    const { server, logs, records } = await start(async () => [variant('champion', broken)]);
    await server.ready;
    const r = await invoke(server, windowBody);
    expect(r.status).toBe(500);
    expect((await answer(r)).error).toBe('forecast failed: tensor exploded');
    expect(
      logs.some((l) =>
        l.startsWith('invocation failed on variant champion: Error: tensor exploded'),
      ),
    ).toBe(true);
    expect(records.at(-1)?.status).toBe(500);
  });

  it('refuses to start on a port in use', async () => {
    const { server } = await start(async () => [champion()]);
    await expect(
      startForecastServer(
        { load: async () => [champion()] },
        { port: server.port, host: '127.0.0.1' },
      ),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
