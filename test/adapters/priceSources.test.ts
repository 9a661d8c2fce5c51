import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CsvPriceSource } from '../../adapters/sources/csvSource.ts';
import { SourceSpecError, sourceFromSpec } from '../../adapters/sources/sourceFromSpec.ts';
import { YahooPriceSource } from '../../adapters/sources/yahooSource.ts';
import { formatPriceCsv, PriceCsvError } from '../../core/market/priceBar.ts';
import { SourceUnavailableError } from '../../core/ports/priceSource.ts';
import { chartBody, type FakeYahoo, startFakeYahoo } from '../support/fakeYahoo.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();

describe('csv source', () => {
  it('reads bars in range and keeps each day verbatim as raw', async () => {
    const dir = tempDir();
    const bars = syntheticBars(10, '2024-03-01');
    writeFileSync(join(dir, 'TEST.csv'), formatPriceCsv(bars));
    const got = await new CsvPriceSource(dir).fetchDaily('TEST', '2024-03-05', '2024-03-08');
    expect(got.bars.map((b) => b.date)).toEqual([
      '2024-03-05',
      '2024-03-06',
      '2024-03-07',
      '2024-03-08',
    ]);
    expect(got.raw).toHaveLength(4);
    const b = bars[2];
    expect(got.raw[0]).toEqual({
      date: '2024-03-05',
      ext: 'csv',
      body: `date,open,high,low,close,adj_close,volume\n2024-03-05,${b?.open},${b?.high},${b?.low},${b?.close},${b?.adjClose},${b?.volume}\n`,
    });
  });

  it('keeps every line of a duplicated day in its raw object', async () => {
    const dir = tempDir();
    const csv = formatPriceCsv(syntheticBars(3, '2024-03-01'));
    const lines = csv.trimEnd().split('\n');
    writeFileSync(join(dir, 'DUP.csv'), `${[...lines, lines[2]].join('\n')}\n`);
    const got = await new CsvPriceSource(dir).fetchDaily('DUP', '2024-01-01', '2024-12-31');
    expect(got.bars).toHaveLength(4);
    expect(got.raw).toHaveLength(3);
    expect(got.raw[1]?.body.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('names the missing file and what the directory should hold', async () => {
    const dir = tempDir();
    await expect(
      new CsvPriceSource(dir).fetchDaily('NOPE', '2024-01-01', '2024-12-31'),
    ).rejects.toThrow(/NOPE\.csv does not exist .*one SYMBOL\.csv per symbol/);
  });

  it('reports unreadable rows with file, line and column', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'BAD.csv'),
      'date,open,high,low,close,adj_close,volume\n2024-01-02,1,2,0.5,1.5,1.5,100\n2024-01-03,1,x,0.5,1.5,1.5,100\n',
    );
    const promise = new CsvPriceSource(dir).fetchDaily('BAD', '2024-01-01', '2024-12-31');
    await expect(promise).rejects.toThrow(PriceCsvError);
    await expect(promise).rejects.toThrow(/BAD\.csv:3: high: not a number \(got "x"\)/);
  });
});

describe('source specs', () => {
  const settings = { yahooBaseUrl: 'http://127.0.0.1:1', yahooTimeoutMs: 100 };
  it('builds yahoo and csv sources and rejects anything else', () => {
    expect(sourceFromSpec({ ...settings, spec: 'yahoo' }).name).toBe('yahoo');
    expect(sourceFromSpec({ ...settings, spec: 'csv:/tmp' }).name).toBe('csv');
    expect(() => sourceFromSpec({ ...settings, spec: 'csv:' })).toThrow(SourceSpecError);
    expect(() => sourceFromSpec({ ...settings, spec: 'stooq' })).toThrow(
      /use "yahoo" or "csv:DIR"/,
    );
  });
});

describe('yahoo source against a loopback Yahoo', () => {
  let server: FakeYahoo | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const bars = syntheticBars(5, '2024-03-07'); // spans the 2024-03-10 DST change

  it('fetches through yahoo-finance2 at the configured base URL, dates in New York', async () => {
    server = await startFakeYahoo((symbol) => ({ status: 200, body: chartBody(symbol, bars) }));
    const source = new YahooPriceSource({ baseUrl: server.baseUrl, timeoutMs: 2000 });
    const got = await source.fetchDaily('AMZN', '2024-03-07', '2024-03-13');
    expect(server.requests[0]).toMatch(/^\/v8\/finance\/chart\/AMZN\?.*interval=1d/);
    expect(got.bars).toEqual(bars);
    expect(got.raw.map((r) => r.date)).toEqual(bars.map((b) => b.date));
    const slice = JSON.parse(got.raw[0]?.body ?? '{}');
    expect(slice).toMatchObject({
      symbol: 'AMZN',
      open: bars[0]?.open,
      adjclose: bars[0]?.adjClose,
    });
    expect(got.dropped).toEqual([]);
  });

  it('keeps null bars in raw but drops them from bars, saying why', async () => {
    server = await startFakeYahoo((symbol) => ({
      status: 200,
      body: chartBody(symbol, bars, (i) =>
        i === 1
          ? { open: null, high: null, low: null, close: null, volume: null }
          : i === 3
            ? { close: null }
            : undefined,
      ),
    }));
    const got = await new YahooPriceSource({ baseUrl: server.baseUrl, timeoutMs: 2000 }).fetchDaily(
      'AMZN',
      '2024-03-07',
      '2024-03-13',
    );
    expect(got.raw).toHaveLength(5);
    expect(got.bars.map((b) => b.date)).toEqual([bars[0], bars[2], bars[4]].map((b) => b?.date));
    expect(got.dropped).toEqual([
      { date: bars[1]?.date, reason: 'all values null' },
      { date: bars[3]?.date, reason: 'null close' },
    ]);
  });

  it('says when Yahoo cannot be reached and suggests --source csv:DIR', async () => {
    server = await startFakeYahoo(() => ({ status: 200, body: '{}' }));
    const baseUrl = server.baseUrl;
    await server.close();
    server = undefined;
    const source = new YahooPriceSource({ baseUrl, timeoutMs: 2000 });
    const promise = source.fetchDaily('AMZN', '2024-03-07', '2024-03-13');
    await expect(promise).rejects.toThrow(SourceUnavailableError);
    await expect(promise).rejects.toThrow(
      /cannot reach Yahoo at http:\/\/127\.0\.0\.1:\d+ .*--source csv:DIR/,
    );
  });

  it('times out a slow answer with the same advice', async () => {
    server = await startFakeYahoo((symbol) => ({
      status: 200,
      body: chartBody(symbol, bars),
      delayMs: 500,
    }));
    const source = new YahooPriceSource({ baseUrl: server.baseUrl, timeoutMs: 50 });
    await expect(source.fetchDaily('AMZN', '2024-03-07', '2024-03-13')).rejects.toThrow(
      /cannot reach Yahoo .*timed out.*--source csv:DIR/,
    );
  });

  it('reports an HTTP error status', async () => {
    server = await startFakeYahoo(() => ({ status: 429, body: 'Too Many Requests' }));
    const source = new YahooPriceSource({ baseUrl: server.baseUrl, timeoutMs: 2000 });
    await expect(source.fetchDaily('AMZN', '2024-03-07', '2024-03-13')).rejects.toThrow(/HTTP 429/);
  });
});
