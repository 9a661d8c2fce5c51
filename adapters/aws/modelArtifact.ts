import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseTar } from 'nanotar';
import { EVALUATION_SCHEMA_V2, type Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import type { ModelFiles } from '../../core/model/lstmArtifacts.ts';
import { MANIFEST_FILE, selectModel } from '../../core/serving/modelDirectory.ts';
import { sha256Hex } from '../local/sha256.ts';
import { parseS3Url } from './s3ObjectStore.ts';

/**
 * A training job's model.tar.gz: the container's model directory (manifest.json, the LSTM, the
 * baselines, evaluation.json; core/serving/modelDirectory.ts). The gate reads its evaluation
 * from here because that is the whole walk-forward evaluation (plan, folds, every baseline,
 * DM tests); the job's FinalMetricDataList holds four aggregate numbers, too few for the gate.
 */
export class ModelArtifactError extends Error {
  constructor(uri: string, problem: string) {
    super(`model artifact ${uri}: ${problem}`);
    this.name = 'ModelArtifactError';
  }
}

/** The files of a model.tar.gz, by relative path (`./` stripped, directories left out). */
export function unpackModelArchive(bytes: Uint8Array, uri: string): ModelFiles {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(bytes);
  } catch (error) {
    throw new ModelArtifactError(uri, `not gzip (${(error as Error).message})`);
  }
  const files: ModelFiles = {};
  // parseTar reads `data.buffer` from offset 0, ignoring byteOffset; a small Buffer from
  // gunzipSync is a slice of Node's shared pool, so it gets a copy of its own
  for (const item of parseTar(new Uint8Array(tar))) {
    if (item.type !== 'file' || item.data === undefined) continue;
    files[item.name.replace(/^(\.\/)+/, '')] = item.data;
  }
  if (Object.keys(files).length === 0) throw new ModelArtifactError(uri, 'holds no files');
  return files;
}

export async function downloadModelArchive(s3: S3Client, uri: string): Promise<ModelFiles> {
  const at = parseS3Url(uri);
  if (at === undefined || at.prefix === '') {
    throw new ModelArtifactError(uri, 'not an s3://bucket/key URI');
  }
  let bytes: Uint8Array;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.prefix }));
    bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    const e = error as Error;
    throw new ModelArtifactError(uri, `cannot be read (${e.name}: ${e.message})`);
  }
  return unpackModelArchive(bytes, uri);
}

/**
 * The evaluation inside a model directory, after every file is checked against the manifest's
 * sha256 (a changed artifact must not be gated, let alone served).
 */
export function evaluationFromModelFiles(files: ModelFiles, uri: string): Evaluation {
  if (files[MANIFEST_FILE] === undefined) {
    throw new ModelArtifactError(
      uri,
      `has no ${MANIFEST_FILE}: it was not written by the stockops training container`,
    );
  }
  try {
    selectModel(files, sha256Hex);
  } catch (error) {
    throw new ModelArtifactError(uri, (error as Error).message);
  }
  const bytes = files['evaluation.json'];
  if (bytes === undefined) throw new ModelArtifactError(uri, 'has no evaluation.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelArtifactError(uri, `evaluation.json is not JSON (${(error as Error).message})`);
  }
  const schema = (parsed as { schema?: unknown } | null)?.schema;
  if (schema !== EVALUATION_SCHEMA_V2) {
    throw new ModelArtifactError(
      uri,
      `evaluation.json is not ${EVALUATION_SCHEMA_V2} (schema ${JSON.stringify(schema)})`,
    );
  }
  return parsed as Evaluation;
}

export async function evaluationFromArtifact(s3: S3Client, uri: string): Promise<Evaluation> {
  return evaluationFromModelFiles(await downloadModelArchive(s3, uri), uri);
}
