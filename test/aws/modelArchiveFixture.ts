import { createTarGzip } from 'nanotar';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import type { Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import { buildModelDirectory } from '../../core/serving/modelDirectory.ts';

const text = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value)}\n`);

/**
 * The model directory the training container writes (buildModelDirectory: manifest with every
 * file's sha256, the LSTM's files, each baseline's, evaluation.json), with stand-in model
 * bytes: the gate reads only the evaluation and the manifest.
 */
export function modelDirectoryFiles(evaluation: Evaluation): Record<string, Uint8Array> {
  const trainedOn = { from: evaluation.data.from, to: evaluation.data.to, origins: 100 };
  const baselines = Object.fromEntries(
    Object.values(evaluation.models)
      .filter((m) => m.kind === 'baseline')
      .map((m) => [
        m.name,
        { 'model.json': text({ format: 'stockops.baseline/v1', name: m.name }) },
      ]),
  );
  return buildModelDirectory({
    symbol: evaluation.symbol,
    candidateName: evaluation.candidate ?? 'lstm',
    final: {
      candidate: {
        'model.json': text({ format: 'stand-in' }),
        'weights.bin': new Uint8Array([1, 2, 3]),
      },
      baselines,
      trainedOn,
    },
    evaluation,
    features: { avg_price: '(high+low)/2', volatility_window: 20, volume_window: 20, window: 20 },
    configHash: evaluation.config_hash,
    dataSha256: evaluation.data.sha256,
    hash: sha256Hex,
  });
}

/** model.tar.gz as SageMaker uploads it: the directory's files under `./`. */
export async function modelArchive(
  evaluation: Evaluation,
  edit: (files: Record<string, Uint8Array>) => void = () => {},
): Promise<Uint8Array> {
  const files = modelDirectoryFiles(evaluation);
  edit(files);
  return createTarGzip(Object.entries(files).map(([name, data]) => ({ name: `./${name}`, data })));
}
