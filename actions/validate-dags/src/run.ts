import { readdirSync } from 'node:fs';
import { loadConfig } from '../../../adapters/local/configFiles.ts';
import { loadPipelineSpecs } from '../../../adapters/local/pipelineSpecFiles.ts';
import { ConfigError, type ConfigIssue, formatIssue } from '../../../core/config/configError.ts';
import type { PipelineSpec } from '../../../core/orchestration/pipelineSpec.ts';
import { planTasks } from '../../../core/orchestration/taskGraph.ts';
import {
  type ActionReport,
  annotateIssues,
  githubReport,
  tableCell,
} from '../../shared/actionReport.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import type { ValidateDagsInputs } from './inputs.ts';

export interface ValidateDagsDeps {
  readonly report?: ActionReport;
}

/**
 * Runs the DAG spec validator of `stockops dags validate` (after the config it references) and
 * reports every issue as an annotation; fails the step when there is any.
 */
export async function run(inputs: ValidateDagsInputs, deps: ValidateDagsDeps = {}): Promise<void> {
  const report = deps.report ?? githubReport;
  const issues: ConfigIssue[] = [];
  let specs: PipelineSpec[] = [];
  try {
    const { config } = loadConfig({ dir: inputs.configDir, env: inputs.env });
    specs = loadPipelineSpecs(inputs.path, config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  annotateIssues(issues, report);
  const checked = issues.length === 0 ? specs.length : countSpecFiles(inputs.path);
  report.setOutput('specs', checked);
  report.setOutput('errors', issues.length);
  await report.summary(summary(inputs, specs, issues));
  if (issues.length > 0) {
    throw new ConfigurationError(
      `${issues.length} error${issues.length === 1 ? '' : 's'} in the pipeline specs:\n${issues.map(formatIssue).join('\n')}`,
    );
  }
  for (const spec of specs) report.info(`${spec.file}: ok (${spec.dagId})`);
}

function countSpecFiles(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).length;
  } catch {
    return 0;
  }
}

function summary(
  inputs: ValidateDagsInputs,
  specs: readonly PipelineSpec[],
  issues: readonly ConfigIssue[],
): string {
  if (issues.length > 0) {
    return [
      `### DAG specs: ❌ ${issues.length} error${issues.length === 1 ? '' : 's'} (${inputs.path}, config ${inputs.env})`,
      '',
      ...issues.map((i) => `- \`${tableCell(formatIssue(i))}\``),
      '',
    ].join('\n');
  }
  return [
    `### DAG specs: ✅ ${specs.length} valid (${inputs.path}, config ${inputs.env})`,
    '',
    '| spec | dag_id | schedule | tasks |',
    '| --- | --- | --- | --- |',
    ...specs.map(
      (s) =>
        `| ${tableCell(s.file)} | ${tableCell(s.dagId)} | ${tableCell(s.schedule ?? 'none')} ${tableCell(s.timezone)} | ${tableCell(
          planTasks(s)
            .map((t) => t.id)
            .join(' → '),
        )} |`,
    ),
    '',
  ].join('\n');
}
