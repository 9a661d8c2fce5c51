import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  IncompleteAnswerError,
  type ResilienceEvent,
  ResilientPriceSource,
  SourceRetriesExhaustedError,
} from '../../adapters/sources/resilientSource.ts';
import { YahooPriceSource, YahooSourceError } from '../../adapters/sources/yahooSource.ts';
import type { IsoDate } from '../../core/market/isoDate.ts';
import type { SourceFetch } from '../../core/ports/priceSource.ts';
import { policySettings } from '../../core/resilience/policySettings.ts';
import { type FaultyYahoo, startFaultyYahoo } from '../support/faultyYahoo.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

const settings = policySettings('yahoo', {
  yahoo: {
    max_attempts: 4,
    initial_delay_ms: 100,
    max_delay_ms: 2000,
    attempt_timeout_ms: 5000,
    breaker_failures: 2,
    breaker_half_open_ms: 60_000,
  },
});

/** A source that answers from a script: an Error is thrown, anything else returned. */
function scripted(answers: (SourceFetch | Error)[]) {
  const calls: IsoDate[][] = [];
  return {
    calls,
    source: {
      name: 'scripted',
      async fetchDaily(symbol: string, from: IsoDate, to: IsoDate): Promise<SourceFetch> {
        calls.push([from, to]);
        const next = answers.shift() ?? { symbol, bars: [], raw: [], dropped: [] };
        if (next instanceof Error) throw next;
        return next;
      },
    },
  };
}

const transient = (status: number, retryAfterMs?: number) =>
  new YahooSourceError(`Yahoo answered HTTP ${status}`, {
    transient: true,
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
const ok: SourceFetch = { symbol: 'A', bars: syntheticBars(1, '2024-03-11'), raw: [], dropped: [] };

function resilient(inner: ReturnType<typeof scripted>['source'], random = () => 0.5) {
  const sleeps: number[] = [];
  const events: ResilienceEvent[] = [];
  const source = new ResilientPriceSource(inner, {
    settings,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random,
    onEvent: (e) => events.push(e),
  });
  return { source, sleeps, events };
}

describe('resilient source: retries', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries transient failures with exponential backoff and jitter, without waiting', async () => {
    const s = scripted([transient(500), transient(503), transient(500), ok]);
    const { source, sleeps, events } = resilient(s.source);
    await expect(source.fetchDaily('A', '2024-03-11', '2024-03-11')).resolves.toBe(ok);
    // ceilings 100, 200, 400 ms; random 0.5 → 3/4 of each
    expect(sleeps).toEqual([75, 150, 300]);
    expect(s.calls).toHaveLength(4);
    expect(source.stats).toMatchObject({ fetches: 1, attempts: 4, retries: 3, failures: 0 });
    expect(
      events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.attempt),
    ).toEqual([1, 2, 3]);
  });

  it("honours a 429's Retry-After (up to the cap)", async () => {
    const s = scripted([transient(429, 1500), transient(429, 60_000), ok]);
    const { source, sleeps } = resilient(s.source, () => 0);
    await source.fetchDaily('A', '2024-03-11', '2024-03-11');
    expect(sleeps).toEqual([1500, 2000]);
  });

  it('gives up after the last attempt with the last error and the attempt count', async () => {
    const s = scripted([transient(500), transient(500), transient(500), transient(502)]);
    const { source, events } = resilient(s.source);
    const promise = source.fetchDaily('A', '2024-03-11', '2024-03-12');
    await expect(promise).rejects.toThrow(SourceRetriesExhaustedError);
    await expect(promise).rejects.toThrow(
      /^scripted A 2024-03-11\.\.2024-03-12: gave up after 4 attempts: Yahoo answered HTTP 502$/,
    );
    expect(events.at(-1)).toMatchObject({ type: 'gave-up', attempts: 4 });
  });

  it('does not retry what cannot get better (an unknown symbol)', async () => {
    const notFound = new YahooSourceError(
      'Yahoo at X answered HTTP 404: Not Found: No data found',
      {
        transient: false,
        status: 404,
      },
    );
    const s = scripted([notFound, ok]);
    const { source, sleeps } = resilient(s.source);
    await expect(source.fetchDaily('NOPE', '2024-03-11', '2024-03-11')).rejects.toBe(notFound);
    expect(sleeps).toEqual([]);
    expect(s.calls).toHaveLength(1);
  });

  it('retries an answer the check refuses (null bars) until it is complete', async () => {
    const withNull: SourceFetch = {
      ...ok,
      bars: [],
      dropped: [{ date: '2024-03-11', reason: 'all values null' }],
    };
    const s = scripted([withNull, withNull, ok]);
    const { source } = resilient(s.source);
    const check = (f: SourceFetch) =>
      f.dropped.length > 0 ? `A: null values on ${f.dropped[0]?.date}` : undefined;
    await expect(source.fetchChecked('A', '2024-03-11', '2024-03-11', check)).resolves.toBe(ok);
    const s2 = scripted([withNull, withNull, withNull, withNull]);
    const { source: s2source } = resilient(s2.source);
    const failing = s2source.fetchChecked('A', '2024-03-11', '2024-03-11', check);
    await expect(failing).rejects.toThrow(/gave up after 4 attempts: A: null values on 2024-03-11/);
    expect(new IncompleteAnswerError('x').transient).toBe(true);
  });

  it('abandons an attempt that takes longer than the attempt timeout', async () => {
    const slow = {
      name: 'slow',
      calls: 0,
      async fetchDaily(
        _s: string,
        _f: IsoDate,
        _t: IsoDate,
        signal?: AbortSignal,
      ): Promise<SourceFetch> {
        this.calls++;
        if (this.calls === 1) {
          await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
          throw new Error('aborted');
        }
        return ok;
      },
    };
    const source = new ResilientPriceSource(slow, {
      settings: { ...settings, attemptTimeoutMs: 20 },
      sleep: async () => {},
    });
    await expect(source.fetchDaily('A', '2024-03-11', '2024-03-11')).resolves.toBe(ok);
    expect(slow.calls).toBe(2);
    expect(source.stats.retries).toBe(1);
  });
});

describe('resilient source: circuit breaker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after consecutive failed fetches, refuses calls, and half-opens later', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-11T22:30:00Z'));
    const failures = Array.from({ length: 8 }, () => transient(503));
    const s = scripted([...failures, ok]);
    const { source, events } = resilient(s.source);
    for (let i = 0; i < 2; i++) {
      await expect(source.fetchDaily('A', '2024-03-11', '2024-03-11')).rejects.toThrow(
        /gave up after 4/,
      );
    }
    expect(events.some((e) => e.type === 'circuit-open')).toBe(true);
    const refused = source.fetchDaily('B', '2024-03-11', '2024-03-11');
    await expect(refused).rejects.toThrow(
      /scripted B 2024-03-11\.\.2024-03-11: not called, the circuit is open after 2 consecutive failed calls \(it lets one call through after 60 s\); last error: Yahoo answered HTTP 503/,
    );
    expect(s.calls).toHaveLength(8);
    vi.setSystemTime(new Date('2024-03-11T22:31:01Z'));
    await expect(source.fetchDaily('B', '2024-03-11', '2024-03-11')).resolves.toBe(ok);
    expect(events.map((e) => e.type)).toContain('circuit-half-open');
    expect(events.at(-1)?.type).toBe('circuit-closed');
    expect(source.stats.circuitOpens).toBe(1);
  });
});

describe('resilient Yahoo over loopback HTTP', () => {
  let yahoo: FaultyYahoo | undefined;
  afterEach(async () => {
    await yahoo?.close();
    yahoo = undefined;
  });
  const bars = syntheticBars(5, '2024-03-07');

  it.each([
    ['a 429 burst', { kind: 'status', status: 429, retryAfterSeconds: 1 } as const, 3],
    ['500s', { kind: 'status', status: 500 } as const, 2],
    ['truncated JSON', { kind: 'truncated' } as const, 2],
    ['a dropped connection', { kind: 'dropped' } as const, 1],
    ['a slow answer past the timeout', { kind: 'slow', delayMs: 5000 } as const, 1],
  ])('recovers from %s and returns what a clean fetch returns', async (_, fault, times) => {
    yahoo = await startFaultyYahoo({ AMZN: bars });
    const plain = new YahooPriceSource({ baseUrl: yahoo.baseUrl, timeoutMs: 5000 });
    const clean = await plain.fetchDaily('AMZN', '2024-03-07', '2024-03-13');
    yahoo.inject(fault, times);
    const sleeps: number[] = [];
    const source = new ResilientPriceSource(plain, {
      settings: { ...settings, attemptTimeoutMs: 200 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await expect(source.fetchDaily('AMZN', '2024-03-07', '2024-03-13')).resolves.toEqual(clean);
    expect(source.stats.retries).toBe(times);
    expect(yahoo.injected[fault.kind]).toBe(times);
    if ('retryAfterSeconds' in fault) expect(Math.min(...sleeps)).toBe(1000);
  });

  it('says what Yahoo answered, and does not retry an unknown symbol', async () => {
    yahoo = await startFaultyYahoo({ AMZN: bars });
    const source = new ResilientPriceSource(
      new YahooPriceSource({ baseUrl: yahoo.baseUrl, timeoutMs: 2000 }),
      { settings, sleep: async () => {} },
    );
    await expect(source.fetchDaily('NOPE', '2024-03-07', '2024-03-13')).rejects.toThrow(
      /answered HTTP 404: Not Found: No data found, symbol may be delisted for NOPE/,
    );
    expect(yahoo.requests).toHaveLength(1);
  });
});
