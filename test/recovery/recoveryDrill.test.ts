import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { CsvPriceSource } from '../../adapters/sources/csvSource.ts';
import { canonicalJson } from '../../core/config/canonicalJson.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import { formatPriceCsv } from '../../core/market/priceBar.ts';
import { runDaily } from '../../core/pipeline/dailyRun.ts';
import { parsePackage } from '../../core/registry/packageJson.ts';
import { drDrillCommand, drillScratch } from '../../scripts/commands/drCommand.ts';
import { syntheticBars } from '../support/syntheticBars.ts';
import { useTempDir } from '../support/tempDir.ts';

const tempDir = useTempDir('stockops-dr-');

// The small-config pattern of test/pipeline/dailyRun.test.ts: short history, tiny model.
const base = loadConfig({ dir: 'config', env: 'local' });
const small: StockopsConfig = {
  ...base.config,
  data: { ...base.config.data, start_date: '2019-01-01' },
  features: { ...base.config.features, window: 10 },
  evaluation: { folds: 3, test_days: 40, gap_days: 2, holdout_days: 30, min_train_days: 100 },
  model: { ...base.config.model, units: 4, epochs: 2, batch_size: 32, max_train_days: 150 },
};
// Run 1 approves its candidate (a champion change); run 2, with a strict gate, rejects.
const loose: StockopsConfig = {
  ...small,
  gate: {
    max_error_ratio: 2,
    max_dm_p_value: 1,
    min_directional_accuracy: 0,
    min_directional_accuracy_over_base_rate: -1,
    min_improvement_vs_champion: -1,
    max_mape: 1,
    max_rmse_return: 1,
  },
};
const strict: StockopsConfig = { ...loose, gate: { ...loose.gate, max_error_ratio: 0.01 } };

/** Every file under dir, relative path → bytes. */
function tree(dir: string, under = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(relative(dir, full).split('\\').join('/'), readFileSync(full));
    }
  };
  walk(join(dir, under));
  return out;
}

function digest(files: Map<string, Buffer>): Map<string, string> {
  return new Map([...files].map(([k, v]) => [k, sha256Hex(v)]));
}

let storeDir = '';

async function runOnce(dataDir: string, config: StockopsConfig, until: string, second: number) {
  const store = new FileObjectStore(storeDir);
  return runDaily({
    runId: `20240101T00000${second}Z-abcdef`,
    env: 'local',
    config,
    configHash: sha256Hex(canonicalJson(config)),
    symbols: ['AAA'],
    source: new CsvPriceSource(dataDir),
    sourceLabel: `csv:${dataDir}`,
    store,
    registry: new StoreModelRegistry(store),
    hash: sha256Hex,
    gitCommit: null,
    until,
    now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, second)),
    progress: { stepStarted: () => {}, stepFinished: () => {}, stepFailed: () => {} },
  });
}

// One store for the whole file (useTempDir's directories go after each test).
const shared = mkdtempSync(join(tmpdir(), 'stockops-dr-store-'));
afterAll(() => rmSync(shared, { recursive: true, force: true }));

beforeAll(async () => {
  const dataDir = join(shared, 'data');
  cpSync(tempDir(), dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'AAA.csv'), formatPriceCsv(syntheticBars(420, '2019-01-02')));
  storeDir = join(shared, 'store');
  const first = await runOnce(dataDir, loose, '2020-06-30', 1);
  const second = await runOnce(dataDir, strict, '2030-12-31', 2);
  expect(first.results.AAA?.registry?.candidate).toMatchObject({ version: 5, status: 'Approved' });
  expect(second.results.AAA?.registry?.candidate).toMatchObject({ version: 6, status: 'Rejected' });
  // A person overrules the gate: a status history of two entries and a third champion.
  const registry = new StoreModelRegistry(new FileObjectStore(storeDir));
  await registry.updateApproval(
    'AAA',
    6,
    'Approved',
    'manual override: reviewed',
    '2024-01-02T00:00:00.000Z',
  );
  await registry.setChampion('AAA', 6, 'manual promotion', '2024-01-02T00:00:01.000Z');
}, 300_000);

describe('lineage records written by the pipeline and the registry', () => {
  it('copies every package.json and champion.json outside registry/, byte for byte', () => {
    const files = tree(storeDir);
    const packages = [...files.keys()].filter((k) => k.endsWith('/package.json'));
    expect(packages).toHaveLength(6);
    for (const key of packages) {
      const m = /group=(\w+)\/version=(\d+)\//.exec(key);
      const copy = files.get(`lineage/registry/group=${m?.[1]}/version=${m?.[2]}.json`);
      expect(copy?.equals(files.get(key) as Buffer), key).toBe(true);
    }
    const champion = files.get('registry/group=AAA/champion.json');
    expect(files.get('lineage/registry/group=AAA/champion.json')?.equals(champion as Buffer)).toBe(
      true,
    );
    const history = JSON.parse(String(champion)).history.map((h: { version: number }) => h.version);
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history.slice(-2)).toEqual([5, 6]);
  });

  it('records each config a run used under its hash, and what the features were built from', () => {
    const files = tree(storeDir, 'lineage');
    for (const config of [loose, strict]) {
      const hash = sha256Hex(canonicalJson(config));
      expect(String(files.get(`lineage/config/sha256=${hash}.json`))).toBe(
        `${canonicalJson(config)}\n`,
      );
    }
    const features = JSON.parse(String(files.get('lineage/features/symbol=AAA.json')));
    expect(features).toMatchObject({
      schema: 'stockops.features-lineage/v1',
      key: 'features/symbol=AAA/features.csv',
      data: { from: '2019-01-02', bars: 420 },
      config_hash: sha256Hex(canonicalJson(strict)),
      run_id: '20240101T000002Z-abcdef',
    });
  });
});

describe('stockops dr drill', () => {
  it('rebuilds curated, features, models and registry identical to the original, touching only the scratch copy', async () => {
    const before = digest(tree(storeDir));
    const scratch = join(tempDir(), 'scratch');
    const code = await drDrillCommand({ config: 'config', env: 'local', store: storeDir, scratch });
    expect(code).toBe(0);
    // The original is exactly as it was.
    expect(digest(tree(storeDir))).toEqual(before);

    const original = tree(storeDir);
    const rebuilt = tree(scratch);
    for (const prefix of ['curated/', 'features/']) {
      const a = [...original].filter(([k]) => k.startsWith(prefix));
      const b = [...rebuilt].filter(([k]) => k.startsWith(prefix));
      expect(a.length, prefix).toBeGreaterThan(0);
      expect(b.map(([k]) => k)).toEqual(a.map(([k]) => k));
      for (const [k, bytes] of a) expect(rebuilt.get(k)?.equals(bytes), k).toBe(true);
    }
    // Deterministic training: every artifact file refitted has the sha256 the registry recorded.
    const artifacts = [...original.keys()].filter((k) => k.includes('/artifacts/'));
    expect(artifacts.filter((k) => k.endsWith('weights.bin'))).toHaveLength(2);
    for (const k of artifacts)
      expect(sha256Hex(rebuilt.get(k) ?? ''), k).toBe(sha256Hex(original.get(k) as Buffer));
    // Same lineage, metrics, statuses and reasons (here even the timestamps, replayed from the records).
    for (const k of [...original.keys()].filter((x) => x.endsWith('/package.json'))) {
      const m = /group=(\w+)\/version=(\d+)\//.exec(k);
      const expected = { group: m?.[1] ?? '', version: Number(m?.[2]) };
      const a = parsePackage(String(original.get(k)), k, expected);
      const b = parsePackage(String(rebuilt.get(k)), k, expected);
      expect(b.lineage, k).toEqual(a.lineage);
      expect(b.metrics, k).toEqual(a.metrics);
      expect(b.status_history, k).toEqual(a.status_history);
    }
    expect(String(rebuilt.get('registry/group=AAA/champion.json'))).toBe(
      String(original.get('registry/group=AAA/champion.json')),
    );
    // The primary records are unchanged by the rebuild.
    for (const [k, bytes] of original)
      if (k.startsWith('lineage/')) expect(rebuilt.get(k)?.equals(bytes), k).toBe(true);
  }, 300_000);

  it('reports a raw object tampered with in the scratch copy, and everything derived from it', async () => {
    const scratch = join(tempDir(), 'scratch');
    cpSync(storeDir, scratch, { recursive: true });
    const day = 'raw/source=csv/symbol=AAA/year=2020/month=03/day=02/bar.csv';
    const text = readFileSync(join(scratch, day), 'utf8');
    const [header, row] = text.trim().split('\n');
    const cells = (row ?? '').split(',');
    cells[6] = String(Number(cells[6]) + 1); // one more share traded
    writeFileSync(join(scratch, day), `${header}\n${cells.join(',')}\n`);

    const report = await drillScratch(storeDir, scratch);
    expect(report.ok).toBe(false);
    const byName = Object.fromEntries(report.classes.map((c) => [c.name, c]));
    expect(byName.raw?.mismatches).toEqual([
      { key: day, problem: expect.stringMatching(/sha256 .* differs/) },
    ]);
    expect(byName.curated?.mismatches.map((m) => m.key)).toEqual([
      'curated/symbol=AAA/year=2020/month=03/bars.csv',
    ]);
    expect(byName.features?.mismatches.map((m) => m.key)).toEqual([
      'features/symbol=AAA/features.csv',
    ]);
    expect(byName['registry versions']?.mismatches.length).toBeGreaterThan(0);
    expect(byName['registry versions']?.mismatches[0]?.problem).toMatch(/lineage\.data/);
    expect(byName.lineage?.mismatches).toEqual([]);
  }, 300_000);
});

describe('stockops dr drill (CLI)', () => {
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, ['scripts/stockops.ts', ...args], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('exits 1 with the table and the mismatches when derived data does not follow from raw/', () => {
    // A store whose curated month no longer matches its raw objects (a raw object edited
    // after the pipeline ran): the rebuild cannot reproduce that month.
    const damaged = join(tempDir(), 'store');
    cpSync(storeDir, damaged, { recursive: true });
    const day = join(damaged, 'raw/source=csv/symbol=AAA/year=2019/month=07/day=01/bar.csv');
    writeFileSync(
      day,
      readFileSync(day, 'utf8').replace(/,(\d+)\n$/, (_, v) => `,${Number(v) + 1}\n`),
    );
    const r = cli(['dr', 'drill', '--store', damaged]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^curated\s+derived\s+20\s+19\s+1\s+\d+\.\d\ds$/m);
    expect(r.stdout).toContain('curated/symbol=AAA/year=2019/month=07/bars.csv: sha256');
    expect(r.stdout).toContain('recovery drill FAILED');
    // A failed drill keeps its temp scratch copy for inspection.
    const kept = /^scratch (\S+stockops-drill-\S+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(readdirSync(kept)).toContain('raw');
    rmSync(kept, { recursive: true, force: true });
  }, 120_000);

  it('dr rebuild recovers a store that lost its registry, curated data and features', () => {
    const lost = join(tempDir(), 'store');
    cpSync(storeDir, lost, { recursive: true });
    for (const gone of ['curated', 'features', 'registry'])
      rmSync(join(lost, gone), { recursive: true });
    const before = digest(tree(lost));
    const out = join(tempDir(), 'rebuilt');
    const r = cli(['dr', 'rebuild', '--store', lost, '--out', out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^registry\s+6 versions/m);
    expect(digest(tree(lost))).toEqual(before);
    // Everything the original held, byte for byte (the replayed timestamps included).
    expect(digest(tree(out))).toEqual(digest(tree(storeDir)));
  }, 120_000);

  it('refuses a scratch directory that is not empty or overlaps the store (exit 2)', () => {
    const busy = tempDir();
    writeFileSync(join(busy, 'keep.txt'), 'mine');
    const notEmpty = cli(['dr', 'drill', '--store', storeDir, '--scratch', busy]);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toContain(`--scratch ${busy} is not empty`);
    expect(readFileSync(join(busy, 'keep.txt'), 'utf8')).toBe('mine');
    const overlap = cli(['dr', 'drill', '--store', storeDir, '--scratch', join(storeDir, 'x')]);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toContain('overlaps the store');
    const noRaw = cli(['dr', 'drill', '--store', tempDir()]);
    expect(noRaw.code).toBe(2);
    expect(noRaw.stderr).toContain('has no raw/');
  });
});
