import { ALERT_TYPES, type AlertType } from '../config/configTypes.ts';

export { ALERT_TYPES, type AlertType };

export const ALERT_SCHEMA = 'stockops.alert/v1';

/**
 * One alert as every sink receives it: the alert log locally, an SNS message body in AWS (and
 * from there the dispatch Lambda). `incident` names what is wrong, not when: every alert about
 * the same open incident carries the same key, which is what de-duplication goes by.
 */
export interface Alert {
  readonly schema: typeof ALERT_SCHEMA;
  /** Unique per incident occurrence: `${incident}@${opened_at}`, sent to GitHub as alert_id. */
  readonly id: string;
  readonly type: AlertType;
  /** e.g. `model_degradation.AMZN.retrain`; letters, digits and `._-` (an object-key part). */
  readonly incident: string;
  readonly severity: 'warning' | 'critical';
  readonly symbol: string | null;
  /** One line, at most 100 characters (the SNS subject limit). */
  readonly summary: string;
  /** What happened and what the operator does next. */
  readonly detail: string;
  /** ISO time the incident opened. */
  readonly raised_at: string;
  readonly env: string;
  /** True when this alert asks for a retrain (the dispatch Lambda acts only on these). */
  readonly retrain: boolean;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Where alerts go: SNS topics per type in AWS, an alert log (and stderr) locally. */
export interface AlertPublisher {
  /** For messages: `alert log .stockops/alerts/`, `sns`. */
  readonly name: string;
  /** Delivers one alert. Idempotent per alert id where the sink allows. */
  publish(alert: Alert): Promise<void>;
}

const INCIDENT = /^[A-Za-z0-9._-]{1,200}$/;

export function assertIncidentKey(key: string): void {
  if (!INCIDENT.test(key)) {
    throw new Error(
      `invalid incident key "${key}": use 1–200 letters, digits and ._- (e.g. model_degradation.AMZN.retrain)`,
    );
  }
}

/** Parses an alert from JSON (an SNS message body); the error names the field. */
export function parseAlert(text: string, source = 'alert'): Alert {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  const o = value as Record<string, unknown>;
  const fail = (field: string, want: string) => {
    throw new Error(`${source}: ${field}: expected ${want} (got ${JSON.stringify(o?.[field])})`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${source}: expected a JSON object`);
  }
  if (o.schema !== ALERT_SCHEMA) fail('schema', `"${ALERT_SCHEMA}"`);
  for (const f of ['id', 'incident', 'summary', 'detail', 'raised_at', 'env'] as const) {
    if (typeof o[f] !== 'string' || o[f] === '') fail(f, 'a non-empty string');
  }
  if (!(ALERT_TYPES as readonly unknown[]).includes(o.type)) fail('type', ALERT_TYPES.join(' | '));
  if (o.severity !== 'warning' && o.severity !== 'critical') fail('severity', 'warning | critical');
  if (o.symbol !== null && typeof o.symbol !== 'string') fail('symbol', 'a string or null');
  if (typeof o.retrain !== 'boolean') fail('retrain', 'true or false');
  return value as Alert;
}
