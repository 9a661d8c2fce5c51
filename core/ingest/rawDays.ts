import type { IsoDate } from '../market/isoDate.ts';
import { type PriceBar, parsePriceCsv } from '../market/priceBar.ts';
import type { DroppedBar } from '../ports/priceSource.ts';

/**
 * Raw objects back into bars. raw/ keeps what a source returned, one object per session
 * (`…/year=Y/month=M/day=D/bar.<ext>`); these are the only readers of that format besides the
 * sources that write it, so curated/ can be rebuilt from raw/ alone (`stockops dr`). The Yahoo
 * source builds its bars with `barOfYahooSlice` too, so a bar read back from raw/ is the bar
 * the source handed to validation, byte for byte once formatted.
 */

/** One session of a Yahoo chart response, as raw/ stores it (`bar.json`). */
export interface YahooRawSlice {
  readonly symbol: string;
  /** Epoch seconds of the session open. */
  readonly timestamp: number;
  readonly open: number | null;
  readonly high: number | null;
  readonly low: number | null;
  readonly close: number | null;
  readonly volume: number | null;
  readonly adjclose: number | null;
  readonly events?: Record<string, unknown>;
}

export const YAHOO_QUOTE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/** A slice's bar, or why it has none (all-null and partly-null sessions are dropped). */
export function barOfYahooSlice(
  date: IsoDate,
  slice: Pick<YahooRawSlice, (typeof YAHOO_QUOTE_FIELDS)[number] | 'adjclose'>,
): { bar: PriceBar } | { dropped: DroppedBar } {
  const missing = YAHOO_QUOTE_FIELDS.filter((f) => slice[f] === null);
  if (missing.length === YAHOO_QUOTE_FIELDS.length) {
    return { dropped: { date, reason: 'all values null' } };
  }
  if (missing.length > 0) return { dropped: { date, reason: `null ${missing.join(', ')}` } };
  const v = slice as Record<(typeof YAHOO_QUOTE_FIELDS)[number], number>;
  return {
    bar: {
      date,
      open: v.open,
      high: v.high,
      low: v.low,
      close: v.close,
      adjClose: slice.adjclose ?? v.close,
      volume: v.volume,
    },
  };
}

const RAW_KEY =
  /^raw\/source=([^/]+)\/symbol=([^/]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/bar\.([A-Za-z0-9]+)$/;

/** What a raw key names. */
export interface RawKey {
  readonly source: string;
  readonly symbol: string;
  readonly date: IsoDate;
  readonly ext: string;
}

/** undefined for a key that is not a raw bar object. */
export function parseRawKey(key: string): RawKey | undefined {
  const m = RAW_KEY.exec(key);
  if (!m) return undefined;
  const [, source, symbol, y, mo, d, ext] = m as unknown as [string, ...string[]];
  return { source: source ?? '', symbol: symbol ?? '', date: `${y}-${mo}-${d}`, ext: ext ?? '' };
}

export class RawObjectError extends Error {
  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.name = 'RawObjectError';
  }
}

/**
 * The bars of one raw object: a CSV day (the source file's header and that day's line or
 * lines) or a Yahoo JSON slice. Every bar must fall on the session the key names: a raw
 * object is one session, and a bar that says otherwise means the object was moved or edited.
 */
export function barsOfRawObject(
  key: string,
  text: string,
): { bars: PriceBar[]; dropped: DroppedBar[] } {
  const named = parseRawKey(key);
  if (!named) throw new RawObjectError(key, 'not a raw bar key (raw/source=S/symbol=X/…/bar.EXT)');
  if (named.ext === 'csv') {
    const bars = parsePriceCsv(text, key);
    const stray = bars.find((b) => b.date !== named.date);
    if (stray) {
      throw new RawObjectError(key, `holds a bar for ${stray.date}, not the key's ${named.date}`);
    }
    return { bars, dropped: [] };
  }
  if (named.ext === 'json') {
    let slice: YahooRawSlice;
    try {
      slice = JSON.parse(text) as YahooRawSlice;
    } catch (error) {
      throw new RawObjectError(key, `not JSON (${(error as Error).message})`);
    }
    if (slice === null || typeof slice !== 'object') {
      throw new RawObjectError(key, 'is not a Yahoo chart slice (an object)');
    }
    for (const field of [...YAHOO_QUOTE_FIELDS, 'adjclose'] as const) {
      const value = slice[field] ?? null;
      if (value !== null && typeof value !== 'number') {
        throw new RawObjectError(key, `${field} is neither a number nor null`);
      }
    }
    const normalised = {
      open: slice.open ?? null,
      high: slice.high ?? null,
      low: slice.low ?? null,
      close: slice.close ?? null,
      volume: slice.volume ?? null,
      adjclose: slice.adjclose ?? null,
    };
    const out = barOfYahooSlice(named.date, normalised);
    return 'bar' in out ? { bars: [out.bar], dropped: [] } : { bars: [], dropped: [out.dropped] };
  }
  throw new RawObjectError(key, `unknown raw format ".${named.ext}" (expected .csv or .json)`);
}
