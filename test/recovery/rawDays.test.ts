import { describe, expect, it } from 'vitest';
import { sliceChart } from '../../adapters/sources/yahooSource.ts';
import { rawBarKey } from '../../core/data/partitions.ts';
import { barsOfRawObject, parseRawKey, RawObjectError } from '../../core/ingest/rawDays.ts';
import { formatPriceCsv, PRICE_CSV_HEADER } from '../../core/market/priceBar.ts';
import { chartBody } from '../support/fakeYahoo.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

describe('raw objects read back into bars', () => {
  it('gives back every bar the Yahoo source handed on, and drops the same sessions', () => {
    const bars = syntheticBars(6, '2024-03-04');
    // Session 2 all null (Yahoo keeps such bars), session 4 without a close.
    const body = chartBody('AMZN', bars, (i) =>
      i === 2
        ? { open: null, high: null, low: null, close: null, volume: null }
        : i === 4
          ? { close: null }
          : undefined,
    );
    const fetched = sliceChart('AMZN', body, '2024-03-01', '2024-03-31');
    const back = fetched.raw.map((day) =>
      barsOfRawObject(rawBarKey('yahoo', 'AMZN', day.date, day.ext), day.body),
    );
    const rebuilt = back.flatMap((b) => b.bars);
    expect(formatPriceCsv(rebuilt)).toBe(formatPriceCsv(fetched.bars));
    expect(rebuilt).toHaveLength(4);
    expect(back.flatMap((b) => b.dropped)).toEqual(fetched.dropped);
    expect(fetched.dropped.map((d) => d.reason)).toEqual(['all values null', 'null close']);
  });

  it('reads a CSV day (header and line) and insists the bar is the key’s session', () => {
    const [bar] = syntheticBars(1, '2024-03-04');
    const text = formatPriceCsv(bar ? [bar] : []);
    const key = rawBarKey('csv', 'AMZN', '2024-03-04', 'csv');
    expect(barsOfRawObject(key, text).bars).toEqual([bar]);
    const moved = rawBarKey('csv', 'AMZN', '2024-03-05', 'csv');
    expect(() => barsOfRawObject(moved, text)).toThrow(
      /day=05\/bar\.csv: holds a bar for 2024-03-04, not the key's 2024-03-05/,
    );
    expect(() => barsOfRawObject(key, `${PRICE_CSV_HEADER}\n2024-03-04,1,2,x,1,1,5\n`)).toThrow(
      /bar\.csv:2: low: not a number/,
    );
  });

  it('names the object and the problem for anything it cannot read', () => {
    const json = rawBarKey('yahoo', 'AMZN', '2024-03-04', 'json');
    expect(() => barsOfRawObject(json, '{')).toThrow(RawObjectError);
    expect(() => barsOfRawObject(json, '{')).toThrow(/bar\.json: not JSON/);
    expect(() => barsOfRawObject(json, '7')).toThrow(/is not a Yahoo chart slice/);
    expect(() => barsOfRawObject(json, '{"open":"12"}')).toThrow(
      /open is neither a number nor null/,
    );
    expect(() => barsOfRawObject(rawBarKey('x', 'AMZN', '2024-03-04', 'xml'), '<bar/>')).toThrow(
      /unknown raw format "\.xml"/,
    );
    expect(() => barsOfRawObject('curated/symbol=AMZN/bars.csv', '')).toThrow(/not a raw bar key/);
  });

  it('parses what a raw key names', () => {
    expect(parseRawKey(rawBarKey('yahoo', 'BRK.B', '2024-03-04', 'json'))).toEqual({
      source: 'yahoo',
      symbol: 'BRK.B',
      date: '2024-03-04',
      ext: 'json',
    });
    expect(parseRawKey('raw/source=yahoo/symbol=X/year=2024/bar.json')).toBeUndefined();
  });
});
