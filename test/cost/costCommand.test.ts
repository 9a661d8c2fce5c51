import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PriceTableError } from '../../core/cost/priceTable.ts';
import { UsageError } from '../../scripts/cli/cliErrors.ts';
import { costEstimateCommand } from '../../scripts/commands/costCommand.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();

function run(options: { config?: string; env: string; json?: boolean }) {
  const out: string[] = [];
  const code = costEstimateCommand(
    { config: 'config', ...options },
    { write: (t: string) => out.push(t) },
  );
  return { code, text: out.join('') };
}

describe('stockops cost estimate', () => {
  it('prints one line per service and the total for each AWS environment', () => {
    const totals: Record<string, number> = {};
    for (const env of ['dev', 'staging', 'prod']) {
      const { code, text } = run({ env, json: true });
      expect(code).toBe(0);
      const estimate = JSON.parse(text);
      expect(estimate.format).toBe('stockops.cost-estimate/v1');
      expect(estimate.price_table).toBe(join('config', 'prices/us-east-1.2026-11.yaml'));
      const sum = estimate.lines.reduce((n: number, l: { usd: number }) => n + l.usd, 0);
      expect(estimate.total_usd).toBeCloseTo(sum, 9);
      totals[env] = estimate.total_usd;
    }
    // dev runs the smallest MWAA class and a serverless endpoint; prod realtime on two instances.
    expect(totals.dev).toBeLessThan(totals.staging as number);
    expect(totals.staging).toBeLessThan(totals.prod as number);
    expect(run({ env: 'prod' }).text).toMatch(/SageMaker endpoint \(realtime\)\s+\$167\.90/);
  });

  it('refuses --env local, and names the file and line of a bad price table', () => {
    expect(() => run({ env: 'local' })).toThrow(UsageError);
    const dir = tempDir();
    cpSync('config', dir, { recursive: true });
    const table = join(dir, 'prices/us-east-1.2026-11.yaml');
    writeFileSync(table, readFileSync(table, 'utf8').replace('key_month: 1.00', 'key_month: free'));
    expect(() => run({ config: dir, env: 'dev' })).toThrow(PriceTableError);
    expect(() => run({ config: dir, env: 'dev' })).toThrow(
      new RegExp(`${table.replace(/[.]/g, '\\.')}:\\d+:14: kms\\.key_month: expected a price`),
    );
    writeFileSync(
      join(dir, 'base.yaml'),
      readFileSync(join(dir, 'base.yaml'), 'utf8').replace(
        'price_table: prices/us-east-1.2026-11.yaml',
        'price_table: prices/nowhere.yaml',
      ),
    );
    expect(() => run({ config: dir, env: 'dev' })).toThrow(
      /aws\.cost\.price_table: cannot read .*prices\/nowhere\.yaml \(ENOENT\)/,
    );
  });
});
