/**
 * What `sync-dags` does to the MWAA source bucket, decided from content hashes alone: the
 * local files' sha256 against the sha256 each object carries in its metadata (ETags cannot be
 * compared: multipart and SSE-KMS ETags are not the MD5 of the bytes). Pure, so the plan a
 * pull request shows is the one a merge carries out.
 */

export const DAG_SYNC_PLAN_SCHEMA = 'stockops.dag-sync-plan/v1';

/** DAG files live under this prefix of the bucket (the environment's `DagS3Path`). */
export const DAG_PREFIX = 'dags/';

/** A file to sync: its bucket key and the sha256 of its bytes. */
export interface LocalObject {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

/** An object in the bucket; `sha256` is absent when another tool wrote it without our metadata. */
export interface RemoteObject {
  readonly key: string;
  readonly size: number;
  readonly sha256?: string;
  readonly versionId?: string;
}

export type UploadReason = 'new' | 'changed' | 'unhashed';

export interface PlannedUpload {
  readonly key: string;
  readonly size: number;
  readonly reason: UploadReason;
}

export interface ObjectSyncPlan {
  readonly uploads: readonly PlannedUpload[];
  readonly deletes: readonly string[];
  readonly unchanged: readonly string[];
}

/**
 * Uploads what is new or differs, deletes what is only in the bucket, leaves the rest alone.
 * An object without a stored sha256 is uploaded again (once; afterwards it carries one).
 */
export function planObjectSync(
  local: readonly LocalObject[],
  remote: readonly RemoteObject[],
): ObjectSyncPlan {
  const byKey = new Map(remote.map((r) => [r.key, r]));
  const localKeys = new Set<string>();
  const uploads: PlannedUpload[] = [];
  const unchanged: string[] = [];
  for (const file of [...local].sort((a, b) => compare(a.key, b.key))) {
    if (localKeys.has(file.key)) throw new Error(`two local files map to the key ${file.key}`);
    localKeys.add(file.key);
    const there = byKey.get(file.key);
    const reason: UploadReason | undefined =
      there === undefined
        ? 'new'
        : there.sha256 === undefined
          ? 'unhashed'
          : there.sha256 !== file.sha256 || there.size !== file.size
            ? 'changed'
            : undefined;
    if (reason === undefined) unchanged.push(file.key);
    else uploads.push({ key: file.key, size: file.size, reason });
  }
  const deletes = remote
    .map((r) => r.key)
    .filter((k) => !localKeys.has(k))
    .sort(compare);
  return { uploads, deletes, unchanged };
}

/**
 * Files under the DAGs folder that Airflow must not see: tests, caches, docs and the files that
 * MWAA takes from the bucket root instead (requirements, plugins, startup script).
 */
export function isDagSource(relativePath: string): boolean {
  const parts = relativePath.split('/');
  const name = parts[parts.length - 1] ?? '';
  if (parts.some((p) => p === 'tests' || p === '__pycache__' || p.startsWith('.'))) return false;
  if (name.endsWith('.pyc') || name.endsWith('.md')) return false;
  if (parts.length === 1 && SIDECARS.some((s) => s.file === name)) return false;
  if (/^requirements.*\.txt$/.test(name)) return false;
  return true;
}

/** The MWAA environment's fields that point at objects in its source bucket. */
export type MwaaSourceField =
  | 'RequirementsS3Path'
  | 'RequirementsS3ObjectVersion'
  | 'PluginsS3Path'
  | 'PluginsS3ObjectVersion'
  | 'StartupScriptS3Path'
  | 'StartupScriptS3ObjectVersion';

export type MwaaSources = Partial<Record<MwaaSourceField, string>>;

/** A file MWAA reads from the bucket root by object version; a change needs UpdateEnvironment. */
export interface Sidecar {
  /** The file name in the local DAGs folder and the key at the bucket root. */
  readonly file: string;
  readonly label: string;
  readonly pathField: MwaaSourceField;
  readonly versionField: MwaaSourceField;
  /** The `-c` context key infra/app.ts reads the version from, when it has one. */
  readonly cdkContext?: string;
  /** The action output that carries the version. */
  readonly output: string;
}

export const SIDECARS: readonly Sidecar[] = [
  {
    file: 'requirements.txt',
    label: 'requirements',
    pathField: 'RequirementsS3Path',
    versionField: 'RequirementsS3ObjectVersion',
    cdkContext: 'requirementsVersion',
    output: 'requirements-version',
  },
  {
    file: 'plugins.zip',
    label: 'plugins',
    pathField: 'PluginsS3Path',
    versionField: 'PluginsS3ObjectVersion',
    output: 'plugins-version',
  },
  {
    file: 'startup.sh',
    label: 'startup script',
    pathField: 'StartupScriptS3Path',
    versionField: 'StartupScriptS3ObjectVersion',
    cdkContext: 'startupScriptVersion',
    output: 'startup-script-version',
  },
];

export interface SidecarPlan {
  readonly file: string;
  /** upload: content differs (or is new); unchanged: same sha256; absent: no local file. */
  readonly action: 'upload' | 'unchanged' | 'absent';
  /** The version the environment should reference: the current object's, or null until uploaded. */
  readonly versionId: string | null;
}

export function planSidecar(
  sidecar: Sidecar,
  local: LocalObject | undefined,
  remote: RemoteObject | undefined,
): SidecarPlan {
  if (local === undefined) {
    return { file: sidecar.file, action: 'absent', versionId: remote?.versionId ?? null };
  }
  const same =
    remote?.sha256 !== undefined && remote.sha256 === local.sha256 && remote.size === local.size;
  return same
    ? { file: sidecar.file, action: 'unchanged', versionId: remote.versionId ?? null }
    : { file: sidecar.file, action: 'upload', versionId: null };
}

export interface MwaaFieldChange {
  readonly field: MwaaSourceField;
  readonly from: string | null;
  /** null: the version the pending upload will get (a dry run cannot know it). */
  readonly to: string | null;
}

/**
 * The source fields UpdateEnvironment must change so the environment references each local
 * sidecar at `versionId`. Comparing with the environment (not only with the bucket) makes a
 * re-run finish an update that failed after its upload. Absent sidecars are left as they are.
 */
export function mwaaSourceChanges(
  current: MwaaSources,
  sidecars: readonly SidecarPlan[],
): MwaaFieldChange[] {
  const changes: MwaaFieldChange[] = [];
  for (const plan of sidecars) {
    if (plan.action === 'absent') continue;
    const sidecar = SIDECARS.find((s) => s.file === plan.file);
    if (sidecar === undefined) throw new Error(`unknown MWAA source file ${plan.file}`);
    const path = current[sidecar.pathField] ?? null;
    if (path !== sidecar.file)
      changes.push({ field: sidecar.pathField, from: path, to: sidecar.file });
    const version = current[sidecar.versionField] ?? null;
    if (plan.versionId === null || version !== plan.versionId) {
      changes.push({ field: sidecar.versionField, from: version, to: plan.versionId });
    }
  }
  return changes;
}

/** The UpdateEnvironment fields; throws if a version is still unknown (not uploaded yet). */
export function mwaaUpdateFields(changes: readonly MwaaFieldChange[]): MwaaSources {
  const fields: MwaaSources = {};
  for (const c of changes) {
    if (c.to === null) throw new Error(`${c.field}: the new object version is not known yet`);
    fields[c.field] = c.to;
  }
  return fields;
}

/** The whole plan, as sync-dags writes it (`plan` output) and pr-report renders it. */
export interface DagSyncPlan {
  readonly schema: typeof DAG_SYNC_PLAN_SCHEMA;
  readonly env: string;
  readonly bucket: string;
  readonly dryRun: boolean;
  readonly dags: ObjectSyncPlan;
  readonly sidecars: readonly SidecarPlan[];
  /** Absent when no MWAA environment was named. */
  readonly environment?: {
    readonly name: string;
    readonly changes: readonly MwaaFieldChange[];
    readonly updated: boolean;
  };
}

export function isDagSyncPlan(value: unknown): value is DagSyncPlan {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { schema?: unknown }).schema === DAG_SYNC_PLAN_SCHEMA
  );
}

const MAX_ROWS = 50;

/** The plan as Markdown, for the job summary and the pull-request comment. */
export function renderDagSyncPlan(plan: DagSyncPlan): string {
  const { uploads, deletes, unchanged } = plan.dags;
  const lines = [
    `### DAG sync ${plan.dryRun ? 'plan' : 'result'}: ${plan.env} → s3://${plan.bucket}/${DAG_PREFIX}`,
    '',
    `${uploads.length} to upload, ${deletes.length} to delete, ${unchanged.length} unchanged${plan.dryRun ? ' (dry run: nothing was written)' : ''}.`,
  ];
  const rows = [
    ...uploads.map((u) => `| ${code(u.key)} | upload (${u.reason}) | ${u.size} |`),
    ...deletes.map((k) => `| ${code(k)} | delete | |`),
  ];
  if (rows.length > 0) {
    lines.push(
      '',
      '| object | action | bytes |',
      '| --- | --- | ---: |',
      ...rows.slice(0, MAX_ROWS),
    );
    if (rows.length > MAX_ROWS) lines.push('', `… and ${rows.length - MAX_ROWS} more.`);
  }
  const present = plan.sidecars.filter((s) => s.action !== 'absent');
  if (present.length > 0) {
    lines.push('', '| MWAA file | action | version |', '| --- | --- | --- |');
    for (const s of present) {
      lines.push(`| ${code(s.file)} | ${s.action} | ${s.versionId ?? '(new)'} |`);
    }
  }
  if (plan.environment) {
    const { name, changes, updated } = plan.environment;
    if (changes.length === 0) {
      lines.push('', `MWAA environment ${code(name)}: up to date, no UpdateEnvironment.`);
    } else {
      const done = updated ? 'was updated' : plan.dryRun ? 'would be updated' : 'needs an update';
      lines.push('', `MWAA environment ${code(name)} ${done}:`, '');
      for (const c of changes) {
        lines.push(`- ${c.field}: ${c.from ?? '(unset)'} → ${c.to ?? '(version of the upload)'}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
