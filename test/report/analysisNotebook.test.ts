import { spawnSync } from 'node:child_process';
import {
  existsSync,
  globSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../core/pipeline/runSummary.ts';
import { useTempDir } from '../support/tempDir.ts';
import { fullRun } from './reportFixtures.ts';

/**
 * notebooks/analysis.ipynb must stay a valid, output-free nbformat 4 notebook whose code reads
 * files a run really writes, through keys those files really have.
 */

interface Cell {
  readonly cell_type: string;
  readonly source: string[] | string;
  readonly metadata: object;
  readonly outputs?: unknown[];
  readonly execution_count?: number | null;
}

const notebook = JSON.parse(readFileSync('notebooks/analysis.ipynb', 'utf8')) as {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { language?: string } };
  cells: Cell[];
};
const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const code = notebook.cells
  .filter((c) => c.cell_type === 'code')
  .map(text)
  .join('\n\n');

const tempDir = useTempDir('stockops-notebook-');
let root: string;
let store: string;
let summary: RunSummary;
const SYMBOL = 'AAA';

beforeAll(async () => {
  // one real run for every test here (useTempDir would remove it after the first test)
  root = mkdtempSync(join(tmpdir(), 'stockops-notebook-run-'));
  mkdirSync(join(root, 'data'));
  store = join(root, 'store');
  summary = await fullRun(
    join(root, 'data'),
    store,
    SYMBOL,
    '20240101T000000Z-0a0a0a',
    writeFileSync,
  );
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every key of every object in a JSON value, recursively. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysOf(v, into);
    }
  }
  return into;
}

describe('notebooks/analysis.ipynb', () => {
  it('is nbformat 4 with Python cells and no outputs kept', () => {
    expect(notebook.nbformat).toBe(4);
    expect(notebook.nbformat_minor).toBeGreaterThanOrEqual(5);
    expect(notebook.metadata.kernelspec?.language).toBe('python');
    for (const cell of notebook.cells) {
      expect(['markdown', 'code']).toContain(cell.cell_type);
      expect(cell.metadata).toBeTypeOf('object');
      if (cell.cell_type === 'code') {
        expect(cell.outputs).toEqual([]);
        expect(cell.execution_count).toBeNull();
      }
    }
  });

  it('parses as Python', () => {
    const tmp = tempDir();
    writeFileSync(join(tmp, 'cells.py'), code);
    const r = spawnSync(
      'python3',
      ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', join(tmp, 'cells.py')],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('reads files the run writes, by paths the run summary lists', () => {
    expect(code).toContain('runs/{RUN_ID}/summary.json');
    expect(existsSync(join(store, 'runs', summary.run_id, 'summary.json'))).toBe(true);
    const result = summary.results[SYMBOL];
    const paths = (result?.paths ?? {}) as Record<string, string>;
    const used = [...code.matchAll(/paths\["([a-z_]+)"\]/g)].map((m) => m[1] as string);
    expect(new Set(used)).toEqual(
      new Set(['evaluation', 'gate_decision', 'curated', 'features', 'quality_report']),
    );
    for (const key of used) {
      expect(paths[key], `summary paths.${key}`).toBeTypeOf('string');
      expect(existsSync(join(store, paths[key] as string)), `${paths[key]} exists`).toBe(true);
    }
    // the curated glob finds the monthly files
    expect(code).toContain('glob("year=*/month=*/bars.csv")');
    expect(
      globSync('year=*/month=*/bars.csv', { cwd: join(store, paths.curated as string) }).length,
    ).toBeGreaterThan(0);
    // the CSV columns it indexes by exist
    for (const key of ['curated', 'features']) {
      const file =
        key === 'features'
          ? join(store, paths.features as string)
          : join(
              store,
              paths.curated as string,
              globSync('year=*/month=*/bars.csv', {
                cwd: join(store, paths.curated as string),
              })[0] as string,
            );
      expect(readFileSync(file, 'utf8').split('\n')[0]?.split(',')[0]).toBe('date');
    }
  });

  it('subscripts only keys that the summary, evaluation, gate decision or quality report have', () => {
    const result = summary.results[SYMBOL];
    const read = (key: string | undefined) =>
      JSON.parse(readFileSync(join(store, key ?? ''), 'utf8'));
    const known = keysOf([
      summary,
      read(result?.paths.evaluation),
      read(result?.paths.gate_decision),
      read(result?.paths.quality_report),
    ]);
    // drift keys come from core/monitor/driftReport.ts; the run writes no drift report itself
    for (const k of ['as_of', 'status', 'features']) known.add(k);
    // subscripts only: `x["key"]`, not list literals such as parse_dates=["date"]
    const subscripts = new Set(
      [...code.matchAll(/(?<=[\w)\]])\["([a-z_]+)"\]/g)].map((m) => m[1] as string),
    );
    const unknown = [...subscripts].filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
    expect(subscripts.size).toBeGreaterThan(15);
  });
});
