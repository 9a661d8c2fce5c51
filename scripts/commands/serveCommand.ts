import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ForecastServer, startForecastServer } from '../../adapters/http/forecastServer.ts';
import { EmfInvocationMetrics } from '../../adapters/local/emfMetrics.ts';
import type { ChartRenderer } from '../../core/ports/chartRenderer.ts';
import { buildDashboard } from '../../core/report/dashboard.ts';
import { loadDashboardInput, nextSessionForecasts } from '../../core/report/dashboardFiles.ts';
import type { ServedVariant } from '../../core/serving/invocation.ts';
import { type InvocationMetrics, NO_METRICS } from '../../core/serving/invocationMetrics.ts';
import { servingModelFromRegistry } from '../../core/serving/registryModels.ts';
import { parseWeights } from '../../core/serving/variantRouter.ts';
import { EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import {
  packageToServe,
  parseVersion,
  type RegistryOptions,
  servingContext,
} from '../cli/servingContext.ts';
import { vegaRenderer } from './reportCommand.ts';

export interface ServeOptions extends RegistryOptions {
  /** Default 8080; 0 picks a free port. */
  readonly port?: string;
  /** Default 127.0.0.1 (this machine only); 0.0.0.0 to listen on every interface. */
  readonly host?: string;
  /** A registry version to serve beside the champion (A/B). */
  readonly challenger?: string;
  /** Champion,challenger traffic weights; default 0.9,0.1. */
  readonly weights?: string;
  /** EMF metrics: a file (default <store>/logs/serving-metrics.emf.jsonl), `-` for stdout, `off`. */
  readonly metrics?: string;
}

export const CHAMPION_VARIANT = 'champion';
export const CHALLENGER_VARIANT = 'challenger';

export interface RunningServe {
  readonly server: ForecastServer;
  readonly group: string;
  /** Where the EMF metrics go: a path, `stdout` or `off`. */
  readonly metricsTarget: string;
  /** Drains the server and writes the last metrics. */
  close(): Promise<void>;
}

/**
 * Starts the forecast server on the local registry: the group's champion as variant
 * `champion`, and with --challenger a second variant `challenger`, routed by --weights. What
 * is to be served is checked first (usage errors exit 2); loading and verifying the artifacts
 * happens behind /ping, which stays 503 if verification fails (the reason is logged).
 */
export async function startServe(
  options: ServeOptions,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<RunningServe> {
  if (options.weights !== undefined && options.challenger === undefined) {
    throw new UsageError(
      '--weights needs --challenger: with one variant all traffic goes to the champion',
    );
  }
  const ctx = servingContext(options);
  // Flags first, then config `serving:`, then the built-in defaults.
  const serving = ctx.resolved.config.serving;
  const port = parsePort(options.port ?? String(serving?.port ?? 8080));
  const challengerFlag =
    options.challenger ?? (serving?.challenger == null ? undefined : String(serving.challenger));
  const weightsFlag = options.weights ?? serving?.weights.join(',');
  const champion = await packageToServe(ctx, undefined, '--champion');
  const challengerVersion =
    challengerFlag === undefined ? undefined : parseVersion(challengerFlag, '--challenger');
  const challenger =
    challengerVersion === undefined
      ? undefined
      : await packageToServe(ctx, challengerVersion, '--challenger');
  if (challenger?.version === champion.version) {
    throw new UsageError(
      `--challenger ${challenger.version} is the champion already: pick another version`,
    );
  }
  let weights = [1];
  if (challenger) {
    try {
      weights = parseWeights(weightsFlag ?? '0.9,0.1', 2);
    } catch (error) {
      throw new UsageError(`--weights: ${(error as Error).message}`);
    }
    if (challenger.status !== 'Approved') {
      const last = challenger.status_history.at(-1);
      log(
        `note: challenger ${challenger.id} is ${challenger.status}${last ? ` (${last.reason})` : ''}; it gets ${weights[1]} of the traffic`,
      );
    }
  }
  const plan = [
    { name: CHAMPION_VARIANT, pkg: champion, weight: weights[0] as number },
    ...(challenger
      ? [{ name: CHALLENGER_VARIANT, pkg: challenger, weight: weights[1] as number }]
      : []),
  ];
  const { metrics, target, end } = metricsSink(options.metrics, ctx.storeRoot, ctx.group);
  let served: readonly ServedVariant[] = [];
  let renderer: Promise<ChartRenderer> | undefined;
  const chartRenderer = () => {
    renderer ??= vegaRenderer();
    return renderer;
  };
  const server = await startForecastServer(
    {
      load: async () => {
        const variants: ServedVariant[] = [];
        for (const v of plan) {
          const { model } = await servingModelFromRegistry(
            ctx.registry,
            ctx.group,
            v.pkg.version,
            ctx.features,
          );
          variants.push({ name: v.name, weight: v.weight, model });
        }
        served = variants;
        return variants;
      },
      metrics,
      log,
      dashboard: async () =>
        buildDashboard(
          await loadDashboardInput({
            store: ctx.store,
            registry: ctx.registry,
            group: ctx.group,
            now: () => new Date(),
            nextForecasts: () => nextSessionForecasts(served, ctx.store, ctx.group),
          }),
          await chartRenderer(),
        ),
    },
    { port, host: options.host ?? serving?.host ?? '127.0.0.1' },
  );
  return {
    server,
    group: ctx.group,
    metricsTarget: target,
    close: async () => {
      await server.close();
      await end();
    },
  };
}

/**
 * `stockops serve`: runs until SIGTERM or SIGINT, then drains in-flight requests and exits 0.
 * `waitForStop` is injectable so tests can stop it without signals.
 */
export async function serveCommand(
  options: ServeOptions,
  waitForStop: () => Promise<string> = stopSignal,
): Promise<number> {
  const running = await startServe(options);
  const served = await running.server.ready;
  process.stdout.write(
    served
      ? `serving ${running.group} on ${running.server.url} (POST /invocations, GET /ping, GET /dashboard); EMF metrics → ${running.metricsTarget}\n`
      : `not serving ${running.group}: the model failed to load (see above); ${running.server.url}/ping answers 503\n`,
  );
  const signal = await waitForStop();
  process.stderr.write(`${signal}: draining in-flight requests\n`);
  await running.close();
  return EXIT_OK;
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port: expected a port number from 0 to 65535 (got "${text}")`);
  }
  return port;
}

function metricsSink(
  option: string | undefined,
  storeRoot: string,
  group: string,
): { metrics: InvocationMetrics; target: string; end: () => Promise<void> } {
  if (option === 'off') return { metrics: NO_METRICS, target: 'off', end: async () => {} };
  const endpoint = `stockops-${group}`;
  if (option === '-') {
    const metrics = new EmfInvocationMetrics({
      write: (d) => process.stdout.write(`${d}\n`),
      endpoint,
    });
    return { metrics, target: 'stdout', end: () => metrics.close() };
  }
  const file = option ?? join(storeRoot, 'logs', 'serving-metrics.emf.jsonl');
  mkdirSync(dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'a' });
  const metrics = new EmfInvocationMetrics({ write: (d) => stream.write(`${d}\n`), endpoint });
  return {
    metrics,
    target: file,
    end: async () => {
      await metrics.close();
      await new Promise<void>((resolve) => stream.end(resolve));
    },
  };
}
