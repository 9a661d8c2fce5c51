import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IsoDate } from '../../core/market/isoDate.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';

const NEW_YORK_HOUR = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hour: '2-digit',
  hour12: false,
});
const openEpochs = new Map<IsoDate, number>();

/** The epoch second of 09:30 in New York on `date`: how Yahoo stamps a daily bar. */
export function sessionOpenEpoch(date: IsoDate): number {
  const cached = openEpochs.get(date);
  if (cached !== undefined) return cached;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  for (const utcHour of [13, 14]) {
    const ts = Date.UTC(y, m - 1, d, utcHour, 30) / 1000;
    if (NEW_YORK_HOUR.format(new Date(ts * 1000)) === '09') {
      openEpochs.set(date, ts);
      return ts;
    }
  }
  throw new Error(`no 09:30 New York on ${date}`);
}

type Quote = Partial<Record<'open' | 'high' | 'low' | 'close' | 'volume', number | null>>;

/** A split as Yahoo reports it: `numerator` new shares for `denominator` old, on a session. */
export interface ChartSplit {
  readonly date: IsoDate;
  readonly numerator: number;
  readonly denominator: number;
}

export interface ChartDividend {
  readonly date: IsoDate;
  readonly amount: number;
}

/** Corporate actions in a chart response (`events`), keyed by session-open timestamp. */
export interface ChartEvents {
  readonly splits?: readonly ChartSplit[];
  readonly dividends?: readonly ChartDividend[];
}

function chartEvents(events: ChartEvents | undefined): Record<string, unknown> | undefined {
  const splits = events?.splits ?? [];
  const dividends = events?.dividends ?? [];
  if (splits.length === 0 && dividends.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  if (dividends.length > 0) {
    out.dividends = Object.fromEntries(
      dividends.map((d) => {
        const ts = sessionOpenEpoch(d.date);
        return [String(ts), { amount: d.amount, date: ts }];
      }),
    );
  }
  if (splits.length > 0) {
    out.splits = Object.fromEntries(
      splits.map((s) => {
        const ts = sessionOpenEpoch(s.date);
        return [
          String(ts),
          {
            date: ts,
            numerator: s.numerator,
            denominator: s.denominator,
            splitRatio: `${s.numerator}:${s.denominator}`,
          },
        ];
      }),
    );
  }
  return out;
}

/**
 * A Yahoo v8 chart response body for these bars (optionally with per-bar overrides and
 * corporate-action events).
 */
export function chartBody(
  symbol: string,
  bars: readonly PriceBar[],
  override: (i: number) => Quote | undefined = () => undefined,
  events?: ChartEvents,
  /** `meta.firstTradeDate` (default: AMZN's listing, 1997-05-15T13:30Z). */
  firstTradeDate = 863703000,
): string {
  const eventsJson = chartEvents(events);
  const field = (f: keyof Quote, pick: (b: PriceBar) => number) =>
    bars.map((b, i) => {
      const o = override(i);
      return o && f in o ? (o[f] ?? null) : pick(b);
    });
  return JSON.stringify({
    chart: {
      result: [
        {
          meta: {
            currency: 'USD',
            symbol,
            exchangeName: 'NMS',
            instrumentType: 'EQUITY',
            firstTradeDate,
            regularMarketTime: 1700000000,
            gmtoffset: -18000,
            timezone: 'EST',
            exchangeTimezoneName: 'America/New_York',
            regularMarketPrice: bars.at(-1)?.close ?? 0,
            chartPreviousClose: bars[0]?.close ?? 0,
            priceHint: 2,
            dataGranularity: '1d',
            range: '',
            currentTradingPeriod: {
              pre: { timezone: 'EST', start: 1700000000, end: 1700000000, gmtoffset: -18000 },
              regular: { timezone: 'EST', start: 1700000000, end: 1700000000, gmtoffset: -18000 },
              post: { timezone: 'EST', start: 1700000000, end: 1700000000, gmtoffset: -18000 },
            },
            validRanges: ['1d', '5d', '1mo', '3mo', '6mo', '1y', '2y', '5y', '10y', 'ytd', 'max'],
          },
          ...(bars.length > 0 ? { timestamp: bars.map((b) => sessionOpenEpoch(b.date)) } : {}),
          ...(eventsJson ? { events: eventsJson } : {}),
          indicators: {
            // With no bars Yahoo sends no timestamp and an empty quote object.
            quote: [
              bars.length === 0
                ? {}
                : {
                    volume: field('volume', (b) => b.volume),
                    open: field('open', (b) => b.open),
                    close: field('close', (b) => b.close),
                    high: field('high', (b) => b.high),
                    low: field('low', (b) => b.low),
                  },
            ],
            ...(bars.length > 0 ? { adjclose: [{ adjclose: bars.map((b) => b.adjClose) }] } : {}),
          },
        },
      ],
      error: null,
    },
  });
}

export interface FakeYahoo {
  readonly baseUrl: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** One answer of the fake: a status and body, optionally late, with headers, or cut off. */
export interface FakeAnswer {
  readonly status: number;
  readonly body: string;
  readonly delayMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Announce the whole body's length, send this many bytes, then drop the connection. */
  readonly dropAfterBytes?: number;
}

/** A loopback HTTP server answering /v8/finance/chart/<symbol> with `respond`. */
export async function startFakeYahoo(
  respond: (symbol: string, url: URL) => FakeAnswer,
): Promise<FakeYahoo> {
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    const symbol = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
    const { status, body, delayMs = 0, headers = {}, dropAfterBytes } = respond(symbol, url);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (res.destroyed) return;
      if (dropAfterBytes === undefined) {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
        return;
      }
      const bytes = Buffer.from(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(bytes.length),
        ...headers,
      });
      res.write(bytes.subarray(0, dropAfterBytes), () => res.destroy());
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
