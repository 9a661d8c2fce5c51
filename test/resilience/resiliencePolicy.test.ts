import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AttemptTimeoutError,
  CircuitOpenError,
  type PolicyEvent,
  ResiliencePolicy,
  RetriesExhaustedError,
} from '../../adapters/resilience/resiliencePolicy.ts';
import { backoffBounds, type PolicySettings } from '../../core/resilience/policySettings.ts';

const SETTINGS: PolicySettings = {
  maxAttempts: 3,
  initialDelayMs: 100,
  maxDelayMs: 1000,
  attemptTimeoutMs: 5000,
  breakerFailures: 2,
  breakerHalfOpenMs: 30_000,
};

/** A failure the policy retries (as a 503 would be), and one it must not (a 400). */
class Transient extends Error {
  readonly retryable = true;
}
class Invalid extends Error {
  readonly retryable = false;
}

function policyUnderTest(settings: Partial<PolicySettings> = {}, random = () => 0.5) {
  const sleeps: number[] = [];
  const events: PolicyEvent[] = [];
  const policy = new ResiliencePolicy(
    'svc',
    { ...SETTINGS, ...settings },
    {
      isRetryable: (e) => (e as { retryable?: boolean }).retryable === true,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random,
      onEvent: (e) => events.push(e),
    },
  );
  return { policy, sleeps, events };
}

/** A target that answers from a script and counts its calls. */
function target(answers: (string | Error)[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fn: async () => {
      calls++;
      const next = answers.shift() ?? 'ok';
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('circuit breaker', () => {
  it('opens after the configured consecutive failures, refuses without calling, half-opens, closes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-11T22:30:00Z'));
    const { policy, events } = policyUnderTest();
    const t = target(Array.from({ length: 6 }, () => new Transient('HTTP 503')));
    for (let i = 0; i < 2; i++) {
      await expect(policy.execute(t.fn, { call: 'svc Get' })).rejects.toBeInstanceOf(
        RetriesExhaustedError,
      );
    }
    expect(t.calls).toBe(6);
    expect(policy.circuit).toBe('open');
    expect(events.filter((e) => e.type === 'circuit-open')).toHaveLength(1);

    // open: refused at once, the target is not called
    const refused = policy.execute(t.fn, { call: 'svc Get' });
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(refused).rejects.toThrow(
      'svc Get: not called, the circuit is open after 2 consecutive failed calls (it lets one call through after 30 s); last error: HTTP 503',
    );
    expect(t.calls).toBe(6);

    // still open one millisecond before the half-open time
    vi.setSystemTime(new Date(Date.parse('2024-03-11T22:30:30Z') - 1));
    await expect(policy.execute(t.fn)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(t.calls).toBe(6);

    // after it: one call goes through; success closes the circuit
    vi.setSystemTime(new Date('2024-03-11T22:30:30Z'));
    await expect(policy.execute(t.fn)).resolves.toBe('ok');
    expect(t.calls).toBe(7);
    expect(policy.circuit).toBe('closed');
    expect(events.map((e) => e.type).filter((e) => e.startsWith('circuit-'))).toEqual([
      'circuit-open',
      'circuit-half-open',
      'circuit-closed',
    ]);
    expect(policy.stats).toMatchObject({ calls: 5, failures: 4, circuitOpens: 1 });
  });

  it('opens again when the half-open call fails', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-11T22:30:00Z'));
    const { policy } = policyUnderTest({ maxAttempts: 1 });
    const t = target(Array.from({ length: 3 }, () => new Transient('HTTP 500')));
    await expect(policy.execute(t.fn)).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(policy.execute(t.fn)).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(policy.circuit).toBe('open');
    vi.setSystemTime(new Date('2024-03-11T22:31:00Z'));
    await expect(policy.execute(t.fn)).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(t.calls).toBe(3);
    expect(policy.circuit).toBe('open');
    // the new open period starts at the failed probe
    vi.setSystemTime(new Date('2024-03-11T22:31:29Z'));
    await expect(policy.execute(t.fn)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(t.calls).toBe(3);
    expect(policy.stats.circuitOpens).toBe(2);
  });

  it('is not opened by errors that are not retryable', async () => {
    const { policy } = policyUnderTest({ breakerFailures: 1 });
    const t = target([new Invalid('HTTP 400'), new Invalid('HTTP 400'), 'ok']);
    await expect(policy.execute(t.fn)).rejects.toThrow('HTTP 400');
    await expect(policy.execute(t.fn)).rejects.toThrow('HTTP 400');
    expect(policy.circuit).toBe('closed');
    await expect(policy.execute(t.fn)).resolves.toBe('ok');
  });
});

describe('retries', () => {
  it('retries retryable failures with backoff and jitter, each delay within its bounds', async () => {
    const draws = [0, 0.999, 0.25, 0.75];
    const { policy, sleeps, events } = policyUnderTest(
      { maxAttempts: 5, breakerFailures: 10 },
      () => draws.shift() ?? 0.5,
    );
    const t = target([
      new Transient('a'),
      new Transient('b'),
      new Transient('c'),
      new Transient('d'),
    ]);
    await expect(policy.execute(t.fn)).resolves.toBe('ok');
    expect(t.calls).toBe(5);
    expect(sleeps).toHaveLength(4);
    sleeps.forEach((ms, i) => {
      const [low, high] = backoffBounds(i + 1, SETTINGS);
      expect(ms).toBeGreaterThanOrEqual(low);
      expect(ms).toBeLessThanOrEqual(high);
    });
    expect(sleeps).toEqual([50, 200, 250, 700]);
    expect(
      events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.error),
    ).toEqual(['a', 'b', 'c', 'd']);
  });

  it('honours a Retry-After on the error, up to the cap', async () => {
    const { policy, sleeps } = policyUnderTest();
    const t = target([Object.assign(new Transient('429'), { retryAfterMs: 900 }), 'ok']);
    await policy.execute(t.fn);
    expect(sleeps).toEqual([900]);
  });

  it('stops after max attempts with the last error as the cause', async () => {
    const { policy, events } = policyUnderTest();
    const t = target([new Transient('x'), new Transient('y'), new Transient('z')]);
    const error = await policy.execute(t.fn, { call: 'svc Put' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toBe('svc Put: gave up after 3 attempts: z');
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect(((error as Error).cause as Error).message).toBe('z');
    expect(events.at(-1)).toMatchObject({ type: 'gave-up', call: 'svc Put', attempts: 3 });
  });

  it('does not retry an error that is not retryable (a 4xx validation error)', async () => {
    const { policy, sleeps } = policyUnderTest();
    const invalid = new Invalid('ValidationException: bad name');
    const t = target([invalid]);
    await expect(policy.execute(t.fn)).rejects.toBe(invalid);
    expect(t.calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('takes per-call overrides of attempts', async () => {
    const { policy } = policyUnderTest();
    const t = target([
      new Transient('1'),
      new Transient('2'),
      new Transient('3'),
      new Transient('4'),
    ]);
    await expect(policy.execute(t.fn, { override: { maxAttempts: 5 } })).resolves.toBe('ok');
    expect(t.calls).toBe(5);
  });
});

describe('per-attempt timeout', () => {
  it('aborts an attempt that takes too long, retries it, and reports the timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { policy } = policyUnderTest({ attemptTimeoutMs: 1000 });
    const signals: AbortSignal[] = [];
    let calls = 0;
    const slowThenFast = ({ signal }: { signal: AbortSignal }) => {
      calls++;
      signals.push(signal);
      if (calls === 1) return new Promise<string>(() => {}); // never answers
      return Promise.resolve('ok');
    };
    const result = policy.execute(slowThenFast);
    // the attempt and its timer start some microtasks into execute; the clock stands still until then
    for (let i = 0; i < 100 && calls === 0; i++) await Promise.resolve();
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toBe(1);
    expect(signals[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    await expect(result).resolves.toBe('ok');
    expect(signals[0]?.aborted).toBe(true);
    expect(calls).toBe(2);
  });

  it('gives up with a timeout as the cause when every attempt times out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { policy } = policyUnderTest({ attemptTimeoutMs: 200, maxAttempts: 2 });
    const result = policy
      .execute(() => new Promise<string>(() => {}), { call: 'svc Slow' })
      .catch((e: unknown) => e);
    for (let i = 0; i < 4; i++) await vi.advanceTimersByTimeAsync(201);
    const error = (await result) as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.cause).toBeInstanceOf(AttemptTimeoutError);
    expect(error.message).toBe(
      'svc Slow: gave up after 2 attempts: svc Slow: no complete answer within 200 ms',
    );
  });

  it('takes a per-call timeout override', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { policy } = policyUnderTest({ attemptTimeoutMs: 200, maxAttempts: 1 });
    let done = false;
    const result = policy.execute(
      () =>
        new Promise<string>((ok) =>
          setTimeout(() => {
            done = true;
            ok('late but allowed');
          }, 500),
        ),
      { override: { attemptTimeoutMs: 1000 } },
    );
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(500);
    await expect(result).resolves.toBe('late but allowed');
    expect(done).toBe(true);
  });
});
