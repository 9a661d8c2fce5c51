import type { StockopsConfig } from '../config/configTypes.ts';
import type { LstmHyperparameters } from './lstmForecaster.ts';

/** The LSTM's hyperparameters from config (window from features.window), with overrides. */
export function lstmHyperparameters(
  config: StockopsConfig,
  overrides: Partial<LstmHyperparameters> = {},
): LstmHyperparameters {
  const m = config.model;
  return {
    units: m.units,
    layers: m.layers,
    dropout: m.dropout,
    window: config.features.window,
    epochs: m.epochs,
    batchSize: m.batch_size,
    learningRate: m.learning_rate,
    patience: m.patience,
    validationFraction: m.validation_fraction,
    warmStart: m.warm_start,
    seed: m.seed,
    ...overrides,
  };
}
