import { Inputs } from '../../shared/actionInputs.ts';

export interface ValidateDagsInputs {
  readonly path: string;
  readonly configDir: string;
  readonly env: string;
}

export function parseInputs(inputs: Inputs = new Inputs()): ValidateDagsInputs {
  return {
    path: inputs.string('path', 'dags/pipelines'),
    configDir: inputs.string('config-dir', 'config'),
    env: inputs.string('env', 'dev'),
  };
}
