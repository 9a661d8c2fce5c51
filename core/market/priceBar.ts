import { type IsoDate, isIsoDate } from './isoDate.ts';

/** One split-adjusted daily session. `close` is split-adjusted; `adjClose` also dividend-adjusted. */
export interface PriceBar {
  readonly date: IsoDate;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly adjClose: number;
  readonly volume: number;
}

export const PRICE_CSV_HEADER = 'date,open,high,low,close,adj_close,volume';
const COLUMNS = PRICE_CSV_HEADER.split(',');

/** A row that could not be read, with the 1-based line it sits on. */
export interface CsvRowError {
  readonly line: number;
  readonly column: string;
  readonly message: string;
}

export class PriceCsvError extends Error {
  readonly file: string;
  readonly errors: readonly CsvRowError[];
  constructor(file: string, errors: readonly CsvRowError[]) {
    const first = errors
      .slice(0, 5)
      .map((e) => `${file}:${e.line}: ${e.column}: ${e.message}`)
      .join('\n');
    const more = errors.length > 5 ? `\n… and ${errors.length - 5} more` : '';
    super(`${first}${more}`);
    this.name = 'PriceCsvError';
    this.file = file;
    this.errors = errors;
  }
}

/**
 * Parses the CSV layout `date,open,high,low,close,adj_close,volume`. Rows keep their order;
 * ordering, duplicates and calendar gaps are the quality checks' business, not the parser's.
 * Throws PriceCsvError listing every unreadable row (file, line, column).
 */
export function parsePriceCsv(text: string, file = '<csv>'): PriceBar[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim() ?? '';
  if (header !== PRICE_CSV_HEADER) {
    throw new PriceCsvError(file, [
      { line: 1, column: 'header', message: `expected "${PRICE_CSV_HEADER}" (got "${header}")` },
    ]);
  }
  const bars: PriceBar[] = [];
  const errors: CsvRowError[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const cells = raw.split(',');
    const line = i + 1;
    if (cells.length !== COLUMNS.length) {
      errors.push({
        line,
        column: 'row',
        message: `expected ${COLUMNS.length} fields (got ${cells.length})`,
      });
      continue;
    }
    const date = (cells[0] ?? '').trim();
    if (!isIsoDate(date)) {
      errors.push({ line, column: 'date', message: `not a YYYY-MM-DD date (got "${date}")` });
      continue;
    }
    const values: number[] = [];
    let ok = true;
    for (let c = 1; c < COLUMNS.length; c++) {
      const cell = (cells[c] ?? '').trim();
      const value = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(value)) {
        errors.push({ line, column: COLUMNS[c] ?? '?', message: `not a number (got "${cell}")` });
        ok = false;
      }
      values.push(value);
    }
    if (!ok) continue;
    const [open, high, low, close, adjClose, volume] = values as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    bars.push({ date, open, high, low, close, adjClose, volume });
  }
  if (errors.length > 0) throw new PriceCsvError(file, errors);
  return bars;
}

/** Formats bars in the same CSV layout; numbers print in their shortest round-tripping form. */
export function formatPriceCsv(bars: readonly PriceBar[]): string {
  const rows = bars.map(
    (b) => `${b.date},${b.open},${b.high},${b.low},${b.close},${b.adjClose},${b.volume}`,
  );
  return `${[PRICE_CSV_HEADER, ...rows].join('\n')}\n`;
}
