import type { CheckedFetch } from '../../core/ingest/ingestChunk.ts';
import type { IsoDate } from '../../core/market/isoDate.ts';
import {
  type PriceSource,
  type SourceFetch,
  SourceUnavailableError,
} from '../../core/ports/priceSource.ts';
import type { PolicySettings } from '../../core/resilience/policySettings.ts';
import {
  AttemptTimeoutError,
  CircuitOpenError,
  type PolicyEvent,
  ResiliencePolicy,
  RetriesExhaustedError,
} from '../resilience/resiliencePolicy.ts';

/** A source whose requests can be aborted (the Yahoo source); others ignore the signal. */
export interface AbortablePriceSource extends PriceSource {
  fetchDaily(
    symbol: string,
    from: IsoDate,
    to: IsoDate,
    signal?: AbortSignal,
  ): Promise<SourceFetch>;
}

/** What the resilient source reports as it goes, for logs and metrics. */
export type ResilienceEvent =
  | {
      readonly type: 'retry';
      readonly symbol: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: string;
    }
  | {
      readonly type: 'gave-up';
      readonly symbol: string;
      readonly attempts: number;
      readonly error: string;
    }
  | { readonly type: 'circuit-open'; readonly error: string }
  | { readonly type: 'circuit-half-open' }
  | { readonly type: 'circuit-closed' };

export interface ResilientSourceOptions {
  /** The `yahoo` policy's settings (config resilience.yahoo). */
  readonly settings: PolicySettings;
  /** Waits between retries; injected so tests never wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** [0, 1) for the backoff jitter; injected so tests are exact. */
  readonly random?: () => number;
  readonly onEvent?: (event: ResilienceEvent) => void;
}

/** Counters since the source was built (a Lambda keeps one per warm container). */
export interface ResilienceStats {
  readonly fetches: number;
  readonly attempts: number;
  readonly retries: number;
  readonly failures: number;
  readonly circuitOpens: number;
  /** Time spent in fetches, waits between retries included, ms. */
  readonly fetchMs: number;
}

/** An answer that arrived but cannot be used yet (null bars, a missing session): retried. */
export class IncompleteAnswerError extends Error {
  readonly transient = true;
  constructor(message: string) {
    super(message);
    this.name = 'IncompleteAnswerError';
  }
}

/** Retries ran out, or the circuit is open: the message has the last error and what happens next. */
export class SourceRetriesExhaustedError extends SourceUnavailableError {
  readonly attempts: number;
  constructor(message: string, attempts: number, cause: unknown) {
    super(message, { cause });
    this.name = 'SourceRetriesExhaustedError';
    this.attempts = attempts;
  }
}

/** Worth another attempt: 429/5xx, network and timeouts, truncated or incomplete answers. */
export function isTransient(error: unknown): boolean {
  if (error instanceof AttemptTimeoutError) return true;
  return (error as { transient?: unknown } | undefined)?.transient === true;
}

/** A policy event in the source's own terms (it names the symbol). */
function sourceEvent(event: PolicyEvent, symbol: string): ResilienceEvent {
  switch (event.type) {
    case 'retry':
      return {
        type: 'retry',
        symbol,
        attempt: event.attempt,
        delayMs: event.delayMs,
        error: event.error,
      };
    case 'gave-up':
      return { type: 'gave-up', symbol, attempts: event.attempts, error: event.error };
    case 'circuit-open':
      return { type: 'circuit-open', error: event.error };
    default:
      return { type: event.type };
  }
}

/**
 * A price source behind the `yahoo` resilience policy (adapters/resilience): a circuit breaker
 * around retries with exponential backoff and equal jitter, around a per-attempt timeout that
 * also aborts the request. An answer `check` rejects (null bars, a missing session) counts as a
 * transient failure and is fetched again; an unknown symbol fails at once.
 */
export class ResilientPriceSource implements PriceSource {
  readonly name: string;
  readonly policy: ResiliencePolicy;
  private readonly inner: AbortablePriceSource;
  private readonly listeners = new Set<(event: ResilienceEvent) => void>();

  constructor(inner: AbortablePriceSource, options: ResilientSourceOptions) {
    this.inner = inner;
    this.name = inner.name;
    if (options.onEvent) this.listeners.add(options.onEvent);
    this.policy = new ResiliencePolicy('yahoo', options.settings, {
      isRetryable: isTransient,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    // circuit events belong to no one call
    this.policy.listen((event) => {
      if (event.type.startsWith('circuit-')) this.emit(sourceEvent(event, ''));
    });
  }

  get settings(): PolicySettings {
    return this.policy.settings;
  }

  get stats(): ResilienceStats {
    const s = this.policy.stats;
    return {
      fetches: s.calls,
      attempts: s.attempts,
      retries: s.retries,
      failures: s.failures,
      circuitOpens: s.circuitOpens,
      fetchMs: s.callMs,
    };
  }

  /** Adds a listener (a handler's per-invocation log); returns what removes it. */
  listen(listener: (event: ResilienceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(event: ResilienceEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  fetchDaily(symbol: string, from: IsoDate, to: IsoDate): Promise<SourceFetch> {
    return this.fetchChecked(symbol, from, to, () => undefined);
  }

  /** Fetches until `check` accepts the answer, retrying transient failures; see CheckedFetch. */
  readonly fetchChecked: CheckedFetch = async (symbol, from, to, check) => {
    try {
      return await this.policy.execute(
        async ({ signal }) => {
          const fetched = await this.inner.fetchDaily(symbol, from, to, signal);
          const problem = check(fetched);
          if (problem !== undefined) throw new IncompleteAnswerError(problem);
          return fetched;
        },
        {
          call: `${this.name} ${symbol} ${from}..${to}`,
          onEvent: (event) => this.emit(sourceEvent(event, symbol)),
        },
      );
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        throw new SourceRetriesExhaustedError(error.message, 0, error);
      }
      if (error instanceof RetriesExhaustedError) {
        throw new SourceRetriesExhaustedError(error.message, error.attempts, error.cause);
      }
      throw error;
    }
  };
}
