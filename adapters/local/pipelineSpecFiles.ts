import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../../core/config/configError.ts';
import { type PipelineSpec, parsePipelineSpec } from '../../core/orchestration/pipelineSpec.ts';

export const DEFAULT_PIPELINES_DIR = 'dags/pipelines';

/**
 * Reads every `*.yaml` in `dir` (sorted) and checks it against `config` (the resolved config,
 * for `${config.…}` references). Throws one ConfigError holding every issue of every file, so
 * `stockops dags validate` prints them all, one line each, and exits 2.
 */
export function loadPipelineSpecs(dir: string, config: unknown): PipelineSpec[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
      .sort();
  } catch (error) {
    throw new ConfigError([fileIssue(dir, (error as Error).message)]);
  }
  if (names.length === 0) throw new ConfigError([fileIssue(dir, 'no *.yaml pipeline specs')]);
  const specs: PipelineSpec[] = [];
  const issues: ConfigIssue[] = [];
  const dagIds = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const { spec, issues: found } = parsePipelineSpec(
      { file, text: readFileSync(file, 'utf8') },
      config,
    );
    issues.push(...found);
    if (spec === undefined) continue;
    const other = dagIds.get(spec.dagId);
    // Airflow keeps one DAG per id: a second file with the same id would silently replace it.
    if (other !== undefined) {
      issues.push({
        ...fileIssue(file, `dag_id "${spec.dagId}" is also used by ${other}`),
        path: 'dag_id',
      });
    }
    dagIds.set(spec.dagId, file);
    specs.push(spec);
  }
  if (issues.length > 0)
    throw new ConfigError(
      issues,
      names.map((n) => join(dir, n)),
    );
  return specs;
}

/** One spec file (for `stockops run --spec FILE`). */
export function loadPipelineSpec(file: string, config: unknown): PipelineSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([fileIssue(file, (error as Error).message)]);
  }
  const { spec, issues } = parsePipelineSpec({ file, text }, config);
  if (spec === undefined) throw new ConfigError(issues);
  return spec;
}

function fileIssue(file: string, message: string): ConfigIssue {
  return { file, line: 1, column: 1, path: '(file)', message };
}
