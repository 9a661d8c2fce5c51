import type { IsoDate } from '../../core/market/isoDate.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import {
  type ChartEvents,
  chartBody,
  type FakeAnswer,
  type FakeYahoo,
  sessionOpenEpoch,
  startFakeYahoo,
} from './fakeYahoo.ts';

type QuoteField = 'open' | 'high' | 'low' | 'close' | 'volume';

/** A fault the server injects into its next answers. */
export type YahooFault =
  /** An HTTP error (429 burst, 500s), optionally with Retry-After seconds. */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number }
  /** The answer arrives after `delayMs`, past the client's timeout. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** A 200 whose JSON body is cut in half (complete HTTP, broken JSON). */
  | { readonly kind: 'truncated' }
  /** The connection drops halfway through the body. */
  | { readonly kind: 'dropped' }
  /** Null values on these sessions: every field (`all-null`) or the ones named. */
  | {
      readonly kind: 'nulls';
      readonly dates: readonly IsoDate[];
      readonly fields?: readonly QuoteField[];
    }
  /** These sessions are left out of the answer. */
  | { readonly kind: 'missing'; readonly dates: readonly IsoDate[] };

export interface FaultyYahoo extends FakeYahoo {
  /** Inject `fault` into the next `times` answers (for `symbol` only, when given). */
  inject(fault: YahooFault, times: number, symbol?: string): void;
  /** Replace a symbol's history (and its events), e.g. to publish a split. */
  setHistory(symbol: string, bars: readonly PriceBar[], events?: ChartEvents): void;
  /** Answers given with a fault, by kind. */
  readonly injected: Record<string, number>;
}

/**
 * A loopback Yahoo built on `startFakeYahoo`: it serves each symbol's history as Yahoo-shaped
 * chart JSON, honouring period1/period2 as Yahoo does (a bar is in the answer iff its
 * session-open timestamp is in [period1, period2)), and injects faults on demand.
 */
export async function startFaultyYahoo(
  history: Readonly<Record<string, readonly PriceBar[]>>,
  events: Readonly<Record<string, ChartEvents>> = {},
): Promise<FaultyYahoo> {
  const bars = new Map(Object.entries(history));
  const actions = new Map(Object.entries(events));
  const queue: { fault: YahooFault; left: number; symbol?: string }[] = [];
  const injected: Record<string, number> = {};

  const answer = (symbol: string, url: URL): FakeAnswer => {
    const p1 = Number(url.searchParams.get('period1'));
    const p2 = Number(url.searchParams.get('period2'));
    const inRange = (date: IsoDate) => {
      const ts = sessionOpenEpoch(date);
      return ts >= p1 && ts < p2;
    };
    const slot = queue.find((q) => q.left > 0 && (q.symbol === undefined || q.symbol === symbol));
    const fault = slot?.fault;
    if (slot) {
      slot.left--;
      injected[slot.fault.kind] = (injected[slot.fault.kind] ?? 0) + 1;
    }
    const all = bars.get(symbol);
    if (!all) {
      return {
        status: 404,
        body: JSON.stringify({
          chart: {
            result: null,
            error: { code: 'Not Found', description: 'No data found, symbol may be delisted' },
          },
        }),
      };
    }
    let served = all.filter((b) => inRange(b.date));
    if (fault?.kind === 'missing') served = served.filter((b) => !fault.dates.includes(b.date));
    const ev = actions.get(symbol);
    const eventsInRange: ChartEvents = {
      splits: (ev?.splits ?? []).filter((s) => inRange(s.date)),
      dividends: (ev?.dividends ?? []).filter((d) => inRange(d.date)),
    };
    const override = (i: number) => {
      if (fault?.kind !== 'nulls') return undefined;
      const bar = served[i];
      if (!bar || !fault.dates.includes(bar.date)) return undefined;
      const fields = fault.fields ?? ['open', 'high', 'low', 'close', 'volume'];
      return Object.fromEntries(fields.map((f) => [f, null]));
    };
    // Yahoo's meta.firstTradeDate: the listing, here the history's first session
    const listed = all[0] ? sessionOpenEpoch(all[0].date) : undefined;
    const body = chartBody(symbol, served, override, eventsInRange, listed);
    switch (fault?.kind) {
      case 'status':
        return {
          status: fault.status,
          body: fault.status === 429 ? 'Edge: Too Many Requests' : 'Internal Server Error',
          ...(fault.retryAfterSeconds === undefined
            ? {}
            : { headers: { 'retry-after': String(fault.retryAfterSeconds) } }),
        };
      case 'slow':
        return { status: 200, body, delayMs: fault.delayMs };
      case 'truncated':
        return { status: 200, body: body.slice(0, Math.floor(body.length / 2)) };
      case 'dropped':
        return { status: 200, body, dropAfterBytes: Math.floor(body.length / 2) };
      default:
        return { status: 200, body };
    }
  };

  const server = await startFakeYahoo(answer);
  return {
    ...server,
    injected,
    inject(fault, times, symbol) {
      queue.push({ fault, left: times, ...(symbol === undefined ? {} : { symbol }) });
    },
    setHistory(symbol, history, ev) {
      bars.set(symbol, history);
      if (ev) actions.set(symbol, ev);
      else actions.delete(symbol);
    },
  };
}
