import { type IsoDate, isIsoDate } from '../market/isoDate.ts';

/** A daily run from the schedule: the trading date comes from `time`. */
export interface ScheduledRequest {
  readonly kind: 'scheduled';
  /** The schedule's time (EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). */
  readonly time: string;
  /** Overrides the handler's default symbols when present. */
  readonly symbols?: readonly string[];
}

/** A historical load of every session from `from` to `to`, both inclusive. */
export interface BackfillRequest {
  readonly kind: 'backfill';
  readonly symbols: readonly string[];
  readonly from: IsoDate;
  readonly to: IsoDate;
  /** Fetch and rewrite sessions that are already complete (after a source's revision). */
  readonly force: boolean;
}

export type IngestRequest = ScheduledRequest | BackfillRequest;

/** An event the handler cannot act on; the message shows the shapes it accepts. */
export class IngestEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestEventError';
  }
}

const SHAPES =
  'expected a scheduled event {"source":"stockops.schedule","time":"2024-03-11T22:30:00Z"} ' +
  '(or an EventBridge "Scheduled Event") or a backfill {"symbols":["AMZN"],"from":"YYYY-MM-DD","to":"YYYY-MM-DD"}';

const SCHEDULE_SOURCES = new Set(['stockops.schedule', 'aws.scheduler', 'aws.events']);
const TICKER = /^[A-Z][A-Z0-9.-]{0,9}$/;

/** Uppercase, unique tickers from a list or a comma-separated string. */
export function parseTickers(value: unknown, what: string): string[] {
  const list =
    typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  const symbols = (list ?? [])
    .map((s) => (typeof s === 'string' ? s.trim().toUpperCase() : String(s)))
    .filter((s) => s !== '');
  const bad = symbols.filter((s) => !TICKER.test(s));
  if (!list || symbols.length === 0 || bad.length > 0) {
    throw new IngestEventError(
      `${what}: expected tickers such as ["AMZN","MSFT"] or "AMZN,MSFT" (got ${JSON.stringify(value)})`,
    );
  }
  return [...new Set(symbols)];
}

/** Turns a Lambda event into a request, or says which shape it should have had. */
export function parseIngestEvent(event: unknown): IngestRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new IngestEventError(`unrecognised event ${JSON.stringify(event)}: ${SHAPES}`);
  }
  const e = event as Record<string, unknown>;
  const isBackfill = 'from' in e || 'to' in e;
  const isScheduled =
    !isBackfill &&
    (e['detail-type'] === 'Scheduled Event' ||
      (typeof e.source === 'string' && SCHEDULE_SOURCES.has(e.source)) ||
      'time' in e);
  if (isScheduled) {
    if (typeof e.time !== 'string') {
      throw new IngestEventError(
        `scheduled event without a "time" string: pass the scheduled time, e.g. "time":"<aws.scheduler.scheduled-time>"; ${SHAPES}`,
      );
    }
    return {
      kind: 'scheduled',
      time: e.time,
      ...(e.symbols === undefined ? {} : { symbols: parseTickers(e.symbols, 'symbols') }),
    };
  }
  if (!isBackfill)
    throw new IngestEventError(`unrecognised event ${JSON.stringify(event)}: ${SHAPES}`);
  const symbols = parseTickers(e.symbols, 'backfill symbols');
  for (const field of ['from', 'to'] as const) {
    const value = e[field];
    if (typeof value !== 'string' || !isIsoDate(value)) {
      throw new IngestEventError(
        `backfill "${field}": expected a date YYYY-MM-DD (got ${JSON.stringify(value)})`,
      );
    }
  }
  const from = e.from as IsoDate;
  const to = e.to as IsoDate;
  if (from > to) throw new IngestEventError(`backfill "from" ${from} is after "to" ${to}`);
  if (e.force !== undefined && typeof e.force !== 'boolean') {
    throw new IngestEventError(
      `backfill "force": expected true or false (got ${JSON.stringify(e.force)})`,
    );
  }
  return { kind: 'backfill', symbols, from, to, force: e.force === true };
}
