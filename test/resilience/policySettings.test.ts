import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import {
  allPolicies,
  backoffBounds,
  backoffDelayMs,
  callSettings,
  DEFAULT_POLICIES,
  POLICY_NAMES,
  policySettings,
  ResilienceConfigError,
} from '../../core/resilience/policySettings.ts';

describe('policy settings', () => {
  it('has a default for every named policy, the same as config/base.yaml', () => {
    const { config } = loadConfig({ dir: 'config', env: 'local' });
    expect(Object.keys(config.resilience ?? {}).sort()).toEqual([...POLICY_NAMES].sort());
    expect(allPolicies(config.resilience)).toEqual(DEFAULT_POLICIES);
  });

  it('overlays config keys on the defaults, policy by policy', () => {
    const s3 = policySettings('s3', { s3: { max_attempts: 6, attempt_timeout_ms: 120_000 } });
    expect(s3).toEqual({ ...DEFAULT_POLICIES.s3, maxAttempts: 6, attemptTimeoutMs: 120_000 });
    expect(policySettings('sns', { s3: { max_attempts: 6 } })).toEqual(DEFAULT_POLICIES.sns);
  });

  it('names the key that cannot be used', () => {
    expect(() => policySettings('yahoo', { yahoo: { max_attempts: 1.5 } })).toThrow(
      /resilience\.yahoo\.max_attempts must be an integer >= 1 \(got 1\.5\)/,
    );
    expect(() =>
      policySettings('s3', { s3: { initial_delay_ms: 500, max_delay_ms: 100 } }),
    ).toThrow(/resilience\.s3\.max_delay_ms \(100\) must be >= initial_delay_ms \(500\)/);
    expect(() => policySettings('s3', { dynamo: {} } as never)).toThrow(ResilienceConfigError);
    expect(() => policySettings('s3', { s3: { retries: 2 } } as never)).toThrow(
      /resilience\.s3\.retries: unknown setting/,
    );
  });

  it('lets one call override retries and timeout, checked the same way', () => {
    const s = callSettings('resilience.s3', DEFAULT_POLICIES.s3, { attemptTimeoutMs: 90_000 });
    expect(s.attemptTimeoutMs).toBe(90_000);
    expect(s.breakerFailures).toBe(DEFAULT_POLICIES.s3.breakerFailures);
    expect(() =>
      callSettings('resilience.s3 (s3 PutObject)', DEFAULT_POLICIES.s3, { maxDelayMs: 1 }),
    ).toThrow(/resilience\.s3 \(s3 PutObject\)\.max_delay_ms \(1\) must be >= initial_delay_ms/);
  });
});

describe('backoff with equal jitter', () => {
  const s = { initialDelayMs: 100, maxDelayMs: 1000 };

  it('doubles the ceiling per retry, with equal jitter, capped', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, s, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3].map((n) => backoffDelayMs(n, s, () => 0.999999))).toEqual([100, 200, 400]);
  });

  it('draws every delay within [ceiling/2, ceiling]', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    for (let retry = 1; retry <= 8; retry++) {
      const [low, high] = backoffBounds(retry, s);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelayMs(retry, s, random);
        expect(d).toBeGreaterThanOrEqual(low);
        expect(d).toBeLessThanOrEqual(high);
      }
    }
    expect(backoffBounds(8, s)).toEqual([500, 1000]);
  });

  it('waits at least what Retry-After asks, but never past the cap', () => {
    expect(backoffDelayMs(1, s, () => 0, 700)).toBe(700);
    expect(backoffDelayMs(1, s, () => 0, 60_000)).toBe(1000);
  });
});
