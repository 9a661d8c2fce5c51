import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO } from './servingFixtures.ts';

// Docker cannot run here: these check the Dockerfile against what the entry really imports.
const dockerfile = readFileSync(join(REPO, 'training', 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (/^FROM\s/i.test(line)) acc.push([line]);
  else acc.at(-1)?.push(line);
  return acc;
}, []);
const finalStage = stages.at(-1) ?? [];

describe('training/Dockerfile', () => {
  it('is multi-stage on node:24-slim, installing production dependencies with npm ci in a build stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM node:24-slim\b/);
    const install = stages
      .slice(0, -1)
      .flat()
      .find((l) => l.startsWith('RUN') && l.includes('npm ci'));
    expect(install).toMatch(/npm ci --omit=dev/);
    expect(finalStage.some((l) => /^COPY --from=\w+ \/app\/node_modules/.test(l))).toBe(true);
    expect(finalStage.some((l) => l.includes('npm '))).toBe(false);
  });

  it('has an exec-form ENTRYPOINT running the container entry, and puts nothing under /opt/ml', () => {
    const entrypoint = finalStage.filter((l) => l.startsWith('ENTRYPOINT'));
    expect(entrypoint).toHaveLength(1);
    const args = JSON.parse((entrypoint[0] as string).slice('ENTRYPOINT'.length));
    expect(args).toEqual(['node', 'training/container.ts']);
    expect(instructions.filter((l) => l.includes('/opt/ml'))).toEqual([]);
  });

  it('copies every file the entry imports, and the entry needs no dev dependency', async () => {
    const result = await build({
      entryPoints: [join(REPO, 'training', 'container.ts')],
      absWorkingDir: REPO,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const copied = finalStage
      .filter((l) => /^COPY (?!--from)/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const source of copied) expect(existsSync(join(REPO, source)), source).toBe(true);
    expect(copied).toContain('package.json');
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('training/container.ts');
    for (const input of inputs) {
      expect(
        copied.some((c) => input === c || input.startsWith(`${c}/`)),
        input,
      ).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    const packages = new Set(
      Object.values(result.metafile.inputs)
        .flatMap((i) => i.imports)
        .filter((i) => i.external && !i.path.startsWith('node:'))
        .map((i) =>
          i.path
            .split('/')
            .slice(0, i.path.startsWith('@') ? 2 : 1)
            .join('/'),
        ),
    );
    expect(packages.size).toBeGreaterThan(0);
    for (const name of packages) expect(Object.keys(pkg.dependencies), name).toContain(name);
  });
});
