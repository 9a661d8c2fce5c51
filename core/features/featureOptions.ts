import type { StockopsConfig } from '../config/configTypes.ts';
import type { FeatureOptions } from './featureTable.ts';

/** The feature settings of a config, as buildFeatureTable takes them. */
export function featureOptions(config: StockopsConfig): FeatureOptions {
  return {
    avgPrice: config.features.avg_price,
    volatilityWindow: config.features.volatility_window,
    volumeWindow: config.features.volume_window,
  };
}
