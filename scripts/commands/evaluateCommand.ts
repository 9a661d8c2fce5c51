import { writeFileSync } from 'node:fs';
import { evaluationKey } from '../../core/data/partitions.ts';
import { evaluateModels } from '../../core/pipeline/modelSteps.ts';
import { EXIT_OK } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';
import { modelContext } from '../cli/modelContext.ts';
import { progressRenderer } from '../cli/progressRenderer.ts';
import { newRunId } from './runCommand.ts';

export interface EvaluateOptions extends DataOptions {
  readonly out?: string;
  readonly json?: boolean;
}

/**
 * Walk-forward evaluation of the baselines and the LSTM on the curated data already in the
 * store: writes evaluation.json (v2) under runs/, and to --out when given (for `stockops gate`).
 */
export async function evaluateCommand(options: EvaluateOptions): Promise<number> {
  const ctx = commandContext(options);
  const progress = progressRenderer();
  const runId = newRunId(new Date());
  for (const symbol of ctx.symbols) {
    const model = await modelContext(ctx, symbol, progress, 'evaluate');
    progress.stepStarted('evaluate', symbol);
    const t0 = performance.now();
    const evaluation = await evaluateModels(model);
    const key = evaluationKey(runId, symbol);
    const text = `${JSON.stringify(evaluation, null, 2)}\n`;
    await ctx.store.put(key, text);
    const out = options.out && ctx.symbols.length > 1 ? `${options.out}.${symbol}` : options.out;
    if (out) writeFileSync(out, text);
    const best = evaluation.best_baseline;
    const lstm = evaluation.models.lstm?.aggregate.vs[best]?.error_ratio;
    progress.stepFinished(
      'evaluate',
      symbol,
      performance.now() - t0,
      `best baseline ${best}; lstm error ratio ${lstm?.toFixed(4)}; ${out ?? key}`,
    );
    if (options.json) process.stdout.write(`${JSON.stringify(evaluation)}\n`);
    else
      process.stdout.write(
        `${symbol}: ${ctx.store.location}/${key}${out ? ` (and ${out})` : ''}\n`,
      );
  }
  return EXIT_OK;
}
