import createYahooFinance from 'yahoo-finance2/createYahooFinance';
import chart from 'yahoo-finance2/modules/chart';
import type { ListedFetch } from '../../core/ingest/fetchCheck.ts';
import {
  barOfYahooSlice,
  YAHOO_QUOTE_FIELDS,
  type YahooRawSlice,
} from '../../core/ingest/rawDays.ts';
import { addDays, dateInZone, type IsoDate } from '../../core/market/isoDate.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import {
  type DroppedBar,
  type PriceSource,
  type RawDay,
  SourceUnavailableError,
} from '../../core/ports/priceSource.ts';

// The chart module alone: the full client carries every module's schema (about 250 kB more in
// the Lambda bundle, and its load time in every cold start).
const YahooFinance = createYahooFinance({ modules: { chart } });

export const DEFAULT_YAHOO_BASE_URL = 'https://query2.finance.yahoo.com';
const LIBRARY_ORIGIN = 'https://query2.finance.yahoo.com';

/**
 * A Yahoo failure, classified: `transient` ones (429, 5xx, timeouts, dropped connections,
 * truncated bodies) are worth retrying; the others (an unknown symbol, a schema change) are not.
 */
export class YahooSourceError extends SourceUnavailableError {
  readonly transient: boolean;
  /** The HTTP status Yahoo answered with, when it answered. */
  readonly status: number | undefined;
  /** What a 429/503 `Retry-After` header asked for, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: { transient: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.name = 'YahooSourceError';
    this.transient = details.transient;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Thrown inside the fetch hook, before yahoo-finance2 sees the answer (it would log the URL). */
class YahooAnswerError extends Error {
  readonly status: number;
  readonly transient: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, status: number, transient: boolean, retryAfterMs?: number) {
    super(message);
    this.name = 'YahooAnswerError';
    this.status = status;
    this.transient = transient;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface YahooSourceOptions {
  /** Where chart requests go: Yahoo, or a mirror / test server speaking the same API. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Injected for tests of error branches; defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
}

interface RawChartResult {
  meta?: { exchangeTimezoneName?: string; firstTradeDate?: number | null };
  timestamp?: number[];
  events?: Record<string, Record<string, { date?: number }>>;
  indicators?: {
    quote?: Array<Record<string, Array<number | null>>>;
    adjclose?: Array<{ adjclose?: Array<number | null> }>;
  };
}

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

  /** `signal` lets a caller (the resilient wrapper's timeout) abort the request early. */
  async fetchDaily(
    symbol: string,
    from: IsoDate,
    to: IsoDate,
    signal?: AbortSignal,
  ): Promise<ListedFetch> {
    const { baseUrl, timeoutMs } = this.options;
    const baseFetch = this.options.fetch ?? globalThis.fetch;
    let body = '';
    const fetchVia: typeof globalThis.fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const target = url.startsWith(LIBRARY_ORIGIN)
        ? `${baseUrl.replace(/\/+$/, '')}${url.slice(LIBRARY_ORIGIN.length)}`
        : url;
      const timeout = AbortSignal.timeout(timeoutMs);
      const response = await baseFetch(target, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      body = await response.text();
      if (!response.ok) throw httpAnswerError(response, body);
      if (!isJson(body)) {
        throw new YahooAnswerError(
          `answered HTTP ${response.status} with a body that is not JSON (${body.length} bytes, ` +
            `ending ${JSON.stringify(body.slice(-40))}): truncated?`,
          response.status,
          true,
        );
      }
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

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** 429, 408 and 5xx are worth retrying; `Retry-After` (seconds or a date) is kept. */
function httpAnswerError(response: Response, body: string): YahooAnswerError {
  const status = response.status;
  let detail = body.slice(0, 200);
  try {
    const envelope = JSON.parse(body) as {
      chart?: { error?: { code?: string; description?: string } };
    };
    const err = envelope.chart?.error;
    if (err) detail = `${err.code ?? 'error'}: ${err.description ?? ''}`;
  } catch {
    // not JSON: keep the start of the body
  }
  const transient = status === 429 || status === 408 || status >= 500;
  return new YahooAnswerError(
    `answered HTTP ${status}: ${detail || response.statusText}`,
    status,
    transient,
    retryAfterMs(response.headers.get('retry-after')),
  );
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function explain(error: unknown, symbol: string, baseUrl: string): Error {
  const e = error as Error & { code?: unknown; cause?: { code?: string } };
  if (e instanceof YahooAnswerError) {
    return new YahooSourceError(`Yahoo at ${baseUrl} ${e.message} for ${symbol}`, {
      transient: e.transient,
      status: e.status,
      ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
      cause: error,
    });
  }
  const network =
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    (e instanceof TypeError && /fetch failed|terminated/i.test(e.message));
  if (network) {
    const why =
      e.name === 'TimeoutError'
        ? 'timed out'
        : e.name === 'AbortError'
          ? 'aborted'
          : (e.cause?.code ?? e.message);
    return new YahooSourceError(
      `cannot reach Yahoo at ${baseUrl} for ${symbol} (${why}); ` +
        'to run offline use --source csv:DIR with one SYMBOL.csv per symbol',
      { transient: true, cause: error },
    );
  }
  if (e.name === 'HTTPError') {
    const status = typeof e.code === 'number' ? e.code : undefined;
    return new YahooSourceError(
      `Yahoo at ${baseUrl} answered HTTP ${String(e.code ?? '?')} for ${symbol}: ${e.message.slice(0, 200)}`,
      {
        transient: status === undefined || status === 429 || status >= 500,
        ...(status === undefined ? {} : { status }),
        cause: error,
      },
    );
  }
  // Yahoo's error envelope (unknown symbol), a schema change, bad options: retrying won't help.
  return new YahooSourceError(`Yahoo chart for ${symbol} failed: ${e.message.slice(0, 300)}`, {
    transient: false,
    cause: error,
  });
}

/**
 * Turns a raw chart response into bars and one verbatim JSON slice per session; the listing
 * date comes from `meta.firstTradeDate`.
 */
export function sliceChart(symbol: string, body: string, from: IsoDate, to: IsoDate): ListedFetch {
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
    const values = Object.fromEntries(YAHOO_QUOTE_FIELDS.map((f) => [f, quote[f]?.[i] ?? null]));
    const slice = {
      symbol,
      timestamp: ts,
      ...values,
      adjclose: adj?.[i] ?? null,
      ...(eventsByTs.has(ts) ? { events: eventsByTs.get(ts) } : {}),
    } as YahooRawSlice;
    raw.push({ date, body: `${JSON.stringify(slice)}\n`, ext: 'json' });
    // The same function reads raw/ back (core/ingest/rawDays.ts): a bar rebuilt from raw/ is
    // the bar handed to validation.
    const out = barOfYahooSlice(date, slice);
    if ('bar' in out) bars.push(out.bar);
    else dropped.push(out.dropped);
  });
  const first = result.meta?.firstTradeDate;
  return {
    symbol,
    bars,
    raw,
    dropped,
    ...(typeof first === 'number'
      ? { firstTradeDate: dateInZone(new Date(first * 1000), zone) }
      : {}),
  };
}
