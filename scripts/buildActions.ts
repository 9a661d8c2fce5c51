#!/usr/bin/env node
// Bundles every custom action (actions/<name>/src/main.ts → actions/<name>/dist/index.js):
//   node scripts/buildActions.ts            write the bundles (commit them)
//   node scripts/buildActions.ts --check    exit 1 and name each stale bundle
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { REQUIRE_SHIM } from './bundleLambda.ts';

export const ACTIONS_DIR = fileURLToPath(new URL('../actions/', import.meta.url));

/** Every folder under actions/ with an action.yml (shared/ holds code, not an action). */
export function actionNames(dir: string = ACTIONS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();
}

/**
 * One ESM file per action with every dependency inlined: the runner executes it with its own
 * Node 24 and no node_modules. ESM because the repository's package.json says "type": "module",
 * which would make Node read a CommonJS dist/index.js as ESM. Unminified and without source
 * maps, so diffs of dist/ in review stay readable and the bytes depend only on the sources.
 */
export async function bundleAction(name: string, dir: string = ACTIONS_DIR): Promise<string> {
  const result = await build({
    entryPoints: [join(dir, name, 'src', 'main.ts')],
    // Paths in the bundle's comments are relative to this, so they match in every clone.
    absWorkingDir: resolve(dir, '..'),
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    legalComments: 'none',
    banner: { js: REQUIRE_SHIM },
    logLevel: 'warning',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`esbuild produced nothing for actions/${name}`);
  return out.text;
}

export function distFile(name: string, dir: string = ACTIONS_DIR): string {
  return join(dir, name, 'dist', 'index.js');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const stale: string[] = [];
  for (const name of actionNames()) {
    const t0 = performance.now();
    const text = await bundleAction(name);
    const file = distFile(name);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === text) {
      process.stderr.write(`actions/${name}: dist up to date\n`);
      continue;
    }
    if (values.check) {
      stale.push(name);
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    const kib = (Buffer.byteLength(text) / 1024).toFixed(0);
    process.stderr.write(
      `actions/${name}: dist/index.js ${kib} KiB in ${Math.round(performance.now() - t0)} ms\n`,
    );
  }
  if (stale.length > 0) {
    process.stderr.write(
      `stale dist/ for ${stale.join(', ')}: run \`node scripts/buildActions.ts\` and commit\n`,
    );
    return 1;
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
