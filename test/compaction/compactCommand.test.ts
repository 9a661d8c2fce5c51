import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { rawBarKey } from '../../core/data/partitions.ts';
import { UsageError } from '../../scripts/cli/cliErrors.ts';
import { compactCommand } from '../../scripts/commands/compactCommand.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir();

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      now: () => new Date('2026-11-26T12:00:00Z'),
    },
  };
}

async function seededStore() {
  const dir = tempDir();
  const store = new FileObjectStore(dir);
  const days = ['2024-01-02', '2024-01-03', '2024-02-01', '2026-11-02'];
  for (const d of days) await store.put(rawBarKey('yahoo', 'AMZN', d, 'json'), `{"day":"${d}"}`);
  return { dir, store, days };
}

const base = { config: 'config', env: 'local' };

describe('stockops compact', () => {
  it('dry-runs, compacts finished months, is idempotent, and restores a month byte-identical', async () => {
    const { dir, store } = await seededStore();
    const dry = io();
    expect(
      await compactCommand({ ...base, store: dir, before: '2026-11', dryRun: true }, dry.io),
    ).toBe(0);
    expect(dry.out).toEqual([
      'yahoo AMZN 2024-01  would fold 2 daily objects (2 days)\n',
      'yahoo AMZN 2024-02  would fold 1 daily objects (1 days)\n',
      `dry run: 2 months, 3 daily objects to fold in ${store.location}\n`,
    ]);
    expect(await store.list('raw-monthly/')).toEqual([]);

    const run = io();
    expect(
      await compactCommand({ ...base, store: dir, before: '2026-11', json: true }, run.io),
    ).toBe(0);
    const summary = JSON.parse(run.out.join(''));
    expect(summary).toMatchObject({ months: 2, daily_objects: 3, deleted: 3, dry_run: false });
    // The current month is not finished: its day stays in raw/.
    expect(await store.list('raw/')).toEqual([rawBarKey('yahoo', 'AMZN', '2026-11-02', 'json')]);

    const again = io();
    await compactCommand({ ...base, store: dir, before: '2026-11' }, again.io);
    expect(again.out.at(-1)).toMatch(/^0 months, 0 daily objects folded, 0 deleted/);

    const restore = io();
    expect(await compactCommand({ ...base, store: dir, restore: '2024-01' }, restore.io)).toBe(0);
    expect(restore.out).toEqual(['yahoo AMZN 2024-01  restored 2 days\n']);
    const back = await store.get(rawBarKey('yahoo', 'AMZN', '2024-01-03', 'json'));
    expect(new TextDecoder().decode(back)).toBe('{"day":"2024-01-03"}');
  });

  it('refuses unfinished months, bad months and a missing mode as usage errors', async () => {
    const { dir } = await seededStore();
    const x = io();
    await expect(compactCommand({ ...base, store: dir, before: '2027-01' }, x.io)).rejects.toThrow(
      /--before: 2027-01 is after the current month 2026-11/,
    );
    await expect(compactCommand({ ...base, store: dir, before: '2024-1' }, x.io)).rejects.toThrow(
      UsageError,
    );
    await expect(compactCommand({ ...base, store: dir }, x.io)).rejects.toThrow(
      /one of --before YYYY-MM .* or --restore YYYY-MM/,
    );
  });

  it('exits 1 naming the object when a monthly object is corrupt, deleting nothing', async () => {
    const { dir, store } = await seededStore();
    await store.put(
      'raw-monthly/source=yahoo/symbol=AMZN/year=2024/month=01/bars.jsonl',
      '{"format":"something-else"}\n',
    );
    const x = io();
    expect(await compactCommand({ ...base, store: dir, before: '2024-02' }, x.io)).toBe(1);
    expect(x.err.join('')).toMatch(/bars\.jsonl:1: format: expected "stockops\.raw-monthly\/v1"/);
    expect(await store.get(rawBarKey('yahoo', 'AMZN', '2024-01-02', 'json'))).toBeDefined();
  });
});
