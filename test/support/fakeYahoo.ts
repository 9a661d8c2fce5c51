import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IsoDate } from '../../core/market/isoDate.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';

/** The epoch second of 09:30 in New York on `date`: how Yahoo stamps a daily bar. */
export function sessionOpenEpoch(date: IsoDate): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  for (const utcHour of [13, 14]) {
    const ts = Date.UTC(y, m - 1, d, utcHour, 30) / 1000;
    const hour = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hour: '2-digit',
      hour12: false,
    }).format(new Date(ts * 1000));
    if (hour === '09') return ts;
  }
  throw new Error(`no 09:30 New York on ${date}`);
}

type Quote = Partial<Record<'open' | 'high' | 'low' | 'close' | 'volume', number | null>>;

/** A Yahoo v8 chart response body for these bars (optionally with per-bar overrides). */
export function chartBody(
  symbol: string,
  bars: readonly PriceBar[],
  override: (i: number) => Quote | undefined = () => undefined,
): string {
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
            firstTradeDate: 863703000,
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
          timestamp: bars.map((b) => sessionOpenEpoch(b.date)),
          indicators: {
            quote: [
              {
                volume: field('volume', (b) => b.volume),
                open: field('open', (b) => b.open),
                close: field('close', (b) => b.close),
                high: field('high', (b) => b.high),
                low: field('low', (b) => b.low),
              },
            ],
            adjclose: [{ adjclose: bars.map((b) => b.adjClose) }],
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

/** A loopback HTTP server answering /v8/finance/chart/<symbol> with `respond`. */
export async function startFakeYahoo(
  respond: (symbol: string, url: URL) => { status: number; body: string; delayMs?: number },
): Promise<FakeYahoo> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    const symbol = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
    const { status, body, delayMs = 0 } = respond(symbol, url);
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    }, delayMs);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
