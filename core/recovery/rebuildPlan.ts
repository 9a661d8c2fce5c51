import { canonicalJson } from '../config/canonicalJson.ts';
import { curatedMonthKey } from '../data/partitions.ts';
import { barsByMonth } from '../ingest/curatedMonth.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { formatPriceCsv, type PriceBar } from '../market/priceBar.ts';
import type { ModelLineage, ModelPackage } from '../ports/modelRegistry.ts';

/**
 * The curated partitions a run that validated exactly `bars` wrote (writeCurated), as
 * key → sha256, without writing them: an older version's data lineage is that of a shorter
 * history than curated/ holds today (its last month had fewer days then).
 */
export function curatedPartitions(
  symbol: string,
  bars: readonly PriceBar[],
  hash: (text: string) => string,
): Record<string, string> {
  const partitions: Record<string, string> = {};
  for (const [month, monthBars] of barsByMonth(bars)) {
    partitions[curatedMonthKey(symbol, month)] = hash(formatPriceCsv(monthBars));
  }
  return partitions;
}

/** The data lineage of a model fitted on `bars`, as DailyRun records it. */
export function dataLineage(
  symbol: string,
  bars: readonly PriceBar[],
  hash: (text: string) => string,
): ModelLineage['data'] {
  const partitions = curatedPartitions(symbol, bars, hash);
  return {
    symbol,
    from: bars[0]?.date ?? '',
    to: bars.at(-1)?.date ?? '',
    bars: bars.length,
    sha256: hash(canonicalJson(partitions)),
    partitions,
  };
}

/** Bars in [from, to], the range a version's lineage names. */
export function barsInRange(bars: readonly PriceBar[], from: IsoDate, to: IsoDate): PriceBar[] {
  return bars.filter((b) => b.date >= from && b.date <= to);
}

/**
 * One evaluation plus one final training that together rebuild a set of registry versions:
 * the versions one run registered (its baselines and its candidate share the data, config and
 * evaluation). Versions from runs on the same data, config and hyperparameters share a fit
 * too: training is deterministic, so fitting twice would only take twice as long.
 */
export interface ModelFit {
  /** Identifies the fit's inputs (symbol, data range, config, LSTM hyperparameters). */
  readonly id: string;
  readonly symbol: string;
  readonly from: IsoDate;
  readonly to: IsoDate;
  readonly configHash: string;
  /** The candidate's recorded hyperparameters; undefined when only baselines use the fit. */
  readonly hyperparameters: Readonly<Record<string, unknown>> | undefined;
  /** Ascending. */
  readonly versions: readonly number[];
}

/** Groups a group's recorded versions into fits, in the order of their first version. */
export function planModelFits(packages: readonly ModelPackage[]): ModelFit[] {
  const byRun = new Map<string, ModelPackage[]>();
  for (const pkg of [...packages].sort((a, b) => a.version - b.version)) {
    const d = pkg.lineage.data;
    // Versions a run registered share its evaluation; without one, the data and config alone.
    const run =
      pkg.lineage.evaluation_key ?? `${d.symbol}|${d.from}|${d.to}|${pkg.lineage.config_hash}`;
    const list = byRun.get(run);
    if (list) list.push(pkg);
    else byRun.set(run, [pkg]);
  }
  const fits = new Map<string, { fit: Omit<ModelFit, 'versions'>; versions: number[] }>();
  for (const members of byRun.values()) {
    const first = members[0] as ModelPackage;
    const candidate = members.find((p) => p.kind === 'candidate');
    const hyper = candidate?.lineage.hyperparameters;
    const d = first.lineage.data;
    const id = canonicalJson({
      symbol: d.symbol,
      from: d.from,
      to: d.to,
      config: first.lineage.config_hash,
      hyper: hyper ?? null,
    });
    const entry = fits.get(id) ?? {
      fit: {
        id,
        symbol: d.symbol,
        from: d.from,
        to: d.to,
        configHash: first.lineage.config_hash,
        hyperparameters: hyper,
      },
      versions: [],
    };
    entry.versions.push(...members.map((p) => p.version));
    fits.set(id, entry);
  }
  return [...fits.values()].map(({ fit, versions }) => ({
    ...fit,
    versions: versions.sort((a, b) => a - b),
  }));
}
