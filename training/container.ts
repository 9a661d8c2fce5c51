#!/usr/bin/env node
// The SageMaker container entry: `node training/container.ts train|serve` (the image's
// ENTRYPOINT; SageMaker appends the command). The root of /opt/ml is SM_OPT_ML (default
// /opt/ml), so the whole contract runs in a temp dir without Docker. See docs/serving.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startForecastServer } from '../adapters/http/forecastServer.ts';
import { EmfInvocationMetrics } from '../adapters/local/emfMetrics.ts';
import { NO_METRICS } from '../core/serving/invocationMetrics.ts';
import { optMl } from './optMl.ts';
import { loadContainerModel } from './serveJob.ts';
import { StopSignal, TrainingStopped } from './stopSignal.ts';
import { runTrainJob } from './trainJob.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const CONFIG_DIR = join(import.meta.dirname, '..', 'config');

async function train(): Promise<number> {
  const paths = optMl();
  const stop = new StopSignal();
  process.on('SIGTERM', () => {
    log('SIGTERM: stopping at the next fit boundary (completed fits are checkpointed)');
    stop.request('SIGTERM');
  });
  try {
    await runTrainJob({
      paths,
      configDir: process.env.STOCKOPS_CONFIG_DIR || CONFIG_DIR,
      env: process.env.STOCKOPS_ENV || 'local',
      stop,
      log,
      metric: (line) => process.stdout.write(`${line}\n`),
      now: () => new Date(),
    });
    return 0;
  } catch (error) {
    if (error instanceof TrainingStopped) {
      log(error.message);
      // 128 + SIGTERM, as a process killed by the signal would report; no failure file: an
      // interruption is not a failure, and the job resumes from the checkpoints
      return 143;
    }
    const message = (error as Error).message || String(error);
    mkdirSync(dirname(paths.failure), { recursive: true });
    writeFileSync(paths.failure, `${message}\n`);
    log(`train failed: ${message}`);
    if (process.env.STOCKOPS_DEBUG) log((error as Error).stack ?? '');
    return 1;
  }
}

async function serve(): Promise<number> {
  const paths = optMl();
  const port = Number(process.env.SAGEMAKER_BIND_TO_PORT || 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    log(
      `SAGEMAKER_BIND_TO_PORT must be a port number (got "${process.env.SAGEMAKER_BIND_TO_PORT}")`,
    );
    return 2;
  }
  const metrics =
    process.env.STOCKOPS_EMF === 'off'
      ? NO_METRICS
      : new EmfInvocationMetrics({
          // stdout becomes the endpoint's CloudWatch log stream
          write: (document) => process.stdout.write(`${document}\n`),
          endpoint: process.env.STOCKOPS_ENDPOINT_NAME || 'stockops',
        });
  const server = await startForecastServer(
    {
      load: () =>
        loadContainerModel(paths.model, {
          model: process.env.STOCKOPS_SERVE_MODEL,
          version: process.env.STOCKOPS_MODEL_VERSION,
          variant: process.env.STOCKOPS_VARIANT_NAME,
        }),
      metrics,
      log,
    },
    { port, host: process.env.STOCKOPS_BIND_HOST || '0.0.0.0' },
  );
  log(`listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: draining in-flight requests, then exiting`);
      void server.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped');
  return 0;
}

const command = process.argv[2];
if (command === 'train') process.exitCode = await train();
else if (command === 'serve') process.exitCode = await serve();
else {
  log(
    `usage: container.ts train|serve (got ${command === undefined ? 'nothing' : `"${command}"`})`,
  );
  process.exitCode = 2;
}
