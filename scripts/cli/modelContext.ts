import { sha256Hex } from '../../adapters/local/sha256.ts';
import { canonicalJson } from '../../core/config/canonicalJson.ts';
import { featureOptions } from '../../core/features/featureOptions.ts';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import { readCurated } from '../../core/pipeline/curatedData.ts';
import type { EvaluationContext } from '../../core/pipeline/modelSteps.ts';
import type { ProgressReporter } from '../../core/pipeline/progress.ts';
import type { CommandContext } from './commandContext.ts';

/** Curated bars of a symbol from the store, as the model steps take them. */
export async function modelContext(
  ctx: CommandContext,
  symbol: string,
  progress: ProgressReporter,
  step: string,
): Promise<EvaluationContext & { readonly dataTo: string }> {
  const { bars, partitions } = await readCurated(ctx.store, symbol);
  const config = ctx.resolved.config;
  return {
    symbol,
    table: buildFeatureTable(bars, featureOptions(config)),
    config,
    configHash: ctx.resolved.hash,
    dataSha256: sha256Hex(canonicalJson(partitions)),
    createdAt: new Date().toISOString(),
    onProgress: (message) => progress.stepProgress?.(step, symbol, message),
    dataTo: bars.at(-1)?.date ?? '',
  };
}
