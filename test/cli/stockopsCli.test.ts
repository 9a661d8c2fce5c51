import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { chartBody, startFakeYahoo } from '../support/fakeYahoo.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();
const BIN = resolve('scripts/stockops.ts');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A config dir with a small evaluation plan, so a 400-bar fixture is enough. */
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
  // a small, fast LSTM: these tests check the command, not the model
  writeFileSync(
    join(dir, 'local.yaml'),
    'features: {window: 10}\nmodel: {units: 4, epochs: 2, batch_size: 32, max_train_days: 150}\n',
  );
  return dir;
}

function dataDir(symbols: string[]): string {
  const dir = tempDir();
  symbols.forEach((s, i) => {
    writeFileSync(join(dir, `${s}.csv`), formatPriceCsv(syntheticBars(400, '2019-01-02', i + 1)));
  });
  return dir;
}

describe('stockops CLI', () => {
  it('--help lists every command with one line each', () => {
    const { code, stdout } = cli(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'run',
      'ingest',
      'validate',
      'train',
      'evaluate',
      'tune',
      'gate',
      'serve',
      'predict',
      'report',
      'registry',
      'config',
      'dr',
      'calendar',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b.*\\S`, 'm'));
    }
  });

  it('run --json prints a v2 run summary as the last stdout line and progress on stderr', () => {
    const store = tempDir();
    const data = dataDir(['AAA', 'BBB']);
    const { code, stdout, stderr } = cli([
      'run',
      '--config',
      smallConfig(),
      '--source',
      `csv:${data}`,
      '--store',
      store,
      '--symbols',
      'aaa,BBB',
      '--json',
      '--until',
      '2021-12-31',
    ]);
    expect(stderr).toMatch(/✓ ingest\s+AAA\s+\d+\.\d\ds/);
    expect(stderr).toMatch(/✓ evaluate\s+BBB/);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    expect(summary.schema).toBe('stockops.run-summary/v2');
    expect(summary.results.AAA.gate.decision).toMatch(/^(approve|reject)$/);
    expect(stderr).toMatch(/✓ register\s+AAA/);
    expect(summary.symbols).toEqual(['AAA', 'BBB']);
    expect(summary.results.AAA.rows.fetched).toBe(400);
    expect(summary.store).toBe(store);
  });

  it('run without --json prints a short human summary', () => {
    const { code, stdout } = cli([
      'run',
      '--config',
      smallConfig(),
      '--source',
      `csv:${dataDir(['AAA'])}`,
      '--store',
      tempDir(),
      '--symbols',
      'AAA',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^run \S+ succeeded in/m);
    expect(stdout).toMatch(/AAA: succeeded, 400 bars, quality pass/);
    expect(stdout).toMatch(/^ {4}last_close\s.*\d\.\d{5}/m);
    expect(stdout).toMatch(/^ {4}lstm\s+\d\.\d{5}\s+\d\.\d{3}/m);
    expect(stdout).toMatch(/^ {4}gate: (approve|reject)/m);
    expect(stdout).toMatch(/^ {4}registry: lstm v5 (Approved|Rejected); champion v\d /m);
  });

  it('run exits 1 when a symbol fails, and says why', () => {
    const { code, stdout } = cli([
      'run',
      '--config',
      smallConfig(),
      '--source',
      `csv:${dataDir([])}`,
      '--store',
      tempDir(),
      '--symbols',
      'NOPE',
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/NOPE: failed, 0 bars, quality - — no prices for NOPE/);
  });

  it('reads Yahoo from STOCKOPS_YAHOO_BASE_URL', async () => {
    const bars = syntheticBars(400, '2019-01-02');
    const yahoo = await startFakeYahoo((symbol) => ({
      status: 200,
      body: chartBody(symbol, bars),
    }));
    try {
      const { code, stdout } = await new Promise<ReturnType<typeof cli>>((done) => {
        // spawnSync would block the fake server in this process: run async
        import('node:child_process').then(({ execFile }) =>
          execFile(
            process.execPath,
            [
              BIN,
              'run',
              '--config',
              smallConfig(),
              '--source',
              'yahoo',
              '--store',
              tempDir(),
              '--symbols',
              'AMZN',
              '--json',
              '--until',
              '2020-08-13',
            ],
            { env: { ...process.env, STOCKOPS_YAHOO_BASE_URL: yahoo.baseUrl }, encoding: 'utf8' },
            (error, stdout, stderr) =>
              done({ code: error ? Number(error.code) : 0, stdout, stderr }),
          ),
        );
      });
      expect(code).toBe(0);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
      expect(summary.results.AMZN.rows.fetched).toBe(
        bars.filter((b) => b.date <= '2020-08-13').length,
      );
      expect(summary.results.AMZN.paths.raw).toBe('raw/source=yahoo/symbol=AMZN/');
      expect(yahoo.requests).toHaveLength(1);
    } finally {
      await yahoo.close();
    }
  });

  it('an unreachable Yahoo fails the symbol with advice to use --source csv:DIR', () => {
    const { code, stdout } = cli(
      ['run', '--config', smallConfig(), '--store', tempDir(), '--symbols', 'AMZN'],
      { STOCKOPS_YAHOO_BASE_URL: 'http://127.0.0.1:9' },
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/cannot reach Yahoo at http:\/\/127\.0\.0\.1:9 .*--source csv:DIR/);
  });

  it('ingest loads a range (raw and curated) and a second ingest skips every complete session', () => {
    const store = tempDir();
    const data = dataDir(['AAA']);
    const args = [
      'ingest',
      '--source',
      `csv:${data}`,
      '--store',
      store,
      '--symbols',
      'AAA',
      '--from',
      '2019-02-01',
      '--to',
      '2019-02-28',
    ];
    const first = cli(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /AAA: 19 sessions 2019-02-01 → 2019-02-28: 19 written, 0 already complete; 19 raw and 1 curated objects changed/,
    );
    // not a terminal: one plain progress line per chunk, no escape codes
    expect(first.stderr).toMatch(
      /^✓ AAA 2019-02-01 → 2019-02-28: 19 written \(\d+\.\d\ds\) \[19\/19\]$/m,
    );
    expect(first.stderr).not.toContain(String.fromCharCode(27));
    const second = cli(args);
    expect(second.stdout).toMatch(
      /0 written, 19 already complete; 0 raw and 0 curated objects changed/,
    );
    expect(second.stdout).toMatch(
      /^ingest: 1 symbol, 19 sessions: 0 written, 19 already complete, 0 failed/m,
    );
  });

  it('validate prints each check and exits 1 on a failing source', () => {
    const data = dataDir(['AAA']);
    const ok = cli([
      'validate',
      '--config',
      smallConfig(),
      '--source',
      `csv:${data}`,
      '--symbols',
      'AAA',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^AAA: pass \(400 bars/m);
    expect(ok.stdout).toMatch(/pass\s+missing_sessions/);
    const csv = readFileSync(join(data, 'AAA.csv'), 'utf8').split('\n');
    writeFileSync(
      join(data, 'AAA.csv'),
      [...csv.slice(0, 10), csv[9], ...csv.slice(10)].join('\n'),
    );
    const bad = cli([
      'validate',
      '--config',
      smallConfig(),
      '--source',
      `csv:${data}`,
      '--symbols',
      'AAA',
      '--json',
    ]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout.trim());
    expect(report.checks.find((c: { name: string }) => c.name === 'duplicate_dates').status).toBe(
      'fail',
    );
  });

  it('calendar prints a year', () => {
    const { code, stdout } = cli(['calendar', '--year', '2025']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NYSE 2025: 250 sessions/);
    expect(stdout).toMatch(/2025-01-09 {2}.*Carter/);
    expect(stdout).toMatch(/2025-07-03 {2}/);
  });

  it.each([
    [['run', '--symbols', 'a b'], /--symbols: expected a comma-separated list of tickers/],
    [['run', '--source', 'stooq'], /--source: unknown source "stooq"/],
    [['run', '--until', '2024-13-01'], /--until: expected YYYY-MM-DD/],
    [['run', '--env', 'qa'], /argument 'qa' is invalid/],
    [
      ['ingest', '--to', '2024-01-05', '--from', '2024-02-01'],
      /--from 2024-02-01 is after --to 2024-01-05/,
    ],
    [['ingest'], /required option '--to <date>' not specified/],
    [['calendar', '--year', '1900'], /--year: expected a year from 1997 to 2030/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('usage error %j exits 2 with one clear line', (args, message) => {
    const { code, stderr } = cli(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('config validate checks every environment; config show prints the merged config', () => {
    const all = cli(['config', 'validate']);
    expect(all.code).toBe(0);
    expect(
      all.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual(['local', 'dev', 'staging', 'prod']);
    const show = cli(['config', 'show', '--env', 'prod', '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).gate.max_error_ratio).toBe(0.99);
    expect(cli(['config', 'show', '--env', 'dev']).stdout).toMatch(
      /^# Effective config of env dev: /,
    );
  });

  it('a bad config exits 2 with file:line:col: path: message and no stack trace', () => {
    const dir = tempDir();
    cpSync('config', dir, { recursive: true });
    writeFileSync(
      join(dir, 'prod.yaml'),
      'aws:\n  region: us-east-1\ngate:\n  max_error_ratio: 7\n',
    );
    for (const args of [
      ['config', 'validate', '--env', 'prod'],
      ['run', '--env', 'prod'],
    ]) {
      const { code, stderr } = cli([...args, '--config', dir]);
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(
        `${join(dir, 'prod.yaml')}:4:20: gate.max_error_ratio: must be <= 2 (got 7)`,
      );
    }
  });

  it('train, evaluate, gate and tune work on the curated data a run left in the store', () => {
    const config = smallConfig();
    const store = tempDir();
    const data = dataDir(['AAA']);
    const common = ['--config', config, '--store', store, '--symbols', 'AAA'];
    expect(cli(['run', ...common, '--source', `csv:${data}`]).code).toBe(0);

    const out = join(tempDir(), 'model');
    const train = cli(['train', ...common, '--out', out]);
    expect(train.code).toBe(0);
    expect(train.stderr).toMatch(/✓ train\s+AAA .*lstm fitted on 150 origins/);
    expect(readFileSync(join(out, 'metadata.json'), 'utf8')).toMatch(
      /"format": "stockops.lstm\/v1"/,
    );

    const evaluation = join(tempDir(), 'evaluation.json');
    const evaluate = cli(['evaluate', ...common, '--out', evaluation]);
    expect(evaluate.code).toBe(0);
    expect(JSON.parse(readFileSync(evaluation, 'utf8')).schema).toBe('stockops.evaluation/v2');

    const gate = cli(['gate', '--config', config, '--candidate', evaluation, '--json']);
    const decision = JSON.parse(gate.stdout.trim().split('\n').at(-1) ?? '');
    expect(gate.code).toBe(decision.decision === 'approve' ? 0 : 1);
    expect(decision.checks.map((c: { name: string }) => c.name)).toContain('max_error_ratio');
    const bad = cli(['gate', '--config', config, '--candidate', join(tempDir(), 'missing.json')]);
    expect(bad.code).toBe(2);

    const tune = cli(['tune', ...common, '--trials', '2']);
    expect(tune.code).toBe(0);
    expect(tune.stdout).toMatch(/AAA: best trial [12], rmse_return 0\.\d+/);
    expect(tune.stdout).toMatch(/model: \{units: \d+, learning_rate: [\d.e-]+, dropout: [\d.]+\}/);
    expect(cli(['tune', ...common, '--trials', '0']).code).toBe(2);
  }, 120_000); // five CLI processes, each loading tfjs

  it('evaluate explains an empty store', () => {
    const { code, stderr } = cli(['evaluate', '--store', tempDir(), '--symbols', 'AAA']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/no curated data for AAA .*run `stockops run`/);
  });
});
