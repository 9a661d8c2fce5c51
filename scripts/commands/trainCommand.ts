import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainFinalModels } from '../../core/pipeline/modelSteps.ts';
import { EXIT_OK } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';
import { modelContext } from '../cli/modelContext.ts';
import { progressRenderer } from '../cli/progressRenderer.ts';
import { newRunId } from './runCommand.ts';

export interface TrainOptions extends DataOptions {
  readonly out?: string;
}

/**
 * Fits the LSTM (and the baselines) on the latest curated data and writes the model
 * directory to the store under models/, and to --out DIR when given. Registering and gating
 * are `stockops run`'s (or the gate's) business.
 */
export async function trainCommand(options: TrainOptions): Promise<number> {
  const ctx = commandContext(options);
  const progress = progressRenderer();
  const runId = newRunId(new Date());
  for (const symbol of ctx.symbols) {
    const model = await modelContext(ctx, symbol, progress, 'train');
    progress.stepStarted('train', symbol);
    const t0 = performance.now();
    const final = await trainFinalModels(model);
    const prefix = `models/symbol=${symbol}/run=${runId}/lstm`;
    for (const [file, bytes] of Object.entries(final.candidate)) {
      await ctx.store.put(`${prefix}/${file}`, bytes);
    }
    const dir = options.out && ctx.symbols.length > 1 ? join(options.out, symbol) : options.out;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      for (const [file, bytes] of Object.entries(final.candidate))
        writeFileSync(join(dir, file), bytes);
    }
    progress.stepFinished(
      'train',
      symbol,
      performance.now() - t0,
      `lstm fitted on ${final.trainedOn.origins} origins ${final.trainedOn.from} → ${final.trainedOn.to}`,
    );
    process.stdout.write(
      `${symbol}: ${ctx.store.location}/${prefix}/${dir ? ` (and ${dir})` : ''}\n`,
    );
  }
  return EXIT_OK;
}
