import YahooFinance from 'yahoo-finance2';
import { addDays, dateInZone, type IsoDate } from '../../core/market/isoDate.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import {
  type DroppedBar,
  type PriceSource,
  type RawDay,
  type SourceFetch,
  SourceUnavailableError,
} from '../../core/ports/priceSource.ts';

export const DEFAULT_YAHOO_BASE_URL = 'https://query2.finance.yahoo.com';
const LIBRARY_ORIGIN = 'https://query2.finance.yahoo.com';

export interface YahooSourceOptions {
  /** Where chart requests go: Yahoo, or a mirror / test server speaking the same API. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Injected for tests of error branches; defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
}

interface RawChartResult {
  meta?: { exchangeTimezoneName?: string };
  timestamp?: number[];
  events?: Record<string, Record<string, { date?: number }>>;
  indicators?: {
    quote?: Array<Record<string, Array<number | null>>>;
    adjclose?: Array<{ adjclose?: Array<number | null> }>;
  };
}

const QUOTE_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Daily bars from Yahoo's chart API through yahoo-finance2 (split-adjusted; `adjclose` also
 * for dividends). yahoo-finance2 always builds https://query2.finance.yahoo.com URLs, so the
 * base URL is applied by rewriting them in the `fetch` it is given; the same hook records the
 * response body, which raw/ keeps verbatim, one slice per session.
 */
export class YahooPriceSource implements PriceSource {
  readonly name = 'yahoo';
  private readonly options: YahooSourceOptions;

  constructor(options: YahooSourceOptions) {
    this.options = options;
  }

  async fetchDaily(symbol: string, from: IsoDate, to: IsoDate): Promise<SourceFetch> {
    const { baseUrl, timeoutMs } = this.options;
    const baseFetch = this.options.fetch ?? globalThis.fetch;
    let body = '';
    const fetchVia: typeof globalThis.fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const target = url.startsWith(LIBRARY_ORIGIN)
        ? `${baseUrl.replace(/\/+$/, '')}${url.slice(LIBRARY_ORIGIN.length)}`
        : url;
      const response = await baseFetch(target, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      body = await response.text();
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
    const yahoo = new YahooFinance({
      fetch: fetchVia,
      versionCheck: false,
      suppressNotices: ['yahooSurvey'],
      validation: { logErrors: false, logOptionsErrors: false },
      logger: quietLogger,
    });
    try {
      // period2 is exclusive and bars are stamped at the session open (13:30Z/14:30Z), so UTC
      // midnight after `to` takes every session up to and including `to`.
      await yahoo.chart(symbol, {
        period1: `${from}T00:00:00Z`,
        period2: `${addDays(to, 1)}T00:00:00Z`,
        interval: '1d',
        events: 'div|split',
      });
    } catch (error) {
      throw explain(error, symbol, baseUrl);
    }
    return sliceChart(symbol, body, from, to);
  }
}

const quietLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  dir: () => {},
};

function explain(error: unknown, symbol: string, baseUrl: string): Error {
  const e = error as Error & { code?: unknown; cause?: { code?: string } };
  const network =
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    (e instanceof TypeError && /fetch failed/i.test(e.message));
  if (network) {
    const why = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.message);
    return new SourceUnavailableError(
      `cannot reach Yahoo at ${baseUrl} for ${symbol} (${why}); ` +
        'to run offline use --source csv:DIR with one SYMBOL.csv per symbol',
      { cause: error },
    );
  }
  if (e.name === 'HTTPError') {
    return new SourceUnavailableError(
      `Yahoo at ${baseUrl} answered HTTP ${String(e.code ?? '?')} for ${symbol}: ${e.message.slice(0, 200)}`,
      { cause: error },
    );
  }
  return new SourceUnavailableError(`Yahoo chart for ${symbol} failed: ${e.message}`, {
    cause: error,
  });
}

/** Turns a raw chart response into bars and one verbatim JSON slice per session. */
export function sliceChart(symbol: string, body: string, from: IsoDate, to: IsoDate): SourceFetch {
  const parsed = JSON.parse(body) as { chart?: { result?: RawChartResult[] } };
  const result = parsed.chart?.result?.[0];
  if (!result) throw new SourceUnavailableError(`Yahoo returned no chart result for ${symbol}`);
  const zone = result.meta?.exchangeTimezoneName ?? 'America/New_York';
  const timestamps = result.timestamp ?? [];
  const quote = result.indicators?.quote?.[0] ?? {};
  const adj = result.indicators?.adjclose?.[0]?.adjclose;
  const eventsByTs = new Map<number, Record<string, unknown>>();
  for (const [kind, byTs] of Object.entries(result.events ?? {})) {
    for (const [ts, event] of Object.entries(byTs)) {
      const entry = eventsByTs.get(Number(ts)) ?? {};
      entry[kind] = event;
      eventsByTs.set(Number(ts), entry);
    }
  }
  const bars: PriceBar[] = [];
  const raw: RawDay[] = [];
  const dropped: DroppedBar[] = [];
  timestamps.forEach((ts, i) => {
    const date = dateInZone(new Date(ts * 1000), zone);
    if (date < from || date > to) return;
    const values = Object.fromEntries(QUOTE_FIELDS.map((f) => [f, quote[f]?.[i] ?? null]));
    const slice = {
      symbol,
      timestamp: ts,
      ...values,
      adjclose: adj?.[i] ?? null,
      ...(eventsByTs.has(ts) ? { events: eventsByTs.get(ts) } : {}),
    };
    raw.push({ date, body: `${JSON.stringify(slice)}\n`, ext: 'json' });
    const missing = QUOTE_FIELDS.filter((f) => values[f] === null);
    if (missing.length === QUOTE_FIELDS.length) {
      dropped.push({ date, reason: 'all values null' });
      return;
    }
    if (missing.length > 0) {
      dropped.push({ date, reason: `null ${missing.join(', ')}` });
      return;
    }
    const v = values as Record<(typeof QUOTE_FIELDS)[number], number>;
    bars.push({
      date,
      open: v.open,
      high: v.high,
      low: v.low,
      close: v.close,
      adjClose: adj?.[i] ?? v.close,
      volume: v.volume,
    });
  });
  return { symbol, bars, raw, dropped };
}
