import type { ChartRenderer } from '../ports/chartRenderer.ts';
import type { ChartDefinition } from './reportCharts.ts';

/**
 * The pieces every stockops HTML page shares: escaping, a self-contained page (inline CSS, no
 * script, nothing fetched), tables and charts drawn to inline SVG.
 */

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem;color:#1d2433;background:#fafbfc}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #dde1e6;padding-bottom:.3rem}
h3{font-size:1.05rem;margin-top:1.4rem}
.meta{color:#5b6574;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem;background:white}
th,td{border:1px solid #dde1e6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f2f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass,.approve,.ok,.succeeded{color:#1b6e20;font-weight:600}.fail,.reject,.drift,.failed{color:#b71c1c;font-weight:600}
.warn{color:#a15c00;font-weight:600}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:.8rem;border:1px solid currentColor}
figure.chart{background:white;border:1px solid #dde1e6;border-radius:4px;margin:1rem 0;padding:.6rem;overflow-x:auto}
figure.chart figcaption{color:#5b6574;font-size:.85rem;margin-top:.3rem}
figure.chart .title{font-weight:600;margin-bottom:.3rem}
.note{color:#5b6574;font-style:italic}
`;

export function page(title: string, body: string): string {
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    // Nothing on the page may be fetched: the report is read offline and from artifacts.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

export type Cell = string | number | null | { readonly html: string; readonly className?: string };

/** A table; string cells are escaped, numbers right-aligned, `{html}` cells inserted as given. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  attrs: { readonly id?: string; readonly className?: string } = {},
): string {
  const id = attrs.id ? ` id="${escapeHtml(attrs.id)}"` : '';
  const cls = attrs.className ? ` class="${escapeHtml(attrs.className)}"` : '';
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n');
  return `<table${id}${cls}>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function cell(c: Cell): string {
  if (c === null) return '<td>–</td>';
  if (typeof c === 'number') return `<td class="num">${escapeHtml(formatValue(c))}</td>`;
  if (typeof c === 'string') return `<td>${escapeHtml(c)}</td>`;
  return `<td${c.className ? ` class="${escapeHtml(c.className)}"` : ''}>${c.html}</td>`;
}

/** Up to six significant digits; integers as they are. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 1e6) return x.toExponential(3);
  return String(Number(x.toPrecision(6)));
}

export function badge(text: string, className: string): string {
  return `<span class="badge ${escapeHtml(className)}">${escapeHtml(text)}</span>`;
}

/** Draws each chart and wraps its SVG in a captioned figure. */
export async function figures(
  charts: readonly (ChartDefinition | null)[],
  renderer: ChartRenderer,
): Promise<string> {
  const out: string[] = [];
  for (const chart of charts) {
    if (chart === null) continue;
    const svg = await renderer.toSvg(chart.spec);
    out.push(
      `<figure class="chart" id="${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}">\n` +
        `<div class="title">${escapeHtml(chart.title)}</div>\n${svg}\n` +
        `<figcaption>${escapeHtml(chart.caption)}</figcaption>\n</figure>`,
    );
  }
  return out.join('\n');
}

/** An id-safe form of a symbol or name. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}
