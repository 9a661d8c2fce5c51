import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetEnvironmentCommand,
  MWAAClient,
  ResourceNotFoundException,
  UpdateEnvironmentCommand,
} from '@aws-sdk/client-mwaa';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Inputs } from '../../../actions/shared/actionInputs.ts';
import { RecordingReport } from '../../../actions/shared/actionReport.ts';
import { ConfigurationError } from '../../../actions/shared/actionRuntime.ts';
import { parseInputs, type SyncDagsInputs } from '../../../actions/sync-dags/src/inputs.ts';
import { run, syncDags } from '../../../actions/sync-dags/src/run.ts';
import { isDagSyncPlan } from '../../../core/orchestration/dagSyncPlan.ts';
import { type MotoServer, startMoto } from '../../support/motoServer.ts';
import { useTempDir } from '../../support/tempDir.ts';
import { useRunnerFiles } from '../support/runnerFiles.ts';

// S3 runs on moto server over real HTTP. moto does not implement the MWAA API at all
// (DESIGN §7), so the MWAA client is replaced with aws-sdk-client-mock: GetEnvironment answers
// from `environment` below and UpdateEnvironment records its fields there.
const BUCKET = 'airflow-stockops-dev-123456789012-us-east-1';
const ENV_NAME = 'stockops-dev-airflow';
let moto: MotoServer;
const tempDir = useTempDir('stockops-sync-dags-');
const runnerFiles = useRunnerFiles();
const saved = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  // The action builds its own S3 client: it must find moto through AWS_ENDPOINT_URL alone.
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_PROFILE;
}, 60_000);
afterAll(async () => {
  process.env = saved;
  await moto?.stop();
});

function s3(): S3Client {
  return new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

let environment: Record<string, string>;
let mwaa: MWAAClient;
let mwaaMock: ReturnType<typeof mockClient>;
let dags: string;

beforeEach(async () => {
  await moto.reset();
  await s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3().send(
    new PutBucketVersioningCommand({
      Bucket: BUCKET,
      VersioningConfiguration: { Status: 'Enabled' },
    }),
  );
  environment = {};
  mwaa = new MWAAClient({ region: 'us-east-1' });
  mwaaMock = mockClient(mwaa);
  mwaaMock.on(GetEnvironmentCommand).callsFake(() => ({
    Environment: { Name: ENV_NAME, DagS3Path: 'dags', ...environment },
  }));
  mwaaMock.on(UpdateEnvironmentCommand).callsFake((input: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(input)) if (k !== 'Name') environment[k] = String(v);
    return { Arn: `arn:aws:airflow:us-east-1:123456789012:environment/${ENV_NAME}` };
  });
  dags = join(tempDir(), 'dags');
  write('stockops_dags.py', 'print("dags")\n');
  write('pipelines/daily.yaml', 'dag_id: daily\n');
  write('pipelines/backfill.yaml', 'dag_id: backfill\n');
  write('README.md', '# not for Airflow\n');
  write('tests/test_dags.py', 'def test(): pass\n');
  write('requirements.txt', 'apache-airflow-providers-amazon\n');
});

function write(rel: string, text: string): void {
  const path = join(dags, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function inputs(extra: Partial<SyncDagsInputs> = {}): SyncDagsInputs {
  return {
    env: 'dev',
    bucket: BUCKET,
    dagsDir: dags,
    mwaaEnvironment: ENV_NAME,
    region: undefined,
    dryRun: false,
    configDir: 'config',
    planFile: join(dags, '..', 'plan.json'),
    ...extra,
  };
}

async function keys(prefix = ''): Promise<string[]> {
  const out = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((c) => c.Key ?? '').sort();
}

async function versionCount(): Promise<number> {
  const out = await s3().send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
  return (out.Versions ?? []).length + (out.DeleteMarkers ?? []).length;
}

async function versionOf(key: string): Promise<string> {
  const out = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.VersionId ?? '';
}

describe('sync-dags against moto (S3) and a mocked MWAA', () => {
  it('uploads the DAG files and requirements.txt, then points MWAA at the new version', async () => {
    const report = new RecordingReport();
    await run(inputs(), { report, mwaa });
    expect(await keys()).toEqual([
      'dags/pipelines/backfill.yaml',
      'dags/pipelines/daily.yaml',
      'dags/stockops_dags.py',
      'requirements.txt',
    ]);
    const version = await versionOf('requirements.txt');
    expect(version).not.toBe('');
    const updates = mwaaMock.commandCalls(UpdateEnvironmentCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args[0].input).toEqual({
      Name: ENV_NAME,
      RequirementsS3Path: 'requirements.txt',
      RequirementsS3ObjectVersion: version,
    });
    expect(report.outputs).toMatchObject({
      uploaded: '4',
      deleted: '0',
      unchanged: '0',
      'environment-updated': 'true',
      'requirements-version': version,
      'startup-script-version': '',
    });
  });

  it('a second sync of unchanged files uploads nothing and skips UpdateEnvironment', async () => {
    await run(inputs(), { report: new RecordingReport(), mwaa });
    const versions = await versionCount();
    mwaaMock.resetHistory();
    const report = new RecordingReport();
    const { plan } = await syncDags(inputs(), { report, mwaa });
    expect(await versionCount()).toBe(versions);
    expect(mwaaMock.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
    expect(mwaaMock.commandCalls(GetEnvironmentCommand)).toHaveLength(1);
    expect(plan.dags.uploads).toEqual([]);
    expect(plan.environment).toEqual({ name: ENV_NAME, changes: [], updated: false });
    expect(report.outputs).toMatchObject({
      uploaded: '0',
      deleted: '0',
      unchanged: '4',
      'environment-updated': 'false',
    });
  });

  it('a changed requirements.txt is uploaded and its new version id passed to UpdateEnvironment', async () => {
    await run(inputs(), { report: new RecordingReport(), mwaa });
    const first = await versionOf('requirements.txt');
    write('requirements.txt', 'apache-airflow-providers-amazon==9.9.0\n');
    mwaaMock.resetHistory();
    const report = new RecordingReport();
    await run(inputs(), { report, mwaa });
    const second = await versionOf('requirements.txt');
    expect(second).not.toBe(first);
    const updates = mwaaMock.commandCalls(UpdateEnvironmentCommand);
    expect(updates.map((u) => u.args[0].input)).toEqual([
      { Name: ENV_NAME, RequirementsS3ObjectVersion: second },
    ]);
    expect(report.outputs).toMatchObject({ uploaded: '1', unchanged: '3' });
    expect(report.outputs['requirements-version']).toBe(second);
  });

  it('uploads a changed DAG, deletes a removed one and leaves the rest alone', async () => {
    await run(inputs(), { report: new RecordingReport(), mwaa });
    write('pipelines/daily.yaml', 'dag_id: daily\nschedule: null\n');
    rmSync(join(dags, 'pipelines/backfill.yaml'));
    const { plan } = await syncDags(inputs(), { report: new RecordingReport(), mwaa });
    expect(plan.dags.uploads).toEqual([
      { key: 'dags/pipelines/daily.yaml', size: 29, reason: 'changed' },
    ]);
    expect(plan.dags.deletes).toEqual(['dags/pipelines/backfill.yaml']);
    expect(plan.dags.unchanged).toEqual(['dags/stockops_dags.py']);
    expect(await keys('dags/')).toEqual(['dags/pipelines/daily.yaml', 'dags/stockops_dags.py']);
  });

  it('re-uploads an object another tool wrote without the sha256 metadata', async () => {
    await s3().send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/stockops_dags.py', Body: 'old' }),
    );
    const { plan } = await syncDags(inputs({ mwaaEnvironment: undefined }), {
      report: new RecordingReport(),
    });
    expect(plan.dags.uploads.find((u) => u.key === 'dags/stockops_dags.py')?.reason).toBe(
      'unhashed',
    );
    expect(plan.environment).toBeUndefined();
    expect(mwaaMock.commandCalls(GetEnvironmentCommand)).toHaveLength(0);
  });

  it('finishes an UpdateEnvironment that an earlier run uploaded for but did not call', async () => {
    await run(inputs({ mwaaEnvironment: undefined }), { report: new RecordingReport() });
    const report = new RecordingReport();
    await run(inputs(), { report, mwaa });
    expect(report.outputs.uploaded).toBe('0');
    expect(mwaaMock.commandCalls(UpdateEnvironmentCommand)).toHaveLength(1);
    expect(environment.RequirementsS3ObjectVersion).toBe(await versionOf('requirements.txt'));
  });

  it('dry-run writes nothing and reports the plan', async () => {
    const report = new RecordingReport();
    const planFile = join(dags, '..', 'dry.json');
    await run(inputs({ dryRun: true, planFile }), { report, mwaa });
    expect(await keys()).toEqual([]);
    expect(mwaaMock.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
    expect(report.outputs).toMatchObject({
      uploaded: '4',
      'environment-updated': 'false',
      plan: planFile,
    });
    const plan: unknown = JSON.parse(readFileSync(planFile, 'utf8'));
    expect(isDagSyncPlan(plan)).toBe(true);
    expect(plan).toMatchObject({
      dryRun: true,
      environment: {
        changes: [
          { field: 'RequirementsS3Path', from: null, to: 'requirements.txt' },
          { field: 'RequirementsS3ObjectVersion', from: null, to: null },
        ],
        updated: false,
      },
    });
    expect(report.summaries[0]).toContain('would be updated');
  });

  it('writes its outputs and the plan to the real GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files', async () => {
    const files = runnerFiles(tempDir());
    await run(inputs(), { mwaa });
    const outputs = files.outputs();
    expect(outputs).toMatchObject({
      uploaded: '4',
      deleted: '0',
      unchanged: '0',
      'environment-updated': 'true',
      'requirements-version': await versionOf('requirements.txt'),
    });
    expect(isDagSyncPlan(JSON.parse(readFileSync(outputs.plan ?? '', 'utf8')))).toBe(true);
    const summary = files.summary();
    expect(summary).toContain(`### DAG sync result: dev → s3://${BUCKET}/dags/`);
    expect(summary).toContain('| `dags/pipelines/daily.yaml` | upload (new) | 14 |');
    expect(summary).toContain(`MWAA environment \`${ENV_NAME}\` was updated`);
  });
});

describe('sync-dags errors', () => {
  it('refuses an unversioned bucket when MWAA needs object versions', async () => {
    await moto.reset();
    await s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
    await expect(run(inputs(), { report: new RecordingReport(), mwaa })).rejects.toThrow(
      /gave requirements\.txt no VersionId: .*versioning enabled/,
    );
  });

  it('names the environment MWAA does not know', async () => {
    mwaaMock
      .on(GetEnvironmentCommand)
      .rejects(new ResourceNotFoundException({ message: 'no such env', $metadata: {} }));
    await expect(run(inputs(), { report: new RecordingReport(), mwaa })).rejects.toThrow(
      `MWAA GetEnvironment ${ENV_NAME} failed: ResourceNotFoundException: no such env; no MWAA environment "${ENV_NAME}" in this region`,
    );
  });

  it('names a missing bucket', async () => {
    await expect(
      run(inputs({ bucket: 'airflow-missing-bucket' }), { report: new RecordingReport(), mwaa }),
    ).rejects.toThrow(
      /S3 ListObjectsV2 s3:\/\/airflow-missing-bucket\/dags\/\* failed: NoSuchBucket/,
    );
  });

  it.each([
    [{ bucket: 'Bad_Bucket' }, /input "bucket" must be an S3 bucket name/],
    [{ dagsDir: '/nonexistent/dags' }, /input "dags-dir": no folder \/nonexistent\/dags/],
    [{ env: 'qa' }, /config error.*config\/qa\.yaml:1:1/s],
  ])('%o is a ConfigurationError', async (bad, message) => {
    const report = new RecordingReport();
    const error = await run(inputs(bad), { report, mwaa }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toMatch(message);
  });

  it('annotates an unknown environment at the overlay it would read', async () => {
    const report = new RecordingReport();
    await run(inputs({ env: 'qa' }), { report, mwaa }).catch(() => undefined);
    expect(report.errors[0]?.properties).toMatchObject({
      file: 'config/qa.yaml',
      startLine: 1,
      startColumn: 1,
    });
  });
});

describe('sync-dags inputs', () => {
  const read = (values: Record<string, string>) => new Inputs((n) => values[n] ?? '');

  it('applies the defaults', () => {
    expect(parseInputs(read({ env: 'dev', bucket: BUCKET }))).toEqual({
      env: 'dev',
      bucket: BUCKET,
      dagsDir: 'dags',
      mwaaEnvironment: undefined,
      region: undefined,
      dryRun: false,
      configDir: 'config',
      planFile: undefined,
    });
  });

  it('reads every input', () => {
    expect(
      parseInputs(
        read({
          env: 'prod',
          bucket: BUCKET,
          'dags-dir': 'airflow',
          'mwaa-environment': ENV_NAME,
          region: 'eu-west-1',
          'dry-run': 'true',
          'config-dir': 'cfg',
          'plan-file': 'p.json',
        }),
      ),
    ).toEqual({
      env: 'prod',
      bucket: BUCKET,
      dagsDir: 'airflow',
      mwaaEnvironment: ENV_NAME,
      region: 'eu-west-1',
      dryRun: true,
      configDir: 'cfg',
      planFile: 'p.json',
    });
  });

  it.each([
    [{ bucket: BUCKET }, 'input "env" is required'],
    [{ env: 'dev' }, 'input "bucket" is required'],
    [{ env: 'dev', bucket: BUCKET, 'dry-run': 'yes' }, 'input "dry-run" must be true or false'],
  ])('%o fails: %s', (values, message) => {
    expect(() => parseInputs(read(values))).toThrow(message);
  });
});
