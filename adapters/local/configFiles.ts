import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../../core/config/configError.ts';
import { ENVIRONMENTS, isEnvironment } from '../../core/config/configTypes.ts';
import {
  type ResolvedConfig,
  resolveConfig,
  unknownEnvironmentIssue,
} from '../../core/config/resolveConfig.ts';
import type { ConfigSource } from '../../core/config/yamlSource.ts';
import { sha256Hex } from './sha256.ts';

export const DEFAULT_CONFIG_DIR = 'config';

export interface LoadConfigOptions {
  /** The directory holding base.yaml and the overlays; default `config` (relative to the cwd). */
  readonly dir?: string;
  /** local, dev, staging or prod. */
  readonly env: string;
}

/**
 * Reads `<dir>/base.yaml` and `<dir>/<env>.yaml`, merges and validates them (see
 * `resolveConfig`) and hashes the result with sha256. File paths in issues are `dir` joined
 * with the file name (`config/prod.yaml`), so a terminal or editor can open them.
 * Throws ConfigError for an unknown env, a missing or unreadable file, or an invalid config.
 */
export function loadConfig(options: LoadConfigOptions): ResolvedConfig {
  const { dir = DEFAULT_CONFIG_DIR, env } = options;
  const baseFile = join(dir, 'base.yaml');
  const overlayFile = join(dir, `${env}.yaml`);
  if (!isEnvironment(env)) throw new ConfigError([unknownEnvironmentIssue(env, overlayFile)]);

  const issues: ConfigIssue[] = [];
  const sources: ConfigSource[] = [];
  const expected: Record<string, string> = {
    [baseFile]: 'base.yaml holds the settings every environment shares',
    [overlayFile]: `expected one overlay per environment: ${ENVIRONMENTS.join(', ')}`,
  };
  for (const file of [baseFile, overlayFile]) {
    try {
      sources.push({ file, text: readFileSync(file, 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message =
        code === 'ENOENT'
          ? `file not found (${expected[file] ?? 'a config file'})`
          : `cannot read file (${code ?? String(error)})`;
      issues.push({ file, line: 1, column: 1, path: '(file)', message });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, [baseFile, overlayFile]);

  return resolveConfig({ env, sources, hash: sha256Hex });
}

/** The sha256 of a text's UTF-8 bytes, as lowercase hex. */
