import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { canonicalJson } from '../../core/config/canonicalJson.ts';
import { ENVIRONMENTS } from '../../core/config/configTypes.ts';
import { resolveConfig } from '../../core/config/resolveConfig.ts';
import { renderResolvedConfig } from '../../core/config/showConfig.ts';
import { validateConfig } from '../../core/config/validateConfig.ts';
import { configDir, REAL_CONFIG_DIR, removeConfigDirs } from './configDir.ts';

afterAll(removeConfigDirs);

describe('loadConfig on the real config dir', () => {
  it.each(ENVIRONMENTS)('%s resolves, validates and round-trips through show', (env) => {
    const resolved = loadConfig({ dir: REAL_CONFIG_DIR, env });
    expect(resolved.env).toBe(env);
    expect(resolved.files).toEqual([
      `${REAL_CONFIG_DIR}/base.yaml`,
      `${REAL_CONFIG_DIR}/${env}.yaml`,
    ]);
    expect(resolved.hash).toBe(sha256Hex(canonicalJson(resolved.config)));

    const shown = renderResolvedConfig(resolved);
    expect(shown.split('\n').slice(0, 2)).toEqual([
      `# Effective config of env ${env}: ${resolved.files.join(' + ')}`,
      `# sha256 ${resolved.hash}`,
    ]);
    // What `config show` prints is itself a complete, valid config with the same hash.
    const fallback = { file: 'shown.yaml', position: { line: 1, column: 1 } };
    expect(validateConfig(parse(shown), undefined, fallback)).toEqual([]);
    const again = resolveConfig({
      env,
      sources: [{ file: 'shown.yaml', text: shown }],
      hash: sha256Hex,
    });
    expect(again.config).toEqual(resolved.config);
    expect(again.hash).toBe(resolved.hash);
  });

  it('reads config/ under the working directory by default', () => {
    const resolved = loadConfig({ env: 'local' });
    expect(resolved.files).toEqual(['config/base.yaml', 'config/local.yaml']);
    expect(resolved.config.store.root).toBe('.stockops');
  });

  it('has AWS settings in every AWS environment', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      expect(loadConfig({ dir: REAL_CONFIG_DIR, env }).config.aws?.region).toMatch(/^[a-z]/);
    }
  });

  it('gives a copy of the same files the same hash', () => {
    const hash = loadConfig({ dir: REAL_CONFIG_DIR, env: 'prod' }).hash;
    expect(loadConfig({ dir: configDir(), env: 'prod' }).hash).toBe(hash);
  });

  it('accepts an empty overlay file', () => {
    const dir = configDir({ 'local.yaml': '' });
    const withEmpty = loadConfig({ dir, env: 'local' });
    expect(withEmpty.config.store.root).toBe('.stockops');
    expect(withEmpty.config).toEqual(loadConfig({ dir: REAL_CONFIG_DIR, env: 'local' }).config);
  });
});
