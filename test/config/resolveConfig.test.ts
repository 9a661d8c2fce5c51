import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/config/canonicalJson.ts';
import { ConfigError } from '../../core/config/configError.ts';
import { type ResolveConfigInput, resolveConfig } from '../../core/config/resolveConfig.ts';
import { issueLines, realConfigText } from './configDir.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const BASE = `symbols: [AMZN, MSFT]
data:
  source: yahoo
  start_date: "1997-05-15"
  yahoo:
    base_url: https://query2.finance.yahoo.com
    timeout_ms: 15000
store:
  root: .stockops
quality:
  max_daily_move: 0.5
  split_ratio_tolerance: 0.02
  max_missing_sessions: 0
features:
  avg_price: (high+low)/2
  volatility_window: 20
  volume_window: 20
  window: 30
evaluation:
  folds: 5
  test_days: 250
  gap_days: 5
  holdout_days: 250
  min_train_days: 750
gate:
  max_error_ratio: 1.0
  max_dm_p_value: 1.0
  min_directional_accuracy: 0.5
  min_directional_accuracy_over_base_rate: 0
  min_improvement_vs_champion: 0
  max_mape: 0.05
  max_rmse_return: 0.1
model:
  units: 16
  layers: 1
  dropout: 0
  epochs: 12
  batch_size: 64
  learning_rate: 0.002
  patience: 3
  validation_fraction: 0.1
  max_train_days: 1000
  warm_start: true
  seed: 42
tuning:
  trials: 8
  ranges:
    units: [8, 48]
    learning_rate: [0.0003, 0.005]
    dropout: [0, 0.3]
    window: [10, 40]
`;

function resolve(overlay: string, env = 'prod', base = BASE) {
  const input: ResolveConfigInput = {
    env,
    sources: [
      { file: 'config/base.yaml', text: base },
      { file: `config/${env}.yaml`, text: overlay },
    ],
    hash: sha256,
  };
  return resolveConfig(input);
}

describe('resolveConfig merge', () => {
  it('lets the overlay win, keeps untouched base values and replaces lists whole', () => {
    const { config, env, files } = resolve(
      [
        'symbols: [NVDA]',
        'data:',
        '  yahoo:',
        '    timeout_ms: 5000',
        'gate:',
        '  max_error_ratio: 0.99',
        '',
      ].join('\n'),
    );
    expect(env).toBe('prod');
    expect(files).toEqual(['config/base.yaml', 'config/prod.yaml']);
    expect(config.symbols).toEqual(['NVDA']);
    expect(config.data).toEqual({
      source: 'yahoo',
      start_date: '1997-05-15',
      yahoo: { base_url: 'https://query2.finance.yahoo.com', timeout_ms: 5000 },
    });
    expect(config.gate).toEqual({
      max_error_ratio: 0.99,
      max_dm_p_value: 1,
      min_directional_accuracy: 0.5,
      min_directional_accuracy_over_base_rate: 0,
      min_improvement_vs_champion: 0,
      max_mape: 0.05,
      max_rmse_return: 0.1,
    });
    expect(config.aws).toBeUndefined();
    expect(config.features.avg_price).toBe('(high+low)/2');
  });

  it('treats an empty or comment-only overlay as no overrides', () => {
    const plain = resolve('# nothing to override\n');
    expect(resolve('').config).toEqual(plain.config);
    expect(resolve('~\n').config).toEqual(plain.config);
    expect(plain.config.symbols).toEqual(['AMZN', 'MSFT']);
    expect(plain.config.aws).toBeUndefined();
  });

  it('accepts an invalid base value that the overlay overrides', () => {
    const base = BASE.replace('max_error_ratio: 1.0', 'max_error_ratio: 9');
    expect(
      resolve('gate:\n  max_error_ratio: 1.5\n', 'dev', base).config.gate.max_error_ratio,
    ).toBe(1.5);
  });

  it('merges any number of sources in order', () => {
    const resolved = resolveConfig({
      env: 'dev',
      sources: [
        { file: 'base.yaml', text: BASE },
        { file: 'team.yaml', text: 'features:\n  window: 10\n  volume_window: 5\n' },
        { file: 'dev.yaml', text: 'features:\n  window: 12\n' },
      ],
      hash: sha256,
    });
    expect(resolved.config.features).toMatchObject({ window: 12, volume_window: 5 });
  });

  it('returns a frozen config', () => {
    const { config } = resolve('');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.data.yahoo)).toBe(true);
    expect(Object.isFrozen(config.symbols)).toBe(true);
  });

  it('keeps a __proto__ key an ordinary (unknown) key', () => {
    expect(issueLines(() => resolve('__proto__:\n  polluted: true\n'))).toEqual([
      'config/prod.yaml:1:1: __proto__: unknown key "__proto__"',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('resolveConfig hash', () => {
  it('hashes the canonical JSON of the merged config', () => {
    const resolved = resolve('');
    expect(resolved.hash).toBe(sha256(canonicalJson(resolved.config)));
    expect(resolved.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is stable across key order and YAML style, and changes with a value', () => {
    const reordered = `evaluation: {min_train_days: 750, holdout_days: 250, gap_days: 5, test_days: 250, folds: 5}
gate: {max_rmse_return: 0.1, max_mape: 0.05, min_improvement_vs_champion: 0, min_directional_accuracy_over_base_rate: 0, min_directional_accuracy: 0.5, max_dm_p_value: 1.0, max_error_ratio: 1.0}
tuning: {ranges: {window: [10, 40], dropout: [0, 0.3], learning_rate: [0.0003, 0.005], units: [8, 48]}, trials: 8}
model: {seed: 42, warm_start: true, max_train_days: 1000, validation_fraction: 0.1, patience: 3, learning_rate: 0.002, batch_size: 64, epochs: 12, dropout: 0, layers: 1, units: 16}
features: {window: 30, volume_window: 20, volatility_window: 20, avg_price: "(high+low)/2"}
quality: {max_missing_sessions: 0, split_ratio_tolerance: 0.02, max_daily_move: 0.5}
store: {root: .stockops}
data:
  yahoo: {timeout_ms: 15000, base_url: "https://query2.finance.yahoo.com"}
  start_date: 1997-05-15
  source: yahoo
symbols:
  - AMZN
  - MSFT
`;
    expect(resolve('', 'prod', reordered).hash).toBe(resolve('').hash);
    expect(resolve('gate: {max_mape: 0.05}', 'prod', reordered).hash).toBe(resolve('').hash);
    expect(resolve('gate: {max_mape: 0.06}').hash).not.toBe(resolve('').hash);
    expect(resolve('symbols: [MSFT, AMZN]').hash).not.toBe(resolve('').hash);
  });

  it('canonicalJson sorts keys at every level and keeps list order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
  });
});

describe('resolveConfig errors', () => {
  it('names the would-be overlay file for an unknown env', () => {
    expect(issueLines(() => resolve('', 'qa'))).toEqual([
      'config/qa.yaml:1:1: env: unknown environment "qa" (expected one of local, dev, staging, prod)',
    ]);
  });

  it('reports every issue of every file, sorted by file then line', () => {
    const base = BASE.replace('folds: 5', 'folds: 2.5').replace('root: .stockops', 'root: 7');
    expect(
      issueLines(() =>
        resolve('gate:\n  max_mape: 2\n  min_directional_accuracy: -0.1\n', 'prod', base),
      ),
    ).toEqual([
      'config/base.yaml:9:9: store.root: must be a string (got 7)',
      'config/base.yaml:20:10: evaluation.folds: must be an integer (got 2.5)',
      'config/prod.yaml:2:13: gate.max_mape: must be <= 1 (got 2)',
      'config/prod.yaml:3:29: gate.min_directional_accuracy: must be >= 0 (got -0.1)',
    ]);
  });

  it('points at the base file, 1:1, when no file sets anything', () => {
    const lines = issueLines(() => resolve('', 'local', '# empty\n'));
    expect(lines[0]).toBe('config/base.yaml:1:1: data: is required');
    expect(lines).toHaveLength(9);
  });

  it('reports a scalar top level and a self-referencing alias', () => {
    expect(issueLines(() => resolve('just text\n'))).toEqual([
      'config/prod.yaml:1:1: (root): top level must be a mapping of settings (got a single value)',
    ]);
    expect(issueLines(() => resolve('symbols: &s [AMZN, *s]\n'))).toEqual([
      'config/prod.yaml:1:20: (yaml): alias *s refers to itself',
    ]);
  });

  it('follows aliases and reports YAML warnings', () => {
    const aliased = 'gate:\n  max_error_ratio: &r 1.5\n  max_mape: *r\n';
    expect(issueLines(() => resolve(aliased))).toEqual([
      'config/prod.yaml:3:13: gate.max_mape: must be <= 1 (got 1.5)',
    ]);
    const anchored = 'gate: &g {max_error_ratio: 1.5}\n';
    expect(resolve(anchored).config.gate.max_error_ratio).toBe(1.5);
    expect(issueLines(() => resolve('gate:\n  max_mape: !percent 5\n'))).toEqual([
      'config/prod.yaml:2:13: (yaml): Unresolved tag: !percent',
    ]);
  });

  it('throws a ConfigError whose message is the formatted issues', () => {
    try {
      resolve('gate:\n  max_mape: 2\n');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const e = error as ConfigError;
      expect(e.name).toBe('ConfigError');
      expect(e.message).toBe(e.format());
      expect(e.issues).toEqual([
        {
          file: 'config/prod.yaml',
          line: 2,
          column: 13,
          path: 'gate.max_mape',
          message: 'must be <= 1 (got 2)',
        },
      ]);
    }
  });

  it('needs at least one source', () => {
    expect(() => resolveConfig({ env: 'local', sources: [], hash: sha256 })).toThrow(
      /no config sources/,
    );
  });

  it('resolves the real base file alone as a complete config', () => {
    expect(resolve('', 'local', realConfigText('base.yaml')).config.symbols.length).toBeGreaterThan(
      0,
    );
  });
});
