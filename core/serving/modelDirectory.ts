import type { FeaturesConfig } from '../config/configTypes.ts';
import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import type { FeatureOptions } from '../features/featureTable.ts';
import type { ModelFiles } from '../model/lstmArtifacts.ts';
import type { FinalModels } from '../pipeline/modelSteps.ts';
import { TamperedArtifactError } from '../ports/modelRegistry.ts';

/**
 * The container's model directory (`/opt/ml/model`, shipped by SageMaker as model.tar.gz):
 *
 *   manifest.json                    what is here, the feature settings, every file's sha256
 *   model.json, weights.bin, …       the LSTM candidate's model directory (saveLstm)
 *   baselines/<name>/model.json      each baseline's artifact (stockops.baseline/v1)
 *   evaluation.json                  the walk-forward evaluation (v2) the gate reads
 *
 * Baselines are included because the gate may keep a baseline as champion: the endpoint then
 * serves it from the same artifact (STOCKOPS_SERVE_MODEL=last_close).
 */
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_DIRECTORY_FORMAT = 'stockops.model-directory/v1';

export interface ModelDirectoryManifest {
  readonly format: typeof MODEL_DIRECTORY_FORMAT;
  readonly symbol: string;
  /** What `serve` answers with unless STOCKOPS_SERVE_MODEL names another model. */
  readonly default_model: string;
  /** Model name → its folder in the directory (`.` for the LSTM at the root). */
  readonly models: Readonly<Record<string, string>>;
  /** The feature settings the models were trained with; no artifact records all of them. */
  readonly features: FeaturesConfig;
  readonly trained_on: FinalModels['trainedOn'];
  readonly config_hash: string;
  readonly data_sha256: string;
  /** Every other file → sha256 hex; serve refuses a directory that does not match. */
  readonly artifacts: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const json = (value: unknown) => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

export function buildModelDirectory(input: {
  readonly symbol: string;
  readonly candidateName: string;
  readonly final: FinalModels;
  readonly evaluation: Evaluation;
  readonly features: FeaturesConfig;
  readonly configHash: string;
  readonly dataSha256: string;
  /** sha256 hex (core does no crypto). */
  readonly hash: (bytes: Uint8Array) => string;
}): ModelFiles {
  const files: ModelFiles = { ...input.final.candidate, 'evaluation.json': json(input.evaluation) };
  const models: Record<string, string> = { [input.candidateName]: '.' };
  for (const [name, artifact] of Object.entries(input.final.baselines)) {
    models[name] = `baselines/${name}`;
    for (const [file, bytes] of Object.entries(artifact))
      files[`baselines/${name}/${file}`] = bytes;
  }
  const artifacts = Object.fromEntries(
    Object.keys(files)
      .sort()
      .map((path) => [path, input.hash(files[path] as Uint8Array)]),
  );
  const manifest: ModelDirectoryManifest = {
    format: MODEL_DIRECTORY_FORMAT,
    symbol: input.symbol,
    default_model: input.candidateName,
    models,
    features: input.features,
    trained_on: input.final.trainedOn,
    config_hash: input.configHash,
    data_sha256: input.dataSha256,
    artifacts,
  };
  return { ...files, [MANIFEST_FILE]: json(manifest) };
}

export interface SelectedModel {
  readonly name: string;
  /** The chosen model's own files, paths relative to its folder. */
  readonly files: ModelFiles;
  readonly features: FeatureOptions;
  readonly manifest: ModelDirectoryManifest;
}

/**
 * Verifies every file of the directory against the manifest (TamperedArtifactError on a
 * changed, missing or unlisted file) and picks one model's files. `choice` defaults to the
 * manifest's default_model.
 */
export function selectModel(
  files: ModelFiles,
  hash: (bytes: Uint8Array) => string,
  choice?: string,
): SelectedModel {
  const manifestBytes = files[MANIFEST_FILE];
  if (!manifestBytes) {
    throw new Error(`the model directory has no ${MANIFEST_FILE}: it was not written by \`train\``);
  }
  const manifest = JSON.parse(decoder.decode(manifestBytes)) as ModelDirectoryManifest;
  if (manifest.format !== MODEL_DIRECTORY_FORMAT) {
    throw new Error(
      `${MANIFEST_FILE}: expected format ${MODEL_DIRECTORY_FORMAT} (got ${JSON.stringify(manifest.format)})`,
    );
  }
  const label = `model directory (${manifest.symbol})`;
  for (const [path, expected] of Object.entries(manifest.artifacts)) {
    const bytes = files[path];
    if (bytes === undefined) throw new TamperedArtifactError(label, path, expected, null);
    const actual = hash(bytes);
    if (actual !== expected) throw new TamperedArtifactError(label, path, expected, actual);
  }
  for (const [path, bytes] of Object.entries(files)) {
    if (path !== MANIFEST_FILE && !Object.hasOwn(manifest.artifacts, path)) {
      throw new TamperedArtifactError(label, path, null, hash(bytes));
    }
  }
  const name = choice ?? manifest.default_model;
  const folder = manifest.models[name];
  if (folder === undefined) {
    throw new Error(
      `the model directory has no model "${name}": it holds ${Object.keys(manifest.models).join(', ')}`,
    );
  }
  const prefix = folder === '.' ? '' : `${folder}/`;
  const own: ModelFiles = {};
  for (const [path, bytes] of Object.entries(files)) {
    if (path === MANIFEST_FILE || !path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    // the LSTM sits at the root: its files are the root's, not the baselines' or the evaluation
    if (folder === '.' && (rest.includes('/') || rest === 'evaluation.json')) continue;
    own[rest] = bytes;
  }
  const f = manifest.features;
  return {
    name,
    files: own,
    features: {
      avgPrice: f.avg_price,
      volatilityWindow: f.volatility_window,
      volumeWindow: f.volume_window,
    },
    manifest,
  };
}
