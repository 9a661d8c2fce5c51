import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import type { ResolvedConfig } from '../../core/config/resolveConfig.ts';
import { featureOptions } from '../../core/features/featureOptions.ts';
import type { FeatureOptions } from '../../core/features/featureTable.ts';
import type { ModelPackage, ModelRegistry } from '../../core/ports/modelRegistry.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { UsageError } from './cliErrors.ts';
import { type CommonOptions, parseSymbols } from './commandContext.ts';

export interface RegistryOptions extends CommonOptions {
  readonly store?: string;
  /** The model package group to serve; default the config's only symbol. */
  readonly symbol?: string;
}

/** What serve and predict share: config, the local registry, the group and its feature settings. */
export interface ServingContext {
  readonly resolved: ResolvedConfig;
  readonly storeRoot: string;
  readonly store: ObjectStore;
  readonly registry: ModelRegistry;
  readonly group: string;
  readonly features: FeatureOptions;
}

export function servingContext(options: RegistryOptions): ServingContext {
  const resolved = loadConfig({ dir: options.config, env: options.env });
  const { config } = resolved;
  let group: string;
  if (options.symbol !== undefined) {
    const [one, ...more] = parseSymbols(options.symbol);
    if (one === undefined || more.length > 0) throw new UsageError('--symbol: give one ticker');
    group = one;
  } else if (config.symbols.length === 1) {
    group = config.symbols[0] as string;
  } else {
    throw new UsageError(`config lists ${config.symbols.join(', ')}: pass --symbol to pick one`);
  }
  const store = new FileObjectStore(options.store ?? config.store.root);
  return {
    resolved,
    storeRoot: store.location,
    store,
    registry: new StoreModelRegistry(store),
    group,
    features: featureOptions(config),
  };
}

/** `--challenger 5`, `--version 5`: a registry version number. */
export function parseVersion(text: string, flag: string): number {
  const version = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(version) || version < 1) {
    throw new UsageError(`${flag}: expected a version number such as 5 (got "${text}")`);
  }
  return version;
}

/**
 * The package to serve, checked before anything starts: the champion, or a version by number.
 * A group without one is a usage error naming what to do.
 */
export async function packageToServe(
  ctx: ServingContext,
  version: number | undefined,
  flag: string,
): Promise<ModelPackage> {
  const pkg =
    version === undefined
      ? await ctx.registry.champion(ctx.group)
      : await ctx.registry.get(ctx.group, version);
  if (pkg !== undefined) return pkg;
  const known = (await ctx.registry.list(ctx.group)).map(
    (p) => `${p.version} ${p.model_name} (${p.status})`,
  );
  const where = `${ctx.storeRoot}`;
  throw new UsageError(
    version === undefined
      ? `${ctx.group} has no champion in ${where}: run \`stockops run\` first (it registers the baselines and makes the best one champion)`
      : `${flag} ${version}: ${ctx.group} has no such version in ${where} (${known.length > 0 ? `versions: ${known.join(', ')}` : 'nothing registered'})`,
  );
}
