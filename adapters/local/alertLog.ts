import type { Alert, AlertPublisher } from '../../core/ports/alerts.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';

/** alerts/log/year=YYYY/month=MM/alerts.jsonl: one JSON line per alert, a file per month. */
export function alertLogKey(raisedAt: string): string {
  return `alerts/log/year=${raisedAt.slice(0, 4)}/month=${raisedAt.slice(5, 7)}/alerts.jsonl`;
}

/**
 * The local alert sink: appends each alert as one JSON line to the month's log in the object
 * store, and prints one line on stderr for whoever watches the run. Appending is
 * read-modify-write (the store writes whole objects, atomically); an alert id already in the
 * log is not appended again, so a retried publish leaves one line.
 */
export class AlertLog implements AlertPublisher {
  readonly name: string;
  private readonly store: ObjectStore;
  private readonly stderr: (line: string) => void;

  constructor(
    store: ObjectStore,
    stderr: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.store = store;
    this.stderr = stderr;
    this.name = `alert log ${store.location}/alerts/log/`;
  }

  async publish(alert: Alert): Promise<void> {
    const key = alertLogKey(alert.raised_at);
    const bytes = await this.store.get(key);
    const existing = bytes ? new TextDecoder().decode(bytes) : '';
    const logged = existing
      .split('\n')
      .filter((line) => line !== '')
      .some((line) => (JSON.parse(line) as { id?: string }).id === alert.id);
    if (!logged) await this.store.put(key, `${existing}${JSON.stringify(alert)}\n`);
    this.stderr(`ALERT [${alert.type}/${alert.severity}] ${alert.summary} (${alert.id})`);
  }

  /** Every alert logged in the month of `raisedAt`, oldest first. */
  async read(raisedAt: string): Promise<Alert[]> {
    const bytes = await this.store.get(alertLogKey(raisedAt));
    if (!bytes) return [];
    return new TextDecoder()
      .decode(bytes)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Alert);
  }
}
