import { join } from 'node:path';

/**
 * The SageMaker container layout under one root: `/opt/ml` in SageMaker, a temp dir in tests.
 * The root comes from SM_OPT_ML so the whole contract runs without Docker.
 */
export interface OptMl {
  readonly root: string;
  readonly hyperparameters: string;
  readonly inputDataConfig: string;
  /** `input/data/<channel>`. */
  channel(name: string): string;
  readonly model: string;
  readonly output: string;
  /** Written on error: SageMaker shows its text as the job's FailureReason. */
  readonly failure: string;
  /** Synced with S3 by SageMaker (managed spot): survives an interruption. */
  readonly checkpoints: string;
}

export const DEFAULT_OPT_ML = '/opt/ml';

export function optMl(root: string = process.env.SM_OPT_ML || DEFAULT_OPT_ML): OptMl {
  return {
    root,
    hyperparameters: join(root, 'input', 'config', 'hyperparameters.json'),
    inputDataConfig: join(root, 'input', 'config', 'inputdataconfig.json'),
    channel: (name) => join(root, 'input', 'data', name),
    model: join(root, 'model'),
    output: join(root, 'output'),
    failure: join(root, 'output', 'failure'),
    checkpoints: join(root, 'checkpoints'),
  };
}
