import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { canonicalJson } from '../../core/config/canonicalJson.ts';
import { lineageConfigKey, lineageFeaturesKey, rawBarKey } from '../../core/data/partitions.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import type { ModelPackage } from '../../core/ports/modelRegistry.ts';
import { DATA_CLASSES } from '../../core/recovery/dataClasses.ts';
import { renderDrillReport } from '../../core/recovery/drillReport.ts';
import {
  FEATURES_LINEAGE_SCHEMA,
  LineageRecordError,
  parseConfigRecord,
  parseFeaturesLineage,
  serializeFeaturesLineage,
} from '../../core/recovery/lineageRecords.ts';
import { readOnlyStore } from '../../core/recovery/readOnlyStore.ts';
import { curatedPartitions, planModelFits } from '../../core/recovery/rebuildPlan.ts';
import { runRecoveryDrill } from '../../core/recovery/recoveryDrill.ts';
import { compareObjects, packageDifferences } from '../../core/recovery/storeComparison.ts';
import {
  rebuildCurated,
  rebuildFeatures,
  rebuildRegistry,
} from '../../core/recovery/storeRebuild.ts';
import { serializeChampion, serializePackage } from '../../core/registry/packageJson.ts';
import { baselineInput, lstmInput } from '../registry/fixtures.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

function pkg(version: number, overrides: Partial<ModelPackage> = {}): ModelPackage {
  const input = lstmInput('AMZN');
  return {
    group: 'AMZN',
    version,
    id: `AMZN/${version}`,
    model_name: 'lstm',
    kind: 'candidate',
    status: 'Rejected',
    status_history: [
      { status: 'Rejected', reason: 'gate: too weak', at: '2025-01-02T00:00:00.000Z' },
    ],
    created_at: '2025-01-02T00:00:00.000Z',
    metrics: { 'aggregate.rmse_return': 0.0123 },
    lineage: { ...input.lineage, artifacts: { 'weights.bin': sha256Hex('w') } },
    ...overrides,
  };
}

function deps(store: MemoryObjectStore) {
  return { store, registry: new StoreModelRegistry(store), hash: sha256Hex };
}

describe('comparing an original with its rebuild', () => {
  it('counts matches and names missing, changed and invented objects', () => {
    const original = new Map([
      ['a', '1'.repeat(64)],
      ['b', '2'.repeat(64)],
      ['c', '3'.repeat(64)],
    ]);
    const rebuilt = new Map([
      ['a', '1'.repeat(64)],
      ['c', '4'.repeat(64)],
      ['d', '5'.repeat(64)],
    ]);
    const result = compareObjects(original, rebuilt);
    expect(result).toMatchObject({ expected: 3, matched: 1 });
    expect(result.mismatches).toEqual([
      { key: 'b', problem: 'missing after the rebuild' },
      { key: 'c', problem: 'sha256 444444444444… differs from the original 333333333333…' },
      { key: 'd', problem: 'rebuilt, but the original has no such object' },
    ]);
  });

  it('compares versions field by field with timestamps aside', () => {
    const a = pkg(5);
    const later = pkg(5, {
      created_at: '2026-01-01T00:00:00.000Z',
      status_history: [
        { status: 'Rejected', reason: 'gate: too weak', at: '2026-01-01T00:00:00.000Z' },
      ],
    });
    expect(packageDifferences(a, later)).toEqual([]);
    const other = pkg(5, {
      metrics: { 'aggregate.rmse_return': 0.0124 },
      status_history: [
        ...a.status_history,
        { status: 'Approved', reason: 'override', at: '2026-01-01T00:00:00.000Z' },
      ],
      lineage: { ...a.lineage, artifacts: { 'weights.bin': sha256Hex('x') } },
    });
    expect(packageDifferences(a, other)).toEqual([
      `lineage.artifacts.weights.bin: "${sha256Hex('w')}", rebuilt "${sha256Hex('x')}"`,
      'metrics.aggregate.rmse_return: 0.0123, rebuilt 0.0124',
      'status_history: 1 entries, rebuilt 2',
    ]);
  });
});

describe('planning model fits', () => {
  it('groups the versions of one run, and shares a fit between runs on the same inputs', () => {
    const run = (key: string) => ({ ...pkg(1).lineage, evaluation_key: key });
    const base = (v: number, key: string) =>
      pkg(v, {
        kind: 'baseline',
        model_name: 'drift',
        lineage: { ...run(key), hyperparameters: { c: 1 } },
      });
    const fits = planModelFits([
      pkg(6, { lineage: run('runs/r2/e.json') }), // same data, config and hyperparameters as run 1
      base(1, 'runs/r1/e.json'),
      base(2, 'runs/r1/e.json'),
      pkg(5, { lineage: run('runs/r1/e.json') }),
      pkg(7, {
        lineage: { ...run('runs/r3/e.json'), data: { ...run('x').data, to: '2025-01-31' } },
      }),
    ]);
    expect(fits.map((f) => f.versions)).toEqual([[1, 2, 5, 6], [7]]);
    expect(fits[0]?.hyperparameters).toEqual(pkg(1).lineage.hyperparameters);
    // Versions without an evaluation key group by data and config.
    const bare = { ...pkg(1).lineage };
    delete (bare as { evaluation_key?: string }).evaluation_key;
    const loose = planModelFits([pkg(1, { kind: 'baseline', lineage: bare })]);
    expect(loose).toHaveLength(1);
    expect(loose[0]?.hyperparameters).toBeUndefined();
  });

  it('computes the partitions a run wrote for exactly its bars', () => {
    const bars = syntheticBars(30, '2024-01-02');
    const parts = curatedPartitions('AMZN', bars, sha256Hex);
    expect(Object.keys(parts)).toEqual([
      'curated/symbol=AMZN/year=2024/month=01/bars.csv',
      'curated/symbol=AMZN/year=2024/month=02/bars.csv',
    ]);
    const january = bars.filter((b) => b.date < '2024-02-01');
    expect(parts['curated/symbol=AMZN/year=2024/month=01/bars.csv']).toBe(
      sha256Hex(formatPriceCsv(january)),
    );
  });
});

describe('lineage records', () => {
  const record = {
    schema: FEATURES_LINEAGE_SCHEMA,
    symbol: 'AMZN',
    key: 'features/symbol=AMZN/features.csv',
    data: { from: '2020-01-02', to: '2020-03-31', bars: 61 },
    config_hash: sha256Hex('c'),
    run_id: 'r1',
  } as const;

  it('round-trips the features record and names the field that is wrong', () => {
    const key = lineageFeaturesKey('AMZN');
    expect(parseFeaturesLineage(serializeFeaturesLineage(record), key)).toEqual(record);
    const bad = (doc: unknown) => () => parseFeaturesLineage(JSON.stringify(doc), key);
    expect(bad({ ...record, schema: 'x' })).toThrow(/symbol=AMZN\.json: schema is "x"/);
    expect(bad({ ...record, data: null })).toThrow(/data is not an object/);
    expect(bad({ ...record, data: { ...record.data, bars: 1.5 } })).toThrow(
      /data\.bars is not a whole number/,
    );
    expect(bad({ ...record, run_id: '' })).toThrow(/run_id is not a non-empty string/);
    expect(bad([])).toThrow(LineageRecordError);
    expect(() => parseFeaturesLineage('{', key)).toThrow(/not JSON/);
  });

  it('accepts a config record only when it hashes to the recorded hash', () => {
    const config = { b: 1, a: { d: [1, 2], c: 'x' } };
    const hash = sha256Hex(canonicalJson(config));
    const key = lineageConfigKey(hash);
    expect(parseConfigRecord(`${canonicalJson(config)}\n`, key, hash, sha256Hex)).toEqual(config);
    expect(() => parseConfigRecord('{"b":2}', key, hash, sha256Hex)).toThrow(
      new RegExp(`hashes to ${sha256Hex('{"b":2}')}, not the recorded config_hash ${hash}`),
    );
  });
});

describe('rebuild problems are reported, not thrown', () => {
  it('curated: two sources for one symbol, or an unreadable raw object', async () => {
    const store = new MemoryObjectStore();
    const [bar] = syntheticBars(1, '2024-01-02');
    const csv = formatPriceCsv(bar ? [bar] : []);
    await store.put(rawBarKey('csv', 'AAA', '2024-01-02', 'csv'), csv);
    await store.put(rawBarKey('other', 'AAA', '2024-01-02', 'csv'), csv);
    await store.put(rawBarKey('csv', 'BBB', '2024-01-02', 'csv'), 'not,a,price,csv\n');
    await store.put(
      rawBarKey('csv', 'CCC', '2024-01-02', 'csv'),
      csv.replace('2024-01-02', '2024-01-02'),
    );
    const outcome = await rebuildCurated(deps(store));
    expect(outcome.rebuilt).toBe(1);
    expect(outcome.problems).toEqual([
      {
        key: 'raw/source=*/symbol=AAA/',
        problem: expect.stringContaining('raw holds AAA from csv and other'),
      },
      { key: 'raw/…/symbol=BBB/', problem: expect.stringContaining('header: expected') },
    ]);
    expect(await store.list('curated/')).toEqual([
      'curated/symbol=CCC/year=2024/month=01/bars.csv',
    ]);
  });

  it('features: a missing config record, a wrong bar count, a bad record', async () => {
    const store = new MemoryObjectStore();
    const bars = syntheticBars(40, '2024-01-02');
    await store.put('curated/symbol=AAA/year=2024/month=01/bars.csv', formatPriceCsv(bars));
    const record = {
      schema: FEATURES_LINEAGE_SCHEMA,
      symbol: 'AAA',
      key: 'features/symbol=AAA/features.csv',
      data: { from: '2024-01-02', to: '2024-12-31', bars: 40 },
      config_hash: sha256Hex('gone'),
      run_id: 'r1',
    } as const;
    await store.put(lineageFeaturesKey('AAA'), serializeFeaturesLineage(record));
    await store.put(lineageFeaturesKey('BBB'), '{}');
    const first = await rebuildFeatures(deps(store));
    expect(first.rebuilt).toBe(0);
    expect(first.problems.map((p) => p.problem)).toEqual([
      expect.stringMatching(/lineage\/config\/sha256=\w+\.json is missing/),
      expect.stringMatching(/schema is undefined/),
    ]);
    const config = { features: { avg_price: 'hl2', volatility_window: 5, volume_window: 5 } };
    const hash = sha256Hex(canonicalJson(config));
    await store.put(lineageConfigKey(hash), `${canonicalJson(config)}\n`);
    await store.put(
      lineageFeaturesKey('AAA'),
      serializeFeaturesLineage({
        ...record,
        config_hash: hash,
        data: { ...record.data, bars: 41 },
      }),
    );
    const second = await rebuildFeatures(deps(store));
    expect(second.problems[0]?.problem).toContain(
      'curated/ holds 40 bars of AAA in 2024-01-02..2024-12-31, the record says 41',
    );
  });

  it('registry: an unreadable config stops the group; a champion that was not rebuilt is named', async () => {
    const store = new MemoryObjectStore();
    const registry = new StoreModelRegistry(store);
    await registry.register(baselineInput('AMZN'));
    await registry.setChampion('AMZN', 1, 'best baseline', '2025-01-02T21:30:00.000Z');
    const records = new Map<string, Uint8Array>();
    for (const key of await store.list('lineage/'))
      records.set(key, (await store.get(key)) as Uint8Array);
    for (const key of await store.list('registry/')) await store.delete(key);
    await store.put('lineage/registry/group=BAD/version=000001.json', '{');

    const outcome = await rebuildRegistry(deps(store));
    expect(outcome.rebuilt).toBe(0);
    expect(outcome.problems).toEqual([
      {
        key: 'AMZN/1',
        problem: expect.stringMatching(
          /lineage\/config\/sha256=\w+\.json is missing.*the rest of AMZN is not rebuilt/,
        ),
      },
      {
        key: 'registry/group=AMZN/champion.json',
        problem: 'the recorded champion AMZN/1 was not rebuilt',
      },
      {
        key: 'lineage/registry/group=BAD/',
        problem: expect.stringContaining('is corrupt: not JSON'),
      },
    ]);
    // The records themselves are untouched.
    for (const [key, bytes] of records) expect(await store.get(key)).toEqual(bytes);
  });
});

describe('the drill on stores without lineage copies', () => {
  it('fails and names the registry records that have no copy or a stale one', async () => {
    const original = new MemoryObjectStore();
    const [bar] = syntheticBars(1, '2024-01-02');
    await original.put(
      rawBarKey('csv', 'AAA', '2024-01-02', 'csv'),
      formatPriceCsv(bar ? [bar] : []),
    );
    await original.put(
      'curated/symbol=AAA/year=2024/month=01/bars.csv',
      formatPriceCsv(bar ? [bar] : []),
    );
    const old = pkg(1, { group: 'AAA', id: 'AAA/1' });
    await original.put('registry/group=AAA/version=000001/package.json', serializePackage(old));
    const pointer = { group: 'AAA', version: null, history: [] };
    await original.put('registry/group=AAA/champion.json', serializeChampion(pointer));
    await original.put('lineage/registry/group=AAA/champion.json', '{}\n');
    const scratch = new MemoryObjectStore();
    for (const key of await original.list(''))
      await scratch.put(key, (await original.get(key)) as Uint8Array);
    let now = 0;
    const report = await runRecoveryDrill({
      original,
      scratch,
      scratchRegistry: new StoreModelRegistry(scratch),
      hash: sha256Hex,
      clock: () => (now += 250),
    });
    expect(report.ok).toBe(false);
    expect(report.classes.map((c) => c.name)).toEqual(DATA_CLASSES.map((c) => c.name));
    const byName = Object.fromEntries(report.classes.map((c) => [c.name, c]));
    expect(byName.curated).toMatchObject({ objects: 1, matched: 1, mismatches: [] });
    expect(byName.lineage?.problems).toEqual([
      {
        key: 'lineage/registry/group=AAA/champion.json',
        problem: expect.stringContaining('the copy is stale'),
      },
      {
        key: 'lineage/registry/group=AAA/version=000001.json',
        problem: expect.stringContaining('has no lineage copy'),
      },
    ]);
    expect(byName['registry versions']?.mismatches).toEqual([
      { key: 'AAA/1', problem: 'not rebuilt' },
    ]);
    expect(report.deleted).toBe(3);
    const text = renderDrillReport(report, 'memory:');
    expect(text).toMatch(/^registry versions\s+derived\s+1\s+0\s+1\s+\(above\)$/m);
    expect(text).toMatch(/^raw\s+primary\s+1\s+1\s+0\s+kept$/m);
    expect(text).toContain('recovery drill FAILED');
    expect(text).toMatch(/drill \d+\.\d\ds/);
  });

  it('never writes to the original', async () => {
    const store = new MemoryObjectStore();
    const view = readOnlyStore(store);
    await expect(view.put('raw/x', 'y')).rejects.toThrow(
      /memory: is read-only in a recovery drill: refused to write raw\/x/,
    );
    await expect(view.delete('raw/x')).rejects.toThrow(/refused to delete raw\/x/);
    await store.put('raw/x', 'y');
    expect(await view.list('raw/')).toEqual(['raw/x']);
    expect((await view.head('raw/x'))?.size).toBe(1);
    expect(await view.get('raw/x')).toBeDefined();
  });

  it('lists more than five mismatches of a class as a count', () => {
    const mismatches = Array.from({ length: 7 }, (_, i) => ({
      key: `k${i}`,
      problem: 'missing after the rebuild',
    }));
    const text = renderDrillReport(
      {
        classes: [
          {
            name: 'curated',
            kind: 'derived',
            objects: 7,
            matched: 0,
            mismatches,
            problems: [],
            rebuildMs: 1500,
          },
        ],
        deleted: 7,
        timings: { deleteMs: 1, rebuildMs: 1500, compareMs: 2, totalMs: 1503 },
        ok: false,
      },
      '/tmp/s',
    );
    expect(text).toContain('  k4: missing after the rebuild\n  … and 2 more\n');
    expect(text).toMatch(/^curated\s+derived\s+7\s+0\s+7\s+1\.50s$/m);
  });
});

describe('the registry keeps lineage copies of what it writes', () => {
  it('mirrors package.json and champion.json on register, approval changes and a revocation', async () => {
    const store = new MemoryObjectStore();
    const registry = new StoreModelRegistry(store);
    const same = async (a: string, b: string) =>
      expect(await store.get(b), b).toEqual(await store.get(a));
    await registry.register(baselineInput('AMZN'));
    await registry.register(lstmInput('AMZN'));
    await registry.setChampion('AMZN', 1, 'best baseline', '2025-01-02T21:30:00.000Z');
    await registry.updateApproval('AMZN', 2, 'Approved', 'gate passed', '2025-01-03T21:30:00.000Z');
    await registry.setChampion('AMZN', 2, 'beats the champion', '2025-01-03T21:30:00.000Z');
    await registry.updateApproval('AMZN', 2, 'Rejected', 'drifted', '2025-01-04T21:30:00.000Z');
    expect(await store.list('lineage/')).toEqual([
      'lineage/registry/group=AMZN/champion.json',
      'lineage/registry/group=AMZN/version=000001.json',
      'lineage/registry/group=AMZN/version=000002.json',
    ]);
    await same(
      'registry/group=AMZN/version=000001/package.json',
      'lineage/registry/group=AMZN/version=000001.json',
    );
    await same(
      'registry/group=AMZN/version=000002/package.json',
      'lineage/registry/group=AMZN/version=000002.json',
    );
    await same('registry/group=AMZN/champion.json', 'lineage/registry/group=AMZN/champion.json');
    const copy = JSON.parse(
      new TextDecoder().decode(await store.get('lineage/registry/group=AMZN/champion.json')),
    );
    expect(copy.version).toBeNull();
    expect(copy.history.map((h: { version: number | null }) => h.version)).toEqual([1, 2, null]);
  });
});
