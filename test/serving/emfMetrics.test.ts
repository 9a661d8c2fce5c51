import { describe, expect, it, vi } from 'vitest';
import { EmfInvocationMetrics, SERVING_NAMESPACE } from '../../adapters/local/emfMetrics.ts';
import { NO_METRICS, UNROUTED } from '../../core/serving/invocationMetrics.ts';

describe('EMF invocation metrics', () => {
  it('writes one EMF document per variant with invocations, 4xx, 5xx and every latency', async () => {
    const documents: string[] = [];
    const metrics = new EmfInvocationMetrics({
      write: (d) => documents.push(d),
      endpoint: 'stockops-AMZN',
      flushIntervalMs: 0,
    });
    metrics.record({ variant: 'champion', model: 'last_close v2', status: 200, latencyMs: 1.5 });
    metrics.record({ variant: 'champion', model: 'last_close v2', status: 400, latencyMs: 0.5 });
    metrics.record({ variant: 'challenger', model: 'lstm v5', status: 500, latencyMs: 3 });
    metrics.record({ variant: UNROUTED, model: null, status: 400, latencyMs: 0.1 });
    await metrics.flush();
    const parsed = documents.map((d) => JSON.parse(d));
    expect(parsed.map((d) => d.Variant)).toEqual(['champion', 'challenger', 'none']);
    const champion = parsed[0];
    expect(champion).toMatchObject({
      Endpoint: 'stockops-AMZN',
      Variant: 'champion',
      Invocations: 2,
      Invocation4XXErrors: 1,
      Invocation5XXErrors: 0,
      Latency: [1.5, 0.5],
      Models: ['last_close v2'],
    });
    const [directive] = champion._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe(SERVING_NAMESPACE);
    expect(directive.Dimensions).toEqual([['Endpoint', 'Variant']]);
    expect(directive.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'Invocations', Unit: 'Count' },
        { Name: 'Latency', Unit: 'Milliseconds' },
      ]),
    );
    expect(typeof champion._aws.Timestamp).toBe('number');
    expect(parsed[1]).toMatchObject({ Invocation5XXErrors: 1, Latency: 3 });
    // flushed records are gone; an empty flush writes nothing
    documents.length = 0;
    await metrics.close();
    expect(documents).toEqual([]);
    await NO_METRICS.flush();
    NO_METRICS.record({ variant: 'x', model: null, status: 200, latencyMs: 1 });
  });

  it('flushes on its interval without keeping the process alive', async () => {
    vi.useFakeTimers();
    try {
      const documents: string[] = [];
      const metrics = new EmfInvocationMetrics({
        write: (d) => documents.push(d),
        endpoint: 'e',
        namespace: 'ns',
        flushIntervalMs: 1000,
      });
      metrics.record({ variant: 'champion', model: 'm', status: 200, latencyMs: 1 });
      await vi.advanceTimersByTimeAsync(1000);
      expect(documents).toHaveLength(1);
      expect(JSON.parse(documents[0] as string)._aws.CloudWatchMetrics[0].Namespace).toBe('ns');
      await metrics.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
