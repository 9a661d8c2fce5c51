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
