/**
 * The compacted raw month, `raw-monthly/source=S/symbol=X/year=Y/month=M/bars.jsonl`: one
 * header line, then one line per raw day holding that day's exact bytes and their sha256, so a
 * day can be restored byte-identical to `raw/…/day=D/bar.EXT`. Bytes that are valid UTF-8 are
 * kept as text (readable, and most sources answer JSON or CSV); anything else as base64.
 */

export const RAW_MONTHLY_FORMAT = 'stockops.raw-monthly/v1';

export interface RawMonthlyHeader {
  readonly format: typeof RAW_MONTHLY_FORMAT;
  readonly source: string;
  readonly symbol: string;
  /** `YYYY-MM`. */
  readonly month: string;
  readonly days: number;
}

/** One raw day inside a monthly object. */
export interface RawDayEntry {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  /** The raw/ key it came from and is restored to. */
  readonly key: string;
  readonly size: number;
  /** Hex sha256 of the original bytes. */
  readonly sha256: string;
  readonly body: Uint8Array;
}

export interface RawMonthly {
  readonly header: RawMonthlyHeader;
  /** Sorted by key. */
  readonly entries: readonly RawDayEntry[];
}

/** A monthly object that cannot be trusted: bad JSON, wrong header, or a hash mismatch. */
export class RawMonthlyError extends Error {
  override readonly name = 'RawMonthlyError';
}

export type Sha256 = (bytes: Uint8Array) => string;

const RAW_DAY_KEY =
  /^raw\/source=([^/]+)\/symbol=([^/]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/bar\.([A-Za-z0-9]+)$/;

export interface RawDayKey {
  readonly source: string;
  readonly symbol: string;
  readonly month: string;
  readonly date: string;
}

/** The parts of a daily raw key, or undefined when `key` is not one. */
export function parseRawDayKey(key: string): RawDayKey | undefined {
  const m = RAW_DAY_KEY.exec(key);
  if (!m) return undefined;
  const [, source, symbol, y, mo, d] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { source, symbol, month: `${y}-${mo}`, date: `${y}-${mo}-${d}` };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function asText(bytes: Uint8Array): string | undefined {
  try {
    const text = utf8.decode(bytes);
    // TextDecoder drops a leading BOM; keep such bytes exact by storing them as base64.
    const back = encoder.encode(text);
    return back.length === bytes.length && back.every((b, i) => b === bytes[i]) ? text : undefined;
  } catch {
    return undefined;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The object's text: deterministic for the same days, so a re-run rewrites identical bytes. */
export function renderRawMonthly(monthly: RawMonthly): string {
  const lines = [JSON.stringify(monthly.header)];
  for (const e of [...monthly.entries].sort((a, b) => a.key.localeCompare(b.key))) {
    const text = asText(e.body);
    lines.push(
      JSON.stringify({
        date: e.date,
        key: e.key,
        size: e.size,
        sha256: e.sha256,
        ...(text === undefined ? { body_base64: toBase64(e.body) } : { body: text }),
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Parses a monthly object and checks every day against its recorded size and sha256. `where`
 * names the object in errors. Throws RawMonthlyError on anything it cannot vouch for.
 */
export function parseRawMonthly(text: string, where: string, sha256: Sha256): RawMonthly {
  const lines = text.split('\n').filter((l) => l !== '');
  const fail = (line: number, message: string): never => {
    throw new RawMonthlyError(`${where}:${line}: ${message}`);
  };
  const json = (line: number): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(lines[line - 1] as string);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return fail(line, 'expected a JSON object');
      }
      return value as Record<string, unknown>;
    } catch (error) {
      if (error instanceof RawMonthlyError) throw error;
      return fail(line, `not JSON (${(error as Error).message})`);
    }
  };
  if (lines.length === 0) fail(1, 'empty object: expected a header line');
  const h = json(1);
  if (h.format !== RAW_MONTHLY_FORMAT) {
    fail(1, `format: expected "${RAW_MONTHLY_FORMAT}" (got ${JSON.stringify(h.format)})`);
  }
  for (const field of ['source', 'symbol', 'month'] as const) {
    if (typeof h[field] !== 'string') fail(1, `${field}: expected a string`);
  }
  const header = h as unknown as RawMonthlyHeader;
  if (header.days !== lines.length - 1) {
    fail(1, `days: header says ${String(header.days)}, the object holds ${lines.length - 1}`);
  }
  const entries: RawDayEntry[] = [];
  for (let line = 2; line <= lines.length; line++) {
    const e = json(line);
    if (typeof e.key !== 'string' || typeof e.date !== 'string' || typeof e.sha256 !== 'string') {
      fail(line, 'key, date and sha256 must be strings');
    }
    const key = parseRawDayKey(e.key as string);
    if (!key || key.date !== e.date || key.month !== header.month) {
      fail(line, `key ${JSON.stringify(e.key)} is not a raw day of ${header.month}`);
    }
    let body: Uint8Array;
    if (typeof e.body === 'string') body = encoder.encode(e.body);
    else if (typeof e.body_base64 === 'string') body = fromBase64(e.body_base64);
    else body = fail(line, 'expected body or body_base64');
    if (body.length !== e.size) {
      fail(line, `${e.key as string}: size ${String(e.size)} recorded, ${body.length} bytes held`);
    }
    const actual = sha256(body);
    if (actual !== e.sha256) {
      fail(line, `${e.key as string}: sha256 ${actual} does not match the recorded ${e.sha256}`);
    }
    entries.push({
      date: e.date as string,
      key: e.key as string,
      size: body.length,
      sha256: actual,
      body,
    });
  }
  return { header, entries };
}

/**
 * The dates a monthly object holds, from its lines' `date` fields without decoding or hashing
 * the bodies: what ingest needs to know a compacted day is stored.
 */
export function datesOfRawMonthly(text: string): string[] {
  const dates: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const m = /^\{"date":"(\d{4}-\d{2}-\d{2})"/.exec(line);
    if (m) dates.push(m[1] as string);
  }
  return dates;
}
