import { Inputs } from '../../shared/actionInputs.ts';

export const MODES = ['deploy', 'diff'] as const;
export type DeployMode = (typeof MODES)[number];

export interface DeployCdkInputs {
  readonly env: string;
  readonly mode: DeployMode;
  /** Empty: every stack of the environment. */
  readonly stacks: readonly string[];
  readonly configDir: string;
  readonly requirementsVersion: string | undefined;
  readonly startupScriptVersion: string | undefined;
  /** GITHUB_EVENT_NAME: a pull request never deploys. */
  readonly eventName: string | undefined;
}

export function parseInputs(
  inputs: Inputs = new Inputs(),
  env: NodeJS.ProcessEnv = process.env,
): DeployCdkInputs {
  return {
    env: inputs.string('env'),
    mode: inputs.oneOf('mode', MODES, 'deploy'),
    stacks: inputs.list('stacks'),
    configDir: inputs.string('config-dir', 'config'),
    requirementsVersion: inputs.optionalString('requirements-version'),
    startupScriptVersion: inputs.optionalString('startup-script-version'),
    eventName: env.GITHUB_EVENT_NAME || undefined,
  };
}
