import { lstmHyperparameters } from '../../core/model/lstmConfig.ts';
import { evaluateModels } from '../../core/pipeline/modelSteps.ts';
import { randomSearch } from '../../core/tuning/randomSearch.ts';
import { sagemakerTuningJobConfig } from '../../core/tuning/sagemakerTuning.ts';
import { searchSpace } from '../../core/tuning/searchSpace.ts';
import { EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';
import { modelContext } from '../cli/modelContext.ts';
import { progressRenderer } from '../cli/progressRenderer.ts';
import { newRunId } from './runCommand.ts';

export interface TuneOptions extends DataOptions {
  readonly trials?: string;
  readonly seed?: string;
}

/**
 * Random search over config's tuning.ranges. Each trial is a full walk-forward evaluation; the
 * objective is the LSTM's pooled fold RMSE of returns. The hold-out is never shown to it. Writes
 * the trials, the best parameters and the SageMaker tuning config rendered from the same ranges.
 */
export async function tuneCommand(options: TuneOptions): Promise<number> {
  const ctx = commandContext(options);
  const { config } = ctx.resolved;
  const trials = options.trials === undefined ? config.tuning.trials : Number(options.trials);
  if (!Number.isInteger(trials) || trials < 1) {
    throw new UsageError(`--trials: expected a positive integer (got "${options.trials}")`);
  }
  const seed = options.seed === undefined ? config.model.seed : Number(options.seed);
  const progress = progressRenderer();
  const runId = newRunId(new Date());
  for (const symbol of ctx.symbols) {
    const model = await modelContext(ctx, symbol, progress, 'tune');
    const quiet = { ...model, onProgress: () => {} };
    const space = searchSpace(config.tuning);
    const result = await randomSearch({
      space,
      trials,
      seed,
      objective: async (p) => {
        progress.stepStarted('tune', symbol);
        const hyper = lstmHyperparameters(config, {
          units: p.units,
          learningRate: p.learning_rate,
          dropout: p.dropout,
          window: p.window,
        });
        const evaluation = await evaluateModels(quiet, hyper);
        return evaluation.models.lstm?.aggregate.scores.rmse_return ?? Number.NaN;
      },
      onTrial: (t) =>
        progress.stepFinished(
          'tune',
          symbol,
          0,
          `trial ${t.trial}/${trials}: ${JSON.stringify(t.params)} → ${
            t.error ? `failed: ${t.error}` : `rmse_return ${t.objective.toFixed(6)}`
          }`,
        ),
    });
    const key = `runs/${runId}/tuning/symbol=${symbol}/tuning.json`;
    const report = {
      schema: 'stockops.tuning/v1',
      symbol,
      objective: 'lstm walk-forward rmse_return (folds only)',
      trials: result.trials,
      best: result.best,
      sagemaker_tuning_job_config: sagemakerTuningJobConfig(config.tuning),
    };
    await ctx.store.put(key, `${JSON.stringify(report, null, 2)}\n`);
    const b = result.best.params;
    process.stdout.write(
      `${symbol}: best trial ${result.best.trial}, rmse_return ${result.best.objective.toFixed(6)}\n` +
        `  put in config/<env>.yaml:\n    features: {window: ${b.window}}\n` +
        `    model: {units: ${b.units}, learning_rate: ${b.learning_rate.toPrecision(3)}, dropout: ${b.dropout.toFixed(3)}}\n` +
        `  report: ${ctx.store.location}/${key}\n`,
    );
  }
  return EXIT_OK;
}
