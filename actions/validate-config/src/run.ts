import { loadConfig } from '../../../adapters/local/configFiles.ts';
import {
  ConfigError,
  type ConfigIssue,
  formatIssue,
  sortIssues,
} from '../../../core/config/configError.ts';
import {
  type ActionReport,
  annotateIssues,
  githubReport,
  tableCell,
} from '../../shared/actionReport.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import type { ValidateConfigInputs } from './inputs.ts';

export interface ValidateConfigDeps {
  readonly report?: ActionReport;
}

/**
 * Resolves every environment's config (`stockops config validate`) and annotates each problem
 * once: an error in base.yaml shows up under every environment but is one annotation.
 */
export async function run(
  inputs: ValidateConfigInputs,
  deps: ValidateConfigDeps = {},
): Promise<void> {
  const report = deps.report ?? githubReport;
  const all: ConfigIssue[] = [];
  const rows: string[] = [];
  for (const env of inputs.envs) {
    try {
      const { hash } = loadConfig({ dir: inputs.configDir, env });
      rows.push(`| ${tableCell(env)} | ✅ valid | \`${hash.slice(0, 12)}\` |`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      all.push(...error.issues);
      const n = error.issues.length;
      rows.push(`| ${tableCell(env)} | ❌ ${n} error${n === 1 ? '' : 's'} | |`);
    }
  }
  const issues = sortIssues(all);
  annotateIssues(issues, report);
  report.setOutput('errors', issues.length);
  const lines = [
    `### Config: ${issues.length === 0 ? '✅ valid' : `❌ ${issues.length} error${issues.length === 1 ? '' : 's'}`} (${inputs.configDir})`,
    '',
    '| env | result | config hash |',
    '| --- | --- | --- |',
    ...rows,
    '',
    ...issues.map((i) => `- \`${tableCell(formatIssue(i))}\``),
  ];
  await report.summary(`${lines.join('\n')}\n`);
  if (issues.length > 0) {
    throw new ConfigurationError(
      `${issues.length} config error${issues.length === 1 ? '' : 's'}:\n${issues.map(formatIssue).join('\n')}`,
    );
  }
  report.info(`config valid for ${inputs.envs.join(', ')}`);
}
