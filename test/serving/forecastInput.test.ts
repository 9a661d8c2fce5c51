import { describe, expect, it } from 'vitest';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { parseForecastInput } from '../../core/serving/forecastInput.ts';
import {
  CSV_TYPE,
  InvocationError,
  JSON_TYPE,
  mediaTypeOf,
  requestMediaType,
  responseMediaType,
} from '../../core/serving/invocationError.ts';
import { BARS, windowRows } from './servingFixtures.ts';

const bars = BARS.slice(0, 3);
const jsonBars = bars.map((b) => ({
  date: b.date,
  open: b.open,
  high: b.high,
  low: b.low,
  close: b.close,
  adj_close: b.adjClose,
  volume: b.volume,
}));

/** The InvocationError a call throws: its status and message. */
function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvocationError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected an InvocationError');
}

const json = (value: unknown) => parseForecastInput(JSON.stringify(value), JSON_TYPE);

describe('request parsing', () => {
  it('reads JSON bars (adj_close optional) and CSV bars in the price layout alike', () => {
    const fromJson = json({ bars: jsonBars });
    const fromCsv = parseForecastInput(formatPriceCsv(bars), CSV_TYPE);
    expect(fromJson).toEqual({ kind: 'bars', bars });
    expect(fromCsv).toEqual(fromJson);
    const noAdj = json({ bars: jsonBars.map(({ adj_close: _, ...b }) => b) });
    expect(noAdj.kind === 'bars' && noAdj.bars[0]?.adjClose).toBe(bars[0]?.close);
  });

  it('reads JSON windows and headerless CSV windows (one per line) alike', () => {
    const rows = windowRows(3);
    const fromJson = json({ windows: [rows, windowRows(3, 2)] });
    const csv = `${rows.flat().join(',')}\r\n\n${windowRows(3, 2).flat().join(',')}\n`;
    const fromCsv = parseForecastInput(csv, CSV_TYPE);
    expect(fromJson.kind).toBe('windows');
    expect(fromCsv).toEqual(fromJson);
    expect(fromJson.kind === 'windows' && Array.from(fromJson.windows[0] ?? [])).toEqual(
      rows.flat(),
    );
  });

  it.each([
    ['{', /^body is not valid JSON/],
    ['[1]', /must be an object with "bars" or "windows"/],
    ['{"bars":[],"windows":[]}', /exactly one of "bars" or "windows"/],
    ['{"bar":[]}', /unknown field "bar": send "bars" or "windows"/],
    ['{"bars":[]}', /"bars" must be a non-empty array/],
    ['{"bars":[1]}', /bars\[0\] must be an object/],
    [
      '{"bars":[{"date":"2024-13-01"}]}',
      /bars\[0\].date: expected a YYYY-MM-DD date \(got "2024-13-01"\)/,
    ],
    [
      '{"bars":[{"date":"2024-01-02","open":1}]}',
      /bars\[0\].high: expected a number \(got nothing\)/,
    ],
    ['{"bars":[{"date":"2024-01-02","opn":1}]}', /bars\[0\].opn: unknown field/],
    ['{"windows":{}}', /"windows" must be a non-empty array of windows/],
    ['{"windows":[[]]}', /windows\[0\] must be a non-empty array of rows/],
    ['{"windows":[[[1,2,3]]]}', /windows\[0\]\[0\] must be an array of 4 numbers/],
    [
      '{"windows":[[[1,2,"x",4]]]}',
      /windows\[0\]\[0\]\[2\] \(volatility\): expected a number \(got "x"\)/,
    ],
  ])('JSON %s → 400 %s', (body, message) => {
    const r = refusal(() => parseForecastInput(body, JSON_TYPE));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(message);
  });

  it.each([
    ['', /text\/csv body has no lines/],
    [
      'Date,Open,High\n1,2,3\n',
      /first line is neither the price header .* nor a window of numbers/,
    ],
    ['1,2,3,4,5\n', /line 1: 5 values are not whole rows of 4 features/],
    ['1,2,3,4\n1,2,x,4\n', /line 2, value 3: expected a number \(got "x"\)/],
    [`${formatPriceCsv(bars)}2021-01-07,1,2,3\n`, /body:5: row: expected 7 fields/],
  ])('CSV %j → 400 %s', (body, message) => {
    const r = refusal(() => parseForecastInput(body, CSV_TYPE));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(message);
  });

  it('checks what features need of bars: order, positive prices, high ≥ low, volume ≥ 0', () => {
    const [a, b] = jsonBars as [(typeof jsonBars)[0], (typeof jsonBars)[0]];
    expect(refusal(() => json({ bars: [b, a] })).message).toMatch(
      new RegExp(`bar ${a.date} follows ${b.date}: bars must be in strictly increasing date order`),
    );
    expect(refusal(() => json({ bars: [a, a] })).message).toMatch(/strictly increasing/);
    expect(refusal(() => json({ bars: [{ ...a, low: 0 }] })).message).toMatch(
      /low must be positive/,
    );
    expect(refusal(() => json({ bars: [{ ...a, high: a.low / 2 }] })).message).toMatch(
      /is below low/,
    );
    expect(refusal(() => json({ bars: [{ ...a, volume: -1 }] })).message).toMatch(
      /volume must be ≥ 0/,
    );
  });
});

describe('content negotiation', () => {
  it('reads application/json and text/csv, with parameters and any case; 415 otherwise', () => {
    expect(requestMediaType('application/json; charset=utf-8')).toBe(JSON_TYPE);
    expect(requestMediaType('Text/CSV')).toBe(CSV_TYPE);
    expect(refusal(() => requestMediaType(undefined))).toEqual({
      status: 415,
      message: 'Content-Type is missing: send application/json or text/csv',
    });
    expect(refusal(() => requestMediaType('application/x-www-form-urlencoded')).status).toBe(415);
    expect(mediaTypeOf(' ')).toBeUndefined();
  });

  it('answers in the accepted type, else the request type (Batch Transform: same content type); 406 otherwise', () => {
    expect(responseMediaType(undefined, CSV_TYPE)).toBe(CSV_TYPE);
    expect(responseMediaType('*/*', JSON_TYPE)).toBe(JSON_TYPE);
    expect(responseMediaType('text/html, text/csv;q=0.9', JSON_TYPE)).toBe(CSV_TYPE);
    expect(responseMediaType('text/*', JSON_TYPE)).toBe(CSV_TYPE);
    expect(responseMediaType('application/*', CSV_TYPE)).toBe(JSON_TYPE);
    expect(refusal(() => responseMediaType('image/png', JSON_TYPE)).status).toBe(406);
  });
});
