import { FEATURE_COLUMNS } from '../features/featureTable.ts';
import { isIsoDate } from '../market/isoDate.ts';
import {
  PRICE_CSV_HEADER,
  type PriceBar,
  PriceCsvError,
  parsePriceCsv,
} from '../market/priceBar.ts';
import { CSV_TYPE, InvocationError, type MediaType } from './invocationError.ts';

/**
 * What a caller sends to /invocations, parsed:
 * - `bars`: recent daily bars in date order; the server computes the features and forecasts
 *   from every bar with enough history (the last forecast is the next session's);
 * - `windows`: ready-made feature windows, each `rows × FEATURE_COLUMNS` row-major (the same
 *   layout as slidingWindows), raw (unscaled) values; one forecast per window.
 */
export type ForecastInput =
  | { readonly kind: 'bars'; readonly bars: readonly PriceBar[] }
  | { readonly kind: 'windows'; readonly windows: readonly Float64Array[] };

const WIDTH = FEATURE_COLUMNS.length;
const BAR_FIELDS = ['date', 'open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;

/** Parses a request body of the given media type; InvocationError (400) naming the problem. */
export function parseForecastInput(body: string, type: MediaType): ForecastInput {
  return type === CSV_TYPE ? parseCsv(body) : parseJson(body);
}

function bad(message: string): InvocationError {
  return new InvocationError(400, message);
}

function parseJson(body: string): ForecastInput {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw bad(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw bad('JSON body must be an object with "bars" or "windows"');
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const unknown = keys.filter((k) => k !== 'bars' && k !== 'windows');
  if (unknown.length > 0) {
    throw bad(`unknown field ${unknown.map((k) => `"${k}"`).join(', ')}: send "bars" or "windows"`);
  }
  if (keys.length !== 1) throw bad('JSON body must have exactly one of "bars" or "windows"');
  if ('bars' in record) return { kind: 'bars', bars: checkBars(jsonBars(record.bars)) };
  return { kind: 'windows', windows: jsonWindows(record.windows) };
}

function jsonBars(value: unknown): PriceBar[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw bad('"bars" must be a non-empty array of {date, open, high, low, close, volume}');
  }
  return value.map((item, i) => {
    const at = `bars[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw bad(`${at} must be an object {date, open, high, low, close, volume}`);
    }
    const bar = item as Record<string, unknown>;
    const extra = Object.keys(bar).filter((k) => !(BAR_FIELDS as readonly string[]).includes(k));
    if (extra.length > 0) {
      throw bad(`${at}.${extra[0]}: unknown field (bars have ${BAR_FIELDS.join(', ')})`);
    }
    const date = bar.date;
    if (typeof date !== 'string' || !isIsoDate(date)) {
      throw bad(`${at}.date: expected a YYYY-MM-DD date (got ${JSON.stringify(date)})`);
    }
    const number = (field: (typeof BAR_FIELDS)[number]) => {
      const v = bar[field];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw bad(`${at}.${field}: expected a number (got ${JSON.stringify(v) ?? 'nothing'})`);
      }
      return v;
    };
    // in layout order, so the first missing field is the one reported
    const open = number('open');
    const high = number('high');
    const low = number('low');
    const close = number('close');
    // not a feature input; optional so callers need not send it
    const adjClose = bar.adj_close === undefined ? close : number('adj_close');
    return { date, open, high, low, close, adjClose, volume: number('volume') };
  });
}

function jsonWindows(value: unknown): Float64Array[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw bad(
      `"windows" must be a non-empty array of windows, each an array of [${FEATURE_COLUMNS.join(', ')}] rows`,
    );
  }
  return value.map((window, w) => {
    if (!Array.isArray(window) || window.length === 0) {
      throw bad(`windows[${w}] must be a non-empty array of rows`);
    }
    const out = new Float64Array(window.length * WIDTH);
    window.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== WIDTH) {
        throw bad(
          `windows[${w}][${r}] must be an array of ${WIDTH} numbers [${FEATURE_COLUMNS.join(', ')}]`,
        );
      }
      for (let c = 0; c < WIDTH; c++) {
        const v = row[c];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw bad(
            `windows[${w}][${r}][${c}] (${FEATURE_COLUMNS[c]}): expected a number (got ${JSON.stringify(v)})`,
          );
        }
        out[r * WIDTH + c] = v;
      }
    });
    return out;
  });
}

/**
 * CSV is either the price layout (its header line first, as in SYMBOL.csv) or one window per
 * line with no header: `rows × 4` numbers, row-major, the record-per-line form that Batch
 * Transform can split (SplitType Line) and reassemble.
 */
function parseCsv(body: string): ForecastInput {
  const firstLine = body.slice(0, body.indexOf('\n') === -1 ? body.length : body.indexOf('\n'));
  if (firstLine.trim() === PRICE_CSV_HEADER) {
    try {
      return { kind: 'bars', bars: checkBars(parsePriceCsv(body, 'body')) };
    } catch (error) {
      if (error instanceof PriceCsvError) throw bad(error.message);
      throw error;
    }
  }
  const windows: Float64Array[] = [];
  const lines = body.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const cells = line.split(',');
    if (windows.length === 0 && !Number.isFinite(Number(cells[0]))) {
      throw bad(
        `text/csv: the first line is neither the price header "${PRICE_CSV_HEADER}" nor a window of numbers`,
      );
    }
    if (cells.length % WIDTH !== 0) {
      throw bad(
        `line ${i + 1}: ${cells.length} values are not whole rows of ${WIDTH} features (${FEATURE_COLUMNS.join(', ')})`,
      );
    }
    const window = new Float64Array(cells.length);
    for (let k = 0; k < cells.length; k++) {
      const cell = (cells[k] as string).trim();
      const v = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw bad(`line ${i + 1}, value ${k + 1}: expected a number (got "${cell}")`);
      }
      window[k] = v;
    }
    windows.push(window);
  });
  if (windows.length === 0) throw bad('text/csv body has no lines');
  return { kind: 'windows', windows };
}

/**
 * What features need of bars: dates strictly increasing (one bar per session, in order) and
 * positive prices and non-negative volumes (logs are taken of them).
 */
function checkBars(bars: PriceBar[]): PriceBar[] {
  bars.forEach((b, i) => {
    for (const field of ['open', 'high', 'low', 'close'] as const) {
      if (!(b[field] > 0)) throw bad(`bar ${b.date}: ${field} must be positive (got ${b[field]})`);
    }
    if (b.high < b.low) throw bad(`bar ${b.date}: high ${b.high} is below low ${b.low}`);
    if (!(b.volume >= 0)) throw bad(`bar ${b.date}: volume must be ≥ 0 (got ${b.volume})`);
    const previous = bars[i - 1];
    if (previous !== undefined && previous.date >= b.date) {
      throw bad(
        `bar ${b.date} follows ${previous.date}: bars must be in strictly increasing date order`,
      );
    }
  });
  return bars;
}
