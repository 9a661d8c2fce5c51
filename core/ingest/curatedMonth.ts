import { formatPriceCsv, type PriceBar, parsePriceCsv } from '../market/priceBar.ts';

/** `YYYY-MM` → that month's bars, ascending by date; months in ascending order. */
export function barsByMonth(bars: readonly PriceBar[]): Map<string, PriceBar[]> {
  const sorted = [...bars].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const months = new Map<string, PriceBar[]>();
  for (const bar of sorted) {
    const month = bar.date.slice(0, 7);
    const list = months.get(month);
    if (list) list.push(bar);
    else months.set(month, [bar]);
  }
  return months;
}

/**
 * A curated month after merging `bars` into what it held: one row per date, ascending; a new
 * bar replaces the stored row of its date. The result depends only on the set of rows, so
 * merging the same day again (a re-delivered event) gives identical bytes, and a month built
 * day by day is byte-identical to one written whole.
 */
export function mergeCuratedMonth(
  existing: string | undefined,
  bars: readonly PriceBar[],
  key = '<curated month>',
): string {
  const byDate = new Map<string, PriceBar>();
  if (existing !== undefined && existing !== '') {
    for (const bar of parsePriceCsv(existing, key)) byDate.set(bar.date, bar);
  }
  for (const bar of bars) byDate.set(bar.date, bar);
  const merged = [...byDate.values()].sort((a, b) =>
    a.date < b.date ? -1 : a.date > b.date ? 1 : 0,
  );
  return formatPriceCsv(merged);
}
