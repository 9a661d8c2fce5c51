import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll } from 'vitest';
import { loadConfig } from '../../adapters/local/configFiles.ts';
import type { StockopsConfig } from '../../core/config/configTypes.ts';
import { APP_CONTEXT, buildStockopsApp, type StockopsStacks } from '../../infra/stockopsApp.ts';

export const ENVS = ['dev', 'staging', 'prod'] as const;

// Each synth stages its assets (the training image's build context among them) in a temp dir;
// without cleanup a full test run leaves gigabytes behind.
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Builds and synthesizes one environment's app into a temp dir, with optional config edits. */
export function synthEnv(
  env: string,
  edit: (config: StockopsConfig) => StockopsConfig = (c) => c,
  options: Parameters<typeof buildStockopsApp>[2] = {},
) {
  const resolved = loadConfig({ env });
  const outdir = mkdtempSync(join(tmpdir(), `stockops-cdk-${env}-`));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...APP_CONTEXT } });
  const stacks: StockopsStacks = buildStockopsApp(
    app,
    { ...resolved, config: edit(resolved.config) },
    options,
  );
  const assembly = app.synth();
  return { app, stacks, assembly, outdir };
}
