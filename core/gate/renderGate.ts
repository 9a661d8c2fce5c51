import { formatNumber } from './gateRead.ts';
import type { GateCheck, GateDecision } from './gateTypes.ts';

function valueCell(check: GateCheck): string {
  return check.value === null ? '—' : formatNumber(check.value);
}

function thresholdCell(check: GateCheck): string {
  if (check.threshold === null) return '—';
  const sign = check.comparator === '<=' ? '≤' : check.comparator === '>=' ? '≥' : '=';
  return `${sign} ${formatNumber(check.threshold)}`;
}

/** A table cell: pipes would split it and newlines would end the table. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function headline(decision: GateDecision): string {
  return `candidate ${decision.candidate || '(none)'}, best baseline ${decision.best_baseline || '(none)'}, champion ${decision.champion ?? 'none yet'}`;
}

/** The decision as Markdown, for a job summary or a PR comment: one table row per check. */
export function renderGateMarkdown(decision: GateDecision): string {
  const verdict = decision.decision === 'approve' ? '✅ approve' : '❌ reject';
  const lines = [
    `### Promotion gate: ${verdict}`,
    '',
    cell(headline(decision)),
    '',
    '| check | value | threshold | result |',
    '| --- | ---: | ---: | --- |',
    ...decision.checks.map(
      (c) =>
        `| ${cell(c.name)} | ${valueCell(c)} | ${thresholdCell(c)} | ${c.passed ? '✅ pass' : '❌ fail'}: ${cell(c.detail)} |`,
    ),
  ];
  if (decision.reasons.length > 0) {
    lines.push('', '**Rejected because:**', '', ...decision.reasons.map((r) => `- ${cell(r)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The decision as plain text for a terminal: one line per check, aligned. */
export function renderGateText(decision: GateDecision): string {
  const width = Math.max(...decision.checks.map((c) => c.name.length), 5);
  const bound = { '<=': 'max', '>=': 'min', '==': 'want', match: '' } as const;
  const rows = decision.checks.map((c) => {
    const compared =
      c.value === null && c.threshold === null
        ? ''
        : `${c.value === null ? '—' : formatNumber(c.value)}${c.threshold === null ? '' : ` (${bound[c.comparator]} ${formatNumber(c.threshold)})`}`;
    return `  ${(c.passed ? 'pass' : 'FAIL').padEnd(4)} ${c.name.padEnd(width)} ${compared.padEnd(20)} ${c.detail}`;
  });
  return `${decision.decision}: ${headline(decision)}\n${rows.join('\n')}\n`;
}
