import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();
const BIN = resolve('scripts/stockops.ts');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** config/ with a small plan and model, so 400 synthetic bars run in seconds. */
function smallConfig(): string {
  const dir = tempDir();
  cpSync('config', dir, { recursive: true });
  const base = readFileSync(join(dir, 'base.yaml'), 'utf8')
    .replace('start_date: "1997-05-15"', 'start_date: "2019-01-01"')
    .replace(
      /evaluation:\n( {2}.*\n)+/,
      'evaluation:\n  folds: 2\n  test_days: 40\n  gap_days: 2\n  holdout_days: 30\n  min_train_days: 100\n',
    );
  writeFileSync(join(dir, 'base.yaml'), base);
  writeFileSync(
    join(dir, 'local.yaml'),
    'features: {window: 10}\nmodel: {units: 4, epochs: 2, batch_size: 32, max_train_days: 150}\n',
  );
  return dir;
}

describe('stockops run and stockops report', () => {
  it('every run writes report.html and report.md; report --run rewrites the same bytes', () => {
    const config = smallConfig();
    const data = tempDir();
    writeFileSync(join(data, 'AAA.csv'), formatPriceCsv(syntheticBars(400, '2019-01-02', 2)));
    const store = tempDir();
    const run = cli([
      'run',
      '--symbols',
      'AAA',
      '--config',
      config,
      '--source',
      `csv:${data}`,
      '--store',
      store,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const runId = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}').run_id as string;
    const html = join(store, 'runs', runId, 'report.html');
    const md = join(store, 'runs', runId, 'report.md');
    expect(run.stderr).toContain(`report runs/${runId}/report.html (`);
    const first = readFileSync(html, 'utf8');
    expect(first).toContain('<table id="gate-AAA" class="gate">');
    expect(readFileSync(md, 'utf8')).toContain(`## stockops run \`${runId}\``);

    rmSync(html);
    const again = cli([
      'report',
      '--config',
      config,
      '--store',
      store,
      '--run',
      runId,
      '--markdown',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toBe(first);
    expect(again.stdout).toBe(readFileSync(md, 'utf8'));
  }, 90_000);

  it('refuses an unknown or malformed run id with exit 2 and one line', () => {
    const store = tempDir();
    const unknown = cli(['report', '--store', store, '--run', '20240101T000000Z-000000']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      `stockops: ${store}/runs/20240101T000000Z-000000/summary.json: no such run summary (is 20240101T000000Z-000000 a run of this store?)\n`,
    );
    const bad = cli(['report', '--store', store, '--run', '../etc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--run: expected a run id');
  });
});
