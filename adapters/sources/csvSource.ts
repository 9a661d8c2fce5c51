import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ListedFetch } from '../../core/ingest/fetchCheck.ts';
import type { IsoDate } from '../../core/market/isoDate.ts';
import { PRICE_CSV_HEADER, parsePriceCsv } from '../../core/market/priceBar.ts';
import {
  type PriceSource,
  type RawDay,
  SourceUnavailableError,
} from '../../core/ports/priceSource.ts';

/**
 * `csv:<dir>`: one `SYMBOL.csv` per symbol in the layout `date,open,high,low,close,adj_close,volume`.
 * The raw object of a day is the header plus that day's line, byte for byte.
 */
export class CsvPriceSource implements PriceSource {
  readonly name = 'csv';
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async fetchDaily(symbol: string, from: IsoDate, to: IsoDate): Promise<ListedFetch> {
    const file = join(this.dir, `${symbol}.csv`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new SourceUnavailableError(
        code === 'ENOENT'
          ? `no prices for ${symbol}: ${file} does not exist (csv:${this.dir} needs one SYMBOL.csv per symbol)`
          : `cannot read ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const lines = text.split(/\r?\n/);
    const all = parsePriceCsv(text, file);
    const bars = all.filter((b) => b.date >= from && b.date <= to);
    // Group by date so that a duplicated day keeps every line the file had for it.
    const linesByDate = new Map<IsoDate, string[]>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const date = line.slice(0, 10);
      if (line.trim() === '' || date < from || date > to) continue;
      const group = linesByDate.get(date);
      if (group) group.push(line);
      else linesByDate.set(date, [line]);
    }
    const raw: RawDay[] = [...linesByDate].map(([date, dayLines]) => ({
      date,
      body: `${[PRICE_CSV_HEADER, ...dayLines].join('\n')}\n`,
      ext: 'csv',
    }));
    // The file's first session is the listing: sessions before it are not missing.
    const firstTradeDate = all.reduce<IsoDate | undefined>(
      (min, b) => (min === undefined || b.date < min ? b.date : min),
      undefined,
    );
    return { symbol, bars, raw, dropped: [], ...(firstTradeDate ? { firstTradeDate } : {}) };
  }
}
