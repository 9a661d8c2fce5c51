import type { DrillReport } from './recoveryDrill.ts';

/** How many mismatches and problems of each class are listed under the table. */
const LISTED = 5;

/**
 * The drill as text: one row per data class (objects in the original, matched, mismatched,
 * rebuild time), then what did not match and why, then the timings and the verdict.
 */
export function renderDrillReport(report: DrillReport, scratch: string): string {
  const rows = [['data class', 'kind', 'objects', 'matched', 'mismatched', 'rebuild']];
  for (const c of report.classes) {
    rows.push([
      c.name,
      c.kind,
      String(c.objects),
      String(c.matched),
      String(c.mismatches.length + c.problems.length),
      c.rebuildMs === null ? (c.kind === 'primary' ? 'kept' : '(above)') : seconds(c.rebuildMs),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  '),
  );
  for (const c of report.classes) {
    const all = [...c.problems, ...c.mismatches];
    if (all.length === 0) continue;
    lines.push(`${c.name}:`);
    for (const m of all.slice(0, LISTED)) lines.push(`  ${m.key}: ${m.problem}`);
    if (all.length > LISTED) lines.push(`  … and ${all.length - LISTED} more`);
  }
  const t = report.timings;
  lines.push(
    `deleted ${report.deleted} derived objects in ${seconds(t.deleteMs)}; rebuilt in ` +
      `${seconds(t.rebuildMs)}; compared in ${seconds(t.compareMs)}; drill ${seconds(t.totalMs)}`,
    `scratch ${scratch}`,
    report.ok
      ? 'recovery drill passed: every derived class rebuilt from raw/ and lineage/ matches the original'
      : 'recovery drill FAILED: see the mismatches above',
  );
  return `${lines.join('\n')}\n`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
