import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ConstantBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import {
  backoffDelayMs,
  type CallOverride,
  callSettings,
  type PolicySettings,
} from '../../core/resilience/policySettings.ts';

/** What a policy reports as it goes, for logs and metrics. `call` names the call (`s3 GetObject`). */
export type PolicyEvent =
  | {
      readonly type: 'retry';
      readonly policy: string;
      readonly call: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: string;
    }
  | {
      readonly type: 'gave-up';
      readonly policy: string;
      readonly call: string;
      readonly attempts: number;
      readonly error: string;
    }
  | { readonly type: 'circuit-open'; readonly policy: string; readonly error: string }
  | { readonly type: 'circuit-half-open'; readonly policy: string }
  | { readonly type: 'circuit-closed'; readonly policy: string };

/** Counters since the policy was built (a Lambda keeps one per warm container). */
export interface PolicyStats {
  calls: number;
  attempts: number;
  retries: number;
  /** Calls that failed, after their retries or refused by the open circuit. */
  failures: number;
  circuitOpens: number;
  /** Time spent in calls, waits between retries included, ms. */
  callMs: number;
}

export interface PolicyOptions {
  /** Worth another attempt (throttling, 5xx, network); anything else fails at once. */
  readonly isRetryable: (error: unknown) => boolean;
  /** Waits between retries; injected so tests never wait. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** [0, 1) for the backoff jitter; injected so tests are exact. */
  readonly random?: () => number;
  readonly onEvent?: (event: PolicyEvent) => void;
}

export interface CallOptions {
  /** Names the call in messages and events: `s3 PutObject`, `yahoo AMZN 2024-03-11..2024-03-15`. */
  readonly call?: string;
  /** This call's own retry and timeout numbers; the breaker stays the policy's. */
  readonly override?: CallOverride;
  /** Events of this call only (retry, gave-up), besides the policy's listeners. */
  readonly onEvent?: (event: PolicyEvent) => void;
}

/** What an attempt gets: its number (0 = first) and a signal aborted at the attempt timeout. */
export interface AttemptContext {
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** One attempt took longer than the policy allows; always retryable. */
export class AttemptTimeoutError extends Error {
  readonly transient = true;
  readonly timeoutMs: number;
  constructor(call: string, timeoutMs: number, cause: unknown) {
    super(`${call}: no complete answer within ${timeoutMs} ms`, { cause });
    this.name = 'AttemptTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Retries ran out on a retryable failure; `cause` is the last error. */
export class RetriesExhaustedError extends Error {
  readonly policy: string;
  readonly attempts: number;
  constructor(policy: string, call: string, attempts: number, cause: unknown) {
    super(
      `${call}: gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${messageOf(cause)}`,
      { cause },
    );
    this.name = 'RetriesExhaustedError';
    this.policy = policy;
    this.attempts = attempts;
  }
}

/** The circuit is open: the call was refused without reaching the service. */
export class CircuitOpenError extends Error {
  readonly policy: string;
  constructor(policy: string, call: string, settings: PolicySettings, lastError: unknown) {
    const why = lastError === undefined ? '' : `; last error: ${messageOf(lastError)}`;
    super(
      `${call}: not called, the circuit is open after ${settings.breakerFailures} consecutive ` +
        `failed calls (it lets one call through after ${settings.breakerHalfOpenMs / 1000} s)${why}`,
    );
    this.name = 'CircuitOpenError';
    this.policy = policy;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One named resilience policy (cockatiel): a consecutive-failure circuit breaker around retries
 * with exponential backoff and equal jitter, around a per-attempt timeout (aggressive: the
 * attempt's signal is aborted, so a request in flight is cancelled). Only retryable failures
 * are retried or counted by the breaker; a validation error fails at once and leaves the
 * breaker alone. The waits go through the injected `sleep` (cockatiel's own backoff is zero),
 * so tests run retries without waiting; `retryAfterMs` on an error (a 429's Retry-After) is
 * honoured up to `maxDelayMs`. The breaker reads `Date.now()`, so tests move it with fake timers.
 */
export class ResiliencePolicy {
  readonly name: string;
  readonly settings: PolicySettings;
  readonly stats: PolicyStats = {
    calls: 0,
    attempts: 0,
    retries: 0,
    failures: 0,
    circuitOpens: 0,
    callMs: 0,
  };
  private readonly isRetryable: (error: unknown) => boolean;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly listeners = new Set<(event: PolicyEvent) => void>();
  private readonly breaker: CircuitBreakerPolicy;

  constructor(name: string, settings: PolicySettings, options: PolicyOptions) {
    this.name = name;
    this.settings = callSettings(`resilience.${name}`, settings);
    this.isRetryable = options.isRetryable;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    if (options.onEvent) this.listeners.add(options.onEvent);
    this.breaker = circuitBreaker(
      handleWhen((e) => this.retryable(e)),
      {
        halfOpenAfter: this.settings.breakerHalfOpenMs,
        breaker: new ConsecutiveBreaker(this.settings.breakerFailures),
      },
    );
    this.breaker.onBreak((reason) => {
      this.stats.circuitOpens++;
      const error = 'error' in reason ? messageOf(reason.error) : 'isolated';
      this.emit({ type: 'circuit-open', policy: name, error });
    });
    this.breaker.onHalfOpen(() => this.emit({ type: 'circuit-half-open', policy: name }));
    this.breaker.onReset(() => this.emit({ type: 'circuit-closed', policy: name }));
  }

  /** `closed`, `open` or `half-open`. */
  get circuit(): 'closed' | 'open' | 'half-open' {
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return 'closed';
    return state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  /** Adds a listener (a handler's per-invocation log); returns what removes it. */
  listen(listener: (event: PolicyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(event: PolicyEvent, own?: (event: PolicyEvent) => void): void {
    own?.(event);
    for (const listener of this.listeners) listener(event);
  }

  private retryable(error: unknown): boolean {
    return error instanceof AttemptTimeoutError || this.isRetryable(error);
  }

  /**
   * Runs `fn` under the policy. Throws the error of a non-retryable failure unchanged,
   * RetriesExhaustedError when retries ran out (its cause is the last error), and
   * CircuitOpenError when the circuit refused the call.
   */
  async execute<T>(
    fn: (context: AttemptContext) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const call = options.call ?? this.name;
    const s = callSettings(`resilience.${this.name} (${call})`, this.settings, options.override);
    const retries = retry(
      handleWhen((e) => this.retryable(e)),
      { maxAttempts: s.maxAttempts - 1, backoff: new ConstantBackoff(0) },
    );
    // abortOnReturn off: an SDK call returns before its body is read (GetObject streams it),
    // and aborting the signal then would cut the stream; the timer is cleared either way
    const perAttempt = timeout(s.attemptTimeoutMs, {
      strategy: TimeoutStrategy.Aggressive,
      abortOnReturn: false,
    });
    this.stats.calls++;
    const t0 = performance.now();
    let attempts = 0;
    let last: unknown;
    try {
      return await this.breaker.execute(() =>
        retries.execute(async ({ attempt }) => {
          if (attempt > 0) {
            this.stats.retries++;
            const retryAfter = (last as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
            const delayMs = backoffDelayMs(
              attempt,
              s,
              this.random,
              typeof retryAfter === 'number' ? retryAfter : undefined,
            );
            this.emit(
              {
                type: 'retry',
                policy: this.name,
                call,
                attempt,
                delayMs,
                error: messageOf(last),
              },
              options.onEvent,
            );
            await this.sleep(delayMs);
          }
          attempts++;
          this.stats.attempts++;
          try {
            return await perAttempt.execute(({ signal }) => fn({ attempt, signal }));
          } catch (error) {
            last =
              error instanceof TaskCancelledError
                ? new AttemptTimeoutError(call, s.attemptTimeoutMs, error)
                : error;
            throw last;
          }
        }),
      );
    } catch (error) {
      this.stats.failures++;
      if (error instanceof BrokenCircuitError) {
        const lastFailure = this.breaker.lastFailure;
        throw new CircuitOpenError(
          this.name,
          call,
          this.settings,
          lastFailure && 'error' in lastFailure ? lastFailure.error : undefined,
        );
      }
      if (!this.retryable(error)) throw error;
      this.emit(
        { type: 'gave-up', policy: this.name, call, attempts, error: messageOf(error) },
        options.onEvent,
      );
      throw new RetriesExhaustedError(this.name, call, attempts, error);
    } finally {
      this.stats.callMs += performance.now() - t0;
    }
  }
}
