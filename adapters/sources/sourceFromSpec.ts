import type { PriceSource } from '../../core/ports/priceSource.ts';
import { CsvPriceSource } from './csvSource.ts';
import { YahooPriceSource } from './yahooSource.ts';

export interface SourceSettings {
  /** `yahoo` or `csv:<dir>`. */
  readonly spec: string;
  readonly yahooBaseUrl: string;
  readonly yahooTimeoutMs: number;
}

export class SourceSpecError extends Error {
  constructor(spec: string) {
    super(`unknown source "${spec}": use "yahoo" or "csv:DIR" (one SYMBOL.csv per symbol in DIR)`);
    this.name = 'SourceSpecError';
  }
}

export function sourceFromSpec(settings: SourceSettings): PriceSource {
  const { spec } = settings;
  if (spec === 'yahoo') {
    return new YahooPriceSource({
      baseUrl: settings.yahooBaseUrl,
      timeoutMs: settings.yahooTimeoutMs,
    });
  }
  if (spec.startsWith('csv:') && spec.length > 4) return new CsvPriceSource(spec.slice(4));
  throw new SourceSpecError(spec);
}
