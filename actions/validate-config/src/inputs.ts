import { Inputs } from '../../shared/actionInputs.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';

export interface ValidateConfigInputs {
  readonly configDir: string;
  readonly envs: readonly string[];
}

export const DEFAULT_ENVS = ['local', 'dev', 'staging', 'prod'] as const;

export function parseInputs(inputs: Inputs = new Inputs()): ValidateConfigInputs {
  const envs = inputs.list('envs', DEFAULT_ENVS);
  if (envs.length === 0) throw new ConfigurationError('input "envs" names no environment');
  return { configDir: inputs.string('config-dir', 'config'), envs };
}
