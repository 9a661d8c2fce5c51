import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { syntheticBars } from './syntheticBars.ts';

/**
 * A config directory whose local overlay shrinks history, evaluation and model so the whole
 * daily pipeline runs in seconds, and a csv:DIR source with one synthetic symbol AAA.
 */
export function smallPipeline(dir: string): { configDir: string; data: string; store: string } {
  const data = join(dir, 'data');
  const store = join(dir, 'store');
  const configDir = join(dir, 'config');
  mkdirSync(data, { recursive: true });
  mkdirSync(configDir, { recursive: true });
  for (const f of ['base.yaml', 'schema.json']) {
    writeFileSync(join(configDir, f), readFileSync(join('config', f)));
  }
  writeFileSync(
    join(configDir, 'local.yaml'),
    `${readFileSync(join('config', 'local.yaml'), 'utf8')}
data: {start_date: "2019-01-01"}
features: {window: 10}
evaluation: {folds: 2, test_days: 30, gap_days: 2, holdout_days: 20, min_train_days: 80}
model: {units: 4, epochs: 1, batch_size: 32, max_train_days: 100}
`,
  );
  writeFileSync(join(data, 'AAA.csv'), formatPriceCsv(syntheticBars(260, '2019-01-02', 3)));
  return { configDir, data, store };
}
