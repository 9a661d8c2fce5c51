import { loadConfig } from '../../adapters/local/configFiles.ts';
import { ENVIRONMENTS } from '../../core/config/configTypes.ts';
import { renderResolvedConfig } from '../../core/config/showConfig.ts';
import { EXIT_OK } from '../cli/cliErrors.ts';
import type { CommonOptions } from '../cli/commandContext.ts';

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
    options.json ? `${JSON.stringify(resolved.config, null, 2)}\n` : renderResolvedConfig(resolved),
  );
  return EXIT_OK;
}
