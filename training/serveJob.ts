import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sha256Hex } from '../adapters/local/sha256.ts';
import type { ServedVariant } from '../core/serving/invocation.ts';
import { selectModel } from '../core/serving/modelDirectory.ts';
import { servingModelFromFiles } from '../core/serving/servingModel.ts';

/** SageMaker's name for the one variant of an endpoint created without naming one. */
export const DEFAULT_VARIANT_NAME = 'AllTraffic';

export interface ContainerModelOptions {
  /** STOCKOPS_SERVE_MODEL: which model of the directory to serve; default its manifest's. */
  readonly model?: string | undefined;
  /** STOCKOPS_MODEL_VERSION: the registry version the deploy step serves, for responses. */
  readonly version?: string | undefined;
  /** STOCKOPS_VARIANT_NAME: the production variant this container backs. */
  readonly variant?: string | undefined;
}

/**
 * `serve`'s loader: reads every file of the model directory, verifies each against the
 * manifest (TamperedArtifactError otherwise, and /ping stays 503), and builds the one variant
 * this container serves. SageMaker runs one container per production variant and routes
 * between them itself.
 */
export async function loadContainerModel(
  modelDir: string,
  options: ContainerModelOptions,
): Promise<ServedVariant[]> {
  const files: Record<string, Uint8Array> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[relative(modelDir, full).split(sep).join('/')] = readFileSync(full);
    }
  };
  walk(modelDir);
  const selected = selectModel(files, sha256Hex, options.model || undefined);
  let version: number | null = null;
  if (options.version) {
    version = Number(options.version);
    if (!Number.isInteger(version) || version < 1) {
      throw new Error(
        `STOCKOPS_MODEL_VERSION must be a positive integer (got "${options.version}")`,
      );
    }
  }
  const model = await servingModelFromFiles(selected.files, {
    version,
    features: selected.features,
  });
  return [{ name: options.variant || DEFAULT_VARIANT_NAME, weight: 1, model }];
}
