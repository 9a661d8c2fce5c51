import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { ConfigError, formatIssue } from '../../core/config/configError.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import { type ResolvedConfig, resolveConfig } from '../../core/config/resolveConfig.ts';
import {
  hyperparameterForPath,
  parseHyperparameters,
} from '../../core/training/hyperparameters.ts';
import { ConfigurationError } from './actionRuntime.ts';

/**
 * What train-model, gate-promotion and promote-model share: the environment's config as a
 * ConfigurationError annotated at the offending line, symbol and region defaults, and the
 * runner's outputs, log and job summary behind one small interface tests can record.
 */

/** The environments with an AWS account (local has none). */
export const AWS_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type AwsEnvironment = (typeof AWS_ENVIRONMENTS)[number];

export function toConfigurationError(error: ConfigError): ConfigurationError {
  const first = error.issues[0];
  return new ConfigurationError(
    error.issues.map(formatIssue).join('\n'),
    first === undefined ? undefined : { file: first.file, line: first.line, column: first.column },
  );
}

export function actionConfig(dir: string, env: string): ResolvedConfig {
  try {
    return loadConfig({ dir, env });
  } catch (error) {
    if (error instanceof ConfigError) throw toConfigurationError(error);
    throw error;
  }
}

/**
 * Checks hyperparameter overrides the way the container will: merged over the environment's
 * config as one more overlay and validated by the same schema, so a value the container would
 * refuse fails here, before an instance is paid for. Issues name the hyperparameter.
 */
export function checkHyperparameterOverrides(
  dir: string,
  env: string,
  values: Readonly<Record<string, string>>,
): void {
  const { overlay } = parseHyperparameters(values);
  const read = (name: string) => ({
    file: join(dir, name),
    text: readFileSync(join(dir, name), 'utf8'),
  });
  const overlayFile = 'hyperparameters input';
  try {
    resolveConfig({
      env,
      sources: [
        read('base.yaml'),
        read(`${env}.yaml`),
        { file: overlayFile, text: JSON.stringify(overlay) },
      ],
      hash: sha256Hex,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.issues.map((issue) => {
      const key = issue.file === overlayFile ? hyperparameterForPath(issue.path) : undefined;
      return key === undefined ? formatIssue(issue) : `hyperparameter ${key}: ${issue.message}`;
    });
    throw new ConfigurationError(`input "hyperparameters": ${lines.join('; ')}`);
  }
}

/** The symbol input, or the config's first symbol; it must be one the config lists. */
export function actionSymbol(
  config: StockopsConfig,
  input: string | undefined,
  file: string,
): string {
  const first = config.symbols[0];
  if (input === undefined) {
    if (first === undefined) throw new ConfigurationError(`${file}: symbols is empty`);
    return first;
  }
  const symbol = input.toUpperCase();
  if (!config.symbols.includes(symbol)) {
    throw new ConfigurationError(
      `input "symbol": ${symbol} is not in the config's symbols (${config.symbols.join(', ')})`,
    );
  }
  return symbol;
}

export function actionRegion(
  config: StockopsConfig,
  input: string | undefined,
  env: string,
): string {
  const region = input ?? config.aws?.region;
  if (region === undefined) {
    throw new ConfigurationError(`input "region" is required: config for ${env} has no aws.region`);
  }
  return region;
}

/** The runner side of an action: outputs, log lines, groups and the job summary. */
export interface ActionReport {
  info(line: string): void;
  warning(line: string): void;
  output(name: string, value: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY); logged when there is none. */
  summary(markdown: string): Promise<void>;
}

export const runnerReport: ActionReport = {
  info: (line) => core.info(line),
  warning: (line) => core.warning(line),
  output: (name, value) => core.setOutput(name, value),
  group: (name, fn) => core.group(name, fn),
  async summary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY) {
      core.info(markdown);
      return;
    }
    await core.summary.addRaw(markdown, true).write();
    core.summary.emptyBuffer();
  },
};

/**
 * Aborted on SIGINT or SIGTERM (a cancelled workflow run), so a long wait can clean up (stop
 * the training job) instead of dying mid-call.
 */
export function cancellationSignal(): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return controller.signal;
}
