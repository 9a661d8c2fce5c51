import { existsSync } from 'node:fs';
import { MWAAClient } from '@aws-sdk/client-mwaa';
import { S3Client } from '@aws-sdk/client-s3';
import { getMwaaSources, updateMwaaSources } from '../../../adapters/aws/mwaaEnvironment.ts';
import { createAwsClient, withResilienceConfig } from '../../../adapters/aws/resilientClient.ts';
import { mapLimited, S3DagBucket } from '../../../adapters/aws/s3DagBucket.ts';
import { readDagSources, type SourceFile } from '../../../adapters/local/dagSourceFiles.ts';
import {
  DAG_PREFIX,
  DAG_SYNC_PLAN_SCHEMA,
  type DagSyncPlan,
  type MwaaFieldChange,
  mwaaSourceChanges,
  mwaaUpdateFields,
  planObjectSync,
  planSidecar,
  renderDagSyncPlan,
  SIDECARS,
  type SidecarPlan,
} from '../../../core/orchestration/dagSyncPlan.ts';
import { loadActionConfig } from '../../shared/actionConfig.ts';
import { runnerTempFile, writeFileAtomic } from '../../shared/actionFiles.ts';
import { type ActionReport, githubReport } from '../../shared/actionReport.ts';
import { ConfigurationError } from '../../shared/actionRuntime.ts';
import { awsClientSettings } from '../../shared/awsClients.ts';
import type { SyncDagsInputs } from './inputs.ts';

const UPLOAD_CONCURRENCY = 4;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface SyncDagsDeps {
  readonly report?: ActionReport;
  /** Built from the region (and AWS_ENDPOINT_URL) when not given. */
  readonly s3?: S3Client;
  readonly mwaa?: MWAAClient;
}

export interface SyncDagsResult {
  readonly plan: DagSyncPlan;
  readonly planFile: string;
}

export async function run(inputs: SyncDagsInputs, deps: SyncDagsDeps = {}): Promise<void> {
  await syncDags(inputs, deps);
}

/** Plans the sync, carries it out unless dry-run, and reports outputs and the summary. */
export async function syncDags(
  inputs: SyncDagsInputs,
  deps: SyncDagsDeps = {},
): Promise<SyncDagsResult> {
  const report = deps.report ?? githubReport;
  if (!BUCKET_NAME.test(inputs.bucket)) {
    throw new ConfigurationError(
      `input "bucket" must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens; got "${inputs.bucket}")`,
    );
  }
  if (!existsSync(inputs.dagsDir)) {
    throw new ConfigurationError(`input "dags-dir": no folder ${inputs.dagsDir}`);
  }
  const { config } = loadActionConfig(inputs.configDir, inputs.env, report);
  const region = inputs.region ?? config.aws?.region;
  if (region === undefined) {
    throw new ConfigurationError(
      `no region: set the "region" input or aws.region in ${inputs.configDir}/${inputs.env}.yaml`,
    );
  }
  const resilience = withResilienceConfig(config.resilience);
  const s3 =
    deps.s3 ?? createAwsClient(S3Client, awsClientSettings('s3', region), 's3', resilience);
  const bucket = new S3DagBucket({ bucket: inputs.bucket, client: s3 });

  const local = readDagSources(inputs.dagsDir);
  const planned = await report.group(
    `plan: ${inputs.dagsDir} → s3://${inputs.bucket}`,
    async () => {
      const remoteDags = await bucket.list(DAG_PREFIX);
      const dags = planObjectSync(local.dags, remoteDags);
      const sidecars: SidecarPlan[] = [];
      for (const s of SIDECARS) {
        const file = local.sidecars.find((f) => f.key === s.file);
        sidecars.push(planSidecar(s, file, await bucket.head(s.file)));
      }
      return { dags, sidecars };
    },
  );

  const mwaa = inputs.mwaaEnvironment
    ? (deps.mwaa ??
      createAwsClient(MWAAClient, awsClientSettings('mwaa', region), 'mwaa', resilience))
    : undefined;
  let sidecars = planned.sidecars;
  let changes: MwaaFieldChange[] = [];
  let updated = false;
  if (inputs.dryRun) {
    if (mwaa && inputs.mwaaEnvironment) {
      changes = mwaaSourceChanges(await getMwaaSources(mwaa, inputs.mwaaEnvironment), sidecars);
    }
  } else {
    sidecars = await report.group('sync', async () => {
      const byKey = new Map(local.dags.map((f) => [f.key, f]));
      await mapLimited(planned.dags.uploads, UPLOAD_CONCURRENCY, async (u) => {
        const file = byKey.get(u.key) as SourceFile;
        await bucket.put(file.key, file.bytes, file.sha256);
        report.info(`uploaded ${u.key} (${u.reason})`);
      });
      await bucket.delete(planned.dags.deletes);
      for (const k of planned.dags.deletes) report.info(`deleted ${k}`);
      return uploadSidecars(bucket, local.sidecars, planned.sidecars, report, mwaa !== undefined);
    });
    if (mwaa && inputs.mwaaEnvironment) {
      const name = inputs.mwaaEnvironment;
      const unversioned = sidecars.find((p) => p.action !== 'absent' && p.versionId === null);
      if (unversioned) {
        throw new ConfigurationError(
          `s3://${inputs.bucket}/${unversioned.file} has no VersionId: MWAA references it by object version, so the bucket needs versioning enabled`,
        );
      }
      changes = mwaaSourceChanges(await getMwaaSources(mwaa, name), sidecars);
      if (changes.length > 0) {
        await updateMwaaSources(mwaa, name, mwaaUpdateFields(changes));
        updated = true;
        report.info(`UpdateEnvironment ${name}: ${changes.map((c) => c.field).join(', ')}`);
      } else {
        report.info(`MWAA environment ${name} already references these versions`);
      }
    }
  }

  const plan: DagSyncPlan = {
    schema: DAG_SYNC_PLAN_SCHEMA,
    env: inputs.env,
    bucket: inputs.bucket,
    dryRun: inputs.dryRun,
    dags: planned.dags,
    sidecars,
    ...(inputs.mwaaEnvironment
      ? { environment: { name: inputs.mwaaEnvironment, changes, updated } }
      : {}),
  };
  const planFile = inputs.planFile ?? runnerTempFile('stockops-dag-sync-plan.json');
  writeFileAtomic(planFile, `${JSON.stringify(plan, null, 2)}\n`);

  const sidecarUploads = planned.sidecars.filter((s) => s.action === 'upload').length;
  report.setOutput('uploaded', planned.dags.uploads.length + sidecarUploads);
  report.setOutput('deleted', planned.dags.deletes.length);
  report.setOutput(
    'unchanged',
    planned.dags.unchanged.length + planned.sidecars.filter((s) => s.action === 'unchanged').length,
  );
  report.setOutput('environment-updated', updated);
  report.setOutput('plan', planFile);
  for (const s of SIDECARS) {
    report.setOutput(s.output, sidecars.find((p) => p.file === s.file)?.versionId ?? '');
  }
  const markdown = renderDagSyncPlan(plan);
  report.info(markdown);
  await report.summary(markdown);
  return { plan, planFile };
}

/** Uploads the changed MWAA files and returns their plans with the versions S3 assigned. */
async function uploadSidecars(
  bucket: S3DagBucket,
  files: readonly SourceFile[],
  plans: readonly SidecarPlan[],
  report: ActionReport,
  needVersions: boolean,
): Promise<SidecarPlan[]> {
  const done: SidecarPlan[] = [];
  for (const plan of plans) {
    const file = files.find((f) => f.key === plan.file);
    if (plan.action !== 'upload' || file === undefined) {
      done.push(plan);
      continue;
    }
    const { versionId } = await bucket.put(file.key, file.bytes, file.sha256);
    if (versionId === undefined && needVersions) {
      throw new ConfigurationError(
        `s3://${bucket.bucket} gave ${file.key} no VersionId: MWAA references it by object version, so the bucket needs versioning enabled`,
      );
    }
    report.info(`uploaded ${file.key} (version ${versionId ?? 'none'})`);
    done.push({ ...plan, versionId: versionId ?? null });
  }
  return done;
}
