import { FEATURE_COLUMNS } from '../features/featureTable.ts';
import { FittedLstm, type LstmHyperparameters, type Scaler } from './lstmForecaster.ts';
import { tf, tfReady } from './tfRuntime.ts';

/** Bumped when the feature columns or their meaning change: a model only serves its version. */
export const FEATURE_VERSION = 1;

export interface FeatureSpec {
  readonly feature_version: number;
  readonly columns: readonly string[];
  readonly window: number;
  readonly avg_price: string;
  readonly target: 'next_session_log_return_of_avg_price';
}

export interface LstmMetadata {
  readonly format: 'stockops.lstm/v1';
  readonly name: string;
  readonly hyperparameters: LstmHyperparameters;
  readonly backend: string;
  readonly trained_on: { readonly from: string; readonly to: string; readonly origins: number };
}

/** A model directory as files: `model.json`, `weights.bin`, `scaler.json`, `feature_spec.json`, `metadata.json`. */
export type ModelFiles = Record<string, Uint8Array>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown) => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

export async function saveLstm(
  fitted: FittedLstm,
  info: { avgPrice: string; trainedOn: LstmMetadata['trained_on'] },
): Promise<ModelFiles> {
  const backend = await tfReady();
  let files: ModelFiles = {};
  await fitted.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const weights = new Uint8Array(
        weightData instanceof ArrayBuffer
          ? weightData
          : tf.io.concatenateArrayBuffers(weightData as ArrayBuffer[]),
      );
      const modelJson = {
        format: 'layers-model',
        generatedBy: 'stockops',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      files = { 'model.json': json(modelJson), 'weights.bin': weights };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  const spec: FeatureSpec = {
    feature_version: FEATURE_VERSION,
    columns: [...FEATURE_COLUMNS],
    window: fitted.hyper.window,
    avg_price: info.avgPrice,
    target: 'next_session_log_return_of_avg_price',
  };
  const metadata: LstmMetadata = {
    format: 'stockops.lstm/v1',
    name: fitted.name,
    hyperparameters: fitted.hyper,
    backend,
    trained_on: info.trainedOn,
  };
  return {
    ...files,
    'scaler.json': json(fitted.scaler),
    'feature_spec.json': json(spec),
    'metadata.json': json(metadata),
  };
}

export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

/** Loads a model directory saved by saveLstm; predictions are bit-identical on the same backend. */
export async function loadLstm(
  files: ModelFiles,
): Promise<{ fitted: FittedLstm; spec: FeatureSpec; metadata: LstmMetadata }> {
  await tfReady();
  const read = <T>(name: string): T => {
    const bytes = files[name];
    if (!bytes) throw new ModelFormatError(`model directory has no ${name}`);
    try {
      return JSON.parse(decoder.decode(bytes)) as T;
    } catch (error) {
      throw new ModelFormatError(`${name} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const modelJson = read<{
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  }>('model.json');
  const spec = read<FeatureSpec>('feature_spec.json');
  const metadata = read<LstmMetadata>('metadata.json');
  const scaler = read<Scaler>('scaler.json');
  if (metadata.format !== 'stockops.lstm/v1') {
    throw new ModelFormatError(`metadata.json: unknown format "${String(metadata.format)}"`);
  }
  if (spec.feature_version !== FEATURE_VERSION || spec.columns.join() !== FEATURE_COLUMNS.join()) {
    throw new ModelFormatError(
      `feature_spec.json: model expects feature_version ${spec.feature_version} (${spec.columns.join(', ')}); this code computes version ${FEATURE_VERSION}`,
    );
  }
  const weights = files['weights.bin'];
  if (!weights) throw new ModelFormatError('model directory has no weights.bin');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((m) => m.weights),
      // A copy into an ArrayBuffer of its own: `weights` may be a view into a larger one (a
      // pooled Buffer from readFileSync, a subarray), whose .buffer holds other bytes too.
      weightData: new Uint8Array(weights).buffer,
    }),
  );
  return {
    fitted: new FittedLstm(metadata.name, metadata.hyperparameters, model, scaler),
    spec,
    metadata,
  };
}
