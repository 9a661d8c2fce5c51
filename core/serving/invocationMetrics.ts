/** One answered /invocations request, as the server reports it. */
export interface InvocationRecord {
  /** The variant that answered; UNROUTED when the request was refused before routing. */
  readonly variant: string;
  /** The variant's model, e.g. `last_close v2`; null when unrouted. */
  readonly model: string | null;
  readonly status: number;
  /** From the request's arrival to its response being handed to the socket. */
  readonly latencyMs: number;
}

/** The variant of a request refused before one was chosen (e.g. an unknown target variant). */
export const UNROUTED = 'none';

/**
 * Where the server reports invocations: per-variant invocations, latency and errors. `record`
 * is called on the request path, so it only buffers; `flush` writes what was buffered (CloudWatch
 * EMF in adapters/local/emfMetrics.ts).
 */
export interface InvocationMetrics {
  record(invocation: InvocationRecord): void;
  flush(): Promise<void>;
}

/** For callers that do not want metrics. */
export const NO_METRICS: InvocationMetrics = {
  record() {},
  async flush() {},
};
