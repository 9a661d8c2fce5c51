import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../adapters/local/fileObjectStore.ts';
import { MemoryObjectStore } from '../../adapters/local/memoryObjectStore.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import {
  type ApprovalStatus,
  RegistryError,
  TamperedArtifactError,
} from '../../core/ports/modelRegistry.ts';
import type { ObjectStore } from '../../core/ports/objectStore.ts';
import { useTempDir } from '../support/tempDir.ts';
import { AT, baselineInput, LATER, lstmInput, WEIGHTS } from './fixtures.ts';

const tempDir = useTempDir('stockops-registry-');

interface Harness {
  readonly store: ObjectStore;
  /** A second store over the same objects, as a new process would open it. */
  reopen(): ObjectStore;
  /** Overwrites an object behind the store's back (a hand edit on disk). */
  tamper(key: string, body: string | Uint8Array): Promise<void>;
  /** Removes an object behind the store's back. */
  remove(key: string): Promise<void>;
}

const stores: [string, () => Harness][] = [
  [
    'MemoryObjectStore',
    () => {
      const store = new MemoryObjectStore();
      return {
        store,
        reopen: () => store,
        tamper: async (key, body) => void (await store.put(key, body)),
        remove: (key) => store.delete(key),
      };
    },
  ],
  [
    'FileObjectStore',
    () => {
      const root = tempDir();
      const path = (key: string) => join(root, ...key.split('/'));
      return {
        store: new FileObjectStore(root),
        reopen: () => new FileObjectStore(root),
        tamper: async (key, body) => writeFileSync(path(key), body),
        remove: async (key) => rmSync(path(key)),
      };
    },
  ],
];

const PKG1 = 'registry/group=AMZN/version=000001/package.json';
const WEIGHTS1 = 'registry/group=AMZN/version=000001/artifacts/weights.bin';
const CHAMPION = 'registry/group=AMZN/champion.json';

async function text(store: ObjectStore, key: string): Promise<string | undefined> {
  const bytes = await store.get(key);
  return bytes && Buffer.from(bytes).toString('utf8');
}

async function registryError(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

async function tampered(promise: Promise<unknown>): Promise<TamperedArtifactError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TamperedArtifactError);
  return error as TamperedArtifactError;
}

describe.each(stores)('StoreModelRegistry over %s', (_name, makeHarness) => {
  describe('versions', () => {
    it('numbers versions 1, 2, 3 per group, and a new instance over the same store goes on', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      expect((await registry.register(baselineInput('AMZN'))).id).toBe('AMZN/1');
      expect((await registry.register(lstmInput('AMZN'))).id).toBe('AMZN/2');
      expect((await registry.register(lstmInput('MSFT'))).id).toBe('MSFT/1');
      // AMZ is a prefix of AMZN's keys: its numbering must not see AMZN's versions.
      expect((await registry.register(lstmInput('AMZ'))).id).toBe('AMZ/1');

      const reopened = new StoreModelRegistry(h.reopen());
      const third = await reopened.register(lstmInput('AMZN'));
      expect(third.version).toBe(3);
      expect((await reopened.list('AMZN')).map((p) => p.version)).toEqual([1, 2, 3]);
      expect((await reopened.list('AMZ')).map((p) => p.id)).toEqual(['AMZ/1']);
      expect(await reopened.list('NVDA')).toEqual([]);
      expect(await reopened.get('AMZN', 4)).toBeUndefined();
      expect(await reopened.get('NVDA', 1)).toBeUndefined();
    });

    it('gives concurrent registers in one instance distinct versions', async () => {
      const registry = new StoreModelRegistry(makeHarness().store);
      const packages = await Promise.all([1, 2, 3, 4].map(() => registry.register(lstmInput())));
      expect(packages.map((p) => p.version).sort()).toEqual([1, 2, 3, 4]);
    });

    it('hides a half-written version (artifacts, no package.json) and never reuses its number', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(lstmInput());
      // A crash after the artifacts and before package.json leaves this behind.
      await h.store.put('registry/group=AMZN/version=000002/artifacts/model.json', '{"half":1}');

      expect((await registry.list('AMZN')).map((p) => p.version)).toEqual([1]);
      expect(await registry.get('AMZN', 2)).toBeUndefined();
      expect((await registryError(registry.loadArtifacts('AMZN', 2))).code).toBe('unknown_version');
      const next = await registry.register(lstmInput());
      expect(next.version).toBe(3);
      expect((await registry.list('AMZN')).map((p) => p.version)).toEqual([1, 3]);
      // The leftover is left alone for inspection, not mixed into the new version.
      expect(await text(h.store, 'registry/group=AMZN/version=000002/artifacts/model.json')).toBe(
        '{"half":1}',
      );
    });

    it('says which versions exist when asked for one that does not', async () => {
      const registry = new StoreModelRegistry(makeHarness().store);
      const none = await registryError(registry.updateApproval('AMZN', 1, 'Approved', 'ok', AT));
      expect(none.code).toBe('unknown_version');
      expect(none.message).toContain('no versions yet');
      await registry.register(lstmInput());
      await registry.register(lstmInput());
      const missing = await registryError(registry.setChampion('AMZN', 9, 'x', AT));
      expect(missing.code).toBe('unknown_version');
      expect(missing.message).toBe('AMZN/9 does not exist: AMZN has versions 1, 2');
    });
  });

  describe('package.json and lineage', () => {
    it('records metrics and lineage with the sha256 of every artifact', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      const input = lstmInput();
      const pkg = await registry.register(input);
      expect(pkg).toEqual({
        group: 'AMZN',
        version: 1,
        id: 'AMZN/1',
        model_name: 'lstm',
        kind: 'candidate',
        status: 'PendingManualApproval',
        status_history: [
          { status: 'PendingManualApproval', reason: 'registered by the daily run', at: AT },
        ],
        created_at: AT,
        metrics: input.metrics,
        lineage: {
          ...input.lineage,
          artifacts: {
            'model.json': sha256Hex('{"format":"layers-model"}\n'),
            'weights.bin': sha256Hex(WEIGHTS),
          },
        },
      });
      expect(await registry.get('AMZN', 1)).toEqual(pkg);
      expect(await h.store.list('registry/')).toEqual([
        'registry/group=AMZN/version=000001/artifacts/model.json',
        WEIGHTS1,
        PKG1,
      ]);
    });

    it('writes package.json pretty-printed in a fixed key order, records sorted', async () => {
      const h = makeHarness();
      await new StoreModelRegistry(h.store).register(lstmInput());
      const json = (await text(h.store, PKG1)) ?? '';
      expect(
        json.startsWith('{\n  "schema": "stockops.model-package/v1",\n  "id": "AMZN/1",\n'),
      ).toBe(true);
      expect(json.endsWith('}\n')).toBe(true);
      const doc = JSON.parse(json);
      expect(Object.keys(doc)).toEqual([
        'schema',
        'id',
        'group',
        'version',
        'model_name',
        'kind',
        'status',
        'created_at',
        'status_history',
        'metrics',
        'lineage',
      ]);
      expect(Object.keys(doc.metrics)).toEqual([
        'aggregate.error_ratio_vs_best_baseline',
        'aggregate.rmse_return',
      ]);
      expect(Object.keys(doc.lineage.hyperparameters)).toEqual([
        'layers',
        'learning_rate',
        'units',
      ]);
      expect(Object.keys(doc.lineage.data.partitions)[0]).toContain('month=11');
    });

    it('omits the optional lineage fields when not given', async () => {
      const registry = new StoreModelRegistry(makeHarness().store);
      const base = lstmInput();
      const { partitions: _p, ...data } = base.lineage.data;
      const { evaluation_key: _e, ...lineage } = base.lineage;
      const pkg = await registry.register({
        ...base,
        lineage: { ...lineage, data, git_commit: null },
      });
      expect(pkg.lineage.data).not.toHaveProperty('partitions');
      expect(pkg.lineage).not.toHaveProperty('evaluation_key');
      expect(pkg.lineage.git_commit).toBeNull();
    });

    it('refuses a corrupt package.json with the key in the message', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(lstmInput());
      await h.tamper(PKG1, '{"schema":"stockops.model-package/v1"');
      const error = await registryError(registry.get('AMZN', 1));
      expect(error.code).toBe('corrupt');
      expect(error.message).toContain(PKG1);
    });
  });

  describe('artifacts', () => {
    it('round-trips text and binary files through loadArtifacts', async () => {
      const registry = new StoreModelRegistry(makeHarness().store);
      await registry.register(
        lstmInput('AMZN', {
          files: { 'model.json': '{}', 'weights.bin': WEIGHTS, 'sub/x.txt': 'é' },
        }),
      );
      const files = await registry.loadArtifacts('AMZN', 1);
      expect(Object.keys(files).sort()).toEqual(['model.json', 'sub/x.txt', 'weights.bin']);
      expect(Buffer.from(files['model.json'] ?? []).toString()).toBe('{}');
      expect(Buffer.from(files['sub/x.txt'] ?? []).toString()).toBe('é');
      expect([...(files['weights.bin'] ?? [])]).toEqual([...WEIGHTS]);
    });

    it('keeps artifact paths that are Object.prototype names as plain files', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(
        lstmInput('AMZN', {
          // fromEntries: in an object literal `__proto__:` would set the prototype instead.
          files: Object.fromEntries([
            ['__proto__', 'p'],
            ['a/constructor', 'c'],
          ]),
        }),
      );
      const files = await registry.loadArtifacts('AMZN', 1);
      expect(Object.keys(files).sort()).toEqual(['__proto__', 'a/constructor']);
      expect(Object.getPrototypeOf(files)).toBe(Object.prototype);
      await h.store.put('registry/group=AMZN/version=000001/artifacts/toString', 'x');
      expect((await tampered(registry.loadArtifacts('AMZN', 1))).file).toBe('toString');
    });

    it('refuses an artifact edited after registering, naming file and hashes', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(lstmInput());
      const edited = new Uint8Array([...WEIGHTS, 0]);
      await h.tamper(WEIGHTS1, edited);
      const error = await tampered(new StoreModelRegistry(h.reopen()).loadArtifacts('AMZN', 1));
      expect(error.packageId).toBe('AMZN/1');
      expect(error.file).toBe('weights.bin');
      expect(error.expected).toBe(sha256Hex(WEIGHTS));
      expect(error.actual).toBe(sha256Hex(edited));
      expect(error.message).toContain('weights.bin');
      expect(error.message).toContain(sha256Hex(WEIGHTS));
      expect(error.message).toContain(sha256Hex(edited));
      expect(error.message).toContain('Do not serve');
    });

    it('refuses a missing artifact', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(lstmInput());
      await h.remove(WEIGHTS1);
      const error = await tampered(registry.loadArtifacts('AMZN', 1));
      expect([error.file, error.expected, error.actual]).toEqual([
        'weights.bin',
        sha256Hex(WEIGHTS),
        null,
      ]);
      expect(error.message).toContain('missing');
    });

    it('refuses an artifact that is not in the lineage', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(lstmInput());
      await h.store.put('registry/group=AMZN/version=000001/artifacts/extra.bin', 'surprise');
      const error = await tampered(registry.loadArtifacts('AMZN', 1));
      expect([error.file, error.expected, error.actual]).toEqual([
        'extra.bin',
        null,
        sha256Hex('surprise'),
      ]);
    });
  });

  describe('approval', () => {
    const allowed: [ApprovalStatus, ApprovalStatus][] = [
      ['PendingManualApproval', 'Approved'],
      ['PendingManualApproval', 'Rejected'],
      ['Approved', 'Rejected'],
      ['Rejected', 'Approved'],
    ];
    it.each(allowed)('allows %s → %s and records it', async (from, to) => {
      const registry = new StoreModelRegistry(makeHarness().store);
      await registry.register(lstmInput('AMZN', { status: from, reason: 'start' }));
      const updated = await registry.updateApproval('AMZN', 1, to, 'because', LATER);
      expect(updated.status).toBe(to);
      expect(updated.championCleared).toBe(false);
      expect(updated.status_history).toEqual([
        { status: from, reason: 'start', at: AT },
        { status: to, reason: 'because', at: LATER },
      ]);
      const { championCleared: _c, ...stored } = updated;
      expect(await registry.get('AMZN', 1)).toEqual(stored);
    });

    const refused: [ApprovalStatus, ApprovalStatus][] = [
      ['Approved', 'PendingManualApproval'],
      ['Rejected', 'PendingManualApproval'],
    ];
    it.each(refused)('refuses %s → %s and writes nothing', async (from, to) => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(lstmInput('AMZN', { status: from }));
      const before = await text(h.store, PKG1);
      const error = await registryError(registry.updateApproval('AMZN', 1, to, 'why', LATER));
      expect(error.code).toBe('illegal_transition');
      expect(error.message).toContain('register a new version');
      expect(await text(h.store, PKG1)).toBe(before);
    });

    it('treats an update to the current status as an idempotent no-op', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(lstmInput());
      const first = await registry.updateApproval('AMZN', 1, 'Approved', 'gate passed', LATER);
      const bytes = await text(h.store, PKG1);
      const again = await registry.updateApproval('AMZN', 1, 'Approved', 'retried', LATER);
      expect(again).toEqual(first);
      expect(again.status_history).toHaveLength(2);
      expect(await text(h.store, PKG1)).toBe(bytes);
    });

    it('needs a reason for every change, the manual override included', async () => {
      const registry = new StoreModelRegistry(makeHarness().store);
      await registry.register(lstmInput('AMZN', { status: 'Rejected' }));
      const error = await registryError(
        registry.updateApproval('AMZN', 1, 'Approved', '  ', LATER),
      );
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('reason');
    });
  });

  describe('champion', () => {
    it('has none until one is set', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      expect(await registry.champion('AMZN')).toBeUndefined();
      await registry.register(baselineInput());
      expect(await registry.champion('AMZN')).toBeUndefined();
      expect(await h.store.get(CHAMPION)).toBeUndefined();
    });

    it.each(['PendingManualApproval', 'Rejected'] as const)(
      'refuses a %s version as champion',
      async (status) => {
        const h = makeHarness();
        const registry = new StoreModelRegistry(h.store);
        await registry.register(baselineInput());
        await registry.register(lstmInput('AMZN', { status }));
        const error = await registryError(registry.setChampion('AMZN', 2, 'try', LATER));
        expect(error.code).toBe('champion_not_approved');
        expect(error.message).toContain(`AMZN/2 is ${status}`);
        expect(error.message).toContain('approved version (1)');
        expect(await h.store.get(CHAMPION)).toBeUndefined();
      },
    );

    it('points at an Approved version, keeps history, and survives a new instance', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(baselineInput());
      await registry.register(lstmInput());
      await registry.setChampion('AMZN', 1, 'best baseline is the first champion', AT);
      expect((await registry.champion('AMZN'))?.id).toBe('AMZN/1');

      await registry.updateApproval('AMZN', 2, 'Approved', 'gate passed', LATER);
      await registry.setChampion('AMZN', 2, 'beats the champion', LATER);
      await registry.setChampion('AMZN', 2, 'retried', LATER); // no-op
      const reopened = new StoreModelRegistry(h.reopen());
      expect((await reopened.champion('AMZN'))?.id).toBe('AMZN/2');

      const doc = JSON.parse((await text(h.store, CHAMPION)) ?? '');
      expect(doc).toEqual({
        schema: 'stockops.model-champion/v1',
        group: 'AMZN',
        version: 2,
        id: 'AMZN/2',
        reason: 'beats the champion',
        at: LATER,
        history: [
          { version: 1, reason: 'best baseline is the first champion', at: AT },
          { version: 2, reason: 'beats the champion', at: LATER },
        ],
      });
    });

    it('clears the pointer when the champion is revoked, and says so', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(baselineInput());
      await registry.register(baselineInput('AMZN', { modelName: 'drift' }));
      await registry.setChampion('AMZN', 1, 'first', AT);

      const other = await registry.updateApproval('AMZN', 2, 'Rejected', 'not needed', LATER);
      expect(other.championCleared).toBe(false);
      expect((await registry.champion('AMZN'))?.id).toBe('AMZN/1');

      const revoked = await registry.updateApproval('AMZN', 1, 'Rejected', 'bad data', LATER);
      expect(revoked.championCleared).toBe(true);
      expect(revoked.status).toBe('Rejected');
      expect(await registry.champion('AMZN')).toBeUndefined();
      const doc = JSON.parse((await text(h.store, CHAMPION)) ?? '');
      expect(doc.version).toBeNull();
      expect(doc.id).toBeNull();
      expect(doc.history.at(-1)).toEqual({
        version: null,
        reason: 'AMZN/1 revoked: bad data',
        at: LATER,
      });
    });

    it('refuses to serve a champion edited to point at a version that is not Approved', async () => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      await registry.register(baselineInput());
      await registry.register(lstmInput('AMZN', { status: 'Rejected' }));
      await registry.setChampion('AMZN', 1, 'first', AT);
      const json = (await text(h.store, CHAMPION)) ?? '';
      await h.tamper(CHAMPION, json.replaceAll('"version": 1', '"version": 2'));
      const error = await registryError(registry.champion('AMZN'));
      expect(error.code).toBe('champion_not_approved');
      expect(error.message).toContain('AMZN/2, which is Rejected');

      await h.tamper(CHAMPION, json.replaceAll('"version": 1', '"version": 7'));
      expect((await registryError(registry.champion('AMZN'))).code).toBe('corrupt');
    });
  });

  describe('input checks', () => {
    const bad: [string, Parameters<typeof lstmInput>[1], string][] = [
      ['a lowercase group', { group: 'amzn' }, 'model package group'],
      ['a group with a slash', { group: 'AM/ZN' }, 'model package group'],
      ['an empty model name', { modelName: '' }, 'model name'],
      ['a model name with a slash', { modelName: 'lstm/v2' }, 'model name'],
      ['no files', { files: {} }, 'at least one artifact'],
      ['a path escaping the version', { files: { '../x.json': '{}' } }, 'artifact path'],
      ['an absolute path', { files: { '/x.json': '{}' } }, 'artifact path'],
      ['paths differing in case', { files: { 'a.json': '1', 'A.json': '2' } }, 'only in case'],
      ['a file that is also a directory', { files: { a: '1', 'a/b': '2' } }, 'also a directory'],
      ['a NaN metric', { metrics: { rmse: Number.NaN } }, 'null for no value'],
      ['a bad time', { at: '2025-01-02 21:30' }, 'ISO 8601'],
      ['an empty reason', { reason: '' }, 'reason'],
      ['an unknown status', { status: 'Pending' as ApprovalStatus }, 'approval status'],
    ];
    it.each(bad)('refuses %s and writes nothing', async (_what, overrides, message) => {
      const h = makeHarness();
      const registry = new StoreModelRegistry(h.store);
      const error = await registryError(registry.register(lstmInput('AMZN', overrides)));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain(message);
      expect(await h.store.list('')).toEqual([]);
    });

    it('refuses lineage for another symbol or with malformed hashes', async () => {
      const registry = new StoreModelRegistry(makeHarness().store);
      const base = lstmInput();
      const withLineage = (lineage: Partial<typeof base.lineage>) =>
        registry.register({ ...base, lineage: { ...base.lineage, ...lineage } });
      const cases: [Partial<typeof base.lineage>, string][] = [
        [{ data: { ...base.lineage.data, symbol: 'MSFT' } }, 'the group is "AMZN"'],
        [{ data: { ...base.lineage.data, sha256: 'abc' } }, 'lineage.data.sha256'],
        [{ data: { ...base.lineage.data, from: '2025-01-01', to: '2024-01-01' } }, 'from ≤ to'],
        [{ data: { ...base.lineage.data, bars: 0 } }, 'lineage.data.bars'],
        [
          { data: { ...base.lineage.data, partitions: { 'curated/x': 'nope' } } },
          'lineage.data.partitions',
        ],
        [{ config_hash: 'x' }, 'lineage.config_hash'],
        [{ git_commit: 'abc123' }, 'full commit id'],
        [{ evaluation_key: '' }, 'evaluation_key'],
      ];
      for (const [lineage, message] of cases) {
        const error = await registryError(withLineage(lineage));
        expect(error.message).toContain(message);
      }
    });

    it('refuses bad arguments to the other calls', async () => {
      const registry = new StoreModelRegistry(makeHarness().store);
      expect((await registryError(registry.get('AMZN', 0))).message).toContain('from 1');
      expect((await registryError(registry.get('AMZN', 1.5))).code).toBe('invalid_input');
      expect((await registryError(registry.list('../etc'))).code).toBe('invalid_input');
      expect((await registryError(registry.champion('amzn'))).code).toBe('invalid_input');
      expect(
        (await registryError(registry.setChampion('AMZN', 1, 'r', 'yesterday'))).message,
      ).toContain('ISO 8601');
    });
  });
});

describe('StoreModelRegistry on disk', () => {
  it('uses the documented layout under the store root', async () => {
    const root = tempDir();
    const registry = new StoreModelRegistry(new FileObjectStore(root));
    await registry.register(baselineInput());
    await registry.setChampion('AMZN', 1, 'first', AT);
    const dir = join(root, 'registry', 'group=AMZN');
    expect(JSON.parse(readFileSync(join(dir, 'version=000001', 'package.json'), 'utf8')).id).toBe(
      'AMZN/1',
    );
    expect(readFileSync(join(dir, 'version=000001', 'artifacts', 'baseline.json'), 'utf8')).toBe(
      '{"name":"last_close"}\n',
    );
    expect(JSON.parse(readFileSync(join(dir, 'champion.json'), 'utf8')).version).toBe(1);
  });
});
