import { Inputs } from '../../shared/actionInputs.ts';

export interface SyncDagsInputs {
  readonly env: string;
  readonly bucket: string;
  readonly dagsDir: string;
  /** undefined: sync the files only, touch no MWAA environment. */
  readonly mwaaEnvironment: string | undefined;
  /** undefined: aws.region of the environment's config. */
  readonly region: string | undefined;
  readonly dryRun: boolean;
  readonly configDir: string;
  /** undefined: stockops-dag-sync-plan.json in RUNNER_TEMP. */
  readonly planFile: string | undefined;
}

export function parseInputs(inputs: Inputs = new Inputs()): SyncDagsInputs {
  return {
    env: inputs.string('env'),
    bucket: inputs.string('bucket'),
    dagsDir: inputs.string('dags-dir', 'dags'),
    mwaaEnvironment: inputs.optionalString('mwaa-environment'),
    region: inputs.optionalString('region'),
    dryRun: inputs.boolean('dry-run', false),
    configDir: inputs.string('config-dir', 'config'),
    planFile: inputs.optionalString('plan-file'),
  };
}
