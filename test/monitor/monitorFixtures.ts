import { seededRandom } from '../../core/model/seededRandom.ts';

/** `n` standard-normal draws (Box–Muller on the project's seeded generator). */
export function normalSample(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  return Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()),
  );
}

import { loadConfig } from '../../adapters/local/configFiles.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import type { MonitorConfig, StockopsConfig } from '../../core/config/configTypes.ts';
import { addDays, type IsoDate } from '../../core/market/isoDate.ts';
import { isTradingDay } from '../../core/market/nyseCalendar.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { writeCurated } from '../../core/pipeline/dailyRun.ts';
import type { Alert, AlertPublisher } from '../../core/ports/alerts.ts';

/**
 * `count` bars on NYSE sessions from 2018-01-02: daily log returns N(0, σ) with σ = 1%, and
 * `volatility` × σ from bar `regimeFrom` on (a volatility regime change of known size).
 */
export function regimeBars(
  count: number,
  options: {
    readonly regimeFrom?: number;
    readonly volatility?: number;
    readonly seed?: number;
  } = {},
): PriceBar[] {
  const z = normalSample(count * 3, options.seed ?? 5);
  const bars: PriceBar[] = [];
  let date: IsoDate = '2018-01-02';
  let close = 100;
  while (bars.length < count) {
    if (isTradingDay(date)) {
      const i = bars.length;
      const sigma = 0.01 * (i >= (options.regimeFrom ?? count) ? (options.volatility ?? 1) : 1);
      const open = close * Math.exp(sigma * 0.3 * (z[3 * i] as number));
      close = open * Math.exp(sigma * (z[3 * i + 1] as number));
      const wick = sigma * 0.5 * Math.abs(z[3 * i + 2] as number);
      const high = Math.max(open, close) * Math.exp(wick);
      const low = Math.min(open, close) * Math.exp(-wick);
      const volume =
        1_000_000 + Math.floor(500_000 * Math.abs(z[(3 * i + 5) % z.length] as number));
      bars.push({ date, open, high, low, close, adjClose: close, volume });
    }
    date = addDays(date, 1);
  }
  return bars;
}

const base = loadConfig({ dir: 'config', env: 'local' }).config;

/** The repo's config with monitor settings for ~700-bar fixtures. */
export function monitorConfig(monitor: Partial<MonitorConfig> = {}): StockopsConfig {
  return {
    ...base,
    monitor: {
      psi_threshold: 0.25,
      ks_p_value: 0.01,
      reference_days: 400,
      recent_days: 120,
      error_window_days: 20,
      max_error_ratio: 1.1,
      consecutive_days: 3,
      retrain_on_trigger: false,
      ...monitor,
    },
  };
}

const HASH = 'a'.repeat(64);
const AT = '2024-01-01T00:00:00.000Z';

/**
 * A store with curated `bars` and a registry holding last_close (the best baseline by its
 * metrics), persistence, and a drift model whose daily drift is `drift`; `champion` names the
 * one the endpoint serves.
 */
export async function monitoredStore(
  symbol: string,
  bars: readonly PriceBar[],
  champion: 'last_close' | 'drift',
  drift = 0,
) {
  const store = new MemoryObjectStore();
  await writeCurated(store, symbol, bars);
  const registry = new StoreModelRegistry(store);
  const versions: Record<string, number> = {};
  const models: [string, number, Record<string, unknown>][] = [
    ['last_close', 0.017, {}],
    ['persistence', 0.019, {}],
    ['drift', 0.0185, { drift, n_train: 100 }],
  ];
  for (const [name, rmse, params] of models) {
    const pkg = await registry.register({
      group: symbol,
      modelName: name,
      kind: 'baseline',
      files: {
        'model.json': JSON.stringify({
          format: 'stockops.baseline/v1',
          name,
          trained_on: { from: bars[0]?.date, to: bars[400]?.date, origins: 380 },
          params,
        }),
      },
      metrics: { 'aggregate.rmse_return': rmse },
      lineage: {
        data: {
          symbol,
          from: bars[0]?.date ?? '',
          to: bars[400]?.date ?? '',
          bars: 401,
          sha256: HASH,
        },
        config_hash: HASH,
        git_commit: null,
        hyperparameters: params,
      },
      status: 'Approved',
      reason: 'baseline: a reference model, approved by rule',
      at: AT,
    });
    versions[name] = pkg.version;
  }
  await registry.setChampion(symbol, versions[champion] as number, 'test', AT);
  return { store, registry };
}

/** An AlertPublisher that keeps what it was sent. */
export function recordingPublisher(): AlertPublisher & { readonly sent: Alert[] } {
  const sent: Alert[] = [];
  return { name: 'test', sent, publish: async (alert) => void sent.push(alert) };
}
