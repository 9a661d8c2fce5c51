import { join } from 'node:path';
import { featuresKey } from '../../core/data/partitions.ts';
import { featureOptions } from '../../core/features/featureOptions.ts';
import {
  buildFeatureTable,
  FEATURE_VERSION,
  formatFeatureCsv,
} from '../../core/features/featureTable.ts';
import type { TaskIo } from '../../core/orchestration/localRunner.ts';
import { readCurated } from '../../core/pipeline/curatedData.ts';
import type { CommandContext } from '../cli/commandContext.ts';
import { runSparkFeatureJob } from '../features/sparkFeatureJob.ts';

/** Local Spark runs use this machine's cores; EMR Serverless sizes itself. */
const LOCAL_MASTER = 'local[2]';

export type FeatureEngine = 'local' | 'spark';

/**
 * Which engine a features task runs on under the local runner: the PySpark job only when the
 * spec asks for Spark and config `processing.engine` is `spark`; otherwise core/features in
 * Node, which computes the same numbers (the parity tests hold them equal to 1e-9).
 */
export function localFeatureEngine(
  specEngine: unknown,
  configEngine: FeatureEngine | undefined,
): FeatureEngine {
  return specEngine === 'spark' && configEngine === 'spark' ? 'spark' : 'local';
}

/** The features task of `stockops run --spec`: writes features for every symbol of ctx. */
export async function featuresStep(
  ctx: CommandContext,
  engine: FeatureEngine,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<TaskIo> {
  const options = featureOptions(ctx.resolved.config);
  const inputs = ctx.symbols.map((s) => `curated/symbol=${s}/`);
  if (engine === 'spark') {
    const job = await runSparkFeatureJob({
      input: ctx.store.location,
      output: join(ctx.store.location, 'features', 'spark'),
      symbols: ctx.symbols,
      options,
      master: LOCAL_MASTER,
      ...(signal ? { signal } : {}),
    });
    log(
      `spark (${LOCAL_MASTER}) ${(job.ms / 1000).toFixed(1)}s exit ${job.code}: ${job.output.trim()}`,
    );
    if (job.code !== 0) throw new Error(`the Spark feature job exited ${job.code}`);
    return {
      inputs,
      outputs: ctx.symbols.map(
        (s) => `features/spark/feature_version=${FEATURE_VERSION}/symbol=${s}/`,
      ),
    };
  }
  const outputs: string[] = [];
  for (const symbol of ctx.symbols) {
    const { bars } = await readCurated(ctx.store, symbol);
    const table = buildFeatureTable(bars, options);
    const key = featuresKey(symbol);
    await ctx.store.put(key, formatFeatureCsv(table));
    log(`${symbol}: ${table.dates.length - table.firstComplete} complete rows → ${key}`);
    outputs.push(key);
  }
  return { inputs, outputs };
}
