import { stringify } from 'yaml';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { EXIT_OK } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

export const ENVIRONMENTS = ['local', 'dev', 'staging', 'prod'] as const;

/** Validates one environment, or all four when none is named. */
export function configValidateCommand(options: { config: string; env?: string }): number {
  const envs = options.env === undefined ? ENVIRONMENTS : [options.env];
  for (const env of envs) {
    const resolved = loadConfig({ dir: options.config, env });
    process.stdout.write(
      `${env}: ok (${resolved.files.join(' + ')}, sha256 ${resolved.hash.slice(0, 12)})\n`,
    );
  }
  return EXIT_OK;
}

export function configShowCommand(options: CommonOptions & { json?: boolean }): number {
  const resolved = loadConfig({ dir: options.config, env: options.env });
  process.stdout.write(
    options.json
      ? `${JSON.stringify(resolved.config, null, 2)}\n`
      : `# effective config for ${resolved.env}: ${resolved.files.join(' + ')}\n${stringify(resolved.config)}`,
  );
  return EXIT_OK;
}
