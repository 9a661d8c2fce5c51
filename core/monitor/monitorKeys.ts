import type { IsoDate } from '../market/isoDate.ts';

/** Where `stockops monitor` keeps its outputs in the object store. */
export function driftReportKey(symbol: string, asOf: IsoDate): string {
  return `monitor/${symbol}/drift/${asOf}.json`;
}

export function driftReportPrefix(symbol: string): string {
  return `monitor/${symbol}/drift/`;
}

/** The breach streak of a symbol (breachStreak.ts). */
export function monitorStateKey(symbol: string): string {
  return `monitor/${symbol}/state.json`;
}

/** One open incident (incidentAlerts.ts); deleted when it resolves. */
export function incidentKey(incident: string): string {
  return `alerts/incidents/${incident}.json`;
}
