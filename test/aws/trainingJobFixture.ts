import { CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import type { AwsClients } from '../../adapters/aws/awsClients.ts';
import type { Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import { modelArchive } from './modelArchiveFixture.ts';
import { BUCKET, IMAGE_URI, putObject, ROLE_ARN } from './sagemakerHarness.ts';

/**
 * A completed training job on moto (moto completes every job at once) whose model.tar.gz holds
 * `evaluation`, uploaded where SageMaker would have put it. Returns the artifact's URI.
 */
export async function completedTrainingJob(
  clients: AwsClients,
  name: string,
  evaluation: Evaluation,
  edit?: (files: Record<string, Uint8Array>) => void,
): Promise<string> {
  await clients.sagemaker.send(
    new CreateTrainingJobCommand({
      TrainingJobName: name,
      AlgorithmSpecification: { TrainingImage: IMAGE_URI, TrainingInputMode: 'File' },
      RoleArn: ROLE_ARN,
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/training/output` },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    }),
  );
  const uri = `s3://${BUCKET}/training/output/${name}/output/model.tar.gz`;
  await putObject(clients, uri, await modelArchive(evaluation, edit));
  return uri;
}
