import type { ConfigIssue } from './configError.ts';
import type { StockopsConfig } from './configTypes.ts';
import { type Location, nodeAt, type SourceNode } from './sourceTree.ts';

/**
 * Rules that relate two settings, which JSON Schema cannot express. Run on a config that
 * already passed the schema; each issue sits where the value that breaks the rule was set.
 */
export function crossFieldIssues(
  config: StockopsConfig,
  tree: SourceNode | undefined,
  fallback: Location,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const at = (path: readonly string[], message: string) => {
    const where = nodeAt(tree, path) ?? fallback;
    issues.push({
      file: where.file,
      line: where.position.line,
      column: where.position.column,
      path: path.join('.'),
      message,
    });
  };
  const training = config.aws?.training;
  // SageMaker refuses a managed spot job whose wait does not exceed its run time, but only
  // after the job is submitted; here the mistake is caught at the line that made it.
  if (training && training.max_wait_seconds <= training.max_runtime_seconds) {
    at(
      ['aws', 'training', 'max_wait_seconds'],
      `must be greater than aws.training.max_runtime_seconds (${training.max_runtime_seconds}): ` +
        `it bounds the spot capacity wait plus the run (got ${training.max_wait_seconds})`,
    );
  }
  return issues;
}
