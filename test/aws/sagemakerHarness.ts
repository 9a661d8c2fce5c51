import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { parse as parseYaml } from 'yaml';
import type { ActionReport } from '../../actions/shared/sagemakerActions.ts';
import type { AwsClients } from '../../adapters/aws/awsClients.ts';
import type { WaitClock } from '../../adapters/aws/sagemakerTraining.ts';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/stockops-dev-ml-ExecutionRole`;
export const IMAGE_URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/stockops-training:latest`;
export const BUCKET = 'stockops-dev-models';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** SDK clients on moto: path-style S3, one attempt (moto answers an unknown call with 500). */
export function motoClients(endpoint: string): AwsClients {
  const common = { endpoint, region: REGION, credentials, maxAttempts: 1 };
  return {
    sagemaker: new SageMakerClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(common),
  };
}

export async function createBucket(clients: AwsClients, bucket = BUCKET): Promise<void> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putObject(clients: AwsClients, uri: string, body: Uint8Array): Promise<void> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not an s3 URI: ${uri}`);
  await clients.s3.send(new PutObjectCommand({ Bucket: m[1], Key: m[2], Body: body }));
}

/** A clock whose sleeps advance it at once, recording each sleep. */
export function fakeClock(start = 0): WaitClock & { readonly sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** An ActionReport that records everything. */
export function recordingReport(): ActionReport & {
  readonly lines: string[];
  readonly warnings: string[];
  readonly outputs: Record<string, string>;
  readonly summaries: string[];
} {
  const lines: string[] = [];
  const warnings: string[] = [];
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  return {
    lines,
    warnings,
    outputs,
    summaries,
    info: (line) => lines.push(line),
    warning: (line) => warnings.push(line),
    output: (name, value) => {
      outputs[name] = value;
    },
    group: async (name, fn) => {
      lines.push(`::group::${name}`);
      return fn();
    },
    summary: async (markdown) => {
      summaries.push(markdown);
    },
  };
}

/**
 * The runner's files and variables for one action run: INPUT_* from `inputs`, GITHUB_OUTPUT
 * and GITHUB_STEP_SUMMARY as temp files, and the AWS variables that point the SDK at moto.
 * `restore()` puts the environment back.
 */
export function runnerEnvironment(
  inputs: Record<string, string>,
  motoEndpoint: string,
): {
  readonly outputs: () => Record<string, string>;
  readonly summary: () => string;
  readonly restore: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'stockops-runner-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const vars: Record<string, string> = {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    AWS_ENDPOINT_URL: motoEndpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: REGION,
    AWS_MAX_ATTEMPTS: '1',
  };
  for (const [name, value] of Object.entries(inputs)) {
    vars[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return {
    outputs: () => parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: () => readFileSync(summaryFile, 'utf8'),
    restore: () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** GITHUB_OUTPUT's `name<<DELIMITER\nvalue\nDELIMITER` records; the last value of a name wins. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const [, name, delimiter] = m as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    out[name] = value.join('\n');
  }
  return out;
}

/** An action's action.yml: runtime, and each input's default and each output, by name. */
export function actionManifest(name: string): {
  readonly using: string;
  readonly main: string;
  readonly inputs: Record<string, { required: boolean; default?: string }>;
  readonly outputs: string[];
} {
  const doc = parseYaml(readFileSync(join('actions', name, 'action.yml'), 'utf8')) as {
    runs: { using: string; main: string };
    inputs: Record<string, { required: boolean; default?: string }>;
    outputs: Record<string, unknown>;
  };
  return {
    using: doc.runs.using,
    main: doc.runs.main,
    inputs: Object.fromEntries(
      Object.entries(doc.inputs).map(([k, v]) => [
        k,
        { required: v.required, ...(v.default === undefined ? {} : { default: v.default }) },
      ]),
    ),
    outputs: Object.keys(doc.outputs),
  };
}
