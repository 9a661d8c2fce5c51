import {
  ALERT_SCHEMA,
  type Alert,
  type AlertPublisher,
  type AlertType,
  assertIncidentKey,
  parseAlert,
} from '../ports/alerts.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import { incidentKey } from './monitorKeys.ts';

export interface RaiseInput {
  readonly type: AlertType;
  readonly incident: string;
  readonly severity: Alert['severity'];
  readonly symbol: string | null;
  readonly summary: string;
  readonly detail: string;
  readonly retrain?: boolean;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface RaiseOutcome {
  /** The incident's alert: the one just sent, or the one sent when it opened. */
  readonly alert: Alert;
  /** false when the incident was open already, so nothing was sent. */
  readonly sent: boolean;
}

interface IncidentRecord {
  readonly alert: Alert;
  readonly last_seen: string;
  /** Raises suppressed since the alert was sent. */
  readonly repeats: number;
}

/**
 * One alert per incident. An incident opens when it is first raised, and the alert goes out
 * then; raising it again while it is open only records that it was seen; resolving it closes it,
 * so the next occurrence is a new incident with a new alert. Open incidents are objects in the
 * store (alerts/incidents/<key>.json), so runs in separate processes de-duplicate too. The record
 * is written after the publisher succeeded: a failed send is retried by the next raise.
 */
export class IncidentAlerts {
  private readonly publisher: AlertPublisher;
  private readonly store: ObjectStore;
  private readonly env: string;
  private readonly now: () => Date;

  constructor(options: {
    readonly publisher: AlertPublisher;
    readonly store: ObjectStore;
    readonly env: string;
    readonly now: () => Date;
  }) {
    this.publisher = options.publisher;
    this.store = options.store;
    this.env = options.env;
    this.now = options.now;
  }

  get publisherName(): string {
    return this.publisher.name;
  }

  async raise(input: RaiseInput): Promise<RaiseOutcome> {
    assertIncidentKey(input.incident);
    const at = this.now().toISOString();
    const open = await this.openIncident(input.incident);
    if (open) {
      const record: IncidentRecord = { ...open, last_seen: at, repeats: open.repeats + 1 };
      await this.store.put(incidentKey(input.incident), `${JSON.stringify(record, null, 2)}\n`);
      return { alert: open.alert, sent: false };
    }
    const alert: Alert = {
      schema: ALERT_SCHEMA,
      id: `${input.incident}@${at}`,
      type: input.type,
      incident: input.incident,
      severity: input.severity,
      symbol: input.symbol,
      summary: input.summary.length > 100 ? `${input.summary.slice(0, 99)}…` : input.summary,
      detail: input.detail,
      raised_at: at,
      env: this.env,
      retrain: input.retrain ?? false,
      ...(input.data ? { data: input.data } : {}),
    };
    await this.publisher.publish(alert);
    const record: IncidentRecord = { alert, last_seen: at, repeats: 0 };
    await this.store.put(incidentKey(input.incident), `${JSON.stringify(record, null, 2)}\n`);
    return { alert, sent: true };
  }

  /** Closes an open incident; false when there was none. */
  async resolve(incident: string): Promise<boolean> {
    assertIncidentKey(incident);
    const key = incidentKey(incident);
    if (!(await this.store.head(key))) return false;
    await this.store.delete(key);
    return true;
  }

  async openIncident(incident: string): Promise<IncidentRecord | undefined> {
    const key = incidentKey(incident);
    const bytes = await this.store.get(key);
    if (!bytes) return undefined;
    const where = `${this.store.location}/${key}`;
    const record = JSON.parse(new TextDecoder().decode(bytes)) as IncidentRecord;
    return {
      alert: parseAlert(JSON.stringify(record.alert), `${where}: alert`),
      last_seen: String(record.last_seen),
      repeats: Number(record.repeats) || 0,
    };
  }
}
