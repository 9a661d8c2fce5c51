import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import {
  BackfillRangeError,
  backfillSessions,
  planChunks,
} from '../../core/ingest/backfillPlan.ts';
import { barsByMonth, mergeCuratedMonth } from '../../core/ingest/curatedMonth.ts';
import { fetchProblems, unlistedSessions } from '../../core/ingest/fetchCheck.ts';
import { IngestEventError, parseIngestEvent, parseTickers } from '../../core/ingest/ingestEvent.ts';
import { IngestConfigError, parseIngestEnv } from '../../core/ingest/ingestSettings.ts';
import {
  curatedMonthsOfKeys,
  rawDatesOfKeys,
  StoredSymbol,
} from '../../core/ingest/storedPartitions.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import type { SourceFetch } from '../../core/ports/priceSource.ts';
import { DEFAULT_POLICIES } from '../../core/resilience/policySettings.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

describe('backfill planning', () => {
  it('takes every session in the range, across a year boundary, and stops at the last close', () => {
    expect(backfillSessions('2023-12-27', '2024-01-04', '2024-06-28')).toEqual([
      '2023-12-27',
      '2023-12-28',
      '2023-12-29',
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
    ]);
    expect(backfillSessions('2024-06-25', '2024-12-31', '2024-06-27')).toEqual([
      '2024-06-25',
      '2024-06-26',
      '2024-06-27',
    ]);
    expect(backfillSessions('2024-07-01', '2024-07-02', '2024-06-27')).toEqual([]);
  });

  it('rejects ranges the calendar cannot check, saying which bound to change', () => {
    expect(() => backfillSessions('1990-01-01', '1998-01-01', '2024-01-02')).toThrow(
      /from 1990-01-01 is before the NYSE calendar's first date 1997-01-01; use a later from/,
    );
    expect(() => backfillSessions('2024-01-01', '2031-01-01', '2024-01-02')).toThrow(
      BackfillRangeError,
    );
    expect(() => backfillSessions('2024-02-01', '2024-01-01', '2024-01-02')).toThrow(
      /from 2024-02-01 is after to 2024-01-01/,
    );
  });

  it('cuts missing sessions into runs, skips complete ones, caps the chunk size', () => {
    const sessions = backfillSessions('2023-12-27', '2024-01-10', '2024-06-28');
    const complete = new Set(['2023-12-29', '2024-01-02']);
    const chunks = planChunks('AMZN', sessions, complete, 3);
    expect(chunks.map((c) => [c.from, c.to, c.sessions.length])).toEqual([
      ['2023-12-27', '2023-12-28', 2],
      ['2024-01-03', '2024-01-05', 3],
      ['2024-01-08', '2024-01-10', 3],
    ]);
    expect(planChunks('AMZN', sessions, new Set(sessions))).toEqual([]);
    expect(() => planChunks('AMZN', sessions, complete, 0)).toThrow(/chunk size/);
  });
});

describe('curated months', () => {
  const bars = syntheticBars(30, '2024-01-25');

  it('merges by date: no duplicates, ascending, a new bar replaces the stored one', () => {
    const jan = bars.filter((b) => b.date < '2024-02-01');
    const first = mergeCuratedMonth(undefined, jan.slice(0, 3));
    const again = mergeCuratedMonth(first, jan.slice(0, 3));
    expect(again).toBe(first);
    const whole = mergeCuratedMonth(
      mergeCuratedMonth(
        first,
        [jan[4], jan[3]].flatMap((b) => (b ? [b] : [])),
      ),
      [],
    );
    expect(whole).toBe(formatPriceCsv(jan.slice(0, 5)));
    const revised = { ...(jan[1] as (typeof jan)[number]), volume: 1 };
    const merged = mergeCuratedMonth(whole, [revised]);
    expect(merged.split('\n').filter((l) => l.startsWith(revised.date))).toEqual([
      `${revised.date},${revised.open},${revised.high},${revised.low},${revised.close},${revised.adjClose},1`,
    ]);
  });

  it('groups bars by month in date order', () => {
    const months = barsByMonth([...bars].reverse());
    expect([...months.keys()]).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(months.get('2024-02')?.[0]?.date).toBe('2024-02-01');
  });

  it('names the object when a stored month cannot be read', () => {
    expect(() =>
      mergeCuratedMonth('nonsense\n', [], 'curated/symbol=X/year=2024/month=01/bars.csv'),
    ).toThrow(/curated\/symbol=X\/year=2024\/month=01\/bars\.csv:1: header/);
  });
});

describe('what the store holds', () => {
  it('reads session dates and months from keys', () => {
    expect([
      ...rawDatesOfKeys([
        'raw/source=yahoo/symbol=A/year=2024/month=01/day=02/bar.json',
        'raw/source=yahoo/symbol=A/year=2024/month=01/notes.txt',
      ]),
    ]).toEqual(['2024-01-02']);
    expect(
      curatedMonthsOfKeys([
        'curated/symbol=A/year=2024/month=02/bars.csv',
        'curated/symbol=A/year=2023/month=12/bars.csv',
        'curated/symbol=A/other.csv',
      ]),
    ).toEqual(['2023-12', '2024-02']);
  });

  it('a session is complete only with both its raw object and its curated row', async () => {
    const store = new MemoryObjectStore();
    const bars = syntheticBars(3, '2024-01-29'); // 29, 30, 31 Jan
    await store.put('raw/source=yahoo/symbol=A/year=2024/month=01/day=29/bar.json', '{}');
    await store.put('raw/source=yahoo/symbol=A/year=2024/month=01/day=30/bar.json', '{}');
    await store.put('curated/symbol=A/year=2024/month=01/bars.csv', formatPriceCsv(bars.slice(1)));
    const stored = new StoredSymbol(store, 'yahoo', 'A');
    const complete = await stored.completeSessions(bars.map((b) => b.date));
    expect([...complete]).toEqual(['2024-01-30']);
    expect((await stored.barBefore('2024-01-31'))?.date).toBe('2024-01-30');
    expect(await stored.barBefore('2024-01-30')).toBeUndefined();
    expect((await stored.barAfter('2024-01-29'))?.date).toBe('2024-01-30');
    expect(await stored.barAfter('2024-01-31')).toBeUndefined();
    expect((await stored.allCurated()).map((b) => b.date)).toEqual(['2024-01-30', '2024-01-31']);
  });
});

describe('fetch problems', () => {
  const bars = syntheticBars(4, '2024-03-04');
  const sessions = bars.map((b) => b.date);
  const fetch = (over: Partial<SourceFetch> = {}): SourceFetch => ({
    symbol: 'A',
    bars,
    raw: [],
    dropped: [],
    ...over,
  });

  it('accepts a complete answer', () => {
    expect(fetchProblems(fetch(), { sessions, allowLeadingGap: false })).toBeUndefined();
  });

  it('names null bars and missing sessions', () => {
    const got = fetch({
      bars: [bars[0], bars[3]].flatMap((b) => (b ? [b] : [])),
      dropped: [{ date: '2024-03-05', reason: 'all values null' }],
    });
    expect(fetchProblems(got, { sessions, allowLeadingGap: false })).toBe(
      'A: null values on 2024-03-05 (all values null); no bar for 2024-03-06',
    );
  });

  it('allows sessions before the first bar only when the symbol may not be listed yet', () => {
    const got = fetch({ bars: bars.slice(2) });
    expect(fetchProblems(got, { sessions, allowLeadingGap: true })).toBeUndefined();
    expect(unlistedSessions(got, { sessions, allowLeadingGap: true })).toEqual(
      sessions.slice(0, 2),
    );
    expect(fetchProblems(got, { sessions, allowLeadingGap: false })).toMatch(
      /no bar for 2024-03-04, 2024-03-05/,
    );
    const nulledFirst = fetch({
      bars: bars.slice(2),
      dropped: [{ date: '2024-03-05', reason: 'null close' }],
    });
    expect(unlistedSessions(nulledFirst, { sessions, allowLeadingGap: true })).toEqual([
      '2024-03-04',
    ]);
    expect(fetchProblems(fetch({ bars: [] }), { sessions, allowLeadingGap: false })).toBe(
      'A: no bar for 2024-03-04, 2024-03-05, 2024-03-06, 2024-03-07',
    );
    const many = syntheticBars(7, '2024-03-04').map((b) => b.date);
    expect(fetchProblems(fetch({ bars: [] }), { sessions: many, allowLeadingGap: false })).toMatch(
      /2024-03-08 and 2 more$/,
    );
  });
});

describe('events', () => {
  it('reads a Scheduler event (the infra input), an EventBridge scheduled event and a backfill', () => {
    expect(
      parseIngestEvent({
        source: 'stockops.schedule',
        time: '2024-03-11T22:30:00Z',
        symbols: ['amzn'],
      }),
    ).toEqual({ kind: 'scheduled', time: '2024-03-11T22:30:00Z', symbols: ['AMZN'] });
    expect(
      parseIngestEvent({
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        time: '2024-03-11T22:30:00Z',
      }),
    ).toEqual({ kind: 'scheduled', time: '2024-03-11T22:30:00Z' });
    expect(
      parseIngestEvent({ symbols: 'amzn, msft,AMZN', from: '2024-01-02', to: '2024-01-31' }),
    ).toEqual({
      kind: 'backfill',
      symbols: ['AMZN', 'MSFT'],
      from: '2024-01-02',
      to: '2024-01-31',
      force: false,
    });
    expect(
      parseIngestEvent({ symbols: ['AMZN'], from: '2024-01-02', to: '2024-01-31', force: true }),
    ).toMatchObject({ force: true });
  });

  it.each([
    [null, /unrecognised event null: expected a scheduled event/],
    [{ hello: 1 }, /unrecognised event/],
    [{ source: 'stockops.schedule' }, /without a "time" string/],
    [
      { symbols: ['AMZN'], from: '2024-1-2', to: '2024-01-31' },
      /"from": expected a date YYYY-MM-DD/,
    ],
    [
      { symbols: ['AMZN'], from: '2024-02-02', to: '2024-01-31' },
      /"from" 2024-02-02 is after "to"/,
    ],
    [{ from: '2024-01-02', to: '2024-01-31' }, /backfill symbols: expected tickers/],
    [{ symbols: ['amzn!'], from: '2024-01-02', to: '2024-01-31' }, /expected tickers/],
    [
      { symbols: ['A'], from: '2024-01-02', to: '2024-01-31', force: 'yes' },
      /"force": expected true or false/,
    ],
  ])('rejects %j with a message that shows the shape', (event, message) => {
    expect(() => parseIngestEvent(event)).toThrow(IngestEventError);
    expect(() => parseIngestEvent(event)).toThrow(message);
  });

  it('parses ticker lists', () => {
    expect(parseTickers('brk.b', 'x')).toEqual(['BRK.B']);
    expect(() => parseTickers(7, 'x')).toThrow(/x: expected tickers/);
  });
});

describe('handler settings from the environment', () => {
  it('builds S3 or file settings with defaults', () => {
    const s3 = parseIngestEnv({
      STOCKOPS_BUCKET: 'stockops-dev-data',
      STOCKOPS_PREFIX: '/dev/',
      STOCKOPS_SYMBOLS: 'AMZN,MSFT',
      STOCKOPS_ENV: 'dev',
      AWS_REGION: 'us-east-1',
    });
    expect(s3.store).toEqual({
      kind: 's3',
      bucket: 'stockops-dev-data',
      prefix: 'dev',
      forcePathStyle: false,
      region: 'us-east-1',
    });
    expect(s3.symbols).toEqual(['AMZN', 'MSFT']);
    expect(s3.policies).toEqual({
      yahoo: DEFAULT_POLICIES.yahoo,
      s3: DEFAULT_POLICIES.s3,
      sns: DEFAULT_POLICIES.sns,
    });
    expect(s3.yahoo).toEqual({ baseUrl: 'https://query2.finance.yahoo.com', timeoutMs: 15000 });
    const file = parseIngestEnv({
      STOCKOPS_STORE_DIR: '/tmp/x',
      STOCKOPS_SYMBOLS: 'AMZN',
      STOCKOPS_RESILIENCE:
        '{"yahoo":{"max_attempts":2,"initial_delay_ms":10,"max_delay_ms":100},"s3":{"max_attempts":5}}',
      STOCKOPS_QUALITY: '{"max_daily_move":0.3}',
      STOCKOPS_S3_ENDPOINT: 'http://localhost:1',
      STOCKOPS_YAHOO_TIMEOUT_MS: '500',
    });
    expect(file.store).toEqual({ kind: 'file', dir: '/tmp/x' });
    expect(file.policies.yahoo.maxAttempts).toBe(2);
    expect(file.policies.s3.maxAttempts).toBe(5);
    expect(file.resilience.s3).toEqual({ max_attempts: 5 });
    expect(file.quality.maxDailyMove).toBe(0.3);
    expect(file.yahoo.timeoutMs).toBe(500);
    expect(file.env).toBe('local');
  });

  it('lists every variable that is wrong, with what it should hold', () => {
    let error: Error | undefined;
    try {
      parseIngestEnv({
        STOCKOPS_SYMBOLS: '',
        STOCKOPS_YAHOO_BASE_URL: 'ftp://x',
        STOCKOPS_YAHOO_TIMEOUT_MS: 'soon',
        STOCKOPS_RETRY: '{"max_attempts":4}',
        STOCKOPS_RESILIENCE: '{"yahoo":{"max_attempts":0}}',
        STOCKOPS_QUALITY: '[1]',
      });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(IngestConfigError);
    for (const part of [
      /no store: set STOCKOPS_BUCKET/,
      /STOCKOPS_SYMBOLS: expected tickers/,
      /STOCKOPS_YAHOO_BASE_URL="ftp:\/\/x": expected an http\(s\) URL/,
      /STOCKOPS_YAHOO_TIMEOUT_MS="soon"/,
      /STOCKOPS_RETRY is no longer read: put its keys under "yahoo" in STOCKOPS_RESILIENCE/,
      /STOCKOPS_RESILIENCE: resilience\.yahoo\.max_attempts must be an integer >= 1 \(got 0\)/,
      /STOCKOPS_QUALITY="\[1\]": expected a JSON object/,
    ]) {
      expect(error?.message).toMatch(part);
    }
    expect(() =>
      parseIngestEnv({ STOCKOPS_BUCKET: 'b-b-b', STOCKOPS_STORE_DIR: '/x', STOCKOPS_SYMBOLS: 'A' }),
    ).toThrow(/not both/);
    expect(() =>
      parseIngestEnv({
        STOCKOPS_STORE_DIR: '/x',
        STOCKOPS_SYMBOLS: 'A',
        STOCKOPS_QUALITY: '{"split_ratio_tolerance":0.7}',
      }),
    ).toThrow(/split_ratio_tolerance: 0.7 is out of range/);
    expect(() =>
      parseIngestEnv({
        STOCKOPS_STORE_DIR: '/x',
        STOCKOPS_SYMBOLS: 'A',
        STOCKOPS_RESILIENCE: 'nope',
      }),
    ).toThrow(/STOCKOPS_RESILIENCE="nope": expected a JSON object/);
  });
});
