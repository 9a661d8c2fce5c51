import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import {
  CostEstimateError,
  estimateMonthlyCost,
  renderCostEstimate,
  type TrainingSettings,
} from '../../core/cost/costEstimate.ts';
import { parsePriceTable } from '../../core/cost/priceTable.ts';
import { EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

export interface CostOptions extends CommonOptions {
  readonly json?: boolean;
}

/**
 * `stockops cost estimate --env E`: a monthly estimate per service from the environment's config
 * and the dated price table `aws.cost.price_table` names (relative to the config directory).
 */
export function costEstimateCommand(
  options: CostOptions,
  out: { write(text: string): unknown } = process.stdout,
): number {
  if (options.env === 'local') {
    throw new UsageError(
      '--env local runs on one machine and costs nothing in AWS: use dev, staging or prod',
    );
  }
  const { config } = loadConfig({ dir: options.config, env: options.env });
  const aws = config.aws;
  if (!aws) throw new UsageError(`config for ${options.env} has no aws section`);
  const file = join(options.config, aws.cost.price_table);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `aws.cost.price_table: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const prices = parsePriceTable(text, file, aws.region);
  // aws.training belongs to the training section's owner; read it only if it is there.
  const training = (aws as { training?: TrainingSettings }).training;
  try {
    const estimate = estimateMonthlyCost({
      env: options.env,
      aws,
      symbols: config.symbols.length,
      prices,
      priceTableFile: file,
      ...(training ? { training } : {}),
    });
    out.write(options.json ? `${JSON.stringify(estimate)}\n` : renderCostEstimate(estimate));
  } catch (error) {
    if (error instanceof CostEstimateError) throw new UsageError(error.message);
    throw error;
  }
  return EXIT_OK;
}
