import { type Alert, parseAlert } from '../ports/alerts.ts';

/** The repository_dispatch event type retrain.yml listens for. */
export const DRIFT_EVENT_TYPE = 'drift-detected';

export interface DispatchBody {
  readonly event_type: typeof DRIFT_EVENT_TYPE;
  readonly client_payload: {
    readonly symbol: string | null;
    readonly reason: string;
    readonly alert_id: string;
    readonly env: string;
  };
}

/** What GitHub's POST /repos/{owner}/{repo}/dispatches receives for a retrain alert. */
export function dispatchBody(alert: Alert): DispatchBody {
  const reason = typeof alert.data?.reason === 'string' ? alert.data.reason : alert.summary;
  return {
    event_type: DRIFT_EVENT_TYPE,
    // GitHub caps client_payload at 10 top-level keys; a long reason is cut, not refused
    client_payload: {
      symbol: alert.symbol,
      reason: reason.length > 1000 ? `${reason.slice(0, 999)}…` : reason,
      alert_id: alert.id,
      env: alert.env,
    },
  };
}

/** The alerts in an SNS event (Records[].Sns.Message); the error names the record. */
export function alertsFromSnsEvent(event: unknown): Alert[] {
  const records = (event as { Records?: unknown })?.Records;
  if (!Array.isArray(records) || records.length === 0) {
    throw new Error('event: expected an SNS event with Records[].Sns.Message');
  }
  return records.map((record, i) => {
    const message = (record as { Sns?: { Message?: unknown } })?.Sns?.Message;
    if (typeof message !== 'string') {
      throw new Error(`event: Records[${i}].Sns.Message: expected a string`);
    }
    return parseAlert(message, `event: Records[${i}].Sns.Message`);
  });
}
