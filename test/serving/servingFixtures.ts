import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import { featureOptions } from '../../core/features/featureOptions.ts';
import { buildFeatureTable, type FeatureOptions } from '../../core/features/featureTable.ts';
import { formatPriceCsv, type PriceBar } from '../../core/market/priceBar.ts';
import {
  CANDIDATE_NAME,
  type FinalModels,
  trainFinalModels,
} from '../../core/pipeline/modelSteps.ts';
import type { ServedVariant } from '../../core/serving/invocation.ts';
import { type ServingModel, servingModelFromFiles } from '../../core/serving/servingModel.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

export const REPO = join(import.meta.dirname, '..', '..');

/** The real config with a tiny model and short feature windows: fits take milliseconds. */
export const SMALL_LOCAL_YAML = [
  'store: {root: .stockops}',
  'features: {window: 5, volatility_window: 5, volume_window: 5}',
  'model: {units: 4, epochs: 2, batch_size: 16, max_train_days: 150}',
  '',
].join('\n');

/** A temp copy of config/ with SMALL_LOCAL_YAML as local.yaml; remove it with `dispose`. */
export function smallConfigDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'stockops-serving-config-'));
  cpSync(join(REPO, 'config'), dir, { recursive: true });
  writeFileSync(join(dir, 'local.yaml'), SMALL_LOCAL_YAML);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export const BARS: readonly PriceBar[] = syntheticBars(300, '2021-01-04', 7);
export const BARS_CSV = formatPriceCsv(BARS);

export interface FittedSet {
  readonly config: StockopsConfig;
  readonly features: FeatureOptions;
  readonly final: FinalModels;
}

/** Fits every final model (the four baselines and a tiny LSTM) on BARS with the small config. */
export async function fitFinalModels(configDir: string): Promise<FittedSet> {
  const resolved = loadConfig({ dir: configDir, env: 'local' });
  const { config } = resolved;
  const final = await trainFinalModels({
    symbol: 'AMZN',
    table: buildFeatureTable(BARS, featureOptions(config)),
    config,
    configHash: resolved.hash,
    dataSha256: sha256Hex(BARS_CSV),
    createdAt: '2025-01-02T21:30:00.000Z',
  });
  return { config, features: featureOptions(config), final };
}

export const AT = '2025-01-02T21:30:00.000Z';

/** The lineage every fixture package carries: BARS, a made-up config hash, no git commit. */
export const LINEAGE = {
  data: {
    symbol: 'AMZN',
    from: BARS[0]?.date ?? '',
    to: BARS.at(-1)?.date ?? '',
    bars: BARS.length,
    sha256: sha256Hex(BARS_CSV),
  },
  config_hash: sha256Hex('config'),
  git_commit: null,
  hyperparameters: {},
};

/**
 * A registry as `stockops run` leaves it on a new group: the baselines (v1 persistence,
 * v2 last_close, v3 drift, v4 linear_ar) Approved with last_close champion, and the LSTM v5
 * Rejected by the gate.
 */
export async function registryWithModels(storeRoot: string, fitted: FittedSet) {
  const registry = new StoreModelRegistry(new FileObjectStore(storeRoot));
  const lineage = LINEAGE;
  const versions: Record<string, number> = {};
  for (const [name, files] of Object.entries(fitted.final.baselines)) {
    const pkg = await registry.register({
      group: 'AMZN',
      modelName: name,
      kind: 'baseline',
      files,
      metrics: {},
      lineage,
      status: 'Approved',
      reason: 'baseline: a reference model, approved by rule',
      at: AT,
    });
    versions[name] = pkg.version;
  }
  await registry.setChampion('AMZN', versions.last_close as number, 'best baseline', AT);
  const lstm = await registry.register({
    group: 'AMZN',
    modelName: CANDIDATE_NAME,
    kind: 'candidate',
    files: fitted.final.candidate,
    metrics: {},
    lineage,
    status: 'Rejected',
    reason: 'gate: max_error_ratio',
    at: AT,
  });
  versions[CANDIDATE_NAME] = lstm.version;
  return { registry, versions };
}

/** The fitted set's models as ServingModels, by name. */
export async function servingModels(fitted: FittedSet): Promise<Record<string, ServingModel>> {
  const out: Record<string, ServingModel> = {
    [CANDIDATE_NAME]: await servingModelFromFiles(fitted.final.candidate, {
      version: 5,
      features: fitted.features,
    }),
  };
  let version = 1;
  for (const [name, files] of Object.entries(fitted.final.baselines)) {
    out[name] = await servingModelFromFiles(files, {
      version: version++,
      features: fitted.features,
    });
  }
  return out;
}

export function variant(name: string, model: ServingModel, weight = 1): ServedVariant {
  return { name, weight, model };
}

/** `n` window rows of made-up but plausible feature values, row-major, for JSON bodies. */
export function windowRows(n: number, seed = 1): number[][] {
  return Array.from({ length: n }, (_, r) => [
    0.001 * (((r + seed) % 7) - 3),
    0.002 * (((r * 3 + seed) % 5) - 2),
    0.015 + 0.001 * (r % 3),
    0.1 * (((r + 2 * seed) % 9) - 4),
  ]);
}

/** A JSON answer of the server, loosely typed for assertions (each test reads what it expects). */
export interface Answer {
  readonly error: string;
  readonly status: string;
  readonly reason: string;
  readonly model: string;
  readonly version: number | null;
  readonly variant: string;
  readonly forecasts: readonly { readonly predicted_log_return: number }[];
  readonly variants: readonly unknown[];
}

export async function answer(response: Response): Promise<Answer> {
  return (await response.json()) as Answer;
}
