import { afterEach, describe, expect, it, vi } from 'vitest';
import { IngestEventError } from '../../core/ingest/ingestEvent.ts';
import { handler, runtimeFromEnv } from '../../lambdas/ingest/handler.ts';
import { type FaultyYahoo, startFaultyYahoo } from '../support/faultyYahoo.ts';
import { countRows, ingestHarness, snapshot } from '../support/ingestHarness.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir('stockops-ingest-');
let yahoo: FaultyYahoo | undefined;
afterEach(async () => {
  await yahoo?.close();
  yahoo = undefined;
});

async function harness(from = '2023-11-01', count = 300, symbols = ['AMZN']) {
  const history = syntheticBars(count, from);
  yahoo = await startFaultyYahoo(Object.fromEntries(symbols.map((s) => [s, history])));
  return { h: ingestHarness({ baseUrl: yahoo.baseUrl, store: tempDir(), symbols }), history };
}

const scheduled = (time: string) => ({ source: 'stockops.schedule', time });

describe('scheduled events: the trading date', () => {
  it.each([
    ['EST, the Friday before the spring DST change', '2024-03-08T23:30:00Z', '2024-03-08'],
    ['EDT, the Monday after it', '2024-03-11T22:30:00Z', '2024-03-11'],
    ['EDT, the Friday before the autumn change', '2024-11-01T22:30:00Z', '2024-11-01'],
    ['EST, the Monday after it', '2024-11-04T23:30:00Z', '2024-11-04'],
  ])('%s: %s writes the bar of %s', async (_, time, date) => {
    const { h, history } = await harness();
    const outcome = await h.handler(scheduled(time));
    expect(outcome).toMatchObject({
      status: 'ingested',
      date,
      closeTime: '16:00',
      earlyClose: false,
    });
    const [y, m, d] = date.split('-');
    const bar = history.find((b) => b.date === date);
    const curated = new TextDecoder().decode(
      await h.store.get(`curated/symbol=AMZN/year=${y}/month=${m}/bars.csv`),
    );
    expect(curated.trim().split('\n')).toEqual([
      'date,open,high,low,close,adj_close,volume',
      `${date},${bar?.open},${bar?.high},${bar?.low},${bar?.close},${bar?.adjClose},${bar?.volume}`,
    ]);
    const raw = JSON.parse(
      new TextDecoder().decode(
        await h.store.get(`raw/source=yahoo/symbol=AMZN/year=${y}/month=${m}/day=${d}/bar.json`),
      ),
    );
    expect(raw).toMatchObject({ symbol: 'AMZN', close: bar?.close });
  });

  it('a holiday: success with the reason, nothing written, Yahoo not called', async () => {
    const { h } = await harness();
    const outcome = await h.handler(scheduled('2024-07-04T22:30:00Z'));
    expect(outcome).toEqual({
      kind: 'scheduled',
      status: 'skipped',
      date: '2024-07-04',
      reason: '2024-07-04 is an NYSE holiday (Independence Day): no session, nothing to ingest',
      symbols: {},
    });
    expect(await h.store.list('')).toEqual([]);
    expect(yahoo?.requests).toEqual([]);
    expect(h.metric('SkippedRuns')).toEqual([1]);
    expect(h.logLines().at(-1)).toMatchObject({
      level: 'info',
      msg: 'nothing to ingest',
      reason: expect.stringMatching(/Independence Day/),
    });
  });

  it('an early-close day (after Thanksgiving) is loaded, and says it closed at 13:00', async () => {
    const { h } = await harness();
    const outcome = await h.handler(scheduled('2024-11-29T23:30:00Z'));
    expect(outcome).toMatchObject({
      status: 'ingested',
      date: '2024-11-29',
      closeTime: '13:00',
      earlyClose: true,
    });
    expect(outcome.symbols.AMZN?.written).toBe(1);
  });

  it('an event delivered late (after midnight UTC) loads its scheduled day, not the UTC date', async () => {
    const { h } = await harness();
    // scheduled 18:30 EST on Monday 2024-12-30 (23:30Z); Scheduler's time is the scheduled one,
    // so a delivery at 00:20Z on the 31st, or a redrive days later, still means the 30th.
    const outcome = await h.handler(scheduled('2024-12-30T23:30:00Z'));
    expect(outcome).toMatchObject({ status: 'ingested', date: '2024-12-30' });
    // a time that is itself past midnight UTC (a flexible window) is still New York's 30th
    const late = await h.handler(scheduled('2024-12-31T00:20:00Z'));
    expect(late).toMatchObject({ status: 'complete', date: '2024-12-30' });
    expect(await h.store.list('raw/')).toEqual([
      'raw/source=yahoo/symbol=AMZN/year=2024/month=12/day=30/bar.json',
    ]);
  });

  it('an event before the close loads nothing (its bar is not final)', async () => {
    const { h } = await harness();
    const outcome = await h.handler(scheduled('2024-03-11T15:00:00Z'));
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/not final yet/),
    });
    expect(await h.store.list('')).toEqual([]);
  });

  it('symbols come from the event, else from the runtime', async () => {
    const { h } = await harness('2024-03-01', 30, ['AMZN', 'MSFT']);
    const one = await h.handler({ ...scheduled('2024-03-11T22:30:00Z'), symbols: ['MSFT'] });
    expect(Object.keys(one.symbols)).toEqual(['MSFT']);
    const both = await h.handler(scheduled('2024-03-12T22:30:00Z'));
    expect(Object.keys(both.symbols)).toEqual(['AMZN', 'MSFT']);
  });
});

describe('backfill events', () => {
  it('a backfill across a year boundary writes both years and skips the New Year holiday', async () => {
    const { h } = await harness();
    const outcome = await h.handler({ symbols: ['AMZN'], from: '2023-12-27', to: '2024-01-04' });
    expect(outcome).toMatchObject({
      kind: 'backfill',
      status: 'ingested',
      from: '2023-12-27',
      to: '2024-01-04',
    });
    const objects = await snapshot(h.store);
    const { curated, raw } = countRows(objects, 'AMZN');
    const sessions = [
      '2023-12-27',
      '2023-12-28',
      '2023-12-29',
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
    ];
    expect(curated).toEqual(sessions);
    expect(raw).toEqual(sessions);
    expect(Object.keys(objects).filter((k) => k.startsWith('curated/'))).toEqual([
      'curated/symbol=AMZN/year=2023/month=12/bars.csv',
      'curated/symbol=AMZN/year=2024/month=01/bars.csv',
    ]);
  });

  it('is resumable: a second, wider backfill fetches only what is missing', async () => {
    const { h } = await harness();
    await h.handler({ symbols: ['AMZN'], from: '2024-01-02', to: '2024-01-31' });
    const requests = yahoo?.requests.length ?? 0;
    const wider = await h.handler({ symbols: ['AMZN'], from: '2024-01-02', to: '2024-02-29' });
    expect(wider.symbols.AMZN).toMatchObject({ complete: 21, written: 20 });
    const calls = yahoo?.requests.slice(requests) ?? [];
    expect(calls).toHaveLength(1);
    // one fetch, from the first missing session (Feb 1) to the last
    expect(calls[0]).toMatch(/period1=1706745600&period2=1709251200/);
  });

  it('sessions before the listing are not expected; a backfill stops at the last close', async () => {
    const { h } = await harness('2024-01-10', 20);
    // the fake's history starts on 2024-01-10 (20 sessions to 2024-02-07)
    const outcome = await h.handler({ symbols: ['AMZN'], from: '2024-01-02', to: '2024-02-07' });
    expect(outcome.symbols.AMZN).toMatchObject({ sessions: 26, notListed: 6, written: 20 });
    const clipped = ingestHarness({
      baseUrl: yahoo?.baseUrl ?? '',
      store: tempDir(),
      now: '2024-01-12T20:00:00Z', // before Friday's close: the 11th is the last final bar
    });
    const partial = await clipped.handler({
      symbols: ['AMZN'],
      from: '2024-01-10',
      to: '2024-12-31',
    });
    expect(partial.symbols.AMZN?.written).toBe(2);
  });

  it('stops before a chunk when the Lambda is about to time out; the retry resumes', async () => {
    const { h } = await harness();
    let left = 60_000;
    const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => left };
    left = 500; // less than the harness's 1 s safety margin
    await expect(
      h.handler({ symbols: ['AMZN'], from: '2024-01-02', to: '2024-01-31' }, context),
    ).rejects.toThrow(/\[time\] AMZN: stopped before 2024-01-02 to stay within the time budget/);
    expect(h.logLines().at(-1)).toMatchObject({ requestId: 'req-1', level: 'error' });
    left = 60_000;
    await expect(
      h.handler({ symbols: ['AMZN'], from: '2024-01-02', to: '2024-01-31' }, context),
    ).resolves.toMatchObject({ status: 'ingested' });
  });
});

describe('the handler shell', () => {
  it('rejects an event it cannot read, with the shapes it accepts', async () => {
    const { h } = await harness();
    await expect(h.handler({ hello: 'world' })).rejects.toThrow(IngestEventError);
    expect(h.logLines().at(-1)).toMatchObject({ level: 'error', msg: 'bad event' });
  });

  it('a store that cannot be listed fails the run with metrics and a log line', async () => {
    const { h } = await harness();
    const broken = ingestHarness({
      baseUrl: yahoo?.baseUrl ?? '',
      store: Object.assign(Object.create(h.store), {
        list: async () => {
          throw new Error('S3 ListObjectsV2 s3://b/raw/* failed: AccessDenied');
        },
      }),
    });
    await expect(broken.handler(scheduled('2024-03-11T22:30:00Z'))).rejects.toThrow(/AccessDenied/);
    expect(broken.metric('FailedRuns')).toEqual([1]);
    expect(broken.logLines().at(-1)).toMatchObject({ level: 'error', msg: 'ingest failed' });
  });

  it('emits EMF documents CloudWatch reads: namespace, dimensions, units', async () => {
    const { h } = await harness();
    await h.handler(scheduled('2024-03-11T22:30:00Z'));
    const docs = h.metrics.map((d) => JSON.parse(d));
    expect(docs).toHaveLength(2);
    const [run, symbol] = docs;
    expect(run._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'stockops/ingest',
      Dimensions: [['Service']],
      Metrics: expect.arrayContaining([
        { Name: 'Latency', Unit: 'Milliseconds' },
        { Name: 'Retries', Unit: 'Count' },
      ]),
    });
    expect(symbol._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['Service'],
      ['Service', 'Symbol'],
    ]);
    expect(symbol).toMatchObject({
      Service: 'ingest',
      Symbol: 'AMZN',
      BarsWritten: 1,
      RawObjectsWritten: 1,
      CuratedObjectsWritten: 1,
      QualityFailures: 0,
      Status: 'ingested',
      Date: '2024-03-11',
    });
    for (const line of h.logs) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('builds its runtime from the environment (a local file store for tests)', async () => {
    const { history } = await harness();
    const dir = tempDir();
    const runtime = runtimeFromEnv({
      STOCKOPS_STORE_DIR: dir,
      STOCKOPS_SYMBOLS: 'AMZN',
      STOCKOPS_YAHOO_BASE_URL: yahoo?.baseUrl,
    });
    expect(runtime.store.location).toBe(dir);
    expect(runtime.source.name).toBe('yahoo');
    expect(history.length).toBe(300);
    const s3 = runtimeFromEnv({
      STOCKOPS_BUCKET: 'stockops-dev-data',
      STOCKOPS_SYMBOLS: 'AMZN',
      AWS_REGION: 'us-east-1',
    });
    expect(s3.store.location).toBe('s3://stockops-dev-data');
    expect(() => runtimeFromEnv({})).toThrow(/no store: set STOCKOPS_BUCKET/);
  });

  it('the Lambda entry builds its runtime on the first event, and says what is missing', async () => {
    const { history } = await harness('2024-03-01', 10);
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const saved = { ...process.env };
    try {
      delete process.env.STOCKOPS_BUCKET;
      delete process.env.STOCKOPS_STORE_DIR;
      await expect(handler(scheduled('2024-03-11T22:30:00Z'))).rejects.toThrow(/no store/);
      expect(JSON.parse(out.at(-1) ?? '{}')).toMatchObject({
        level: 'error',
        msg: 'bad configuration',
      });
      const dir = tempDir();
      Object.assign(process.env, {
        STOCKOPS_STORE_DIR: dir,
        STOCKOPS_SYMBOLS: 'AMZN',
        STOCKOPS_YAHOO_BASE_URL: yahoo?.baseUrl,
      });
      const outcome = await handler(scheduled('2024-03-11T22:30:00Z'), { awsRequestId: 'abc' });
      expect(outcome.symbols.AMZN?.written).toBe(1);
      expect(history).toHaveLength(10);
      expect(out.map((l) => JSON.parse(l)).at(-1)).toMatchObject({
        requestId: 'abc',
        msg: 'ingest done',
      });
    } finally {
      write.mockRestore();
      process.env = saved;
    }
  });
});
