import type { IsoDate } from '../market/isoDate.ts';
import type { PriceBar } from '../market/priceBar.ts';

/** One day as the source returned it: the bytes raw/ stores, verbatim. */
export interface RawDay {
  readonly date: IsoDate;
  readonly body: string;
  /** File extension of `body` (`csv`, `json`). */
  readonly ext: string;
}

/** A bar the source sent that could not be used, and why (all-null bars, partial bars). */
export interface DroppedBar {
  readonly date: IsoDate;
  readonly reason: string;
}

export interface SourceFetch {
  readonly symbol: string;
  readonly bars: readonly PriceBar[];
  readonly raw: readonly RawDay[];
  readonly dropped: readonly DroppedBar[];
}

/** Where daily bars come from: Yahoo, a CSV directory, a mirror. */
export interface PriceSource {
  /** The partition name under raw/ (`source=<name>`). */
  readonly name: string;
  /** Bars for sessions from `from` to `to` inclusive (New York dates), ascending. */
  fetchDaily(symbol: string, from: IsoDate, to: IsoDate): Promise<SourceFetch>;
}

/** The source could not be reached or read; the message says what to try instead. */
export class SourceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SourceUnavailableError';
  }
}
