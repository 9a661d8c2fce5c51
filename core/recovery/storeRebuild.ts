import type { StockopsConfig } from '../config/configTypes.ts';
import { featuresKey, LINEAGE_PREFIX, lineageConfigKey } from '../data/partitions.ts';
import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import { featureOptions } from '../features/featureOptions.ts';
import { buildFeatureTable, formatFeatureCsv } from '../features/featureTable.ts';
import { barsOfRawObject, parseRawKey } from '../ingest/rawDays.ts';
import type { PriceBar } from '../market/priceBar.ts';
import { lstmHyperparameters } from '../model/lstmConfig.ts';
import type { LstmHyperparameters } from '../model/lstmForecaster.ts';
import { readCurated } from '../pipeline/curatedData.ts';
import { writeCurated } from '../pipeline/dailyRun.ts';
import {
  CANDIDATE_NAME,
  type EvaluationContext,
  evaluateModels,
  type FinalModels,
  trainFinalModels,
} from '../pipeline/modelSteps.ts';
import type { ModelPackage, ModelRegistry } from '../ports/modelRegistry.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import { metricsFromEvaluation } from '../registry/evaluationMetrics.ts';
import { parseChampion, parsePackage } from '../registry/packageJson.ts';
import {
  championKey,
  lineageChampionKey,
  lineagePackageKey,
  lineageVersionsInKeys,
  packageId,
} from '../registry/registryKeys.ts';
import { parseConfigRecord, parseFeaturesLineage } from './lineageRecords.ts';
import { barsInRange, dataLineage, type ModelFit, planModelFits } from './rebuildPlan.ts';
import type { Mismatch } from './storeComparison.ts';

/**
 * Rebuilds the derived data classes of a store (docs/runbooks/disaster-recovery.md) from its
 * primary ones, raw/ and lineage/, through the ports only: curated/ from raw/, features/ from
 * curated/ and their lineage records, and each registry version by refitting and
 * re-evaluating its recorded data range with its recorded config and hyperparameters. Each
 * step reports problems instead of stopping, so one drill shows every gap at once.
 */

export interface RebuildDeps {
  readonly store: ObjectStore;
  readonly registry: ModelRegistry;
  /** sha256 hex of a text (core stays free of node:crypto). */
  readonly hash: (text: string) => string;
  readonly onProgress?: (message: string) => void;
}

export interface RebuildOutcome {
  /** Objects (or versions) written. */
  readonly rebuilt: number;
  readonly problems: readonly Mismatch[];
}

const decoder = new TextDecoder();

/** Deletes every object under the prefixes; returns how many. */
export async function deletePrefixes(
  store: ObjectStore,
  prefixes: readonly string[],
): Promise<number> {
  let deleted = 0;
  for (const prefix of prefixes) {
    for (const key of await store.list(prefix)) {
      await store.delete(key);
      deleted++;
    }
  }
  return deleted;
}

/**
 * curated/ from raw/: every raw object of a symbol read back into bars (the dropped sessions
 * stay dropped) and written as the pipeline writes them (writeCurated, one CSV per month).
 */
export async function rebuildCurated(deps: RebuildDeps): Promise<RebuildOutcome> {
  const { store } = deps;
  const bySymbol = new Map<string, Map<string, string[]>>();
  for (const key of await store.list('raw/')) {
    const named = parseRawKey(key);
    if (!named) continue;
    const sources = bySymbol.get(named.symbol) ?? new Map<string, string[]>();
    sources.set(named.source, [...(sources.get(named.source) ?? []), key]);
    bySymbol.set(named.symbol, sources);
  }
  const problems: Mismatch[] = [];
  let rebuilt = 0;
  for (const [symbol, sources] of [...bySymbol].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (sources.size > 1) {
      // curated/ has no source partition: which source a month came from is not recorded.
      problems.push({
        key: `raw/source=*/symbol=${symbol}/`,
        problem:
          `raw holds ${symbol} from ${[...sources.keys()].join(' and ')}; curated/ does not record ` +
          'which one it was built from, so it is not rebuilt: keep one source per symbol',
      });
      continue;
    }
    const keys = [...sources.values()][0] ?? [];
    const bars: PriceBar[] = [];
    try {
      for (const key of keys) {
        const bytes = await store.get(key);
        if (bytes === undefined) continue;
        bars.push(...barsOfRawObject(key, decoder.decode(bytes)).bars);
      }
    } catch (error) {
      problems.push({ key: `raw/…/symbol=${symbol}/`, problem: (error as Error).message });
      continue;
    }
    bars.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const months = await writeCurated(store, symbol, bars);
    rebuilt += Object.keys(months).length;
    deps.onProgress?.(`curated ${symbol}: ${bars.length} bars from ${keys.length} raw objects`);
  }
  return { rebuilt, problems };
}

/** The config a lineage record names, read from lineage/config and checked against its hash. */
class RecordedConfigs {
  readonly #deps: RebuildDeps;
  readonly #configs = new Map<string, Promise<StockopsConfig>>();

  constructor(deps: RebuildDeps) {
    this.#deps = deps;
  }

  get(hash: string): Promise<StockopsConfig> {
    let config = this.#configs.get(hash);
    if (!config) {
      const key = lineageConfigKey(hash);
      config = this.#deps.store.get(key).then((bytes) => {
        if (bytes === undefined) {
          throw new Error(`${key} is missing: the config of this record was never recorded`);
        }
        return parseConfigRecord(decoder.decode(bytes), key, hash, this.#deps.hash);
      });
      this.#configs.set(hash, config);
    }
    return config;
  }
}

/** Curated bars per symbol, read once. */
class CuratedBars {
  readonly #store: ObjectStore;
  readonly #bars = new Map<string, Promise<PriceBar[]>>();

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  get(symbol: string): Promise<PriceBar[]> {
    let bars = this.#bars.get(symbol);
    if (!bars) {
      bars = readCurated(this.#store, symbol).then((c) => c.bars);
      this.#bars.set(symbol, bars);
    }
    return bars;
  }
}

/** features/ from curated/, as each lineage/features record says it was built. */
export async function rebuildFeatures(deps: RebuildDeps): Promise<RebuildOutcome> {
  const { store } = deps;
  const configs = new RecordedConfigs(deps);
  const curated = new CuratedBars(store);
  const problems: Mismatch[] = [];
  let rebuilt = 0;
  for (const key of await store.list(`${LINEAGE_PREFIX}features/`)) {
    try {
      const bytes = await store.get(key);
      if (bytes === undefined) continue;
      const record = parseFeaturesLineage(decoder.decode(bytes), key);
      const target = featuresKey(record.symbol);
      if (record.key !== target) {
        throw new Error(`names ${record.key}, expected ${target}`);
      }
      const config = await configs.get(record.config_hash);
      const bars = barsInRange(await curated.get(record.symbol), record.data.from, record.data.to);
      if (bars.length !== record.data.bars) {
        throw new Error(
          `curated/ holds ${bars.length} bars of ${record.symbol} in ${record.data.from}..` +
            `${record.data.to}, the record says ${record.data.bars}`,
        );
      }
      await store.put(target, formatFeatureCsv(buildFeatureTable(bars, featureOptions(config))));
      rebuilt++;
      deps.onProgress?.(`features ${record.symbol}: ${bars.length} bars`);
    } catch (error) {
      problems.push({ key, problem: (error as Error).message });
    }
  }
  return { rebuilt, problems };
}

interface FitResult {
  readonly evaluation: Evaluation;
  readonly final: FinalModels;
  readonly bars: readonly PriceBar[];
  /** The LSTM hyperparameters used, in the key order lstmHyperparameters gives (metadata.json). */
  readonly hyper: LstmHyperparameters;
}

/**
 * Each registry version from its lineage copy: the models of each recorded run refitted and
 * re-evaluated on the recorded data range with the recorded config and hyperparameters, then
 * registered in version order with the recorded status history; then the champion pointer
 * from its lineage copy, once the version it names is rebuilt and Approved. Registering
 * rewrites the lineage copies (the registry mirrors what it writes), so the records are put
 * back byte for byte at the end: they are the primary data and never change in a rebuild.
 */
export async function rebuildRegistry(deps: RebuildDeps): Promise<RebuildOutcome> {
  const { store } = deps;
  const groups = new Set<string>();
  for (const key of await store.list(`${LINEAGE_PREFIX}registry/`)) {
    const m = /^lineage\/registry\/group=([^/]+)\//.exec(key);
    if (m?.[1]) groups.add(m[1]);
  }
  const configs = new RecordedConfigs(deps);
  const curated = new CuratedBars(store);
  const problems: Mismatch[] = [];
  const originals = new Map<string, Uint8Array>();
  let rebuilt = 0;
  for (const group of [...groups].sort()) {
    const keys = await store.list(`${LINEAGE_PREFIX}registry/group=${group}/`);
    const records: ModelPackage[] = [];
    try {
      for (const version of lineageVersionsInKeys(group, keys)) {
        const key = lineagePackageKey(group, version);
        const bytes = await store.get(key);
        if (bytes === undefined) continue;
        originals.set(key, bytes);
        records.push(parsePackage(decoder.decode(bytes), key, { group, version }));
      }
    } catch (error) {
      problems.push({ key: `lineage/registry/group=${group}/`, problem: (error as Error).message });
      continue;
    }
    const fits = planModelFits(records);
    const fitOf = new Map(fits.flatMap((f) => f.versions.map((v) => [v, f] as const)));
    const results = new Map<string, Promise<FitResult>>();
    for (const record of records) {
      const fit = fitOf.get(record.version) as ModelFit;
      let result = results.get(fit.id);
      if (!result) {
        result = refit(fit, configs, curated, deps);
        results.set(fit.id, result);
      }
      try {
        await reregister(record, await result, deps);
        rebuilt++;
      } catch (error) {
        problems.push({
          key: packageId(group, record.version),
          problem:
            `${(error as Error).message}; the rest of ${group} is not rebuilt ` +
            '(its versions would get other numbers)',
        });
        break;
      }
    }
    const pointerKey = lineageChampionKey(group);
    const pointerBytes = await store.get(pointerKey);
    if (pointerBytes !== undefined) {
      originals.set(pointerKey, pointerBytes);
      try {
        await restoreChampion(group, decoder.decode(pointerBytes), pointerKey, deps);
      } catch (error) {
        problems.push({ key: championKey(group), problem: (error as Error).message });
      }
    }
  }
  for (const [key, bytes] of originals) await store.put(key, bytes);
  return { rebuilt, problems };
}

async function refit(
  fit: ModelFit,
  configs: RecordedConfigs,
  curated: CuratedBars,
  deps: RebuildDeps,
): Promise<FitResult> {
  const config = await configs.get(fit.configHash);
  const bars = barsInRange(await curated.get(fit.symbol), fit.from, fit.to);
  if (bars.length === 0) {
    throw new Error(`curated/ holds no ${fit.symbol} bars in ${fit.from}..${fit.to}`);
  }
  const hyper = lstmHyperparameters(
    config,
    (fit.hyperparameters ?? {}) as Partial<LstmHyperparameters>,
  );
  const data = dataLineage(fit.symbol, bars, deps.hash);
  const ctx: EvaluationContext = {
    symbol: fit.symbol,
    table: buildFeatureTable(bars, featureOptions(config)),
    config,
    configHash: fit.configHash,
    dataSha256: data.sha256,
    createdAt: new Date(0).toISOString(),
  };
  deps.onProgress?.(
    `models ${fit.symbol} ${fit.from}..${fit.to}: evaluating and fitting for versions ${fit.versions.join(', ')}`,
  );
  // Through JSON, as the pipeline's register step reads it (NaN becomes null).
  const evaluation = JSON.parse(JSON.stringify(await evaluateModels(ctx, hyper))) as Evaluation;
  const final = await trainFinalModels(ctx, { hyper });
  return { evaluation, final, bars, hyper };
}

async function reregister(record: ModelPackage, fit: FitResult, deps: RebuildDeps): Promise<void> {
  const { registry, hash } = deps;
  const { evaluation, final } = fit;
  const name = record.model_name;
  const model = evaluation.models[name];
  const files = record.kind === 'candidate' ? final.candidate : final.baselines[name];
  if (!model || !files) {
    throw new Error(`the rebuilt evaluation has no model "${name}"`);
  }
  const first = record.status_history[0];
  if (!first) throw new Error('the record has no status history');
  const hyperparameters =
    record.kind === 'candidate' && name === CANDIDATE_NAME ? { ...fit.hyper } : model.params;
  const pkg = await registry.register({
    group: record.group,
    modelName: name,
    kind: record.kind,
    files,
    metrics: metricsFromEvaluation(model, evaluation.best_baseline),
    lineage: {
      data: dataLineage(record.group, fit.bars, hash),
      config_hash: record.lineage.config_hash,
      git_commit: record.lineage.git_commit,
      hyperparameters,
      ...(record.lineage.evaluation_key === undefined
        ? {}
        : { evaluation_key: record.lineage.evaluation_key }),
    },
    status: first.status,
    reason: first.reason,
    at: record.created_at,
  });
  if (pkg.version !== record.version) {
    throw new Error(`registered as version ${pkg.version}, not ${record.version}`);
  }
  for (const change of record.status_history.slice(1)) {
    await registry.updateApproval(
      record.group,
      pkg.version,
      change.status,
      change.reason,
      change.at,
    );
  }
}

/** The recorded pointer, once the version it names exists and is Approved in the rebuild. */
async function restoreChampion(
  group: string,
  text: string,
  key: string,
  deps: RebuildDeps,
): Promise<void> {
  const pointer = parseChampion(text, key, group);
  if (pointer.version !== null) {
    const pkg = await deps.registry.get(group, pointer.version);
    if (pkg === undefined) {
      throw new Error(`the recorded champion ${packageId(group, pointer.version)} was not rebuilt`);
    }
    if (pkg.status !== 'Approved') {
      throw new Error(`the recorded champion ${pkg.id} was rebuilt as ${pkg.status}`);
    }
  }
  await deps.store.put(championKey(group), text);
}
