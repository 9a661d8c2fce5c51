import type { RaiseInput } from '../monitor/incidentAlerts.ts';
import { describeFailures, type IngestOutcome } from './ingestRun.ts';

/**
 * What a failed ingest run is, as an incident. Every failed symbol stopped on bad data →
 * `data_quality`; anything else (the source after its retries, the store, the time budget) →
 * `pipeline_failure`. The key names the day (or range), not the attempt: Lambda's async
 * retries and a re-run for the same day raise the same incident, so one alert goes out.
 */
export function ingestFailureIncident(outcome: IngestOutcome): RaiseInput {
  const failed = Object.values(outcome.symbols).filter((s) => s.error !== undefined);
  const quality = failed.length > 0 && failed.every((s) => s.failure === 'quality');
  const type = quality ? 'data_quality' : 'pipeline_failure';
  const what =
    outcome.kind === 'scheduled' ? String(outcome.date) : `${outcome.from}_${outcome.to}`;
  const symbols = failed.map((s) => s.symbol);
  return {
    type,
    incident: `${type}.ingest.${what}`,
    severity: 'critical',
    symbol: symbols.length === 1 ? (symbols[0] as string) : null,
    summary: `ingest ${what} failed for ${symbols.join(', ')}${quality ? ' (data quality)' : ''}`,
    detail:
      `${describeFailures(outcome)}. The event is retried by Lambda and then sent to the ` +
      'ingest failures queue; after fixing the cause, re-drive it (docs/runbooks/missing-or-bad-data.md).',
    data: {
      kind: outcome.kind,
      symbols: Object.fromEntries(failed.map((s) => [s.symbol, s.failure ?? 'source'])),
    },
  };
}

/** A run that failed before it had an outcome (the store could not be listed, a bad time). */
export function ingestPlanningIncident(kind: string, day: string, error: string): RaiseInput {
  return {
    type: 'pipeline_failure',
    incident: `pipeline_failure.ingest.plan.${day}`,
    severity: 'critical',
    symbol: null,
    summary: `ingest (${kind}) could not plan its run on ${day}`,
    detail: `${error}. The event is retried by Lambda and then sent to the ingest failures queue.`,
  };
}

/** The incidents a successful run for the same day closes, so a later failure alerts again. */
export function ingestIncidentsFor(outcome: IngestOutcome): string[] {
  const what =
    outcome.kind === 'scheduled' ? String(outcome.date) : `${outcome.from}_${outcome.to}`;
  return [`pipeline_failure.ingest.${what}`, `data_quality.ingest.${what}`];
}
