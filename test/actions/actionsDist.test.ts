import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTIONS_DIR, actionNames, bundleAction, distFile } from '../../scripts/buildActions.ts';

// Discovered, not listed: every folder under actions/ with an action.yml is checked.
const NAMES = actionNames();

interface ActionYaml {
  runs?: { using?: unknown; main?: unknown };
  inputs?: Record<string, { description?: unknown }>;
  outputs?: Record<string, { description?: unknown }>;
}

describe('custom actions', () => {
  it('are found', () => {
    expect(NAMES).toEqual(
      expect.arrayContaining([
        'deploy-cdk',
        'pr-report',
        'sync-dags',
        'validate-config',
        'validate-dags',
      ]),
    );
  });

  describe.each(NAMES)('actions/%s', (name) => {
    const meta = parse(readFileSync(join(ACTIONS_DIR, name, 'action.yml'), 'utf8')) as ActionYaml;

    it('runs on node24 from dist/index.js, which exists', () => {
      expect(meta.runs?.using).toBe('node24');
      expect(meta.runs?.main).toBe('dist/index.js');
      expect(existsSync(distFile(name))).toBe(true);
    });

    it('describes every input and output', () => {
      for (const [key, spec] of [
        ...Object.entries(meta.inputs ?? {}),
        ...Object.entries(meta.outputs ?? {}),
      ]) {
        expect(typeof spec.description === 'string' && spec.description !== '', key).toBe(true);
      }
    });

    it('has a committed dist/index.js equal to a fresh bundle (run `node scripts/buildActions.ts`)', async () => {
      const fresh = await bundleAction(name);
      const committed = readFileSync(distFile(name), 'utf8');
      expect(committed === fresh, `actions/${name}/dist/index.js is stale`).toBe(true);
    });
  });
});
