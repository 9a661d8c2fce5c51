import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import {
  configDir,
  type Edit,
  issueLines,
  positionOf,
  realConfigText,
  removeConfigDirs,
  replaceOnce,
} from './configDir.ts';

afterAll(removeConfigDirs);

const base = realConfigText('base.yaml');
const baseWithUnknownKey = `${base}notify: true\n`;
const baseWithoutMape = replaceOnce(base, '  max_mape: 0.05\n', '');
const gateStart = base.indexOf('\ngate:');
const baseWithoutGate =
  base.slice(0, gateStart + 1) + base.slice(base.indexOf('\n\n', gateStart + 1) + 2);
const baseWithoutAws = base.slice(0, base.indexOf('\n# AWS infrastructure') + 1);
const baseWithBadMove = replaceOnce(base, 'max_daily_move: 0.5', 'max_daily_move: -1');
const baseWithDuplicate = replaceOnce(base, 'store:\n', 'store:\n  root: a\n');

const SYMBOL = '^[A-Z][A-Z0-9.\\-]{0,9}$';
const REGION = '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d{1,2}$';
const OVERLAYS = 'expected one overlay per environment: local, dev, staging, prod';

interface BadCase {
  readonly name: string;
  readonly env?: string;
  readonly files: Record<string, Edit>;
  readonly expected: readonly string[];
}

// Each case: a config dir made of the real files with some replaced, and the exact lines of
// the ConfigError, as `stockops config validate` prints them.
const CASES: readonly BadCase[] = [
  {
    name: 'YAML syntax error (unclosed quote)',
    files: { 'prod.yaml': 'aws:\n  region: "us-east-1\n' },
    expected: ['config/prod.yaml:3:1: (yaml): Missing closing "quote'],
  },
  {
    name: 'YAML syntax error (unclosed flow list)',
    files: { 'prod.yaml': 'symbols: [AMZN, MSFT\ngate:\n  max_mape: 0.1\n' },
    expected: [
      'config/prod.yaml:2:1: (yaml): Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    name: 'duplicate key',
    files: { 'prod.yaml': 'gate:\n  max_error_ratio: 0.99\n  max_error_ratio: 1.0\n' },
    expected: [
      'config/prod.yaml:3:3: (yaml): Map keys must be unique (duplicate key "max_error_ratio")',
    ],
  },
  {
    name: 'tab-indented YAML',
    env: 'dev',
    files: { 'dev.yaml': 'gate:\n\tmax_error_ratio: 1.05\n' },
    expected: ['config/dev.yaml:2:1: (yaml): Tabs are not allowed as indentation'],
  },
  {
    name: 'two YAML documents in one file',
    files: { 'prod.yaml': 'gate:\n  max_mape: 0.1\n---\naws:\n  region: us-east-1\n' },
    expected: [
      'config/prod.yaml:3:1: (yaml): found a second YAML document (a config file holds one)',
    ],
  },
  {
    name: 'top level is a list',
    files: { 'prod.yaml': '- gate\n- aws\n' },
    expected: [
      'config/prod.yaml:1:1: (root): top level must be a mapping of settings (got a list)',
    ],
  },
  {
    name: 'unknown top-level key in base',
    files: { 'base.yaml': baseWithUnknownKey },
    expected: [
      `config/base.yaml:${positionOf(baseWithUnknownKey, 'notify')}: notify: unknown key "notify"`,
    ],
  },
  {
    name: 'misspelt top-level key (wrong case)',
    files: { 'prod.yaml': 'Symbols: [AMZN]\n' },
    expected: ['config/prod.yaml:1:1: Symbols: unknown key "Symbols" (did you mean "symbols"?)'],
  },
  {
    name: 'unknown nested key with a suggestion',
    files: { 'prod.yaml': 'gate:\n  max_eror_ratio: 0.99\n' },
    expected: [
      'config/prod.yaml:2:3: gate.max_eror_ratio: unknown key "max_eror_ratio" (did you mean "max_error_ratio"?)',
    ],
  },
  {
    name: 'overlay introducing an unknown key',
    env: 'staging',
    files: { 'staging.yaml': 'aws:\n  region: us-east-1\n  acount_id: "123456789012"\n' },
    expected: [
      'config/staging.yaml:3:3: aws.acount_id: unknown key "acount_id" (did you mean "account_id"?)',
    ],
  },
  {
    name: 'the old data.yahoo.retry key, which moved to resilience.yahoo',
    files: { 'prod.yaml': 'data:\n  yahoo:\n    retry:\n      max_attempts: 5\n' },
    expected: [
      'config/prod.yaml:3:5: data.yahoo.retry: unknown key "retry" (moved to resilience.yahoo, with the same keys: max_attempts, initial_delay_ms, max_delay_ms, attempt_timeout_ms, breaker_failures, breaker_half_open_ms)',
    ],
  },
  {
    name: 'a resilience policy that does not exist, and a bad value in one that does',
    files: {
      'prod.yaml': 'resilience:\n  dynamo:\n    max_attempts: 2\n  s3:\n    max_attempts: 0\n',
    },
    expected: [
      'config/prod.yaml:2:3: resilience.dynamo: unknown key "dynamo"',
      'config/prod.yaml:5:19: resilience.s3.max_attempts: must be >= 1 (got 0)',
    ],
  },
  {
    name: 'string where a number is expected',
    files: { 'prod.yaml': 'gate:\n  max_mape: 5%\n' },
    expected: ['config/prod.yaml:2:13: gate.max_mape: must be a number (got "5%")'],
  },
  {
    name: 'number where a string is expected',
    env: 'dev',
    files: { 'dev.yaml': 'data:\n  source: 5\n' },
    expected: ['config/dev.yaml:2:11: data.source: must be a string (got 5)'],
  },
  {
    name: 'unquoted account id read as a number',
    files: { 'prod.yaml': 'aws:\n  region: us-east-1\n  account_id: 012345678901\n' },
    expected: ['config/prod.yaml:3:15: aws.account_id: must be a string (got 12345678901)'],
  },
  {
    name: 'a string where a list is expected',
    files: { 'prod.yaml': 'symbols: AMZN\n' },
    expected: ['config/prod.yaml:1:10: symbols: must be a list (got "AMZN")'],
  },
  {
    name: 'an empty value where a mapping is expected',
    files: { 'prod.yaml': 'gate:\n' },
    expected: ['config/prod.yaml:1:6: gate: must be a mapping (got nothing)'],
  },
  {
    name: 'value not in the enum',
    env: 'local',
    files: { 'local.yaml': 'features:\n  avg_price: hl\n' },
    expected: [
      'config/local.yaml:2:14: features.avg_price: must be one of "(high+low)/2", "(high+low+close)/3", "(open+high+low+close)/4", "close" (got "hl")',
    ],
  },
  {
    name: 'number above the maximum',
    files: { 'prod.yaml': 'gate:\n  max_error_ratio: 7\n' },
    expected: ['config/prod.yaml:2:20: gate.max_error_ratio: must be <= 2 (got 7)'],
  },
  {
    name: 'integer below the minimum',
    env: 'staging',
    files: { 'staging.yaml': 'evaluation:\n  folds: 0\n' },
    expected: ['config/staging.yaml:2:10: evaluation.folds: must be >= 1 (got 0)'],
  },
  {
    name: 'number not above an exclusive minimum',
    files: { 'prod.yaml': 'gate:\n  max_error_ratio: 0\n' },
    expected: ['config/prod.yaml:2:20: gate.max_error_ratio: must be > 0 (got 0)'],
  },
  {
    name: 'non-integer where an integer is expected',
    files: { 'prod.yaml': 'features:\n  window: 2.5\n' },
    expected: ['config/prod.yaml:2:11: features.window: must be an integer (got 2.5)'],
  },
  {
    name: 'lowercase symbol (pattern)',
    files: { 'prod.yaml': 'symbols: [AMZN, msft]\n' },
    expected: [`config/prod.yaml:1:17: symbols.1: must match ${SYMBOL} (got "msft")`],
  },
  {
    name: 'duplicate symbols',
    files: { 'prod.yaml': 'symbols:\n  - AMZN\n  - MSFT\n  - AMZN\n' },
    expected: ['config/prod.yaml:4:5: symbols.2: duplicate of symbols.0 ("AMZN")'],
  },
  {
    name: 'empty symbols list',
    files: { 'prod.yaml': 'symbols: []\n' },
    expected: ['config/prod.yaml:1:10: symbols: must not be empty'],
  },
  {
    name: 'empty string',
    env: 'local',
    files: { 'local.yaml': 'store:\n  root: ""\n' },
    expected: ['config/local.yaml:2:9: store.root: must not be empty'],
  },
  {
    name: 'date not in ISO form',
    files: { 'prod.yaml': 'data:\n  start_date: 15/05/1997\n' },
    expected: [
      'config/prod.yaml:2:15: data.start_date: must match ^\\d{4}-\\d{2}-\\d{2}$ (got "15/05/1997")',
    ],
  },
  {
    name: 'date that does not exist',
    files: { 'prod.yaml': 'data:\n  start_date: "2023-02-30"\n' },
    expected: [
      'config/prod.yaml:2:15: data.start_date: must be a real calendar date (got "2023-02-30")',
    ],
  },
  {
    name: 'bad AWS region',
    files: { 'prod.yaml': 'aws:\n  region: US-East-1\n' },
    expected: [`config/prod.yaml:2:11: aws.region: must match ${REGION} (got "US-East-1")`],
  },
  {
    name: 'missing required field in base (points at the parent mapping)',
    files: { 'base.yaml': baseWithoutMape },
    expected: [
      `config/base.yaml:${positionOf(baseWithoutMape, 'max_error_ratio')}: gate.max_mape: is required`,
    ],
  },
  {
    name: 'missing required section in base (points at the top-level mapping)',
    env: 'local',
    files: { 'base.yaml': baseWithoutGate },
    expected: [`config/base.yaml:${positionOf(baseWithoutGate, 'symbols:')}: gate: is required`],
  },
  {
    name: 'section missing from base but partly set in the overlay (points at the overlay)',
    files: { 'base.yaml': baseWithoutGate },
    expected: [
      ...[
        'max_dm_p_value',
        'max_mape',
        'max_rmse_return',
        'min_directional_accuracy_over_base_rate',
        'min_improvement_vs_champion',
      ].map(
        (key) =>
          `config/prod.yaml:${positionOf(realConfigText('prod.yaml'), 'max_error_ratio')}: gate.${key}: is required`,
      ),
    ],
  },
  {
    name: 'missing required field of a mapping only the overlay defines',
    files: { 'base.yaml': baseWithoutAws, 'prod.yaml': 'aws:\n  account_id: "123456789012"\n' },
    expected: [
      'alarms',
      'alerts',
      'budget',
      'cost',
      'emr',
      'endpoint',
      'github',
      'ingest',
      'mwaa',
      'network',
      'region',
      'storage',
      'tags',
      'training',
    ].map((key) => `config/prod.yaml:2:3: aws.${key}: is required`),
  },
  {
    name: 'a value overridden in the overlay is reported in the overlay',
    files: {
      'prod.yaml': '# prod\ngate:\n  min_directional_accuracy: 0.5\n  max_error_ratio: 2.5\n',
    },
    expected: ['config/prod.yaml:4:20: gate.max_error_ratio: must be <= 2 (got 2.5)'],
  },
  {
    name: 'a base value the overlay leaves alone is reported in base',
    files: { 'base.yaml': baseWithBadMove },
    expected: [
      `config/base.yaml:${positionOf(baseWithBadMove, 'max_daily_move: -1', 16)}: quality.max_daily_move: must be > 0 (got -1)`,
    ],
  },
  {
    name: 'several errors in one file, reported together in line order',
    files: {
      'prod.yaml': [
        'symbols: [AMZN, msft, AMZN]', // 1
        'gate:', // 2
        '  max_error_ratio: 7', // 3
        '  max_mape: five', // 4
        'features:', // 5
        '  windw: 3', // 6
        'data:', // 7
        '  source: ftp', // 8
        'notify: true', // 9
        '',
      ].join('\n'),
    },
    expected: [
      `config/prod.yaml:1:17: symbols.1: must match ${SYMBOL} (got "msft")`,
      'config/prod.yaml:1:23: symbols.2: duplicate of symbols.0 ("AMZN")',
      'config/prod.yaml:3:20: gate.max_error_ratio: must be <= 2 (got 7)',
      'config/prod.yaml:4:13: gate.max_mape: must be a number (got "five")',
      'config/prod.yaml:6:3: features.windw: unknown key "windw" (did you mean "window"?)',
      'config/prod.yaml:8:11: data.source: must match ^(yahoo|csv:.+)$ (got "ftp")',
      'config/prod.yaml:9:1: notify: unknown key "notify"',
    ],
  },
  {
    name: 'errors in base and overlay: base first',
    files: { 'base.yaml': baseWithBadMove, 'prod.yaml': 'gate:\n  max_mape: 0\n' },
    expected: [
      `config/base.yaml:${positionOf(baseWithBadMove, 'max_daily_move: -1', 16)}: quality.max_daily_move: must be > 0 (got -1)`,
      'config/prod.yaml:2:13: gate.max_mape: must be > 0 (got 0)',
    ],
  },
  {
    name: 'YAML errors in both files, and no schema check of half-parsed files',
    files: { 'base.yaml': baseWithDuplicate, 'prod.yaml': 'gate:\n  max_mape: [0.1\nx: 1\n' },
    expected: [
      `config/base.yaml:${positionOf(baseWithDuplicate, 'root: .stockops')}: (yaml): Map keys must be unique (duplicate key "root")`,
      'config/prod.yaml:3:1: (yaml): Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    name: 'missing overlay file',
    files: { 'prod.yaml': null },
    expected: [`config/prod.yaml:1:1: (file): file not found (${OVERLAYS})`],
  },
  {
    name: 'missing base file',
    files: { 'base.yaml': null },
    expected: [
      'config/base.yaml:1:1: (file): file not found (base.yaml holds the settings every environment shares)',
    ],
  },
  {
    name: 'unknown environment',
    env: 'qa',
    files: {},
    expected: [
      'config/qa.yaml:1:1: env: unknown environment "qa" (expected one of local, dev, staging, prod)',
    ],
  },
  {
    name: 'spot wait not longer than the run (aws.training)',
    env: 'staging',
    files: {
      'staging.yaml': 'aws:\n  region: us-east-1\n  training:\n    max_wait_seconds: 7200\n',
    },
    expected: [
      'config/staging.yaml:4:23: aws.training.max_wait_seconds: must be greater than aws.training.max_runtime_seconds (7200): it bounds the spot capacity wait plus the run (got 7200)',
    ],
  },
];

describe('bad configs: one exact line per issue', () => {
  it('has many distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(22);
  });

  it.each(CASES)('$name', ({ env = 'prod', files, expected }) => {
    const dir = configDir(files);
    expect(issueLines(() => loadConfig({ dir, env }), dir)).toEqual(expected);
  });

  it('reports both files when base and overlay are missing', () => {
    const dir = configDir({ 'base.yaml': null, 'dev.yaml': null });
    expect(issueLines(() => loadConfig({ dir, env: 'dev' }), dir)).toEqual([
      'config/base.yaml:1:1: (file): file not found (base.yaml holds the settings every environment shares)',
      `config/dev.yaml:1:1: (file): file not found (${OVERLAYS})`,
    ]);
  });

  it('reports an unreadable file', () => {
    const dir = configDir({ 'prod.yaml': null });
    mkdirSync(join(dir, 'prod.yaml')); // a directory where the overlay should be
    expect(issueLines(() => loadConfig({ dir, env: 'prod' }), dir)).toEqual([
      'config/prod.yaml:1:1: (file): cannot read file (EISDIR)',
    ]);
  });
});
