import { isAvgPriceFormula } from '../features/avgPrice.ts';
import type { FeatureOptions } from '../features/featureTable.ts';
import { isBaselineArtifact, loadBaseline } from '../model/baselineArtifacts.ts';
import type { FittedModel } from '../model/forecaster.ts';
import { loadLstm, type ModelFiles, ModelFormatError } from '../model/lstmArtifacts.ts';
import { verifiedLstmInference } from '../model/lstmInference.ts';

/** A loaded, verified model with what a request needs to feed it. */
export interface ServingModel {
  /** `lstm`, `last_close`, … */
  readonly name: string;
  /** The registry version; null when the model did not come from a registry. */
  readonly version: number | null;
  /** Feature rows one forecast reads: the LSTM's window; 1 for a baseline (its origin row). */
  readonly rows: number;
  /** How features are computed from bars: the model's own record where it has one. */
  readonly features: FeatureOptions;
  readonly fitted: FittedModel;
}

/**
 * Builds a ServingModel from a model's artifact files: an LSTM model directory (saveLstm) or a
 * baseline's model.json. `features` are the settings the model was trained with: the LSTM's
 * feature_spec.json overrides avg_price (and fixes the window); the rolling windows, which no
 * artifact records, come from the caller (config, or the container's manifest).
 */
export async function servingModelFromFiles(
  files: ModelFiles,
  options: {
    readonly version: number | null;
    readonly features: FeatureOptions;
    /** `tfjs` keeps the LSTM on tfjs (bit-identical to training); default the compiled pass. */
    readonly engine?: 'compiled' | 'tfjs';
  },
): Promise<ServingModel> {
  if (isBaselineArtifact(files)) {
    const { fitted } = loadBaseline(files);
    return {
      name: fitted.name,
      version: options.version,
      rows: 1,
      features: options.features,
      fitted,
    };
  }
  const { fitted, spec } = await loadLstm(files);
  if (!isAvgPriceFormula(spec.avg_price)) {
    throw new ModelFormatError(`feature_spec.json: unknown avg_price formula "${spec.avg_price}"`);
  }
  // The forward pass without tfjs's per-op cost when it agrees with tfjs (lstmInference.ts);
  // tfjs itself otherwise. Either way, one engine for every request, online or batch.
  const compiled =
    options.engine === 'tfjs' ? undefined : (await verifiedLstmInference(fitted)).model;
  if (compiled) fitted.dispose();
  return {
    name: fitted.name,
    version: options.version,
    rows: spec.window,
    features: { ...options.features, avgPrice: spec.avg_price },
    fitted: compiled ?? fitted,
  };
}

/** "last_close v2", "lstm (unversioned)": how logs and errors name a model. */
export function modelLabel(model: Pick<ServingModel, 'name' | 'version'>): string {
  return model.version === null ? `${model.name} (unversioned)` : `${model.name} v${model.version}`;
}
