import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { EVALUATION_SCHEMA_V2, type Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import { CANDIDATE_NAME } from '../../core/pipeline/modelSteps.ts';
import { TamperedArtifactError } from '../../core/ports/modelRegistry.ts';
import {
  buildModelDirectory,
  MANIFEST_FILE,
  selectModel,
} from '../../core/serving/modelDirectory.ts';
import { servingModelFromFiles } from '../../core/serving/servingModel.ts';
import { BARS, type FittedSet, fitFinalModels, smallConfigDir } from './servingFixtures.ts';

let fitted: FittedSet;
let files: Record<string, Uint8Array>;
const config = smallConfigDir();
beforeAll(async () => {
  fitted = await fitFinalModels(config.dir);
  files = buildModelDirectory({
    symbol: 'AMZN',
    candidateName: CANDIDATE_NAME,
    final: fitted.final,
    evaluation: { schema: EVALUATION_SCHEMA_V2 } as Evaluation,
    features: fitted.config.features,
    configHash: 'c'.repeat(64),
    dataSha256: 'd'.repeat(64),
    hash: sha256Hex,
  });
});
afterAll(() => config.dispose());

describe("the container's model directory", () => {
  it('holds the LSTM at the root, each baseline in baselines/, the evaluation and a manifest', () => {
    expect(Object.keys(files).sort()).toEqual([
      'baselines/drift/model.json',
      'baselines/last_close/model.json',
      'baselines/linear_ar/model.json',
      'baselines/persistence/model.json',
      'evaluation.json',
      'feature_spec.json',
      MANIFEST_FILE,
      'metadata.json',
      'model.json',
      'scaler.json',
      'weights.bin',
    ]);
    const manifest = JSON.parse(new TextDecoder().decode(files[MANIFEST_FILE]));
    expect(manifest.default_model).toBe('lstm');
    expect(manifest.features).toEqual({
      avg_price: '(high+low)/2',
      volatility_window: 5,
      volume_window: 5,
      window: 5,
    });
    expect(manifest.artifacts['weights.bin']).toBe(sha256Hex(files['weights.bin'] as Uint8Array));
  });

  it('selects the default model or a named one, with the features it was trained with', async () => {
    const lstm = selectModel(files, sha256Hex);
    expect(lstm.name).toBe('lstm');
    expect(Object.keys(lstm.files).sort()).toEqual([
      'feature_spec.json',
      'metadata.json',
      'model.json',
      'scaler.json',
      'weights.bin',
    ]);
    const lastClose = selectModel(files, sha256Hex, 'last_close');
    expect(Object.keys(lastClose.files)).toEqual(['model.json']);
    expect(lastClose.features).toEqual(fitted.features);
    const model = await servingModelFromFiles(lastClose.files, {
      version: null,
      features: lastClose.features,
    });
    const table = buildFeatureTable(BARS, fitted.features);
    expect(await model.fitted.predict(table, [BARS.length - 1])).toEqual(
      Float64Array.of(table.columns.close_to_avg[BARS.length - 1] as number),
    );
    expect(() => selectModel(files, sha256Hex, 'oracle')).toThrow(
      'the model directory has no model "oracle": it holds lstm, persistence, last_close, drift, linear_ar',
    );
  });

  it('refuses a changed, missing or unlisted file', () => {
    const changed = { ...files, 'weights.bin': new Uint8Array([1, 2, 3]) };
    expect(() => selectModel(changed, sha256Hex)).toThrow(TamperedArtifactError);
    expect(() => selectModel(changed, sha256Hex)).toThrow(
      /artifact weights.bin was changed: expected sha256/,
    );
    const { 'scaler.json': _, ...missing } = files;
    expect(() => selectModel(missing, sha256Hex)).toThrow(/artifact scaler.json is missing/);
    const extra = { ...files, 'notes.txt': new Uint8Array([1]) };
    expect(() => selectModel(extra, sha256Hex)).toThrow(
      /artifact notes.txt .* is not in the package's lineage/,
    );
    const { [MANIFEST_FILE]: __, ...noManifest } = files;
    expect(() => selectModel(noManifest, sha256Hex)).toThrow(/has no manifest.json/);
    const otherFormat = { ...files, [MANIFEST_FILE]: new TextEncoder().encode('{"format":"x"}') };
    expect(() => selectModel(otherFormat, sha256Hex)).toThrow(
      /expected format stockops.model-directory\/v1/,
    );
  });
});
