import { canonicalJson } from './canonicalJson.ts';
import { ConfigError, type ConfigIssue } from './configError.ts';
import {
  ENVIRONMENTS,
  type Environment,
  isEnvironment,
  type StockopsConfig,
} from './configTypes.ts';
import { crossFieldIssues } from './crossFieldRules.ts';
import { mergeNodes, type SourceNode, toPlain } from './sourceTree.ts';
import { validateConfig } from './validateConfig.ts';
import { type ConfigSource, parseConfigSource } from './yamlSource.ts';

export interface ResolveConfigInput {
  /** One of `ENVIRONMENTS`; anything else is a ConfigError. */
  readonly env: string;
  /** The files in merge order: `config/base.yaml`, then `config/<env>.yaml`. */
  readonly sources: readonly ConfigSource[];
  /**
   * Digests the canonical JSON of the merged config (sha256 hex in the adapters). Injected
   * because core does no I/O and imports no platform modules.
   */
  readonly hash: (canonicalJson: string) => string;
}

export interface ResolvedConfig {
  readonly env: Environment;
  /** The merged, validated config; deeply frozen. */
  readonly config: StockopsConfig;
  /** The files merged, in order, as given. */
  readonly files: readonly string[];
  /** `hash(canonicalJson(config))`: identifies the effective settings, not how they were written. */
  readonly hash: string;
}

/**
 * Merges the config files in order (mappings key by key; lists and plain values replaced
 * whole) and validates the result against `config/schema.json`.
 *
 * Throws ConfigError with every issue found, each located at the file, line and column that
 * set the offending value: first an unknown environment alone; else every YAML problem of every
 * file (the merge is not attempted, half-parsed files would only add noise); else every schema
 * violation of the merged config.
 */
export function resolveConfig(input: ResolveConfigInput): ResolvedConfig {
  const { env, sources, hash } = input;
  const first = sources[0];
  if (first === undefined) throw new Error('resolveConfig: no config sources given');
  const files = sources.map((s) => s.file);

  if (!isEnvironment(env)) {
    throw new ConfigError([unknownEnvironmentIssue(env, siblingFile(first.file, `${env}.yaml`))]);
  }

  const issues: ConfigIssue[] = [];
  const trees: (SourceNode | undefined)[] = [];
  for (const source of sources) {
    const parsed = parseConfigSource(source);
    issues.push(...parsed.issues);
    trees.push(parsed.tree);
  }
  if (issues.length > 0) throw new ConfigError(issues, files);

  const tree = trees.reduce<SourceNode | undefined>(
    (merged, t) => mergeNodes(merged, t),
    undefined,
  );
  const value = toPlain(tree);
  const fallback = { file: first.file, position: { line: 1, column: 1 } };
  const invalid = validateConfig(value, tree, fallback);
  if (invalid.length > 0) throw new ConfigError(invalid, files);
  const related = crossFieldIssues(value as StockopsConfig, tree, fallback);
  if (related.length > 0) throw new ConfigError(related, files);

  return {
    env,
    config: deepFreeze(value) as StockopsConfig,
    files,
    hash: hash(canonicalJson(value)),
  };
}

/** `config/qa.yaml:1:1: env: unknown environment "qa" (expected one of local, dev, staging, prod)` */
export function unknownEnvironmentIssue(env: string, file: string): ConfigIssue {
  return {
    file,
    line: 1,
    column: 1,
    path: 'env',
    message: `unknown environment ${JSON.stringify(env)} (expected one of ${ENVIRONMENTS.join(', ')})`,
  };
}

/** `siblingFile('config/base.yaml', 'qa.yaml')` is `config/qa.yaml`. */
function siblingFile(file: string, name: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return slash === -1 ? name : `${file.slice(0, slash + 1)}${name}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
