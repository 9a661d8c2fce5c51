/**
 * One problem found in the config files. `line` and `column` are 1-based and point into `file`
 * (the file that set the offending value); `path` is the dotted config path (`gate.max_mape`,
 * `symbols.1`) or a word in parentheses for problems that are not about one setting:
 * `(file)` (a file is missing or unreadable), `(yaml)` (the YAML itself is invalid),
 * `(root)` (the file's top level is not a mapping).
 */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

/** `config/prod.yaml:12:5: gate.max_error_ratio: must be <= 2 (got 7)` */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.path}: ${issue.message}`;
}

/**
 * Sorts issues by file (in the order of `fileOrder`, the merge order; other files after, by
 * name), then line, column and path, and drops exact duplicates.
 */
export function sortIssues(
  issues: readonly ConfigIssue[],
  fileOrder: readonly string[] = [],
): ConfigIssue[] {
  const rank = (file: string) => {
    const i = fileOrder.indexOf(file);
    return i === -1 ? fileOrder.length : i;
  };
  const sorted = [...issues].sort(
    (a, b) =>
      rank(a.file) - rank(b.file) ||
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareStrings(a.path, b.path) ||
      compareStrings(a.message, b.message),
  );
  return sorted.filter((issue, i) => {
    const prev = sorted[i - 1];
    return prev === undefined || formatIssue(prev) !== formatIssue(issue);
  });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Thrown when the config cannot be resolved. Holds every issue found, sorted; the message is
 * `format()`, one line per issue, so an uncaught error prints something a user can act on.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], fileOrder: readonly string[] = []) {
    const sorted = sortIssues(issues, fileOrder);
    super(sorted.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = sorted;
  }

  /** One line per issue: `file:line:column: path: message`. */
  format(): string {
    return this.issues.map(formatIssue).join('\n');
  }
}
