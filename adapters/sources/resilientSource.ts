import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  ConstantBackoff,
  circuitBreaker,
  handleWhen,
  type RetryPolicy,
  retry,
  TaskCancelledError,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import type { CheckedFetch } from '../../core/ingest/ingestChunk.ts';
import { backoffDelayMs, type RetrySettings } from '../../core/ingest/retryPolicy.ts';
import type { IsoDate } from '../../core/market/isoDate.ts';
import {
  type PriceSource,
  type SourceFetch,
  SourceUnavailableError,
} from '../../core/ports/priceSource.ts';

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
  readonly settings: RetrySettings;
  /** Waits between retries; injected so tests never wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** [0, 1) for the backoff jitter; injected so tests are exact. */
  readonly random?: () => number;
  readonly onEvent?: (event: ResilienceEvent) => void;
}

/** Counters since the source was built (a Lambda keeps one per warm container). */
export interface ResilienceStats {
  fetches: number;
  attempts: number;
  retries: number;
  failures: number;
  circuitOpens: number;
  /** Time spent in fetches, waits between retries included, ms. */
  fetchMs: number;
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
  if (error instanceof TaskCancelledError) return true;
  return (error as { transient?: unknown } | undefined)?.transient === true;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A price source behind cockatiel policies: a circuit breaker around retries with exponential
 * backoff and equal jitter, around a per-attempt timeout (aggressive: it also aborts the
 * request). Only transient failures are retried or counted by the breaker; an unknown
 * symbol fails at once. The waits go through the injected `sleep` (cockatiel's own backoff
 * is zero), so tests run retries without waiting. `Retry-After` from a 429 is honoured up
 * to `maxDelayMs`.
 */
export class ResilientPriceSource implements PriceSource {
  readonly name: string;
  readonly stats: ResilienceStats = {
    fetches: 0,
    attempts: 0,
    retries: 0,
    failures: 0,
    circuitOpens: 0,
    fetchMs: 0,
  };
  private readonly inner: AbortablePriceSource;
  private readonly settings: RetrySettings;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly listeners = new Set<(event: ResilienceEvent) => void>();
  private readonly breaker: CircuitBreakerPolicy;
  private readonly retry: RetryPolicy;
  private readonly timeout: TimeoutPolicy;

  constructor(inner: AbortablePriceSource, options: ResilientSourceOptions) {
    this.inner = inner;
    this.name = inner.name;
    this.settings = options.settings;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    if (options.onEvent) this.listeners.add(options.onEvent);
    const transient = handleWhen(isTransient);
    this.breaker = circuitBreaker(transient, {
      halfOpenAfter: this.settings.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(this.settings.breakerFailures),
    });
    this.breaker.onBreak((reason) => {
      this.stats.circuitOpens++;
      const error = 'error' in reason ? (reason.error as Error).message : 'isolated';
      this.onEvent({ type: 'circuit-open', error });
    });
    this.breaker.onHalfOpen(() => this.onEvent({ type: 'circuit-half-open' }));
    this.breaker.onReset(() => this.onEvent({ type: 'circuit-closed' }));
    this.retry = retry(transient, {
      maxAttempts: this.settings.maxAttempts - 1,
      backoff: new ConstantBackoff(0),
    });
    this.retry.onRetry(() => {
      this.stats.retries++;
    });
    this.timeout = timeout(this.settings.attemptTimeoutMs, TimeoutStrategy.Aggressive);
  }

  /** Adds a listener (a handler's per-invocation log); returns what removes it. */
  listen(listener: (event: ResilienceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private onEvent(event: ResilienceEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  fetchDaily(symbol: string, from: IsoDate, to: IsoDate): Promise<SourceFetch> {
    return this.fetchChecked(symbol, from, to, () => undefined);
  }

  /** Fetches until `check` accepts the answer, retrying transient failures; see CheckedFetch. */
  readonly fetchChecked: CheckedFetch = async (symbol, from, to, check) => {
    this.stats.fetches++;
    const t0 = performance.now();
    let attempts = 0;
    let last: unknown;
    try {
      return await this.breaker.execute(() =>
        this.retry.execute(async ({ attempt }) => {
          if (attempt > 0) {
            const retryAfter = (last as { retryAfterMs?: number } | undefined)?.retryAfterMs;
            const delayMs = backoffDelayMs(attempt, this.settings, this.random, retryAfter);
            this.onEvent({
              type: 'retry',
              symbol,
              attempt,
              delayMs,
              error: (last as Error).message,
            });
            await this.sleep(delayMs);
          }
          attempts++;
          this.stats.attempts++;
          try {
            return await this.timeout.execute(async ({ signal }) => {
              const fetched = await this.inner.fetchDaily(symbol, from, to, signal);
              const problem = check(fetched);
              if (problem !== undefined) throw new IncompleteAnswerError(problem);
              return fetched;
            });
          } catch (error) {
            last =
              error instanceof TaskCancelledError
                ? Object.assign(error, {
                    message: `${this.name} ${symbol}: no complete answer within ${this.settings.attemptTimeoutMs} ms`,
                  })
                : error;
            throw last;
          }
        }),
      );
    } catch (error) {
      this.stats.failures++;
      throw this.explain(error, symbol, from, to, attempts);
    } finally {
      this.stats.fetchMs += performance.now() - t0;
    }
  };

  private explain(error: unknown, symbol: string, from: IsoDate, to: IsoDate, attempts: number) {
    const what = `${this.name} ${symbol} ${from}..${to}`;
    if (error instanceof BrokenCircuitError) {
      const last = this.breaker.lastFailure;
      const why = last && 'error' in last ? `; last error: ${(last.error as Error).message}` : '';
      return new SourceRetriesExhaustedError(
        `${what}: not called, the circuit is open after ${this.settings.breakerFailures} ` +
          `consecutive failed fetches (it lets one call through after ` +
          `${this.settings.breakerHalfOpenMs / 1000} s)${why}`,
        0,
        error,
      );
    }
    const message = (error as Error).message;
    if (!isTransient(error)) return error as Error;
    this.onEvent({ type: 'gave-up', symbol, attempts, error: message });
    return new SourceRetriesExhaustedError(
      `${what}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${message}`,
      attempts,
      error,
    );
  }
}
