import {
  APPROVAL_STATUSES,
  type ApprovalStatus,
  type ModelLineage,
  type ModelPackage,
  RegistryError,
  type StatusChange,
} from '../ports/modelRegistry.ts';

/**
 * package.json and champion.json: pretty-printed, fixed field order, and record keys
 * (metrics, hyperparameters, artifacts, partitions) sorted, so the same package always gives
 * the same bytes (the store's idempotent put then rewrites nothing) and diffs read well.
 * Parsing checks every field: these files are edited by hand at times, and a package that
 * reads wrong must stop the caller rather than be served.
 */

export const PACKAGE_SCHEMA = 'stockops.model-package/v1';
export const CHAMPION_SCHEMA = 'stockops.model-champion/v1';

export interface ChampionChange {
  /** null when the pointer was cleared. */
  readonly version: number | null;
  readonly reason: string;
  readonly at: string;
}

/** champion.json: the current champion and every change of it, oldest first. */
export interface ChampionPointer {
  readonly group: string;
  readonly version: number | null;
  readonly history: readonly ChampionChange[];
}

export function serializePackage(pkg: ModelPackage): string {
  const { lineage } = pkg;
  const data = {
    symbol: lineage.data.symbol,
    from: lineage.data.from,
    to: lineage.data.to,
    bars: lineage.data.bars,
    sha256: lineage.data.sha256,
    ...(lineage.data.partitions === undefined
      ? {}
      : { partitions: sortedDeep(lineage.data.partitions) }),
  };
  const doc = {
    schema: PACKAGE_SCHEMA,
    id: pkg.id,
    group: pkg.group,
    version: pkg.version,
    model_name: pkg.model_name,
    kind: pkg.kind,
    status: pkg.status,
    created_at: pkg.created_at,
    status_history: pkg.status_history.map((c) => ({
      status: c.status,
      reason: c.reason,
      at: c.at,
    })),
    metrics: sortedDeep(pkg.metrics),
    lineage: {
      data,
      config_hash: lineage.config_hash,
      git_commit: lineage.git_commit,
      hyperparameters: sortedDeep(lineage.hyperparameters),
      ...(lineage.evaluation_key === undefined ? {} : { evaluation_key: lineage.evaluation_key }),
      artifacts: sortedDeep(lineage.artifacts),
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Parses package.json read from `key`; `expected` is the group and version the key names. */
export function parsePackage(
  text: string,
  key: string,
  expected: { group: string; version: number },
): ModelPackage {
  // Typed explicitly so TypeScript narrows after r.fail(), which never returns.
  const r: Reader = new Reader(key);
  const doc = r.object(r.json(text), '');
  r.literal(doc, 'schema', PACKAGE_SCHEMA);
  const group = r.string(doc, 'group');
  const version = r.integer(doc, 'version');
  if (group !== expected.group || version !== expected.version) {
    r.fail(`names ${group}/${version} but sits at ${expected.group}/${expected.version}`);
  }
  r.literal(doc, 'id', `${group}/${version}`);
  const kind = r.string(doc, 'kind');
  if (kind !== 'baseline' && kind !== 'candidate') r.fail(`kind "${kind}" is unknown`);
  const history = r.array(doc, 'status_history').map((entry, i): StatusChange => {
    const change = r.object(entry, `status_history[${i}]`);
    return {
      status: r.status(change, 'status'),
      reason: r.string(change, 'reason'),
      at: r.string(change, 'at'),
    };
  });
  const status = r.status(doc, 'status');
  if (history.at(-1)?.status !== status) {
    r.fail(`status ${status} is not the last entry of status_history`);
  }
  const metrics = Object.fromEntries(
    Object.entries(r.object(doc.metrics, 'metrics')).map(
      ([name, value]): [string, number | null] =>
        value === null || typeof value === 'number'
          ? [name, value]
          : r.fail(`metrics.${name} is not a number`),
    ),
  );
  const lineageDoc = r.object(doc.lineage, 'lineage');
  const dataDoc = r.object(lineageDoc.data, 'lineage.data');
  const partitions =
    dataDoc.partitions === undefined
      ? undefined
      : r.stringRecord(dataDoc.partitions, 'lineage.data.partitions');
  const gitCommit = lineageDoc.git_commit;
  if (gitCommit !== null && typeof gitCommit !== 'string') {
    r.fail('lineage.git_commit is neither a string nor null');
  }
  const evaluationKey = lineageDoc.evaluation_key;
  if (evaluationKey !== undefined && typeof evaluationKey !== 'string') {
    r.fail('lineage.evaluation_key is not a string');
  }
  const lineage: ModelLineage = {
    data: {
      symbol: r.string(dataDoc, 'symbol'),
      from: r.string(dataDoc, 'from'),
      to: r.string(dataDoc, 'to'),
      bars: r.integer(dataDoc, 'bars'),
      sha256: r.string(dataDoc, 'sha256'),
      ...(partitions === undefined ? {} : { partitions }),
    },
    config_hash: r.string(lineageDoc, 'config_hash'),
    git_commit: gitCommit,
    hyperparameters: r.object(lineageDoc.hyperparameters, 'lineage.hyperparameters'),
    ...(evaluationKey === undefined ? {} : { evaluation_key: evaluationKey }),
    artifacts: r.stringRecord(lineageDoc.artifacts, 'lineage.artifacts'),
  };
  return {
    group,
    version,
    id: `${group}/${version}`,
    model_name: r.string(doc, 'model_name'),
    kind,
    status,
    status_history: history,
    created_at: r.string(doc, 'created_at'),
    metrics,
    lineage,
  };
}

export function serializeChampion(pointer: ChampionPointer): string {
  const last = pointer.history.at(-1);
  const doc = {
    schema: CHAMPION_SCHEMA,
    group: pointer.group,
    version: pointer.version,
    id: pointer.version === null ? null : `${pointer.group}/${pointer.version}`,
    reason: last?.reason ?? null,
    at: last?.at ?? null,
    history: pointer.history.map((c) => ({ version: c.version, reason: c.reason, at: c.at })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function parseChampion(text: string, key: string, group: string): ChampionPointer {
  // Typed explicitly so TypeScript narrows after r.fail(), which never returns.
  const r: Reader = new Reader(key);
  const doc = r.object(r.json(text), '');
  r.literal(doc, 'schema', CHAMPION_SCHEMA);
  r.literal(doc, 'group', group);
  const version = doc.version === null ? null : r.integer(doc, 'version');
  const history = r.array(doc, 'history').map((entry, i): ChampionChange => {
    const change = r.object(entry, `history[${i}]`);
    return {
      version: change.version === null ? null : r.integer(change, 'version'),
      reason: r.string(change, 'reason'),
      at: r.string(change, 'at'),
    };
  });
  if ((history.at(-1)?.version ?? null) !== version) {
    r.fail(`version ${version} is not the last entry of history`);
  }
  return { group, version, history };
}

/** The pointer after a change (a clear when `version` is null). */
export function withChampion(
  pointer: ChampionPointer,
  version: number | null,
  reason: string,
  at: string,
): ChampionPointer {
  return { ...pointer, version, history: [...pointer.history, { version, reason, at }] };
}

function sortedDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedDeep) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortedDeep(v)])) as T;
  }
  return value;
}

type Doc = Record<string, unknown>;

/** Field readers that name the file and field in their error. */
class Reader {
  private readonly key: string;

  constructor(key: string) {
    this.key = key;
  }

  fail(problem: string): never {
    throw new RegistryError(
      'corrupt',
      `${this.key} is corrupt: ${problem}. Restore it from the store's history or backup; ` +
        'do not serve this version until it reads cleanly',
    );
  }

  json(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      return this.fail(`not JSON (${(error as Error).message})`);
    }
  }

  object(value: unknown, field: string): Doc {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.fail(`${field || 'the document'} is not an object`);
    }
    return value as Doc;
  }

  array(doc: Doc, field: string): unknown[] {
    const value = doc[field];
    if (!Array.isArray(value)) this.fail(`${field} is not a list`);
    return value;
  }

  string(doc: Doc, field: string): string {
    const value = doc[field];
    if (typeof value !== 'string') this.fail(`${field} is not a string`);
    return value;
  }

  integer(doc: Doc, field: string): number {
    const value = doc[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.fail(`${field} is not a whole number`);
    }
    return value;
  }

  literal(doc: Doc, field: string, expected: string): void {
    if (doc[field] !== expected) {
      this.fail(`${field} is ${JSON.stringify(doc[field])}, expected "${expected}"`);
    }
  }

  status(doc: Doc, field: string): ApprovalStatus {
    const value = this.string(doc, field);
    if (!(APPROVAL_STATUSES as readonly string[]).includes(value)) {
      this.fail(`${field} "${value}" is not an approval status`);
    }
    return value as ApprovalStatus;
  }

  stringRecord(value: unknown, field: string): Record<string, string> {
    const doc = this.object(value, field);
    for (const [k, v] of Object.entries(doc)) {
      if (typeof v !== 'string') this.fail(`${field}["${k}"] is not a string`);
    }
    return doc as Record<string, string>;
  }
}
