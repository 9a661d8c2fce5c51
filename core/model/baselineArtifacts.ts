import { FEATURE_COLUMNS, type FeatureTable } from '../features/featureTable.ts';
import { BASELINE_NAMES, type BaselineName } from './baselines.ts';
import type { FittedModel, Origin } from './forecaster.ts';
import { type ModelFiles, ModelFormatError } from './lstmArtifacts.ts';

/** The one file of a baseline artifact, as trainFinalModels writes it. */
export const BASELINE_FORMAT = 'stockops.baseline/v1';

export interface BaselineArtifact {
  readonly format: typeof BASELINE_FORMAT;
  readonly name: BaselineName;
  readonly trained_on: { readonly from: string; readonly to: string; readonly origins: number };
  /** The fitted model's describe(): empty for the rules, the fitted numbers otherwise. */
  readonly params: Readonly<Record<string, unknown>>;
}

const decoder = new TextDecoder();

/** True when `model.json` is a baseline artifact rather than an LSTM's layers model. */
export function isBaselineArtifact(files: ModelFiles): boolean {
  const bytes = files['model.json'];
  if (!bytes) return false;
  try {
    return (JSON.parse(decoder.decode(bytes)) as { format?: unknown }).format === BASELINE_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Rebuilds a fitted baseline from its registered artifact (`model.json` =
 * {format, name, trained_on, params}), so a baseline champion can be served. Predictions are
 * bit-identical to the model that was fitted: the stored params are the fitted numbers (JSON
 * round-trips doubles exactly) and each formula is evaluated in the same order as in baselines.ts.
 */
export function loadBaseline(files: ModelFiles): {
  fitted: FittedModel;
  artifact: BaselineArtifact;
} {
  const bytes = files['model.json'];
  if (!bytes) throw new ModelFormatError('baseline artifact has no model.json');
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new ModelFormatError(`model.json is not valid JSON: ${(error as Error).message}`);
  }
  const artifact = raw as BaselineArtifact;
  if (artifact === null || typeof artifact !== 'object' || artifact.format !== BASELINE_FORMAT) {
    throw new ModelFormatError(
      `model.json: expected format "${BASELINE_FORMAT}" (got ${JSON.stringify((raw as { format?: unknown })?.format)})`,
    );
  }
  if (!(BASELINE_NAMES as readonly string[]).includes(artifact.name)) {
    throw new ModelFormatError(
      `model.json: unknown baseline "${String(artifact.name)}" (expected one of ${BASELINE_NAMES.join(', ')})`,
    );
  }
  const params = (artifact.params ?? {}) as Record<string, unknown>;
  const fitted = rebuild(artifact.name, params);
  return { fitted, artifact };
}

function rebuild(name: BaselineName, params: Record<string, unknown>): FittedModel {
  const describe = () => structuredClone(params);
  switch (name) {
    case 'persistence':
      return rule(name, describe, () => 0);
    case 'last_close':
      return rule(name, describe, (table, t) =>
        finiteAt(table.columns.close_to_avg, t, 'close_to_avg'),
      );
    case 'drift': {
      const mean = finiteParam(params.drift, 'params.drift');
      return rule(name, describe, () => mean);
    }
    case 'linear_ar': {
      // The standardised form is what linearAr's predictOne evaluates; the raw coefficients are
      // the same model rounded differently, so using them would not be bit-identical.
      const standardized = objectParam(params.standardized, 'params.standardized');
      const yMean = finiteParam(standardized.intercept, 'params.standardized.intercept');
      const beta = columnParams(standardized.coefficients, 'params.standardized.coefficients');
      const mean = columnParams(params.feature_mean, 'params.feature_mean');
      const std = columnParams(params.feature_std, 'params.feature_std');
      return rule(name, describe, (table, t) => {
        let r = yMean;
        for (let j = 0; j < FEATURE_COLUMNS.length; j++) {
          const column = FEATURE_COLUMNS[j] as (typeof FEATURE_COLUMNS)[number];
          const x = finiteAt(table.columns[column], t, column);
          r += ((beta[j] as number) * (x - (mean[j] as number))) / (std[j] as number);
        }
        return r;
      });
    }
  }
}

function rule(
  name: BaselineName,
  describe: () => Record<string, unknown>,
  forecastAt: (table: FeatureTable, origin: Origin) => number,
): FittedModel {
  return {
    name,
    async predict(table, origins) {
      const out = new Float64Array(origins.length);
      origins.forEach((t, i) => {
        if (!Number.isInteger(t) || t < 0 || t >= table.dates.length) {
          throw new RangeError(
            `origin ${t} is not a row of the table (0…${table.dates.length - 1})`,
          );
        }
        out[i] = forecastAt(table, t);
      });
      return out;
    },
    describe,
  };
}

function finiteAt(column: Float64Array, t: number, name: string): number {
  const v = column[t];
  if (v === undefined || !Number.isFinite(v)) {
    throw new RangeError(`${name} is not defined at row ${t} (warm-up row or bad data)`);
  }
  return v;
}

function finiteParam(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ModelFormatError(
      `model.json: ${path} must be a finite number (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

function objectParam(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelFormatError(`model.json: ${path} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** One number per feature column, in FEATURE_COLUMNS order. */
function columnParams(value: unknown, path: string): Float64Array {
  const record = objectParam(value, path);
  return Float64Array.from(FEATURE_COLUMNS, (c) => finiteParam(record[c], `${path}.${c}`));
}
