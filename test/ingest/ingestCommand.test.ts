import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { UsageError } from '../../scripts/cli/cliErrors.ts';
import { type IngestOptions, ingestCommand } from '../../scripts/commands/ingestCommand.ts';
import { type FaultyYahoo, startFaultyYahoo } from '../support/faultyYahoo.ts';
import { countRows, snapshot } from '../support/ingestHarness.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir('stockops-ingest-cli-');

function io(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  const stderr = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        err.push(String(chunk));
        done();
      },
    }),
    { isTTY: tty, columns: 120 },
  );
  return {
    out,
    err,
    sleeps,
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr,
      now: () => new Date('2030-01-01T00:00:00Z'),
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
    },
  };
}

const base = (store: string, extra: Partial<IngestOptions> = {}): IngestOptions => ({
  config: 'config',
  env: 'local',
  store,
  symbols: 'AAA',
  from: '2019-01-01',
  to: '2019-12-31',
  ...extra,
});

function csvDir(bars = syntheticBars(400, '2019-01-02')): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'AAA.csv'), formatPriceCsv(bars));
  return dir;
}

let yahoo: FaultyYahoo | undefined;
afterEach(async () => {
  await yahoo?.close();
  yahoo = undefined;
  delete process.env.STOCKOPS_YAHOO_BASE_URL;
});

describe('stockops ingest', () => {
  it('is resumable: after an interruption it loads only the sessions that are not complete', async () => {
    const store = tempDir();
    const source = `csv:${csvDir()}`;
    const first = io();
    expect(await ingestCommand(base(store, { source }), first.io)).toBe(0);
    expect(first.out.join('')).toMatch(
      /AAA: 252 sessions 2019-01-01 → 2019-12-31: 252 written, 0 already complete; 252 raw and 12 curated/,
    );
    const whole = await snapshot(new FileObjectStore(store));
    // an interrupted run: a raw day lost, and a month that never got its curated object
    rmSync(join(store, 'raw/source=csv/symbol=AAA/year=2019/month=03/day=05'), { recursive: true });
    rmSync(join(store, 'curated/symbol=AAA/year=2019/month=07/bars.csv'));
    const resumed = io();
    expect(await ingestCommand(base(store, { source }), resumed.io)).toBe(0);
    expect(resumed.out.join('')).toMatch(/AAA: 252 sessions .*: 23 written, 229 already complete/);
    // two chunks: the lost day, then July
    expect(resumed.err.join('')).toMatch(
      /✓ AAA 2019-03-05 → 2019-03-05: 1 written .*\n✓ AAA 2019-07-01 → 2019-07-31: 22 written/,
    );
    expect(await snapshot(new FileObjectStore(store))).toEqual(whole);
  });

  it('draws a progress bar on a terminal', async () => {
    const run = io(true);
    expect(await ingestCommand(base(tempDir(), { source: `csv:${csvDir()}` }), run.io)).toBe(0);
    const drawn = run.err.join('');
    expect(drawn).toMatch(/ingest \[.*\] \d+\/252 sessions/);
    expect(drawn).not.toMatch(/^✓/m);
  });

  it('retries a faulty Yahoo without waiting and loads every bar once', async () => {
    const bars = syntheticBars(60, '2024-01-02');
    yahoo = await startFaultyYahoo({ AAA: bars });
    process.env.STOCKOPS_YAHOO_BASE_URL = yahoo.baseUrl;
    yahoo.inject({ kind: 'status', status: 429, retryAfterSeconds: 3 }, 2);
    yahoo.inject({ kind: 'nulls', dates: ['2024-02-05'] }, 1);
    const store = tempDir();
    const run = io();
    const code = await ingestCommand(
      base(store, { source: 'yahoo', from: '2024-01-01', to: '2024-03-27' }),
      run.io,
    );
    expect(code).toBe(0);
    expect(run.sleeps).toHaveLength(3);
    expect(run.sleeps.slice(0, 2)).toEqual([3000, 3000]);
    expect(run.err.join('')).toMatch(/retry 1 for AAA in 3\.00s: Yahoo at .* answered HTTP 429/);
    expect(run.out.join('')).toMatch(
      /AAA: 60 sessions .*: 60 written, 0 already complete; 60 raw .*\n.*; 3 retries/,
    );
    const { curated, raw } = countRows(await snapshot(new FileObjectStore(store)), 'AAA');
    expect(curated).toEqual(bars.map((b) => b.date));
    expect(raw).toEqual(bars.map((b) => b.date));
  });

  it('exits 1 and says why when a symbol fails; the others are loaded', async () => {
    const dir = csvDir();
    const bad = syntheticBars(400, '2019-01-02').map((b) =>
      b.date === '2019-06-03' ? { ...b, low: b.high + 1 } : b,
    );
    writeFileSync(join(dir, 'BBB.csv'), formatPriceCsv(bad));
    const run = io();
    const code = await ingestCommand(
      base(tempDir(), { source: `csv:${dir}`, symbols: 'AAA,BBB' }),
      run.io,
    );
    expect(code).toBe(1);
    const out = run.out.join('');
    expect(out).toMatch(/^AAA: .*252 written/m);
    expect(out).toMatch(
      /^BBB: 252 sessions .*: failed after 0 written: BBB 2019-01-02\.\.2019-12-31: data quality failed, nothing written: high_low_consistency/m,
    );
    expect(out).toMatch(/1 failed/);
    expect(run.err.join('')).toMatch(/^✗ BBB 2019-01-02 → 2019-12-31: /m);
  });

  it('a missing CSV fails without retries', async () => {
    const run = io();
    const code = await ingestCommand(base(tempDir(), { source: `csv:${tempDir()}` }), run.io);
    expect(code).toBe(1);
    expect(run.sleeps).toEqual([]);
    expect(run.out.join('')).toMatch(/AAA\.csv does not exist/);
  });

  it.each([
    [{ to: '2019-13-01' }, /--to: expected YYYY-MM-DD/],
    [{ from: '2019-02-01', to: '2019-01-01' }, /--from 2019-02-01 is after --to 2019-01-01/],
    [
      { from: '1990-01-01' },
      /--from\/--to: from 1990-01-01 is before the NYSE calendar's first date/,
    ],
    [{ store: 's3://Bad_Bucket/x' }, /--store: expected s3:\/\/BUCKET\/PREFIX/],
  ])('usage error %j', async (extra, message) => {
    const options = { ...base(tempDir(), { source: `csv:${csvDir()}` }), ...extra };
    await expect(ingestCommand(options, io().io)).rejects.toThrow(UsageError);
    await expect(ingestCommand(options, io().io)).rejects.toThrow(message);
  });
});
