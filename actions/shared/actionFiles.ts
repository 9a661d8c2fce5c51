import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { ConfigError } from '../../core/config/configError.ts';
import type { ResolvedConfig } from '../../core/config/resolveConfig.ts';
import { type ActionReport, annotateIssues } from './actionReport.ts';
import { ConfigurationError } from './actionRuntime.ts';

/**
 * The environment's resolved config. A bad config becomes one annotation per issue (at its
 * file, line and column) and a ConfigurationError listing them all.
 */
export function loadActionConfig(dir: string, env: string, report: ActionReport): ResolvedConfig {
  try {
    return loadConfig({ dir, env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    annotateIssues(error.issues, report);
    const n = error.issues.length;
    throw new ConfigurationError(`${n} config error${n === 1 ? '' : 's'}:\n${error.format()}`);
  }
}

/** Where an action writes a file for later steps: RUNNER_TEMP on a runner, else the OS temp. */
export function runnerTempFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.RUNNER_TEMP || tmpdir(), name);
}

/** Writes via a temp file and a rename, so a later step never reads half a file. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
