import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultAwsClients, isNotFound } from '../../adapters/aws/awsClients.ts';
import {
  downloadModelArchive,
  evaluationFromArtifact,
  evaluationFromModelFiles,
  unpackModelArchive,
} from '../../adapters/aws/modelArtifact.ts';
import { SageMakerModelPackages } from '../../adapters/aws/sagemakerRegistry.ts';
import { TrainingLogTail } from '../../adapters/aws/trainingLogs.ts';
import { buildEvaluation } from '../gate/evaluationBuilder.ts';
import { type MotoServer, startMoto } from '../support/motoServer.ts';
import { modelDirectoryFiles } from './modelArchiveFixture.ts';
import { BUCKET, createBucket, IMAGE_URI, motoClients, putObject } from './sagemakerHarness.ts';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(async () => moto?.stop());
beforeEach(async () => moto.reset());
const clients = () => motoClients(moto.endpoint);

describe('SageMakerModelPackages on moto', () => {
  const pkg = (status: 'Approved' | 'Rejected', job: string) => ({
    group: 'stockops-dev-amzn',
    description: 'lstm',
    image: IMAGE_URI,
    modelDataUrl: `s3://${BUCKET}/${job}/model.tar.gz`,
    environment: { STOCKOPS_SERVE_MODEL: 'lstm' },
    status,
    approvalDescription: `gate said ${status}`,
    metadata: { 'stockops:training-job': job, 'aggregate.rmse_return': '0.018' },
  });

  it('creates the group once, registers versions, finds the latest Approved and by metadata', async () => {
    const packages = new SageMakerModelPackages(clients().sagemaker);
    expect(await packages.list('stockops-dev-amzn')).toEqual([]);
    expect(await packages.latestApproved('stockops-dev-amzn')).toBeUndefined();
    expect(await packages.ensureGroup('stockops-dev-amzn', 'AMZN')).toBe('created');
    expect(await packages.ensureGroup('stockops-dev-amzn', 'AMZN')).toBe('exists');
    const v1 = await packages.register(pkg('Approved', 'job-1'));
    await packages.register(pkg('Rejected', 'job-2'));
    expect(v1).toMatchObject({
      group: 'stockops-dev-amzn',
      version: 1,
      status: 'Approved',
      // CreateModelPackage takes no ApprovalDescription: the reason is in the description
      approvalDescription: '',
      description: 'lstm: gate said Approved',
      image: IMAGE_URI,
      modelDataUrl: `s3://${BUCKET}/job-1/model.tar.gz`,
      environment: { STOCKOPS_SERVE_MODEL: 'lstm' },
      metadata: { 'stockops:training-job': 'job-1', 'aggregate.rmse_return': '0.018' },
    });
    expect((await packages.list('stockops-dev-amzn')).map((p) => [p.version, p.status])).toEqual([
      [1, 'Approved'],
      [2, 'Rejected'],
    ]);
    expect((await packages.latestApproved('stockops-dev-amzn'))?.version).toBe(1);
    expect(
      (await packages.find('stockops-dev-amzn', { 'stockops:training-job': 'job-2' })).map(
        (p) => p.version,
      ),
    ).toEqual([2]);
  });

  it('updates the approval status (moto then drops the metadata: its UpdateModelPackage replaces)', async () => {
    const packages = new SageMakerModelPackages(clients().sagemaker);
    await packages.ensureGroup('stockops-dev-amzn', 'AMZN');
    const v1 = await packages.register(pkg('Rejected', 'job-1'));
    await packages.updateApproval(v1.arn, 'Approved', 'manual override: reviewed by ops');
    const after = await packages.describe(v1.arn);
    expect(after.status).toBe('Approved');
    expect(after.approvalDescription).toBe('manual override: reviewed by ops');
    // SageMaker keeps CustomerMetadataProperties on an update that does not name them; moto
    // clears them. What the adapter sends is asserted below with a mock.
    expect(after.metadata).toEqual({});
  });

  it('sends only the approval fields, so SageMaker keeps the rest (aws-sdk-client-mock: moto replaces)', async () => {
    const sm = mockClient(SageMakerClient);
    try {
      sm.on(UpdateModelPackageCommand).resolves({ ModelPackageArn: 'arn' });
      await new SageMakerModelPackages(new SageMakerClient({ region: 'us-east-1' })).updateApproval(
        'arn',
        'Rejected',
        'why',
      );
      expect(sm.commandCalls(UpdateModelPackageCommand).map((c) => c.args[0].input)).toEqual([
        { ModelPackageArn: 'arn', ModelApprovalStatus: 'Rejected', ApprovalDescription: 'why' },
      ]);
    } finally {
      sm.restore();
    }
  });
});

describe('model.tar.gz', () => {
  it('reads an archive made by GNU tar, as SageMaker makes it, from S3 on moto', async () => {
    const c = clients();
    await createBucket(c);
    const dir = mkdtempSync(join(tmpdir(), 'stockops-model-'));
    try {
      const evaluation = buildEvaluation();
      for (const [path, bytes] of Object.entries(modelDirectoryFiles(evaluation))) {
        mkdirSync(dirname(join(dir, 'model', path)), { recursive: true });
        writeFileSync(join(dir, 'model', path), bytes);
      }
      execFileSync('tar', ['-czf', join(dir, 'model.tar.gz'), '-C', join(dir, 'model'), '.']);
      const uri = `s3://${BUCKET}/training/output/job-1/output/model.tar.gz`;
      await putObject(c, uri, readFileSync(join(dir, 'model.tar.gz')));
      const files = await downloadModelArchive(c.s3, uri);
      expect(Object.keys(files).sort()).toContain('baselines/last_close/model.json');
      expect(await evaluationFromArtifact(c.s3, uri)).toEqual(evaluation);
      await expect(evaluationFromArtifact(c.s3, `s3://${BUCKET}/missing.tar.gz`)).rejects.toThrow(
        `model artifact s3://${BUCKET}/missing.tar.gz: cannot be read (NoSuchKey`,
      );
      await expect(downloadModelArchive(c.s3, `s3://${BUCKET}`)).rejects.toThrow(
        'not an s3://bucket/key URI',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what the training container did not write', () => {
    expect(() => unpackModelArchive(new Uint8Array([1, 2, 3]), 'u')).toThrow(
      'model artifact u: not gzip',
    );
    expect(() => unpackModelArchive(gzipSync(new Uint8Array(1024)), 'u')).toThrow(
      'model artifact u: holds no files',
    );
    const files = modelDirectoryFiles(buildEvaluation());
    const { 'manifest.json': _, ...noManifest } = files;
    expect(() => evaluationFromModelFiles(noManifest, 'u')).toThrow(
      'has no manifest.json: it was not written by the stockops training container',
    );
    const { 'evaluation.json': __, ...noEvaluation } = files;
    expect(() => evaluationFromModelFiles(noEvaluation, 'u')).toThrow(
      'artifact evaluation.json is missing',
    );
  });
});

describe('TrainingLogTail on moto', () => {
  it("returns each stream's new lines once, and nothing before the log group exists", async () => {
    const logs = clients().logs;
    const tail = new TrainingLogTail(logs, 'job-1');
    expect(await tail.poll()).toEqual([]);
    const group = '/aws/sagemaker/TrainingJobs';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    for (const stream of ['job-1/algo-1-1', 'job-1/algo-2-1', 'job-10/algo-1-1']) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          logEvents: [{ timestamp: Date.now(), message: `${stream} a\n` }],
        }),
      );
    }
    expect(await tail.poll()).toEqual(['job-1/algo-1-1 a', 'job-1/algo-2-1 a']);
    expect(await tail.poll()).toEqual([]);
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 'job-1/algo-1-1',
        logEvents: [{ timestamp: Date.now(), message: 'b' }],
      }),
    );
    expect(await tail.poll()).toEqual(['b']);
  });
});

describe('AWS clients', () => {
  it('switch S3 to path-style URLs under a custom endpoint, and recognise "not found"', async () => {
    expect(
      await defaultAwsClients('us-east-1', { env: { AWS_ENDPOINT_URL: 'http://localhost:1' } }).s3
        .config.forcePathStyle,
    ).toBe(true);
    expect(defaultAwsClients('us-east-1', { env: {} }).s3.config.forcePathStyle).toBe(false);
    const e = Object.assign(new Error("Could not find endpoint 'x'."), {
      name: 'ValidationException',
    });
    expect(isNotFound(e)).toBe(true);
    expect(isNotFound(Object.assign(new Error('bad input'), { name: 'ValidationException' }))).toBe(
      false,
    );
  });
});
