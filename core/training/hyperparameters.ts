/**
 * SageMaker hands hyperparameters to the container as `hyperparameters.json`, a flat object
 * whose values are all strings (`{"units": "16", "learning_rate": "0.002"}`; the SageMaker
 * Python SDK may JSON-encode them once more: `"\"16\""`). Known keys become a config overlay,
 * merged over config/base.yaml and the environment's file and validated by the same schema, so
 * a tuning job cannot train with a setting `stockops run` would refuse. Unknown keys (the
 * tuner's `_tuning_objective_metric`, `sagemaker_*`, anything else) are ignored and listed.
 */

type Kind = 'integer' | 'number' | 'boolean' | 'string';

interface HyperparameterSpec {
  /** The config path the value sets: section and key. */
  readonly path: readonly [string, string];
  readonly kind: Kind;
}

/** Hyperparameter name → where it lands in config. Names are the config keys (and the tuner's). */
export const HYPERPARAMETERS: Readonly<Record<string, HyperparameterSpec>> = {
  units: { path: ['model', 'units'], kind: 'integer' },
  layers: { path: ['model', 'layers'], kind: 'integer' },
  dropout: { path: ['model', 'dropout'], kind: 'number' },
  epochs: { path: ['model', 'epochs'], kind: 'integer' },
  batch_size: { path: ['model', 'batch_size'], kind: 'integer' },
  learning_rate: { path: ['model', 'learning_rate'], kind: 'number' },
  patience: { path: ['model', 'patience'], kind: 'integer' },
  validation_fraction: { path: ['model', 'validation_fraction'], kind: 'number' },
  max_train_days: { path: ['model', 'max_train_days'], kind: 'integer' },
  warm_start: { path: ['model', 'warm_start'], kind: 'boolean' },
  seed: { path: ['model', 'seed'], kind: 'integer' },
  window: { path: ['features', 'window'], kind: 'integer' },
  avg_price: { path: ['features', 'avg_price'], kind: 'string' },
  volatility_window: { path: ['features', 'volatility_window'], kind: 'integer' },
  volume_window: { path: ['features', 'volume_window'], kind: 'integer' },
  folds: { path: ['evaluation', 'folds'], kind: 'integer' },
  test_days: { path: ['evaluation', 'test_days'], kind: 'integer' },
  gap_days: { path: ['evaluation', 'gap_days'], kind: 'integer' },
  holdout_days: { path: ['evaluation', 'holdout_days'], kind: 'integer' },
  min_train_days: { path: ['evaluation', 'min_train_days'], kind: 'integer' },
};

/** Not a config setting: which SYMBOL.csv of the train channel to use. */
export const SYMBOL_HYPERPARAMETER = 'symbol';

export interface ParsedHyperparameters {
  /** `{model: {units: 16}, features: {window: 20}, …}`: a config overlay. */
  readonly overlay: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly symbol: string | undefined;
  /** Keys that set nothing, sorted; the container logs them. */
  readonly ignored: readonly string[];
}

/** Every value that cannot be read, one line each, naming the key and what it should be. */
export class HyperparameterError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`hyperparameters.json: ${problems.join('; ')}`);
    this.name = 'HyperparameterError';
    this.problems = problems;
  }
}

const INTEGER = /^[-+]?\d+$/;

export function parseHyperparameters(raw: unknown): ParsedHyperparameters {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HyperparameterError(['must be a JSON object of name → string value']);
  }
  const overlay: Record<string, Record<string, unknown>> = {};
  const problems: string[] = [];
  const ignored: string[] = [];
  let symbol: string | undefined;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === SYMBOL_HYPERPARAMETER) {
      const text = unquote(value);
      if (typeof text !== 'string' || !/^[A-Za-z][A-Za-z0-9.-]{0,9}$/.test(text)) {
        problems.push(`symbol: expected a ticker such as AMZN (got ${JSON.stringify(value)})`);
      } else symbol = text.toUpperCase();
      continue;
    }
    // hasOwn: a key such as `toString` must not find Object.prototype's
    const spec = Object.hasOwn(HYPERPARAMETERS, key) ? HYPERPARAMETERS[key] : undefined;
    if (spec === undefined) {
      ignored.push(key);
      continue;
    }
    const parsed = parseValue(unquote(value), spec.kind);
    if (parsed === undefined) {
      problems.push(`${key}: expected ${article(spec.kind)} (got ${JSON.stringify(value)})`);
      continue;
    }
    const [section, field] = spec.path;
    overlay[section] ??= {};
    (overlay[section] as Record<string, unknown>)[field] = parsed;
  }
  if (problems.length > 0) throw new HyperparameterError(problems);
  return { overlay, symbol, ignored: ignored.sort() };
}

/** The config path a hyperparameter sets (`model.units` → `units`), for error messages. */
export function hyperparameterForPath(path: string): string | undefined {
  return Object.entries(HYPERPARAMETERS).find(([, spec]) => spec.path.join('.') === path)?.[0];
}

/** `"\"16\""` → `"16"`: one level of JSON string encoding, as the Python SDK may add. */
function unquote(value: unknown): unknown {
  if (
    typeof value === 'string' &&
    value.length >= 2 &&
    value.startsWith('"') &&
    value.endsWith('"')
  ) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

function parseValue(value: unknown, kind: Kind): unknown {
  if (kind === 'string') return typeof value === 'string' && value !== '' ? value : undefined;
  if (kind === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (typeof value !== 'string') return undefined;
    const lower = value.trim().toLowerCase();
    return lower === 'true' ? true : lower === 'false' ? false : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) && (kind === 'number' || Number.isInteger(value))
      ? value
      : undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (kind === 'integer') return INTEGER.test(text) ? Number(text) : undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function article(kind: Kind): string {
  return kind === 'integer'
    ? 'an integer'
    : kind === 'number'
      ? 'a number'
      : kind === 'boolean'
        ? 'true or false'
        : 'a non-empty string';
}
