/**
 * How fetches from a price source are retried: exponential backoff with jitter, a per-attempt
 * timeout and a circuit breaker. The numbers live here (pure); the policy that applies them is
 * `adapters/sources/resilientSource.ts` (cockatiel).
 */
export interface RetrySettings {
  /** Attempts per fetch, the first one included (1 = no retry). */
  readonly maxAttempts: number;
  /** Backoff before the first retry; each later retry doubles it. */
  readonly initialDelayMs: number;
  /** No wait is longer than this, whatever the backoff or a Retry-After header says. */
  readonly maxDelayMs: number;
  /** One attempt (request and body) is abandoned after this long. */
  readonly attemptTimeoutMs: number;
  /** Consecutive failed fetches (each after its retries) that open the circuit. */
  readonly breakerFailures: number;
  /** How long an open circuit refuses calls before it lets one through to test the source. */
  readonly breakerHalfOpenMs: number;
}

/**
 * Sized for the ingest Lambda's 120 s timeout: at worst 4 attempts × 15 s plus ≤ 7 s of
 * backoff. A 429 burst gets 0.5–1 s, 1–2 s, 2–4 s of spacing.
 */
export const DEFAULT_RETRY_SETTINGS: RetrySettings = {
  maxAttempts: 4,
  initialDelayMs: 1000,
  maxDelayMs: 20_000,
  attemptTimeoutMs: 15_000,
  breakerFailures: 3,
  breakerHalfOpenMs: 60_000,
};

/** The same settings as config keys (snake_case), all optional. */
export interface RetryConfig {
  readonly max_attempts?: number;
  readonly initial_delay_ms?: number;
  readonly max_delay_ms?: number;
  readonly attempt_timeout_ms?: number;
  readonly breaker_failures?: number;
  readonly breaker_half_open_ms?: number;
}

const KEYS: ReadonlyArray<readonly [keyof RetryConfig, keyof RetrySettings, number]> = [
  ['max_attempts', 'maxAttempts', 1],
  ['initial_delay_ms', 'initialDelayMs', 0],
  ['max_delay_ms', 'maxDelayMs', 0],
  ['attempt_timeout_ms', 'attemptTimeoutMs', 1],
  ['breaker_failures', 'breakerFailures', 1],
  ['breaker_half_open_ms', 'breakerHalfOpenMs', 0],
];

/** Defaults overlaid with config values; throws RangeError naming a key that cannot be used. */
export function retrySettings(
  config: RetryConfig = {},
  base: RetrySettings = DEFAULT_RETRY_SETTINGS,
): RetrySettings {
  const out: Record<keyof RetrySettings, number> = { ...base };
  for (const [configKey, key, min] of KEYS) {
    const value = config[configKey];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`retry ${configKey} must be an integer >= ${min} (got ${value})`);
    }
    out[key] = value;
  }
  if (out.maxDelayMs < out.initialDelayMs) {
    throw new RangeError(
      `retry max_delay_ms (${out.maxDelayMs}) must be >= initial_delay_ms (${out.initialDelayMs})`,
    );
  }
  return out;
}

/**
 * The wait before retry number `retry` (1 = the first retry): "equal jitter", a uniformly
 * random point in the upper half of `initialDelayMs × 2^(retry−1)`, so concurrent callers
 * spread out but no retry comes back at once. A Retry-After the source sent wins when longer.
 * Never above `maxDelayMs`. `random` returns [0, 1), injected so tests are exact.
 */
export function backoffDelayMs(
  retry: number,
  settings: RetrySettings,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(
    settings.maxDelayMs,
    settings.initialDelayMs * 2 ** Math.max(0, retry - 1),
  );
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const wanted = Math.max(jittered, retryAfterMs ?? 0);
  return Math.round(Math.min(settings.maxDelayMs, wanted));
}
