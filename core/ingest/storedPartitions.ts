import {
  curatedMonthKey,
  curatedPrefix,
  rawMonthlyKey,
  rawMonthlyPrefix,
  rawPrefix,
} from '../data/partitions.ts';
import { datesOfRawMonthly } from '../data/rawMonthly.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { type PriceBar, parsePriceCsv } from '../market/priceBar.ts';
import type { ObjectStore } from '../ports/objectStore.ts';

const RAW_KEY = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/bar\.[A-Za-z0-9]+$/;
const CURATED_KEY = /year=(\d{4})\/month=(\d{2})\/bars\.csv$/;
const RAW_MONTHLY_KEY = /year=(\d{4})\/month=(\d{2})\/bars\.jsonl$/;

/** The session dates that have a raw object, from keys under `raw/source=S/symbol=X/`. */
export function rawDatesOfKeys(keys: readonly string[]): Set<IsoDate> {
  const dates = new Set<IsoDate>();
  for (const key of keys) {
    const m = RAW_KEY.exec(key);
    if (m) dates.add(`${m[1]}-${m[2]}-${m[3]}`);
  }
  return dates;
}

/** `YYYY-MM` of each curated month object, from keys under `curated/symbol=X/`, ascending. */
export function curatedMonthsOfKeys(keys: readonly string[]): string[] {
  const months: string[] = [];
  for (const key of keys) {
    const m = CURATED_KEY.exec(key);
    if (m) months.push(`${m[1]}-${m[2]}`);
  }
  return months.sort();
}

/**
 * What the store holds for one symbol: its raw days (of one source) and its curated months,
 * read lazily and cached, so a backfill lists each prefix once and reads each month once.
 */
export class StoredSymbol {
  readonly symbol: string;
  private readonly store: ObjectStore;
  private readonly sourceName: string;
  private rawDates: Promise<Set<IsoDate>> | undefined;
  private months: Promise<string[]> | undefined;
  private readonly monthBars = new Map<string, Promise<PriceBar[]>>();
  private compacted: Promise<Set<string>> | undefined;
  private readonly compactedDates = new Map<string, Promise<string[]>>();

  constructor(store: ObjectStore, sourceName: string, symbol: string) {
    this.store = store;
    this.sourceName = sourceName;
    this.symbol = symbol;
  }

  /** Sessions with a raw object. */
  raw(): Promise<Set<IsoDate>> {
    this.rawDates ??= this.store
      .list(rawPrefix(this.sourceName, this.symbol))
      .then((keys) => rawDatesOfKeys(keys));
    return this.rawDates;
  }

  /**
   * Sessions of `month` held in its compacted raw object (`stockops compact` moved them out of
   * raw/), so a backfill does not fetch them again. Empty when the month is not compacted.
   */
  async compactedRaw(month: string): Promise<string[]> {
    this.compacted ??= this.store.list(rawMonthlyPrefix(this.sourceName, this.symbol)).then(
      (keys) =>
        new Set(
          keys.flatMap((k) => {
            const m = RAW_MONTHLY_KEY.exec(k);
            return m ? [`${m[1]}-${m[2]}`] : [];
          }),
        ),
    );
    if (!(await this.compacted).has(month)) return [];
    let dates = this.compactedDates.get(month);
    if (!dates) {
      dates = this.store
        .get(rawMonthlyKey(this.sourceName, this.symbol, month))
        .then((bytes) => (bytes ? datesOfRawMonthly(new TextDecoder().decode(bytes)) : []));
      this.compactedDates.set(month, dates);
    }
    return dates;
  }

  /** Curated months, `YYYY-MM`, ascending. */
  curatedMonths(): Promise<string[]> {
    this.months ??= this.store
      .list(curatedPrefix(this.symbol))
      .then((keys) => curatedMonthsOfKeys(keys));
    return this.months;
  }

  /** The bars of a curated month (empty when it has no object). */
  curatedBars(month: string): Promise<PriceBar[]> {
    let bars = this.monthBars.get(month);
    if (!bars) {
      const key = curatedMonthKey(this.symbol, month);
      bars = this.store
        .get(key)
        .then((bytes) =>
          bytes === undefined ? [] : parsePriceCsv(new TextDecoder().decode(bytes), key),
        );
      this.monthBars.set(month, bars);
    }
    return bars;
  }

  /** Sessions among `sessions` that are complete: a raw object and a curated row. */
  async completeSessions(sessions: readonly IsoDate[]): Promise<Set<IsoDate>> {
    const raw = new Set(await this.raw());
    const stored = new Set(await this.curatedMonths());
    const complete = new Set<IsoDate>();
    const monthsWanted = [...new Set(sessions.map((d) => d.slice(0, 7)))].filter((m) =>
      stored.has(m),
    );
    const curated = new Set<IsoDate>();
    for (const month of monthsWanted) {
      for (const bar of await this.curatedBars(month)) curated.add(bar.date);
      for (const date of await this.compactedRaw(month)) raw.add(date);
    }
    for (const session of sessions) {
      if (raw.has(session) && curated.has(session)) complete.add(session);
    }
    return complete;
  }

  /** The latest curated bar strictly before `date`. */
  async barBefore(date: IsoDate): Promise<PriceBar | undefined> {
    const months = (await this.curatedMonths()).filter((m) => m <= date.slice(0, 7)).reverse();
    for (const month of months) {
      const bars = (await this.curatedBars(month)).filter((b) => b.date < date);
      if (bars.length > 0) return bars.at(-1);
    }
    return undefined;
  }

  /** The earliest curated bar strictly after `date`. */
  async barAfter(date: IsoDate): Promise<PriceBar | undefined> {
    const months = (await this.curatedMonths()).filter((m) => m >= date.slice(0, 7));
    for (const month of months) {
      const bar = (await this.curatedBars(month)).find((b) => b.date > date);
      if (bar) return bar;
    }
    return undefined;
  }

  /** Every curated bar, ascending. */
  async allCurated(): Promise<PriceBar[]> {
    const out: PriceBar[] = [];
    for (const month of await this.curatedMonths()) out.push(...(await this.curatedBars(month)));
    return out;
  }

  /** Forget what was read, after this symbol's objects were written. */
  invalidate(): void {
    this.rawDates = undefined;
    this.months = undefined;
    this.monthBars.clear();
    this.compacted = undefined;
    this.compactedDates.clear();
  }
}
