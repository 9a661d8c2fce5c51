import { appendFile } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import * as core from '@actions/core';
import type { ConfigIssue } from '../../core/config/configError.ts';

/**
 * What an action tells the runner: outputs, the job summary, log lines and annotations.
 * `githubReport` writes the real GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files; unit tests pass a
 * `RecordingReport` and assert what was said.
 */
export interface ActionReport {
  setOutput(name: string, value: string | number | boolean): void;
  /** Appends Markdown to the job summary (printed to the log when there is no summary file). */
  summary(markdown: string): Promise<void>;
  info(message: string): void;
  warning(message: string): void;
  error(message: string, properties?: core.AnnotationProperties): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * The runner's report. The summary file is read from the environment on every call (unlike
 * `core.summary`, which caches its path), so one process can run an action several times.
 */
export const githubReport: ActionReport = {
  setOutput: (name, value) => core.setOutput(name, value),
  async summary(markdown) {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (file) await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    else core.info(markdown);
  },
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message, properties) => core.error(message, properties ?? {}),
  group: (name, fn) => core.group(name, fn),
};

/** Everything an action said, for unit tests. */
export class RecordingReport implements ActionReport {
  readonly outputs: Record<string, string> = {};
  readonly summaries: string[] = [];
  readonly infos: string[] = [];
  readonly warnings: string[] = [];
  readonly errors: { message: string; properties: core.AnnotationProperties | undefined }[] = [];
  readonly groups: string[] = [];

  setOutput(name: string, value: string | number | boolean): void {
    this.outputs[name] = String(value);
  }
  async summary(markdown: string): Promise<void> {
    this.summaries.push(markdown);
  }
  info(message: string): void {
    this.infos.push(message);
  }
  warning(message: string): void {
    this.warnings.push(message);
  }
  error(message: string, properties?: core.AnnotationProperties): void {
    this.errors.push({ message, properties });
  }
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.groups.push(name);
    return fn();
  }
}

/**
 * A path as GitHub annotations want it: relative to the workspace (the repository root) when
 * it lies inside it, with forward slashes.
 */
export function workspacePath(file: string, workspace = process.env.GITHUB_WORKSPACE): string {
  const root = workspace ?? process.cwd();
  const abs = isAbsolute(file) ? file : undefined;
  if (abs === undefined) return file.split(sep).join('/');
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return abs;
  return rel.split(sep).join('/');
}

/**
 * One error annotation per config or spec issue, at its file, line and column, so the pull
 * request shows each problem on the line that causes it.
 */
export function annotateIssues(issues: readonly ConfigIssue[], report: ActionReport): void {
  for (const issue of issues) {
    const file = workspacePath(issue.file);
    report.error(`${issue.path}: ${issue.message}`, {
      title: `${file}:${issue.line}:${issue.column}: ${issue.path}`,
      file,
      startLine: issue.line,
      startColumn: issue.column,
    });
  }
}

/** A Markdown table cell: pipes would split it and newlines would end the table. */
export function tableCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
