#!/usr/bin/env node
// Bundles the ingest Lambda with esbuild, as the CDK stack does at synth:
//   node scripts/bundleLambda.ts [--out DIR]
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

export const INGEST_HANDLER_ENTRY = fileURLToPath(
  new URL('../lambdas/ingest/handler.ts', import.meta.url),
);

/** ESM bundles inline CommonJS dependencies (the AWS SDK, aws-embedded-metrics) that call require. */
export const REQUIRE_SHIM =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface BundleResult {
  /** The bundle, `index.mjs`, ready to zip as the Lambda's code. */
  readonly file: string;
  readonly bytes: number;
  readonly ms: number;
}

/**
 * One minified ESM file for Node 24 holding the handler and every dependency (the AWS SDK
 * included, so the code does not depend on the SDK version of the Lambda runtime).
 */
export async function bundleIngestLambda(
  outDir: string = mkdtempSync(join(tmpdir(), 'stockops-lambda-')),
): Promise<BundleResult> {
  const file = join(resolve(outDir), 'index.mjs');
  const t0 = performance.now();
  await build({
    entryPoints: [INGEST_HANDLER_ENTRY],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    // class names stay: resilience messages name the AWS command (`s3 PutObject`)
    keepNames: true,
    legalComments: 'none',
    banner: { js: REQUIRE_SHIM },
    logLevel: 'warning',
  });
  return { file, bytes: statSync(file).size, ms: performance.now() - t0 };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const result = await bundleIngestLambda(values.out);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
