import { GATE_DECISION_SCHEMA, type GateDecision } from '../../../core/gate/gateTypes.ts';
import { renderGateMarkdown } from '../../../core/gate/renderGate.ts';
import { isDagSyncPlan, renderDagSyncPlan } from '../../../core/orchestration/dagSyncPlan.ts';

/** The hidden line that identifies our comment among the pull request's comments. */
export const REPORT_MARKER = '<!-- stockops-pr-report -->';

/** GitHub refuses comment bodies longer than this many characters. */
export const MAX_COMMENT_CHARS = 65_536;

/** Each section's content: text to show, or undefined when its input was not given. */
export interface ReportParts {
  readonly cdkDiff?: string | undefined;
  readonly syncPlan?: string | undefined;
  readonly configDiff?: { readonly baseRef: string; readonly dir: string; readonly diff: string };
  readonly metrics?: string | undefined;
  /** e.g. the commit the report is for. */
  readonly footer?: string;
}

/** A metrics file: a gate decision becomes its table; Markdown stays; anything else is code. */
export function renderMetrics(text: string, file: string): string {
  if (file.endsWith('.md')) return text.trimEnd();
  try {
    const parsed: unknown = JSON.parse(text);
    if ((parsed as { schema?: unknown } | null)?.schema === GATE_DECISION_SCHEMA) {
      return renderGateMarkdown(parsed as GateDecision).trimEnd();
    }
    return fence(JSON.stringify(parsed, null, 2), 'json');
  } catch {
    return fence(text.trimEnd(), '');
  }
}

/** A sync-dags plan file becomes its table; other text is shown as it is. */
export function renderSyncPlan(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isDagSyncPlan(parsed)) return renderDagSyncPlan(parsed).trimEnd();
  } catch {
    // not JSON: show it verbatim
  }
  return fence(text.trimEnd(), '');
}

/**
 * The comment body. The CDK diff is the only part that grows without bound, so it is the part
 * cut to keep the body under GitHub's limit.
 */
export function renderReport(parts: ReportParts): string {
  const head = [REPORT_MARKER, '## stockops pull-request report', ''];
  const tail: string[] = [];
  tail.push('### DAG sync plan', '', parts.syncPlan ?? '_not run_', '');
  if (parts.configDiff) {
    const { baseRef, dir, diff } = parts.configDiff;
    tail.push(`### Config changes against \`${baseRef}\``, '');
    tail.push(
      diff.trim() === '' ? `No changes under \`${dir}/\`.` : fence(diff.trimEnd(), 'diff'),
      '',
    );
  } else {
    tail.push('### Config changes', '', '_no base ref: not compared_', '');
  }
  tail.push('### Latest metrics against the champion', '', parts.metrics ?? '_not run_', '');
  if (parts.footer) tail.push(`<sub>${parts.footer}</sub>`, '');

  const diffHead = '### CDK diff';
  let cdk: string[];
  if (parts.cdkDiff === undefined) {
    cdk = [diffHead, '', '_not run_', ''];
  } else {
    const fixed = [...head, ...tail].join('\n').length;
    const wrapper = `${diffHead}\n\n<details><summary>cdk diff</summary>\n\n\`\`\`diff\n\n\`\`\`\n\n</details>\n\n… (cut: the full diff is in the job's log)\n`;
    const room = MAX_COMMENT_CHARS - fixed - wrapper.length - 16;
    const text = parts.cdkDiff.trimEnd().replace(/```/g, "'''");
    const cut = text.length > room;
    cdk = [
      diffHead,
      '',
      '<details><summary>cdk diff</summary>',
      '',
      '```diff',
      cut ? text.slice(0, Math.max(0, room)) : text,
      '```',
      '',
      '</details>',
      ...(cut ? ['', "… (cut: the full diff is in the job's log)"] : []),
      '',
    ];
  }
  return [...head, ...cdk, ...tail].join('\n');
}

function fence(text: string, lang: string): string {
  return `\`\`\`${lang}\n${text.replace(/```/g, "'''")}\n\`\`\``;
}
