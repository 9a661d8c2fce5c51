import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import type { ModelEvaluation, ScoredRange } from '../../core/evaluate/evaluationTypes.ts';
import {
  APPROVAL_STATUSES,
  APPROVAL_TRANSITIONS,
  type ApprovalStatus,
  type ModelPackage,
  RegistryError,
} from '../../core/ports/modelRegistry.ts';
import { planApproval } from '../../core/registry/approval.ts';
import { metricsFromEvaluation } from '../../core/registry/evaluationMetrics.ts';
import {
  parseChampion,
  parsePackage,
  serializeChampion,
  serializePackage,
  withChampion,
} from '../../core/registry/packageJson.ts';
import {
  artifactKey,
  championKey,
  nextVersion,
  packageKey,
  versionsInKeys,
} from '../../core/registry/registryKeys.ts';
import { AT, LATER } from './fixtures.ts';

describe('registry keys', () => {
  it('lays versions out zero-padded under the group', () => {
    expect(packageKey('AMZN', 3)).toBe('registry/group=AMZN/version=000003/package.json');
    expect(artifactKey('BRK.B', 12, 'sub/w.bin')).toBe(
      'registry/group=BRK.B/version=000012/artifacts/sub/w.bin',
    );
    expect(championKey('AMZN')).toBe('registry/group=AMZN/champion.json');
  });

  it('tells used versions from complete ones', () => {
    const keys = [
      'registry/group=AMZN/version=000001/artifacts/model.json',
      'registry/group=AMZN/version=000001/package.json',
      // an artifact that happens to be called package.json does not complete a version
      'registry/group=AMZN/version=000002/artifacts/package.json',
      'registry/group=AMZN/version=1000000/package.json',
      'registry/group=AMZN/version=000000/package.json',
      'registry/group=AMZN/version=abc/package.json',
      'registry/group=AMZN/champion.json',
      'registry/group=AMZNX/version=000009/package.json',
    ];
    expect(versionsInKeys('AMZN', keys)).toEqual({ used: [1, 2, 1000000], complete: [1, 1000000] });
    expect(nextVersion([])).toBe(1);
    expect(nextVersion([1, 2, 1000000])).toBe(1000001);
  });
});

describe('approval transitions', () => {
  const pkg = (status: ApprovalStatus) => ({ id: 'AMZN/1', status });
  it('allows exactly the documented moves', () => {
    const table: string[] = [];
    for (const from of APPROVAL_STATUSES) {
      for (const to of APPROVAL_STATUSES) {
        try {
          table.push(`${from}→${to}: ${planApproval(pkg(from), to)}`);
        } catch (error) {
          expect(error).toBeInstanceOf(RegistryError);
          table.push(`${from}→${to}: refused`);
        }
      }
    }
    expect(table).toEqual([
      'PendingManualApproval→PendingManualApproval: unchanged',
      'PendingManualApproval→Approved: change',
      'PendingManualApproval→Rejected: change',
      'Approved→PendingManualApproval: refused',
      'Approved→Approved: unchanged',
      'Approved→Rejected: change',
      'Rejected→PendingManualApproval: refused',
      'Rejected→Approved: change',
      'Rejected→Rejected: unchanged',
    ]);
    expect(APPROVAL_TRANSITIONS.Approved).toEqual(['Rejected']);
  });
});

const PKG: ModelPackage = {
  group: 'AMZN',
  version: 2,
  id: 'AMZN/2',
  model_name: 'lstm',
  kind: 'candidate',
  status: 'Approved',
  status_history: [
    { status: 'PendingManualApproval', reason: 'registered', at: AT },
    { status: 'Approved', reason: 'gate passed', at: LATER },
  ],
  created_at: AT,
  metrics: { b: 2, a: null },
  lineage: {
    data: { symbol: 'AMZN', from: '2020-01-02', to: '2024-12-31', bars: 10, sha256: sha256Hex('') },
    config_hash: sha256Hex('c'),
    git_commit: null,
    hyperparameters: { z: { y: 1, x: [3, { b: 1, a: 2 }] }, a: 'first' },
    artifacts: { 'weights.bin': sha256Hex('w'), 'model.json': sha256Hex('m') },
  },
};

describe('package.json', () => {
  it('serialises deterministically with sorted records and reads back the same', () => {
    const text = serializePackage(PKG);
    const reordered: ModelPackage = {
      ...PKG,
      metrics: { a: null, b: 2 },
      lineage: {
        ...PKG.lineage,
        hyperparameters: { a: 'first', z: { x: [3, { a: 2, b: 1 }], y: 1 } },
      },
    };
    expect(serializePackage(reordered)).toBe(text);
    expect(text).toContain('"hyperparameters": {\n      "a": "first",\n      "z": {\n        "x"');
    expect(Object.keys(JSON.parse(text).lineage.artifacts)).toEqual(['model.json', 'weights.bin']);
    const key = packageKey('AMZN', 2);
    expect(parsePackage(text, key, { group: 'AMZN', version: 2 })).toEqual(PKG);
  });

  it('refuses a package that sits at another version, or whose status disagrees with its history', () => {
    const key = packageKey('AMZN', 3);
    expect(() => parsePackage(serializePackage(PKG), key, { group: 'AMZN', version: 3 })).toThrow(
      /names AMZN\/2 but sits at AMZN\/3/,
    );
    const wrong = serializePackage({ ...PKG, status: 'Rejected' });
    expect(() => parsePackage(wrong, key, { group: 'AMZN', version: 2 })).toThrow(
      /status Rejected is not the last entry/,
    );
    expect(() => parsePackage('[]', key, { group: 'AMZN', version: 2 })).toThrow(
      /the document is not an object/,
    );
    const noMetric = serializePackage(PKG).replace('"b": 2', '"b": "2"');
    expect(() => parsePackage(noMetric, key, { group: 'AMZN', version: 2 })).toThrow(
      /metrics.b is not a number/,
    );
  });
});

describe('champion.json', () => {
  it('round-trips, including a cleared pointer', () => {
    const empty = { group: 'AMZN', version: null, history: [] };
    const set = withChampion(empty, 1, 'first', AT);
    const cleared = withChampion(set, null, 'AMZN/1 revoked: x', LATER);
    const key = championKey('AMZN');
    expect(parseChampion(serializeChampion(set), key, 'AMZN')).toEqual(set);
    expect(parseChampion(serializeChampion(cleared), key, 'AMZN')).toEqual(cleared);
    expect(() => parseChampion(serializeChampion(set), key, 'MSFT')).toThrow(/group is "AMZN"/);
  });
});

describe('metricsFromEvaluation', () => {
  const range = (rmse: number, vs: ScoredRange['vs']): ScoredRange => ({
    from: '2023-01-03',
    to: '2024-12-31',
    scores: {
      n: 500,
      rmse_price: 1.5,
      mae_price: 1.1,
      mape_price: 0.01,
      rmse_return: rmse,
      mae_return: 0.009,
      mase: Number.NaN,
      directional_accuracy: null,
      up_day_rate: 0.53,
    },
    vs,
  });
  const lstm: ModelEvaluation = {
    name: 'lstm',
    kind: 'candidate',
    folds: [],
    aggregate: range(0.012, {
      last_close: {
        baseline: 'last_close',
        error_ratio: 0.95,
        dm_statistic: -1.2,
        dm_p_value: 0.11,
      },
    }),
    holdout: range(0.013, {}),
    params: {},
  };

  it('flattens aggregate and hold-out scores and the comparison with the best baseline', () => {
    const metrics = metricsFromEvaluation(lstm, 'last_close');
    expect(metrics['aggregate.rmse_return']).toBe(0.012);
    expect(metrics['holdout.rmse_return']).toBe(0.013);
    expect(metrics['aggregate.error_ratio_vs_best_baseline']).toBe(0.95);
    expect(metrics['aggregate.dm_p_value_vs_best_baseline']).toBe(0.11);
    expect(metrics['holdout.error_ratio_vs_best_baseline']).toBeNull();
    expect(metrics['aggregate.mase']).toBeNull(); // NaN means no value
    expect(metrics['aggregate.directional_accuracy']).toBeNull();
    expect(Object.keys(metrics)).toHaveLength(22);
  });

  it('has no comparison for the best baseline itself', () => {
    const metrics = metricsFromEvaluation(lstm, null);
    expect(metrics['aggregate.error_ratio_vs_best_baseline']).toBeNull();
  });
});
