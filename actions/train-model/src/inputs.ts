import { actionInput, type InputReader, Inputs } from '../../shared/actionInputs.ts';
import { AWS_ENVIRONMENTS, type AwsEnvironment } from '../../shared/sagemakerActions.ts';

export interface TrainModelInputs {
  readonly env: AwsEnvironment;
  /** undefined: the config's first symbol. */
  readonly symbol: string | undefined;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly roleArn: string;
  readonly imageUri: string;
  readonly bucket: string;
  readonly wait: boolean;
  /** undefined: aws.region from the config. */
  readonly region: string | undefined;
  readonly reason: string;
  readonly configDir: string;
  readonly pollSeconds: number;
}

export function parseInputs(read: InputReader = actionInput): TrainModelInputs {
  const inputs = new Inputs(read);
  return {
    env: inputs.oneOf('env', AWS_ENVIRONMENTS),
    symbol: inputs.optionalString('symbol'),
    hyperparameters: inputs.jsonObject('hyperparameters'),
    roleArn: inputs.string('role-arn'),
    imageUri: inputs.string('image-uri'),
    bucket: inputs.string('bucket'),
    wait: inputs.boolean('wait', true),
    region: inputs.optionalString('region'),
    reason: inputs.optionalString('reason') ?? '',
    configDir: inputs.string('config-dir', 'config'),
    pollSeconds: inputs.integer('poll-seconds', 30, 1),
  };
}
