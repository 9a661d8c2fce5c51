import { actionInput, type InputReader, Inputs } from '../../shared/actionInputs.ts';
import { AWS_ENVIRONMENTS, type AwsEnvironment } from '../../shared/sagemakerActions.ts';

export interface PromoteModelInputs {
  readonly env: AwsEnvironment;
  readonly symbol: string | undefined;
  /** undefined: the latest Approved version of the source group. */
  readonly modelPackageArn: string | undefined;
  /** undefined: PROMOTION_SOURCE of env. */
  readonly sourceEnv: AwsEnvironment | undefined;
  readonly roleArn: string;
  readonly region: string | undefined;
  readonly waitMinutes: number;
  readonly pollSeconds: number;
  readonly configDir: string;
}

export function parseInputs(read: InputReader = actionInput): PromoteModelInputs {
  const inputs = new Inputs(read);
  const source = inputs.optionalString('source-env');
  return {
    env: inputs.oneOf('env', AWS_ENVIRONMENTS),
    symbol: inputs.optionalString('symbol'),
    modelPackageArn: inputs.optionalString('model-package-arn'),
    sourceEnv: source === undefined ? undefined : inputs.oneOf('source-env', AWS_ENVIRONMENTS),
    roleArn: inputs.string('role-arn'),
    region: inputs.optionalString('region'),
    waitMinutes: inputs.integer('wait-minutes', 30, 1),
    pollSeconds: inputs.integer('poll-seconds', 30, 1),
    configDir: inputs.string('config-dir', 'config'),
  };
}
