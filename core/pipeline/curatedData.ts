import { curatedPrefix } from '../data/partitions.ts';
import { type PriceBar, parsePriceCsv } from '../market/priceBar.ts';
import type { ObjectStore } from '../ports/objectStore.ts';

export interface CuratedData {
  readonly bars: PriceBar[];
  /** Object key → sha256 of each curated partition read: the data lineage of a model. */
  readonly partitions: Record<string, string>;
}

/** Reads every curated month of a symbol back into bars, in date order. */
export async function readCurated(store: ObjectStore, symbol: string): Promise<CuratedData> {
  const keys = await store.list(curatedPrefix(symbol));
  const bars: PriceBar[] = [];
  const partitions: Record<string, string> = {};
  for (const key of keys) {
    const bytes = await store.get(key);
    const info = await store.head(key);
    if (!bytes || !info) continue;
    bars.push(...parsePriceCsv(new TextDecoder().decode(bytes), `${store.location}/${key}`));
    partitions[key] = info.sha256;
  }
  if (bars.length === 0) {
    throw new Error(
      `no curated data for ${symbol} in ${store.location}: run \`stockops run\` (or ingest + validate) first`,
    );
  }
  return { bars, partitions };
}
