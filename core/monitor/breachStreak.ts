import { type IsoDate, isIsoDate } from '../market/isoDate.ts';
import { nextTradingDay } from '../market/nyseCalendar.ts';

export const MONITOR_STATE_SCHEMA = 'stockops.monitor-state/v1';

/** What the monitor remembers between runs, per symbol (monitor/<SYMBOL>/state.json). */
export interface MonitorState {
  readonly schema: typeof MONITOR_STATE_SCHEMA;
  readonly symbol: string;
  /** Monitored sessions, oldest first, at most HISTORY_DAYS: whether each breached. */
  readonly days: readonly { readonly date: IsoDate; readonly breached: boolean }[];
  /** Breached sessions in a row up to the latest monitored one. */
  readonly consecutive_breach_days: number;
}

export const HISTORY_DAYS = 60;

export function emptyState(symbol: string): MonitorState {
  return { schema: MONITOR_STATE_SCHEMA, symbol, days: [], consecutive_breach_days: 0 };
}

/**
 * Records one monitored session and recounts the streak. Re-running a session replaces its
 * entry (idempotent); a session monitored out of order slots into place. The streak counts
 * breached sessions back from the latest one that follow each other on the NYSE calendar: a
 * session that was never monitored breaks it, since nothing says it breached.
 */
export function recordSession(state: MonitorState, date: IsoDate, breached: boolean): MonitorState {
  const days = [...state.days.filter((d) => d.date !== date), { date, breached }]
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .slice(-HISTORY_DAYS);
  return { ...state, days, consecutive_breach_days: streak(days) };
}

function streak(days: MonitorState['days']): number {
  let count = 0;
  for (let i = days.length - 1; i >= 0; i--) {
    const day = days[i] as MonitorState['days'][number];
    if (!day.breached) break;
    const later = days[i + 1];
    if (later && nextTradingDay(day.date) !== later.date) break;
    count++;
  }
  return count;
}

/** Reads a stored state; the error names the object and the field. */
export function parseMonitorState(text: string, where: string, symbol: string): MonitorState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message}); delete it to start over`);
  }
  const o = value as Partial<MonitorState>;
  if (o?.schema !== MONITOR_STATE_SCHEMA) {
    throw new Error(`${where}: schema: expected "${MONITOR_STATE_SCHEMA}"`);
  }
  if (o.symbol !== symbol)
    throw new Error(`${where}: symbol: expected "${symbol}" (got ${JSON.stringify(o.symbol)})`);
  if (
    !Array.isArray(o.days) ||
    !o.days.every((d) => isIsoDate(String(d?.date)) && typeof d?.breached === 'boolean')
  ) {
    throw new Error(`${where}: days: expected [{date: YYYY-MM-DD, breached: boolean}, …]`);
  }
  return { ...emptyState(symbol), days: o.days, consecutive_breach_days: streak(o.days) };
}
