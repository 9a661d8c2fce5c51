import type { IEnvironment } from 'aws-embedded-metrics/lib/environment/IEnvironment.js';
import type { MetricsContext } from 'aws-embedded-metrics/lib/logger/MetricsContext.js';
// Not the package index: it starts probing for its environment as it loads, which off AWS
// means an HTTP call to the EC2 metadata address that keeps the process alive for ~1 s.
import { MetricsLogger } from 'aws-embedded-metrics/lib/logger/MetricsLogger.js';
import { LogSerializer } from 'aws-embedded-metrics/lib/serializers/LogSerializer.js';
import type { IngestOutcome } from '../../core/ingest/ingestRun.ts';

export interface InvocationFigures {
  readonly latencyMs: number;
  readonly sourceMs: number;
  readonly retries: number;
  readonly attempts: number;
  readonly circuitOpens: number;
}

/**
 * The ingest metrics in CloudWatch Embedded Metric Format, through the aws-embedded-metrics
 * library's MetricsLogger and serializer with our own environment, so the sink is `write`
 * (stdout in Lambda, where CloudWatch turns the lines into metrics; an array in tests). Same
 * technique as adapters/local/emfMetrics.ts (serving). Dimensions: `Service` and
 * `Service, Symbol`; only ours, not the library's defaults (LogGroup, ServiceName, ServiceType).
 *
 * Per invocation: `Latency`, `SourceLatency` (ms), `Retries`, `SourceAttempts`, `CircuitOpens`,
 * `SkippedRuns`, `FailedRuns`. Per symbol: `BarsWritten`, `RawObjectsWritten`, `CuratedObjectsWritten`,
 * `SessionsAlreadyComplete`, `QualityFailures`, `IngestFailures`, `HistoryReadjusted`.
 */
export async function emitIngestMetrics(
  write: (document: string) => void,
  namespace: string,
  environmentName: string,
  outcome: IngestOutcome,
  figures: InvocationFigures,
): Promise<void> {
  const serializer = new LogSerializer();
  const sink = {
    name: 'StockopsIngestSink',
    accept: async (context: MetricsContext) => {
      for (const document of serializer.serialize(context)) write(document);
    },
  };
  const environment: IEnvironment = {
    probe: async () => true,
    getName: () => 'stockops-ingest',
    getType: () => 'AWS::Lambda::Function',
    getLogGroupName: () => 'stockops-ingest',
    configureContext: () => {},
    getSink: () => sink,
  };
  const logger = () => {
    const l = new MetricsLogger(async () => environment);
    l.setNamespace(namespace);
    l.setProperty('Environment', environmentName);
    l.setProperty('Kind', outcome.kind);
    l.setProperty('Status', outcome.status);
    if (outcome.date) l.setProperty('Date', outcome.date);
    return l;
  };
  const run = logger();
  run.setDimensions({ Service: 'ingest' }, false);
  run.putMetric('Latency', figures.latencyMs, 'Milliseconds');
  run.putMetric('SourceLatency', figures.sourceMs, 'Milliseconds');
  run.putMetric('Retries', figures.retries, 'Count');
  run.putMetric('SourceAttempts', figures.attempts, 'Count');
  run.putMetric('CircuitOpens', figures.circuitOpens, 'Count');
  run.putMetric('SkippedRuns', outcome.status === 'skipped' ? 1 : 0, 'Count');
  run.putMetric('FailedRuns', outcome.status === 'failed' ? 1 : 0, 'Count');
  await run.flush();
  for (const s of Object.values(outcome.symbols)) {
    const l = logger();
    l.setDimensions([{ Service: 'ingest' }, { Service: 'ingest', Symbol: s.symbol }], false);
    l.putMetric('BarsWritten', s.written, 'Count');
    l.putMetric('RawObjectsWritten', s.rawWritten, 'Count');
    l.putMetric('CuratedObjectsWritten', s.curatedWritten, 'Count');
    l.putMetric('SessionsAlreadyComplete', s.complete, 'Count');
    l.putMetric('QualityFailures', s.failure === 'quality' ? 1 : 0, 'Count');
    l.putMetric('IngestFailures', s.error === undefined ? 0 : 1, 'Count');
    l.putMetric('HistoryReadjusted', s.readjusted.length, 'Count');
    if (s.error !== undefined) l.setProperty('Error', s.error);
    await l.flush();
  }
}
