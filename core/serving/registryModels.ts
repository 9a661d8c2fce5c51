import type { FeatureOptions } from '../features/featureTable.ts';
import type { ModelPackage, ModelRegistry } from '../ports/modelRegistry.ts';
import { type ServingModel, servingModelFromFiles } from './servingModel.ts';

/** Which version of a group to serve: its champion, or a version by number. */
export type ModelChoice = 'champion' | number;

/**
 * Loads a registered model for serving. Its artifacts are verified against the sha256 the
 * registry recorded (TamperedArtifactError otherwise: the model must not be served).
 * `features` are the rolling-window settings of the config the model was trained under.
 */
export async function servingModelFromRegistry(
  registry: ModelRegistry,
  group: string,
  choice: ModelChoice,
  features: FeatureOptions,
): Promise<{ readonly model: ServingModel; readonly pkg: ModelPackage }> {
  const pkg =
    choice === 'champion' ? await registry.champion(group) : await registry.get(group, choice);
  if (pkg === undefined) {
    const known = (await registry.list(group)).map(
      (p) => `${p.version} (${p.model_name}, ${p.status})`,
    );
    throw new Error(
      choice === 'champion'
        ? `${group} has no champion to serve: run \`stockops run\` first, which registers the baselines and makes the best one champion`
        : `${group} has no version ${choice}: ${known.length > 0 ? `versions are ${known.join(', ')}` : 'nothing is registered yet'}`,
    );
  }
  const files = await registry.loadArtifacts(group, pkg.version);
  const model = await servingModelFromFiles(files, { version: pkg.version, features });
  if (model.name !== pkg.model_name) {
    throw new Error(
      `${pkg.id} is registered as ${pkg.model_name} but its artifact holds ${model.name}: register the model again`,
    );
  }
  return { model, pkg };
}
