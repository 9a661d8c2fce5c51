/**
 * The numbers of every resilience policy: how often a call to the outside world (Yahoo, an AWS
 * service, GitHub) is retried, how long one attempt may take and when a circuit breaker stops
 * calling a failing service. Pure settings and their validation; the policy that applies them
 * is `adapters/resilience/resiliencePolicy.ts` (cockatiel). Config: the `resilience` section.
 */
export interface PolicySettings {
  /** Attempts per call, the first one included (1 = no retry). */
  readonly maxAttempts: number;
  /** Backoff before the first retry; each later retry doubles it. */
  readonly initialDelayMs: number;
  /** No wait is longer than this, whatever the backoff or a Retry-After header says. */
  readonly maxDelayMs: number;
  /** One attempt (request and answer) is abandoned after this long. */
  readonly attemptTimeoutMs: number;
  /** Consecutive failed calls (each after its retries) that open the circuit. */
  readonly breakerFailures: number;
  /** How long an open circuit refuses calls before it lets one through to test the service. */
  readonly breakerHalfOpenMs: number;
}

/** What one call may change (a long upload needs a longer attempt); the breaker is shared. */
export type CallOverride = Partial<
  Pick<PolicySettings, 'maxAttempts' | 'initialDelayMs' | 'maxDelayMs' | 'attemptTimeoutMs'>
>;

/** The named policies; each external service has its own, and so its own circuit breaker. */
export const POLICY_NAMES = [
  'yahoo',
  's3',
  'sagemaker',
  'mwaa',
  'sns',
  'secrets',
  'github',
  'cloudwatch_logs',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** The same settings as config keys (snake_case), all optional: defaults fill the rest. */
export interface PolicyConfig {
  readonly max_attempts?: number;
  readonly initial_delay_ms?: number;
  readonly max_delay_ms?: number;
  readonly attempt_timeout_ms?: number;
  readonly breaker_failures?: number;
  readonly breaker_half_open_ms?: number;
}

/** The `resilience` config section: one optional entry per policy. */
export type ResilienceConfig = { readonly [K in PolicyName]?: PolicyConfig };

/**
 * The defaults, the same numbers as config/base.yaml (a consumer without config, such as a
 * Lambda whose STOCKOPS_RESILIENCE is unset, gets these). Each worst case fits its caller:
 * yahoo 4 × 15 s + ≤ 7 s of backoff inside the ingest Lambda's 120 s; github 3 × 5 s + ≤ 3 s
 * inside the dispatch Lambda's 30 s; control-plane APIs (SageMaker, MWAA) throttle at a few
 * calls a second, so their backoff starts higher.
 */
export const DEFAULT_POLICIES: Readonly<Record<PolicyName, PolicySettings>> = {
  yahoo: policy(4, 1000, 20_000, 15_000, 3, 60_000),
  s3: policy(3, 200, 5000, 30_000, 5, 30_000),
  sagemaker: policy(4, 500, 10_000, 30_000, 5, 60_000),
  mwaa: policy(3, 1000, 10_000, 30_000, 3, 60_000),
  sns: policy(3, 200, 5000, 10_000, 5, 30_000),
  secrets: policy(3, 200, 5000, 10_000, 3, 30_000),
  github: policy(3, 1000, 4000, 5000, 3, 60_000),
  cloudwatch_logs: policy(3, 500, 5000, 10_000, 5, 30_000),
};

function policy(
  maxAttempts: number,
  initialDelayMs: number,
  maxDelayMs: number,
  attemptTimeoutMs: number,
  breakerFailures: number,
  breakerHalfOpenMs: number,
): PolicySettings {
  return {
    maxAttempts,
    initialDelayMs,
    maxDelayMs,
    attemptTimeoutMs,
    breakerFailures,
    breakerHalfOpenMs,
  };
}

const KEYS: ReadonlyArray<readonly [keyof PolicyConfig, keyof PolicySettings, number]> = [
  ['max_attempts', 'maxAttempts', 1],
  ['initial_delay_ms', 'initialDelayMs', 0],
  ['max_delay_ms', 'maxDelayMs', 0],
  ['attempt_timeout_ms', 'attemptTimeoutMs', 1],
  ['breaker_failures', 'breakerFailures', 1],
  ['breaker_half_open_ms', 'breakerHalfOpenMs', 0],
];

/** A policy setting that cannot be used; the message names `resilience.<policy>.<key>`. */
export class ResilienceConfigError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ResilienceConfigError';
  }
}

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/**
 * The settings of policy `name`: its defaults overlaid with `config[name]`. Throws
 * ResilienceConfigError naming the key (`resilience.s3.max_attempts`) that cannot be used;
 * unknown policy names and keys are errors too (a typo must not silently keep the default).
 */
export function policySettings(name: PolicyName, config: ResilienceConfig = {}): PolicySettings {
  for (const key of Object.keys(config)) {
    if (!isPolicyName(key)) {
      throw new ResilienceConfigError(
        `resilience.${key}: unknown policy (known: ${POLICY_NAMES.join(', ')})`,
      );
    }
  }
  return overlay(`resilience.${name}`, DEFAULT_POLICIES[name], config[name] ?? {});
}

/** `base` overlaid with snake_case `config`; `where` prefixes every error message. */
export function overlay(where: string, base: PolicySettings, config: PolicyConfig): PolicySettings {
  const known = new Set<string>(KEYS.map(([k]) => k));
  for (const key of Object.keys(config)) {
    if (!known.has(key)) {
      throw new ResilienceConfigError(
        `${where}.${key}: unknown setting (known: ${[...known].join(', ')})`,
      );
    }
  }
  const out: Record<keyof PolicySettings, number> = { ...base };
  for (const [configKey, key, min] of KEYS) {
    const value = config[configKey];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new ResilienceConfigError(
        `${where}.${configKey} must be an integer >= ${min} (got ${JSON.stringify(value)})`,
      );
    }
    out[key] = value;
  }
  return checked(where, out);
}

/** The settings of one call: the policy's, with the call's override applied and checked. */
export function callSettings(
  where: string,
  settings: PolicySettings,
  override: CallOverride = {},
): PolicySettings {
  return checked(where, { ...settings, ...override });
}

function checked(where: string, s: PolicySettings): PolicySettings {
  if (s.maxDelayMs < s.initialDelayMs) {
    throw new ResilienceConfigError(
      `${where}.max_delay_ms (${s.maxDelayMs}) must be >= initial_delay_ms (${s.initialDelayMs})`,
    );
  }
  return s;
}

/** Every policy's settings from a `resilience` section (what a Lambda gets as JSON). */
export function allPolicies(config: ResilienceConfig = {}): Record<PolicyName, PolicySettings> {
  return Object.fromEntries(POLICY_NAMES.map((n) => [n, policySettings(n, config)])) as Record<
    PolicyName,
    PolicySettings
  >;
}

/**
 * The wait before retry number `retry` (1 = the first retry): "equal jitter", a uniformly
 * random point in the upper half of `initialDelayMs × 2^(retry−1)`, so concurrent callers
 * spread out but no retry comes back at once. A Retry-After the service sent wins when longer.
 * Never above `maxDelayMs`. `random` returns [0, 1), injected so tests are exact.
 */
export function backoffDelayMs(
  retry: number,
  settings: Pick<PolicySettings, 'initialDelayMs' | 'maxDelayMs'>,
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

/** The bounds `backoffDelayMs` draws from for retry `retry` without a Retry-After: [low, high]. */
export function backoffBounds(
  retry: number,
  settings: Pick<PolicySettings, 'initialDelayMs' | 'maxDelayMs'>,
): readonly [number, number] {
  const ceiling = Math.min(
    settings.maxDelayMs,
    settings.initialDelayMs * 2 ** Math.max(0, retry - 1),
  );
  return [Math.round(ceiling / 2), Math.round(ceiling)];
}
