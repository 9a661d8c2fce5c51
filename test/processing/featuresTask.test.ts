import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildFeatureTable,
  FEATURE_VERSION,
  featureRows,
} from '../../core/features/featureTable.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { localFeatureEngine } from '../../scripts/commands/featuresStep.ts';
import { maxRowDiff } from '../../scripts/features/featureGolden.ts';
import { readSparkFeatures } from '../../scripts/features/sparkFeatureJob.ts';
import { configDir, removeConfigDirs } from '../config/configDir.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

// A spec's features task under the local runner (`stockops run --spec`): core/features, and the
// PySpark job in local mode as well when the spec says engine: spark and config
// processing.engine is spark — the same numbers either way.
const tempDir = useTempDir();
afterAll(removeConfigDirs);
const BIN = resolve('scripts/stockops.ts');
const SPEC = `dag_id: spark_small
schedule: null
timezone: UTC
defaults: {retries: 0, retry_delay_seconds: 0, timeout_seconds: 600}
tasks:
  ingest: {type: ingest, params: {function_name: f, from: "2019-01-01"}}
  validate: {type: validate, after: [ingest]}
  features: {type: features, after: [validate], params: {engine: spark}}
`;
const bars = syntheticBars(120, '2019-01-02', 3);
const options = { avgPrice: '(high+low)/2', volatilityWindow: 20, volumeWindow: 20 } as const;

function runSpec(engine: 'local' | 'spark') {
  const dir = tempDir();
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'AAA.csv'), formatPriceCsv(bars));
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  const config = configDir({
    'local.yaml': (real) => `${real}\nprocessing:\n  engine: ${engine}\n`,
  });
  const store = join(dir, 'store');
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'run',
      '--spec',
      join(dir, 'spec.yaml'),
      '--config',
      config,
      '--symbols',
      'AAA',
      '--source',
      `csv:${join(dir, 'data')}`,
      '--store',
      store,
      '--until',
      bars.at(-1)?.date as string,
      '--json',
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  const state = JSON.parse(readFileSync(join(store, 'runs', summary.run_id, 'state.json'), 'utf8'));
  return { code: r.status, stderr: r.stderr, state, store };
}

describe('features task under the local runner', () => {
  it('picks Spark only when both the spec and config processing.engine ask for it', () => {
    expect(localFeatureEngine('spark', 'spark')).toBe('spark');
    expect(localFeatureEngine('spark', 'local')).toBe('local');
    expect(localFeatureEngine('spark', undefined)).toBe('local');
    expect(localFeatureEngine('local', 'spark')).toBe('local');
  });

  it('processing.engine local: core/features writes features/symbol=AAA/features.csv', () => {
    const run = runSpec('local');
    expect(run.code, run.stderr).toBe(0);
    expect(run.state.tasks.features.outputs).toContain('features/symbol=AAA/features.csv');
    expect(run.state.tasks.features.outputs.join()).not.toContain('features/spark/');
    expect(run.state.tasks.features.log.join('\n')).toContain('features on local');
    const csv = readFileSync(join(run.store, 'features/symbol=AAA/features.csv'), 'utf8');
    expect(csv.split('\n')).toHaveLength(bars.length + 2);
  });

  it('processing.engine spark: the PySpark job writes the same features, partitioned', () => {
    const run = runSpec('spark');
    expect(run.code, run.stderr).toBe(0);
    expect(run.state.tasks.features.log.join('\n')).toContain('features on spark');
    expect(run.state.tasks.features.outputs).toEqual(
      expect.arrayContaining([
        'features/symbol=AAA/features.csv',
        `features/spark/feature_version=${FEATURE_VERSION}/symbol=AAA/`,
      ]),
    );
    const out = join(run.store, 'features', 'spark');
    const part = join(out, `feature_version=${FEATURE_VERSION}`, 'symbol=AAA');
    expect(readdirSync(part).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
    const spark = readSparkFeatures(out, FEATURE_VERSION).get('AAA') ?? [];
    const ts = featureRows(buildFeatureTable(bars, options));
    expect(spark).toHaveLength(bars.length);
    expect(maxRowDiff(ts, spark)).toBeLessThanOrEqual(1e-9);
  }, 300_000);
});
