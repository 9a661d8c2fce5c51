import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coalescedPredictions } from '../../core/serving/coalescedPredictions.ts';
import {
  errorResponse,
  type InvocationResponse,
  invoke,
  type ServedVariant,
} from '../../core/serving/invocation.ts';
import { InvocationError, JSON_TYPE } from '../../core/serving/invocationError.ts';
import {
  type InvocationMetrics,
  NO_METRICS,
  UNROUTED,
} from '../../core/serving/invocationMetrics.ts';
import { modelLabel } from '../../core/serving/servingModel.ts';
import {
  TARGET_VARIANT_HEADER,
  type VariantRouter,
  variantRouter,
} from '../../core/serving/variantRouter.ts';

/** SageMaker's real-time payload limit; a larger body gets 413. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface ForecastServerOptions {
  /**
   * Loads and verifies the variants. /ping answers 503 until it resolves, and for good when it
   * rejects (the reason is logged): a model that failed verification is never served.
   */
  readonly load: () => Promise<readonly ServedVariant[]>;
  readonly metrics?: InvocationMetrics;
  /** One line per event worth a log (load, faults, shutdown); default stderr. */
  readonly log?: (line: string) => void;
  readonly maxBodyBytes?: number;
  /** How long close() waits for in-flight requests before cutting connections. Default 30 s. */
  readonly drainTimeoutMs?: number;
  /** Renders the HTML of `GET /dashboard`; without it the route does not exist (the container). */
  readonly dashboard?: () => Promise<string>;
}

export interface ListenOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
}

export type ServerStatus = 'loading' | 'ready' | 'failed' | 'closing';

export interface ForecastServer {
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Settles when loading ends: true when the variants serve, false when loading failed. */
  readonly ready: Promise<boolean>;
  status(): ServerStatus;
  /**
   * Stops accepting connections, lets every in-flight request finish (each answered with
   * `Connection: close`), closes idle keep-alive connections, flushes metrics.
   */
  close(): Promise<void>;
}

/**
 * The SageMaker inference contract over node:http: `GET /ping`, `POST /invocations` (JSON or
 * CSV, see docs/serving.md), plus `GET /execution-parameters` for Batch Transform. The same
 * server runs in the container (`serve`) and behind `stockops serve`.
 */
export async function startForecastServer(
  options: ForecastServerOptions,
  listen: ListenOptions,
): Promise<ForecastServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const metrics = options.metrics ?? NO_METRICS;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let state: LoadState = { status: 'loading' };
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const send = (res: ServerResponse, response: InvocationResponse, headers = {}) => {
    res.writeHead(response.status, {
      'Content-Type': response.contentType,
      'Content-Length': Buffer.byteLength(response.body),
      ...headers,
      // answered while shutting down: do not keep the connection for another request
      ...(closing ? { Connection: 'close' } : {}),
    });
    res.end(response.body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown) =>
    send(res, { status, contentType: JSON_TYPE, body: `${JSON.stringify(value)}\n` });

  const ping = (res: ServerResponse) => {
    if (closing) return sendJson(res, 503, { status: 'closing' });
    if (state.status === 'ready') {
      return sendJson(res, 200, {
        status: 'ready',
        variants: state.router.variants.map((v) => ({
          name: v.name,
          weight: v.weight,
          model: v.model.name,
          version: v.model.version,
        })),
      });
    }
    return sendJson(res, 503, state);
  };

  const dashboard = (render: () => Promise<string>, res: ServerResponse) => {
    render().then(
      (html) => send(res, { status: 200, contentType: 'text/html; charset=utf-8', body: html }),
      (error: unknown) => {
        log(`dashboard failed: ${(error as Error).stack ?? String(error)}`);
        send(res, {
          status: 500,
          contentType: 'text/plain; charset=utf-8',
          body: `dashboard failed: ${(error as Error).message}\n`,
        });
      },
    );
  };

  const invocation = async (req: IncomingMessage, res: ServerResponse, start: number) => {
    let variant: ServedVariant | undefined;
    let refusal: InvocationError | undefined;
    if (state.status !== 'ready') {
      refusal = new InvocationError(
        503,
        state.status === 'loading'
          ? 'model is loading: retry when /ping answers 200'
          : `model failed to load: ${state.reason}`,
      );
    } else {
      try {
        variant = state.router.route(headerValue(req, TARGET_VARIANT_HEADER));
      } catch (error) {
        if (!(error instanceof InvocationError)) throw error;
        refusal = error;
      }
    }
    // Read (or discard) the whole body before answering, even a refusal: a response sent while
    // the client is still writing can be lost to a connection reset.
    const body = await readBody(req, maxBody);
    if (body === DESTROYED) return;
    const answer = async (): Promise<InvocationResponse> => {
      if (refusal?.status === 503) return errorResponse(503, refusal.message);
      if (body === TOO_LARGE) {
        const declared = req.headers['content-length'];
        return errorResponse(
          413,
          tooLarge(maxBody, declared === undefined ? undefined : Number(declared)),
        );
      }
      if (refusal) return errorResponse(refusal.status, refusal.message);
      if (!variant) throw new Error('no variant was routed');
      return invoke(variant, {
        body,
        contentType: headerValue(req, 'content-type'),
        accept: headerValue(req, 'accept'),
      });
    };
    const response = await answer();
    if (response.cause) {
      log(
        `invocation failed on variant ${variant?.name}: ${response.cause.stack ?? response.cause.message}`,
      );
    }
    send(res, response, variant ? { 'X-Amzn-Invoked-Production-Variant': variant.name } : {});
    metrics.record({
      variant: variant?.name ?? UNROUTED,
      model: variant ? modelLabel(variant.model) : null,
      status: response.status,
      latencyMs: performance.now() - start,
    });
  };

  const server = createServer((req, res) => {
    const start = performance.now();
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    const route = options.dashboard && path === '/dashboard' ? 'GET' : ROUTES[path ?? ''];
    if (route === undefined) {
      req.resume();
      return sendJson(res, 404, { error: `no route ${path}: use GET /ping or POST /invocations` });
    }
    if (route !== method) {
      req.resume();
      return send(res, errorResponse(405, `${path} takes ${route}, not ${method}`), {
        Allow: route,
      });
    }
    if (path === '/ping') return ping(res);
    if (path === '/dashboard' && options.dashboard) return dashboard(options.dashboard, res);
    if (path === '/execution-parameters') {
      return sendJson(res, 200, {
        MaxConcurrentTransforms: 1,
        BatchStrategy: 'MultiRecord',
        MaxPayloadInMB: Math.floor(maxBody / (1024 * 1024)),
      });
    }
    invocation(req, res, start).catch((error: unknown) => {
      log(`invocation failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent)
        send(res, errorResponse(500, `internal error: ${(error as Error).message}`));
      else res.destroy();
    });
  });
  // A client that waits for 100-continue learns of a too-large body before sending it.
  server.on('checkContinue', (req, res) => {
    if (Number(req.headers['content-length']) > maxBody) {
      res.shouldKeepAlive = false;
      send(res, errorResponse(413, tooLarge(maxBody, Number(req.headers['content-length']))));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const ready = (async () => {
    try {
      // concurrent requests to a variant share one predict call (see coalescedPredictions)
      const variants = (await options.load()).map((v) => ({
        ...v,
        model: coalescedPredictions(v.model),
      }));
      const router = variantRouter(variants);
      state = { status: 'ready', router };
      log(
        `serving ${variants.map((v) => `${v.name}: ${modelLabel(v.model)} (weight ${v.weight})`).join('; ')}`,
      );
      return true;
    } catch (error) {
      const reason = (error as Error).message;
      state = { status: 'failed', reason };
      log(`model load failed; /ping will answer 503 until restarted: ${reason}`);
      return false;
    }
  })();

  let closed: Promise<void> | undefined;
  const drainTimeout = options.drainTimeoutMs ?? 30_000;
  return {
    port: address.port,
    url: `http://${host}:${address.port}`,
    ready,
    status: () => (closing ? 'closing' : state.status),
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          log(`draining ${inFlight} in-flight request${inFlight === 1 ? '' : 's'}`);
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise<void>((resolve) => {
              drained = resolve;
            }),
            new Promise<void>((resolve) => {
              timer = setTimeout(() => {
                log(`drain timed out after ${drainTimeout} ms; closing ${inFlight} connection(s)`);
                resolve();
              }, drainTimeout);
            }),
          ]);
          clearTimeout(timer);
        }
        server.closeAllConnections();
        await stopped;
        await metrics.flush();
      })();
      return closed;
    },
  };
}

/** Where loading stands; /ping reports it. */
type LoadState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly router: VariantRouter }
  | { readonly status: 'failed'; readonly reason: string };

const ROUTES: Readonly<Record<string, string>> = {
  '/ping': 'GET',
  '/invocations': 'POST',
  '/execution-parameters': 'GET',
};

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function tooLarge(max: number, declared?: number): string {
  const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return (
    `body ${declared === undefined ? 'is larger than' : `of ${mb(declared)} exceeds`} the ` +
    `${mb(max)} limit: send fewer bars or windows per request, or use Batch Transform ` +
    '(stockops predict) with SplitType Line'
  );
}

const TOO_LARGE = Symbol('too large');
const DESTROYED = Symbol('destroyed');
/** Past this many discarded bytes a client is not sending a mistaken body but a flood. */
const DISCARD_LIMIT_FACTOR = 8;

/**
 * The body as UTF-8; TOO_LARGE once it passes `max` bytes (the rest is read and discarded, so
 * the 413 reaches the client); DESTROYED when it goes on past DISCARD_LIMIT_FACTOR × max and
 * the connection was cut.
 */
function readBody(
  req: IncomingMessage,
  max: number,
): Promise<string | typeof TOO_LARGE | typeof DESTROYED> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else if (size > max * DISCARD_LIMIT_FACTOR) {
        req.destroy();
        resolve(DESTROYED);
      } else chunks.length = 0;
    });
    req.on('end', () => resolve(size > max ? TOO_LARGE : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
