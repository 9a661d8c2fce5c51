import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();
const BIN = resolve('scripts/stockops.ts');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A small evaluation plan and LSTM (a 400-bar fixture is enough), and monitor thresholds that
 * breach on the first day: max_error_ratio 0.5 is below the ratio 1 of a baseline champion
 * against itself, and N = 1.
 */
function configDir(): string {
  const dir = tempDir();
  cpSync('config', dir, { recursive: true });
  const base = readFileSync(join(dir, 'base.yaml'), 'utf8')
    .replace('start_date: "1997-05-15"', 'start_date: "2019-01-01"')
    .replace(
      /evaluation:\n( {2}.*\n)+/,
      'evaluation:\n  folds: 2\n  test_days: 40\n  gap_days: 2\n  holdout_days: 30\n  min_train_days: 100\n',
    )
    .replace(
      /monitor:\n( {2}.*\n)+/,
      'monitor:\n  psi_threshold: 0.25\n  ks_p_value: 0.01\n  reference_days: 150\n  recent_days: 60\n' +
        '  error_window_days: 10\n  max_error_ratio: 0.5\n  consecutive_days: 1\n  retrain_on_trigger: false\n',
    );
  writeFileSync(join(dir, 'base.yaml'), base);
  writeFileSync(
    join(dir, 'local.yaml'),
    'features: {window: 10}\nmodel: {units: 4, epochs: 2, batch_size: 32, max_train_days: 150}\n',
  );
  return dir;
}

describe('stockops monitor', () => {
  it('writes the report, metrics and one alert, retrains once, and de-duplicates the next day', () => {
    const config = configDir();
    const store = tempDir();
    const data = tempDir();
    writeFileSync(join(data, 'AAA.csv'), formatPriceCsv(syntheticBars(400, '2019-01-02', 3)));
    const common = [
      '--config',
      config,
      '--source',
      `csv:${data}`,
      '--store',
      store,
      '--symbols',
      'AAA',
    ];
    expect(cli(['run', ...common]).code).toBe(0);

    const first = cli(['monitor', ...common, '--retrain', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout.trim().split('\n').at(-1) as string);
    expect(out.schema).toBe('stockops.monitor-run/v1');
    const [result] = out.results;
    expect(result).toMatchObject({
      symbol: 'AAA',
      status: 'drift',
      triggered: true,
      alert_sent: true,
    });
    expect(result.reasons).toContain('realised error ratio 1.000 vs last_close > 0.5');
    expect(out.retrain).toEqual([
      { symbol: 'AAA', status: 'succeeded', run_id: expect.any(String) },
    ]);
    expect(first.stderr).toMatch(/ALERT \[model_degradation\/critical\] AAA: /);
    expect(first.stderr).toMatch(/retrain AAA: running the daily pipeline/);
    expect(existsSync(join(store, result.report_key))).toBe(true);
    const report = JSON.parse(readFileSync(join(store, result.report_key), 'utf8'));
    expect(report).toMatchObject({
      schema: 'stockops.drift-report/v1',
      symbol: 'AAA',
      status: 'drift',
    });
    expect(report.recent.rows).toBe(60);
    const emf = readFileSync(join(store, 'logs', 'monitor-metrics.emf.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0].RealisedErrorRatioVsBestBaseline).toBe(1);
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe('stockops');
    expect(emf[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['Environment'],
      ['Environment', 'Symbol'],
    ]);

    const second = cli(['monitor', ...common, '--retrain', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout.trim().split('\n').at(-1) as string);
    expect(again.results[0]).toMatchObject({ triggered: false, alert_sent: false });
    expect(again.results[0].alert_id).toBe(result.alert_id);
    expect(again.retrain).toEqual([]);
    expect(second.stderr).toMatch(/still open \(no new alert\)/);
    const month = result.alert_id.slice(result.alert_id.indexOf('@') + 1);
    const log = readFileSync(
      join(
        store,
        'alerts',
        'log',
        `year=${month.slice(0, 4)}`,
        `month=${month.slice(5, 7)}`,
        'alerts.jsonl',
      ),
      'utf8',
    );
    expect(log.trim().split('\n')).toHaveLength(1);
  }, 240_000);

  it('exits 2 on a bad --as-of and 1 when a symbol has no data', () => {
    const config = configDir();
    expect(cli(['monitor', '--config', config, '--as-of', '2024-13-01']).code).toBe(2);
    const r = cli(['monitor', '--config', config, '--store', tempDir(), '--symbols', 'ZZZ']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no curated data for ZZZ/);
    expect(r.stderr).toMatch(/ALERT \[pipeline_failure\/warning\] ZZZ: monitoring failed/);
  });
});
