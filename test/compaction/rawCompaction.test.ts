import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { curatedMonthKey, rawBarKey, rawMonthlyKey } from '../../core/data/partitions.ts';
import {
  checkCompactBefore,
  compactMonth,
  compactRaw,
  monthsToCompact,
  readRawMonthly,
  restoreMonth,
} from '../../core/data/rawCompaction.ts';
import {
  parseRawDayKey,
  parseRawMonthly,
  RawMonthlyError,
  renderRawMonthly,
} from '../../core/data/rawMonthly.ts';
import { StoredSymbol } from '../../core/ingest/storedPartitions.ts';
import { PRICE_CSV_HEADER } from '../../core/market/priceBar.ts';
import type { ObjectStore, PutResult } from '../../core/ports/objectStore.ts';

const sha256 = (b: Uint8Array) => sha256Hex(b);
const JAN = { source: 'yahoo', symbol: 'AMZN', month: '2024-01' } as const;

/** Yahoo-shaped JSON days, a CSV day, and one day whose bytes are not UTF-8 text. */
function fixtureDays(): Map<string, Uint8Array> {
  const days = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  for (const d of ['02', '03', '04']) {
    days.set(
      rawBarKey('yahoo', 'AMZN', `2024-01-${d}`, 'json'),
      enc.encode(`{"chart":{"result":[{"meta":{"symbol":"AMZN"},"timestamp":[${d}]}]}}\n`),
    );
  }
  days.set(
    rawBarKey('yahoo', 'AMZN', '2024-01-05', 'csv'),
    enc.encode('date,open,high,low,close\r\n2024-01-05,151.2,152.0,150.1,151.9\r\n'),
  );
  // A BOM and a stray 0xff: kept exactly, via base64.
  days.set(
    rawBarKey('yahoo', 'AMZN', '2024-01-08', 'json'),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d, 0xff]),
  );
  return days;
}

async function seed(store: ObjectStore, days: Map<string, Uint8Array>) {
  for (const [key, body] of days) await store.put(key, body);
}

describe('raw month compaction', () => {
  let store: FileObjectStore;
  let days: Map<string, Uint8Array>;
  beforeEach(async () => {
    store = new FileObjectStore(mkdtempSync(join(tmpdir(), 'stockops-compact-')));
    days = fixtureDays();
    await seed(store, days);
    // Another month and symbol, which a January compaction must not touch.
    await store.put(rawBarKey('yahoo', 'AMZN', '2024-02-01', 'json'), '{"feb":1}');
    await store.put(rawBarKey('yahoo', 'MSFT', '2024-01-02', 'json'), '{"msft":1}');
  });

  it('folds a month into one verified object, deletes the days, and restores them byte-identical', async () => {
    const result = await compactMonth({ store, sha256 }, JAN);
    expect(result).toMatchObject({
      monthlyKey: 'raw-monthly/source=yahoo/symbol=AMZN/year=2024/month=01/bars.jsonl',
      days: 5,
      compacted: 5,
      deleted: 5,
      replaced: 0,
      written: true,
      changedDuringRun: [],
    });
    for (const key of days.keys()) expect(await store.get(key)).toBeUndefined();
    expect(await store.get(rawBarKey('yahoo', 'AMZN', '2024-02-01', 'json'))).toBeDefined();
    expect(await store.get(rawBarKey('yahoo', 'MSFT', '2024-01-02', 'json'))).toBeDefined();

    const text = new TextDecoder().decode(await store.get(result.monthlyKey));
    const lines = text.trimEnd().split('\n');
    expect(JSON.parse(lines[0] as string)).toEqual({
      format: 'stockops.raw-monthly/v1',
      source: 'yahoo',
      symbol: 'AMZN',
      month: '2024-01',
      days: 5,
    });
    // Text days stay readable; the non-UTF-8 day is base64.
    expect(JSON.parse(lines[1] as string)).toHaveProperty('body');
    expect(JSON.parse(lines[5] as string)).toHaveProperty('body_base64');

    const restored = await restoreMonth({ store, sha256 }, JAN);
    expect(restored.sort()).toEqual([...days.keys()].sort());
    for (const [key, body] of days) {
      const back = await store.get(key);
      expect(back && Buffer.from(back).equals(Buffer.from(body)), key).toBe(true);
    }
  });

  it('is idempotent: a re-run changes nothing, and re-compacting restored days rewrites identical bytes', async () => {
    const first = await compactMonth({ store, sha256 }, JAN);
    const bytes = await store.get(first.monthlyKey);
    const again = await compactMonth({ store, sha256 }, JAN);
    expect(again).toMatchObject({ days: 5, compacted: 0, deleted: 0, written: false });

    await restoreMonth({ store, sha256 }, JAN);
    const third = await compactMonth({ store, sha256 }, JAN);
    expect(third).toMatchObject({ days: 5, compacted: 5, deleted: 5, replaced: 0, written: false });
    expect(
      Buffer.from((await store.get(first.monthlyKey)) ?? []).equals(Buffer.from(bytes ?? [])),
    ).toBe(true);
  });

  it('merges days ingested after a compaction, a newer daily object replacing its entry', async () => {
    await compactMonth({ store, sha256 }, JAN);
    const revised = rawBarKey('yahoo', 'AMZN', '2024-01-03', 'json');
    const late = rawBarKey('yahoo', 'AMZN', '2024-01-09', 'json');
    await store.put(revised, '{"revised":true}');
    await store.put(late, '{"late":true}');
    const result = await compactMonth({ store, sha256 }, JAN);
    expect(result).toMatchObject({ days: 6, compacted: 2, replaced: 1, deleted: 2, written: true });
    const monthly = await readRawMonthly(store, JAN, sha256);
    const byKey = new Map(monthly?.entries.map((e) => [e.key, new TextDecoder().decode(e.body)]));
    expect(byKey.get(revised)).toBe('{"revised":true}');
    expect(byKey.get(late)).toBe('{"late":true}');
  });

  it('dry run reports the plan and writes or deletes nothing', async () => {
    const results = await compactRaw({ store, sha256 }, { before: '2024-02', dryRun: true });
    expect(results.map((r) => `${r.symbol} ${r.month} ${r.compacted}`)).toEqual([
      'AMZN 2024-01 5',
      'MSFT 2024-01 1',
    ]);
    expect(results.every((r) => !r.written && r.deleted === 0)).toBe(true);
    expect(await store.list('raw-monthly/')).toEqual([]);
    for (const key of days.keys()) expect(await store.get(key)).toBeDefined();
  });

  it('compacts only months strictly before --before, and only the symbols asked for', async () => {
    const seen: string[] = [];
    await compactRaw(
      { store, sha256 },
      { before: '2024-02', symbols: ['AMZN'], onMonth: (r) => seen.push(`${r.symbol} ${r.month}`) },
    );
    expect(seen).toEqual(['AMZN 2024-01']);
    expect(await store.list('raw-monthly/')).toEqual([rawMonthlyKey('yahoo', 'AMZN', '2024-01')]);
    expect(await store.get(rawBarKey('yahoo', 'MSFT', '2024-01-02', 'json'))).toBeDefined();
  });

  it('deletes nothing when the monthly object does not read back as written', async () => {
    // A store whose writes of monthly objects are silently truncated (a broken backend).
    const broken: ObjectStore = Object.assign(Object.create(store), {
      put: async (key: string, body: Uint8Array | string): Promise<PutResult> =>
        key.startsWith('raw-monthly/')
          ? store.put(key, String(body).split('\n').slice(0, 3).join('\n'))
          : store.put(key, body),
    });
    await expect(compactMonth({ store: broken, sha256 }, JAN)).rejects.toThrow(
      /days: header says 5, the object holds 2/,
    );
    for (const key of days.keys()) expect(await store.get(key)).toBeDefined();
  });

  it('keeps compacted sessions complete for ingest, so a backfill does not fetch them again', async () => {
    const sessions = ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08'];
    await store.put(
      curatedMonthKey('AMZN', '2024-01'),
      `${PRICE_CSV_HEADER}\n${sessions.map((d) => `${d},1,2,1,2,2,100`).join('\n')}\n`,
    );
    const before = await new StoredSymbol(store, 'yahoo', 'AMZN').completeSessions(sessions);
    await compactMonth({ store, sha256 }, JAN);
    const stored = new StoredSymbol(store, 'yahoo', 'AMZN');
    expect([...(await stored.raw())]).toEqual(['2024-02-01']);
    expect([...(await stored.completeSessions(sessions))].sort()).toEqual([...before].sort());
    expect(before.size).toBe(5);
    // A month with no compacted object adds nothing.
    expect(await stored.compactedRaw('2023-12')).toEqual([]);
  });

  it('leaves a daily object that changed while the run read it', async () => {
    const racing = rawBarKey('yahoo', 'AMZN', '2024-01-04', 'json');
    let raced = false;
    const racy: ObjectStore = Object.assign(Object.create(store), {
      head: async (key: string) => {
        if (key === racing && !raced) {
          raced = true;
          await store.put(racing, '{"rewritten":true}');
        }
        return store.head(key);
      },
    });
    const result = await compactMonth({ store: racy, sha256 }, JAN);
    expect(result.changedDuringRun).toEqual([racing]);
    expect(result.deleted).toBe(4);
    expect(new TextDecoder().decode(await store.get(racing))).toBe('{"rewritten":true}');
    // The next run folds the new bytes in.
    const next = await compactMonth({ store, sha256 }, JAN);
    expect(next).toMatchObject({ compacted: 1, replaced: 1, deleted: 1 });
  });
});

describe('monthly object format', () => {
  const entry = (key: string, text: string) => {
    const body = new TextEncoder().encode(text);
    return {
      key,
      date: parseRawDayKey(key)?.date as string,
      size: body.length,
      sha256: sha256(body),
      body,
    };
  };
  const good = renderRawMonthly({
    header: { format: 'stockops.raw-monthly/v1', ...JAN, days: 1 },
    entries: [entry(rawBarKey('yahoo', 'AMZN', '2024-01-02', 'json'), '{"a":1}')],
  });

  it('rejects a tampered day, a wrong header and bad JSON, naming the object and line', () => {
    expect(parseRawMonthly(good, 'm.jsonl', sha256).entries).toHaveLength(1);
    expect(() =>
      parseRawMonthly(good.replace('{\\"a\\":1}', '{\\"a\\":2}'), 'm.jsonl', sha256),
    ).toThrow(/m\.jsonl:2: .*sha256 [0-9a-f]{64} does not match/);
    expect(() => parseRawMonthly(good.replace('raw-monthly/v1', 'v0'), 'm.jsonl', sha256)).toThrow(
      /m\.jsonl:1: format/,
    );
    expect(() => parseRawMonthly(`${good}{oops\n`, 'm.jsonl', sha256)).toThrow(RawMonthlyError);
    expect(() => parseRawMonthly('', 'm.jsonl', sha256)).toThrow(/m\.jsonl:1: empty object/);
    const wrongMonth = good.replace('"month":"2024-01"', '"month":"2024-02"');
    expect(() => parseRawMonthly(wrongMonth, 'm.jsonl', sha256)).toThrow(
      /is not a raw day of 2024-02/,
    );
  });

  it('refuses a monthly object filed under another symbol', async () => {
    const store = new MemoryObjectStore();
    await store.put(rawMonthlyKey('yahoo', 'MSFT', '2024-01'), good);
    await expect(readRawMonthly(store, { ...JAN, symbol: 'MSFT' }, sha256)).rejects.toThrow(
      /header names yahoo\/AMZN\/2024-01, not yahoo\/MSFT\/2024-01/,
    );
    await expect(restoreMonth({ store, sha256 }, JAN)).rejects.toThrow(/no compacted month/);
  });

  it('lists months to compact from raw/ keys and checks --before', () => {
    expect(
      monthsToCompact(
        [
          rawBarKey('yahoo', 'AMZN', '2023-12-29', 'json'),
          rawBarKey('yahoo', 'AMZN', '2024-01-02', 'json'),
          rawBarKey('yahoo', 'AMZN', '2024-01-03', 'json'),
          'raw/source=yahoo/symbol=AMZN/notes.txt',
        ],
        '2024-01',
      ),
    ).toEqual([{ source: 'yahoo', symbol: 'AMZN', month: '2023-12' }]);
    const now = new Date('2026-11-26T12:00:00Z');
    expect(checkCompactBefore('2026-11', now)).toBeUndefined();
    expect(checkCompactBefore('2026-12', now)).toMatch(/after the current month 2026-11/);
    expect(checkCompactBefore('2026-13', now)).toMatch(/expected YYYY-MM/);
  });
});
