// Deep imports, not the package index: the index starts detecting its environment as it loads,
// and off EC2 that probe (an HTTP call to the instance metadata address) holds the process
// open for a second, in every container start and CLI run that loads this file.
import type { IEnvironment } from 'aws-embedded-metrics/lib/environment/IEnvironment.js';
import type { MetricsContext } from 'aws-embedded-metrics/lib/logger/MetricsContext.js';
import { MetricsLogger } from 'aws-embedded-metrics/lib/logger/MetricsLogger.js';
import { Unit } from 'aws-embedded-metrics/lib/logger/Unit.js';
import { LogSerializer } from 'aws-embedded-metrics/lib/serializers/LogSerializer.js';
import type { MonitorState } from '../../core/monitor/breachStreak.ts';
import type { DriftReport } from '../../core/monitor/driftReport.ts';
import type { MonitorMetrics } from '../../core/monitor/monitorRun.ts';
import type { InvocationMetrics, InvocationRecord } from '../../core/serving/invocationMetrics.ts';

export interface EmfMetricsOptions {
  /** Receives each EMF document (one JSON object, no newline): a file, stdout, a test array. */
  readonly write: (document: string) => void;
  /** The `Endpoint` dimension, e.g. `stockops-AMZN`. */
  readonly endpoint: string;
  readonly namespace?: string;
  /** Flush buffered records this often; 0 flushes only when asked (tests). Default 1000 ms. */
  readonly flushIntervalMs?: number;
}

export const SERVING_NAMESPACE = 'stockops/serving';
/** The pipeline's namespace; the monitoring stack alarms on RealisedErrorRatioVsBestBaseline. */
export const PIPELINE_NAMESPACE = 'stockops';

/** An IEnvironment whose sink is `write`: the library's serializer, our destination. */
function lineEnvironment(
  name: string,
  type: string,
  write: (document: string) => void,
): IEnvironment {
  const serializer = new LogSerializer();
  const sink = {
    name: 'StockopsLineSink',
    accept: async (context: MetricsContext) => {
      for (const document of serializer.serialize(context)) write(document);
    },
  };
  return {
    probe: async () => true,
    getName: () => name,
    getType: () => type,
    getLogGroupName: () => `${name}-metrics`,
    configureContext: () => {},
    getSink: () => sink,
  };
}

interface VariantBuffer {
  invocations: number;
  clientErrors: number;
  serverErrors: number;
  latencies: number[];
  models: Set<string>;
}

/**
 * Per-variant invocation metrics in CloudWatch Embedded Metric Format, written with the
 * aws-embedded-metrics library's own MetricsLogger and serializer. The library picks its sink
 * from the environment it detects (Local: stdout through console.log; Agent/EC2: the CloudWatch
 * agent over TCP/UDP); here the environment is ours, so the sink is `write`, which lets the CLI
 * append to a file and tests read the documents. The documents are the same either way.
 *
 * Records are buffered per variant and flushed on an interval, one document per variant: a
 * line per request would cost more than the forecast at 1,000 requests/s. Metrics (dimensions
 * Endpoint, Variant), named as SageMaker names its per-variant endpoint metrics:
 * `Invocations`, `Invocation4XXErrors`, `Invocation5XXErrors` (Count) and `Latency`
 * (Milliseconds, every request's value, which CloudWatch turns into percentiles).
 */
export class EmfInvocationMetrics implements InvocationMetrics {
  private readonly options: EmfMetricsOptions;
  private readonly buffers = new Map<string, VariantBuffer>();
  private readonly environment: IEnvironment;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(options: EmfMetricsOptions) {
    this.options = options;
    this.environment = lineEnvironment(options.endpoint, 'stockops-serve', options.write);
    const interval = options.flushIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.flush(), interval);
      // metrics must never keep a process alive that is otherwise done
      this.timer.unref();
    }
  }

  record(invocation: InvocationRecord): void {
    let buffer = this.buffers.get(invocation.variant);
    if (!buffer) {
      buffer = {
        invocations: 0,
        clientErrors: 0,
        serverErrors: 0,
        latencies: [],
        models: new Set(),
      };
      this.buffers.set(invocation.variant, buffer);
    }
    buffer.invocations += 1;
    if (invocation.status >= 400 && invocation.status < 500) buffer.clientErrors += 1;
    if (invocation.status >= 500) buffer.serverErrors += 1;
    buffer.latencies.push(invocation.latencyMs);
    if (invocation.model !== null) buffer.models.add(invocation.model);
  }

  async flush(): Promise<void> {
    const pending = [...this.buffers.entries()];
    this.buffers.clear();
    for (const [variant, b] of pending) {
      const logger = new MetricsLogger(async () => this.environment);
      logger.setNamespace(this.options.namespace ?? SERVING_NAMESPACE);
      // our dimensions only: the library's defaults (LogGroup, ServiceName, ServiceType) would
      // split every metric by values that never change here
      logger.setDimensions({ Endpoint: this.options.endpoint, Variant: variant }, false);
      logger.putMetric('Invocations', b.invocations, Unit.Count);
      logger.putMetric('Invocation4XXErrors', b.clientErrors, Unit.Count);
      logger.putMetric('Invocation5XXErrors', b.serverErrors, Unit.Count);
      for (const ms of b.latencies) logger.putMetric('Latency', ms, Unit.Milliseconds);
      logger.setProperty('Models', [...b.models]);
      await logger.flush();
    }
  }

  /** Stops the interval and writes what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

/**
 * The monitor's figures per symbol, one EMF document each, in namespace `stockops` with two
 * dimension sets: {Environment} (what the realised-error alarm watches) and
 * {Environment, Symbol}. A metric without a value (no baseline, too few days) is left out
 * rather than sent as 0.
 */
export class EmfMonitorMetrics implements MonitorMetrics {
  private readonly environment: IEnvironment;
  private readonly env: string;

  constructor(options: { readonly write: (document: string) => void; readonly env: string }) {
    this.env = options.env;
    this.environment = lineEnvironment(
      `stockops-${options.env}-monitor`,
      'stockops-monitor',
      options.write,
    );
  }

  async record(report: DriftReport, state: MonitorState): Promise<void> {
    const logger = new MetricsLogger(async () => this.environment);
    logger.setNamespace(PIPELINE_NAMESPACE);
    logger.setDimensions(
      [{ Environment: this.env }, { Environment: this.env, Symbol: report.symbol }],
      false,
    );
    const features = Object.values(report.features);
    const ratio = report.realised_error?.rolling_error_ratio;
    if (ratio !== undefined && ratio !== null) {
      logger.putMetric('RealisedErrorRatioVsBestBaseline', ratio, Unit.None);
    }
    if (features.length > 0) {
      logger.putMetric('FeaturePsiMax', Math.max(...features.map((f) => f.psi)), Unit.None);
    }
    logger.putMetric('FeaturesDrifted', features.filter((f) => f.drifted).length, Unit.Count);
    if (report.prediction) logger.putMetric('PredictionPsi', report.prediction.psi, Unit.None);
    logger.putMetric('DriftDetected', report.status === 'drift' ? 1 : 0, Unit.Count);
    logger.putMetric('ConsecutiveBreachDays', state.consecutive_breach_days, Unit.Count);
    logger.setProperty('AsOf', report.as_of);
    logger.setProperty('ModelVersion', report.realised_error?.model_version ?? null);
    await logger.flush();
  }
}
