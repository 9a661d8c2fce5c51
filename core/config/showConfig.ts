import { stringify } from 'yaml';
import type { ResolvedConfig } from './resolveConfig.ts';

/**
 * The effective config of an environment as YAML, with a header naming the environment, the
 * files merged and the hash: what `stockops config show --env <env>` prints. The text parses
 * back (as a single base file) to the same config and hash.
 */
export function renderResolvedConfig(resolved: ResolvedConfig): string {
  const header = [
    `# Effective config of env ${resolved.env}: ${resolved.files.join(' + ')}`,
    `# sha256 ${resolved.hash}`,
  ].join('\n');
  return `${header}\n${stringify(resolved.config, { lineWidth: 0 })}`;
}
