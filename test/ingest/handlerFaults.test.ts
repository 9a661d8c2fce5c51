import { afterEach, describe, expect, it } from 'vitest';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { type FaultyYahoo, startFaultyYahoo, type YahooFault } from '../support/faultyYahoo.ts';
import { countRows, ingestHarness, snapshot, TEST_RETRY } from '../support/ingestHarness.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir('stockops-ingest-');
const HISTORY = syntheticBars(60, '2024-01-02'); // 2024-01-02 … 2024-03-27
const DAY = '2024-03-11'; // a Monday, the first session after the spring DST change
const DAILY_EVENT = { source: 'stockops.schedule', time: '2024-03-11T22:30:00Z' };
const BACKFILL = { symbols: ['AMZN'], from: '2024-01-02', to: '2024-03-08' };

let yahoo: FaultyYahoo | undefined;
afterEach(async () => {
  await yahoo?.close();
  yahoo = undefined;
});

async function server(history: readonly PriceBar[] = HISTORY) {
  yahoo = await startFaultyYahoo({ AMZN: history });
  return yahoo;
}

const references = new Map<string, Promise<Record<string, string>>>();

/** The store after fault-free runs of `steps`: what every faulty run must equal (computed once). */
function reference(steps: readonly object[]): Promise<Record<string, string>> {
  const key = JSON.stringify(steps);
  let ref = references.get(key);
  if (!ref) {
    ref = cleanRun(steps);
    references.set(key, ref);
  }
  return ref;
}

async function cleanRun(steps: readonly object[]) {
  const clean = await startFaultyYahoo({ AMZN: HISTORY });
  try {
    const h = ingestHarness({ baseUrl: clean.baseUrl, store: tempDir() });
    for (const event of steps) await h.handler(event);
    return snapshot(h.store);
  } finally {
    await clean.close();
  }
}

const FAULTS: ReadonlyArray<readonly [string, YahooFault]> = [
  ['a 429 burst (with Retry-After)', { kind: 'status', status: 429, retryAfterSeconds: 2 }],
  ['500s', { kind: 'status', status: 500 }],
  ['a slow answer past the timeout', { kind: 'slow', delayMs: 10_000 }],
  ['truncated JSON', { kind: 'truncated' }],
  ['a connection dropped mid-body', { kind: 'dropped' }],
  ['all-null bars', { kind: 'nulls', dates: [DAY, '2024-02-05'] }],
  ['partly-null bars', { kind: 'nulls', dates: [DAY, '2024-02-06'], fields: ['close', 'volume'] }],
  ['a missing session', { kind: 'missing', dates: [DAY, '2024-02-07'] }],
];
const RETRIES = TEST_RETRY.maxAttempts - 1;

describe('the ingest handler under injected faults', () => {
  it.each(FAULTS)(
    '%s: once retries succeed, objects are byte-identical to a fault-free run',
    async (_, fault) => {
      const expected = await reference([BACKFILL, DAILY_EVENT]);
      const y = await server();
      const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
      // the fault hits the backfill's first fetch and the daily fetch, each for all retries but one
      y.inject(fault, RETRIES);
      await h.handler(BACKFILL);
      y.inject(fault, RETRIES);
      const outcome = await h.handler(DAILY_EVENT);
      expect(outcome).toMatchObject({ status: 'ingested', date: DAY });
      expect(y.injected[fault.kind]).toBe(2 * RETRIES);
      const got = await snapshot(h.store);
      expect(got).toEqual(expected);
      // zero lost, zero duplicated: one curated row and one raw object per session
      const sessions = HISTORY.filter((b) => b.date <= DAY).map((b) => b.date);
      const { curated, raw } = countRows(got, 'AMZN');
      expect(curated).toEqual(sessions);
      expect(raw).toEqual(sessions);
      expect(h.metric('Retries')).toEqual([RETRIES, RETRIES]);
      expect(h.sleeps.length).toBe(2 * RETRIES);
    },
  );

  it.each(FAULTS)(
    '%s: when retries run out the handler throws a clear error and writes nothing',
    async (_, fault) => {
      const y = await server();
      const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
      await h.handler(BACKFILL);
      const before = await snapshot(h.store);
      y.inject(fault, TEST_RETRY.maxAttempts);
      const failure = h.handler(DAILY_EVENT);
      await expect(failure).rejects.toThrow(
        /^ingest of session 2024-03-11 failed for AMZN: \[source\] yahoo AMZN 2024-03-11\.\.2024-03-11: gave up after 3 attempts: /,
      );
      expect(await snapshot(h.store)).toEqual(before);
      expect(h.metric('IngestFailures', 'AMZN').at(-1)).toBe(1);
      const last = h.logLines().at(-1);
      expect(last).toMatchObject({ level: 'error', msg: 'ingest failed', status: 'failed' });
      // the day is not complete, so the Lambda retry (or the next run) loads it
      y.inject(fault, 0);
      await expect(h.handler(DAILY_EVENT)).resolves.toMatchObject({ status: 'ingested' });
    },
  );

  it('explains what each fault looked like when retries run out', async () => {
    const y = await server();
    const retry = { ...TEST_RETRY, breakerFailures: 100 };
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir(), retry });
    const cases: [YahooFault, RegExp][] = [
      [{ kind: 'status', status: 429 }, /answered HTTP 429: Edge: Too Many Requests/],
      [{ kind: 'truncated' }, /answered HTTP 200 with a body that is not JSON .*truncated\?/],
      [{ kind: 'slow', delayMs: 10_000 }, /no complete answer within 200 ms/],
      [{ kind: 'nulls', dates: [DAY] }, /AMZN: null values on 2024-03-11 \(all values null\)/],
      [{ kind: 'nulls', dates: [DAY], fields: ['low'] }, /null values on 2024-03-11 \(null low\)/],
      [{ kind: 'missing', dates: [DAY] }, /AMZN: no bar for 2024-03-11/],
    ];
    for (const [fault, message] of cases) {
      y.inject(fault, TEST_RETRY.maxAttempts);
      await expect(h.handler(DAILY_EVENT)).rejects.toThrow(message);
    }
    expect(await h.store.list('')).toEqual([]);
  });

  it('the circuit opens after repeated failures and the next invocations fail fast', async () => {
    const y = await server();
    const retry = { ...TEST_RETRY, breakerFailures: 2 };
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir(), retry });
    y.inject({ kind: 'status', status: 503 }, 100);
    await expect(h.handler(DAILY_EVENT)).rejects.toThrow(/gave up after 3 attempts/);
    await expect(h.handler(DAILY_EVENT)).rejects.toThrow(/gave up after 3 attempts/);
    const requests = y.requests.length;
    await expect(h.handler(DAILY_EVENT)).rejects.toThrow(
      /not called, the circuit is open after 2 consecutive failed calls .*last error: .*HTTP 503/,
    );
    expect(y.requests.length).toBe(requests);
    expect(h.metric('CircuitOpens')).toEqual([0, 1, 0]);
    expect(h.logLines().some((l) => l.msg === 'source circuit-open')).toBe(true);
  });

  it('a fresh backfill whose first session Yahoo leaves out: retried, never taken for "not listed"', async () => {
    const y = await server();
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    y.inject({ kind: 'missing', dates: ['2024-01-02', '2024-01-03'] }, RETRIES);
    const outcome = await h.handler(BACKFILL);
    expect(outcome.symbols.AMZN).toMatchObject({ notListed: 0, written: 47 });
    expect(countRows(await snapshot(h.store), 'AMZN').curated[0]).toBe('2024-01-02');
    y.inject({ kind: 'missing', dates: ['2024-03-11'] }, RETRIES + 1);
    await expect(h.handler({ ...BACKFILL, to: DAY })).rejects.toThrow(/no bar for 2024-03-11/);
  });

  it('the same scheduled event delivered twice: the second writes nothing and fetches nothing', async () => {
    const y = await server();
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    await h.handler(BACKFILL);
    const first = await h.handler(DAILY_EVENT);
    const afterFirst = await snapshot(h.store);
    const requests = y.requests.length;
    const second = await h.handler(DAILY_EVENT);
    expect(first.symbols.AMZN).toMatchObject({ written: 1, rawWritten: 1, curatedWritten: 1 });
    expect(second).toMatchObject({
      status: 'complete',
      symbols: { AMZN: { complete: 1, written: 0 } },
    });
    expect(y.requests.length).toBe(requests);
    expect(await snapshot(h.store)).toEqual(afterFirst);
  });

  it('the same event delivered twice at once: identical bytes, no duplicate row', async () => {
    const y = await server();
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    await h.handler(BACKFILL);
    await Promise.all([h.handler(DAILY_EVENT), h.handler(DAILY_EVENT)]);
    expect(await snapshot(h.store)).toEqual(await reference([BACKFILL, DAILY_EVENT]));
  });

  it('a forced backfill re-fetches complete days and rewrites nothing that is unchanged', async () => {
    const y = await server();
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    await h.handler(BACKFILL);
    const before = await snapshot(h.store);
    const again = await h.handler({ ...BACKFILL, force: true });
    expect(again.symbols.AMZN).toMatchObject({
      complete: 0,
      written: 47,
      rawWritten: 0,
      curatedWritten: 0,
    });
    expect(await snapshot(h.store)).toEqual(before);
  });
});

describe('a split', () => {
  // 20:1 on 2024-03-11. Before it, Yahoo served unadjusted prices; from the split day on, it
  // serves the whole history divided by 20 and the split in `events`.
  const SPLIT = { date: DAY, numerator: 20, denominator: 1 };
  const adjusted = HISTORY.map((b) => ({
    ...b,
    open: b.open / 20,
    high: b.high / 20,
    low: b.low / 20,
    close: b.close / 20,
    adjClose: b.adjClose / 20,
    volume: b.volume * 20,
  }));
  const unadjusted = HISTORY.filter((b) => b.date < DAY);

  it('a backfill across a split event stores the event in raw and continuous prices in curated', async () => {
    const y = await server(adjusted);
    y.setHistory('AMZN', adjusted, { splits: [SPLIT] });
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    const outcome = await h.handler({ symbols: ['AMZN'], from: '2024-03-01', to: '2024-03-15' });
    expect(outcome.status).toBe('ingested');
    const raw = JSON.parse(
      new TextDecoder().decode(
        await h.store.get('raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json'),
      ),
    );
    expect(raw.events.splits).toMatchObject({ numerator: 20, denominator: 1, splitRatio: '20:1' });
    expect(outcome.symbols.AMZN?.warnings).toEqual([]);
  });

  it('the daily run on the split day re-adjusts the stored history: curated equals a fresh backfill', async () => {
    const y = await server(unadjusted);
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    await h.handler(BACKFILL);
    const rawBefore = await snapshot(h.store);
    y.setHistory('AMZN', adjusted, { splits: [SPLIT] });
    const outcome = await h.handler(DAILY_EVENT);
    expect(outcome.symbols.AMZN?.readjusted).toEqual([{ from: '2024-01-02', to: DAY, months: 3 }]);
    expect(h.metric('HistoryReadjusted', 'AMZN')).toEqual([0, 1]);

    // a fresh backfill from the post-split Yahoo
    const fresh = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    await fresh.handler({ symbols: ['AMZN'], from: '2024-01-02', to: DAY });
    const got = await snapshot(h.store);
    const want = await snapshot(fresh.store);
    const curated = (o: Record<string, string>) =>
      Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith('curated/')));
    expect(curated(got)).toEqual(curated(want));
    // raw keeps what Yahoo returned at the time: older days unchanged, the split day as served
    for (const [key, text] of Object.entries(rawBefore)) {
      if (key.startsWith('raw/')) expect(got[key]).toBe(text);
    }
    expect(got['raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json']).toBe(
      want['raw/source=yahoo/symbol=AMZN/year=2024/month=03/day=11/bar.json'],
    );
  });

  it('an unadjusted jump inside fetched data fails quality: nothing written', async () => {
    const broken = [...unadjusted, ...adjusted.filter((b) => b.date >= DAY)];
    const y = await server(broken);
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    await expect(
      h.handler({ symbols: ['AMZN'], from: '2024-03-01', to: '2024-03-15' }),
    ).rejects.toThrow(
      /\[quality\] AMZN 2024-03-01\.\.2024-03-15: data quality failed, nothing written: extreme_moves: looks like an unadjusted 20:1 split on 2024-03-11/,
    );
    expect(await h.store.list('')).toEqual([]);
    expect(h.metric('QualityFailures', 'AMZN')).toEqual([1]);
  });
});

describe('bad data that retries cannot fix', () => {
  it('a bar with high below low fails quality; the symbol stops, the others go on', async () => {
    const bad = HISTORY.map((b) => (b.date === DAY ? { ...b, high: b.low - 1 } : b));
    yahoo = await startFaultyYahoo({ AMZN: bad, MSFT: HISTORY });
    const h = ingestHarness({
      baseUrl: yahoo.baseUrl,
      store: tempDir(),
      symbols: ['AMZN', 'MSFT'],
    });
    await expect(h.handler(DAILY_EVENT)).rejects.toThrow(
      /failed for AMZN: \[quality\] .*high_low_consistency/,
    );
    expect(await h.store.list('')).toEqual([
      'curated/symbol=MSFT/year=2024/month=03/bars.csv',
      'raw/source=yahoo/symbol=MSFT/year=2024/month=03/day=11/bar.json',
    ]);
  });

  it('an unknown symbol fails at once, without retries', async () => {
    const y = await server();
    const h = ingestHarness({ baseUrl: y.baseUrl, store: tempDir() });
    await expect(h.handler({ ...DAILY_EVENT, symbols: ['NOPE'] })).rejects.toThrow(
      /\[source\] Yahoo at http:\/\/127\.0\.0\.1:\d+ answered HTTP 404: Not Found/,
    );
    expect(y.requests).toHaveLength(1);
  });
});
