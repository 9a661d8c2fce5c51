import { actionInput, type InputReader, Inputs } from '../../shared/actionInputs.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import { AWS_ENVIRONMENTS, type AwsEnvironment } from '../../shared/sagemakerActions.ts';

export interface GatePromotionInputs {
  readonly env: AwsEnvironment;
  readonly symbol: string | undefined;
  readonly jobName: string;
  readonly modelArtifact: string;
  readonly imageUri: string;
  readonly failOnReject: boolean;
  readonly region: string | undefined;
  readonly configDir: string;
}

export function parseInputs(read: InputReader = actionInput): GatePromotionInputs {
  const inputs = new Inputs(read);
  const modelArtifact = inputs.string('model-artifact');
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.tar\.gz$/.test(modelArtifact)) {
    throw new ConfigurationError(
      `input "model-artifact" must be the s3://bucket/…/model.tar.gz of a training job (got "${modelArtifact}")`,
    );
  }
  return {
    env: inputs.oneOf('env', AWS_ENVIRONMENTS),
    symbol: inputs.optionalString('symbol'),
    jobName: inputs.string('job-name'),
    modelArtifact,
    imageUri: inputs.string('image-uri'),
    failOnReject: inputs.boolean('fail-on-reject', true),
    region: inputs.optionalString('region'),
    configDir: inputs.string('config-dir', 'config'),
  };
}
