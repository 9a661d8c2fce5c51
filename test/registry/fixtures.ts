import { sha256Hex } from '../../adapters/local/sha256.ts';
import type { RegisterInput } from '../../core/ports/modelRegistry.ts';

export const AT = '2025-01-02T21:30:00.000Z';
export const LATER = '2025-01-03T21:30:00.000Z';

/** Bytes that are not valid UTF-8, so a text round trip would change them. */
export const WEIGHTS = new Uint8Array([0, 1, 2, 254, 255, 128, 0x80, 0xc3]);

/** A small LSTM-like package for `group`; override any field. */
export function lstmInput(group = 'AMZN', overrides: Partial<RegisterInput> = {}): RegisterInput {
  return {
    group,
    modelName: 'lstm',
    kind: 'candidate',
    files: { 'model.json': '{"format":"layers-model"}\n', 'weights.bin': WEIGHTS },
    metrics: { 'aggregate.rmse_return': 0.0123, 'aggregate.error_ratio_vs_best_baseline': 0.97 },
    lineage: {
      data: {
        symbol: group,
        from: '2020-01-02',
        to: '2024-12-31',
        bars: 1258,
        sha256: sha256Hex('bars'),
        partitions: {
          [`curated/symbol=${group}/year=2024/month=12/bars.csv`]: sha256Hex('dec'),
          [`curated/symbol=${group}/year=2024/month=11/bars.csv`]: sha256Hex('nov'),
        },
      },
      config_hash: sha256Hex('config'),
      git_commit: 'a'.repeat(40),
      hyperparameters: { units: 16, learning_rate: 0.002, layers: 1 },
      evaluation_key: `runs/r1/evaluation/symbol=${group}/evaluation.json`,
    },
    status: 'PendingManualApproval',
    reason: 'registered by the daily run',
    at: AT,
    ...overrides,
  };
}

/** A baseline: one small JSON file, registered Approved (the first champion). */
export function baselineInput(
  group = 'AMZN',
  overrides: Partial<RegisterInput> = {},
): RegisterInput {
  const base = lstmInput(group);
  return {
    ...base,
    modelName: 'last_close',
    kind: 'baseline',
    files: { 'baseline.json': '{"name":"last_close"}\n' },
    metrics: { 'aggregate.rmse_return': 0.0127, 'aggregate.error_ratio_vs_best_baseline': null },
    lineage: { ...base.lineage, hyperparameters: {} },
    status: 'Approved',
    reason: 'best baseline',
    ...overrides,
  };
}
