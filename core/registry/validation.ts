import {
  APPROVAL_STATUSES,
  type ApprovalStatus,
  type ModelLineage,
  type RegisterInput,
  RegistryError,
} from '../ports/modelRegistry.ts';

/**
 * Input checks for the registry. Everything a caller passes ends up in object keys or in
 * package.json, which outlive the run; a bad value is refused up front with a message that
 * says what is expected, rather than found later by whoever serves or audits the model.
 */

/** The symbol pattern of config/schema.json: the group name is the symbol. */
const GROUP = /^[A-Z][A-Z0-9.-]{0,9}$/;
const MODEL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Same characters as an object key part (core/ports/objectStore.ts), so S3 and disk agree. */
const PATH_PART = /^[A-Za-z0-9._=+-]+$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** A full git SHA-1 or SHA-256 commit id: a short one can become ambiguous later. */
const GIT_COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function invalid(message: string): never {
  throw new RegistryError('invalid_input', message);
}

export function assertGroup(group: string): void {
  if (!GROUP.test(group)) {
    invalid(
      `invalid model package group "${group}": the group is the symbol, an uppercase letter ` +
        "then up to 9 uppercase letters, digits, '.' or '-' (AMZN, BRK.B)",
    );
  }
}

export function assertVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    invalid(`invalid version ${version}: versions are whole numbers from 1`);
  }
}

export function assertModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    invalid(
      `invalid model name "${name}": use a letter then up to 63 letters, digits, '_', '.' ` +
        "or '-' (lstm, last_close)",
    );
  }
}

export function assertStatus(status: string): asserts status is ApprovalStatus {
  if (!(APPROVAL_STATUSES as readonly string[]).includes(status)) {
    invalid(`invalid approval status "${status}": use one of ${APPROVAL_STATUSES.join(', ')}`);
  }
}

export function assertReason(reason: string): void {
  if (reason.trim() === '') {
    invalid('a status change needs a reason: say why (the gate result, who approved and why)');
  }
}

export function assertIsoTime(at: string): void {
  if (!ISO_TIME.test(at) || Number.isNaN(Date.parse(at))) {
    invalid(`invalid time "${at}": pass an ISO 8601 time such as 2025-01-02T21:30:00.000Z`);
  }
}

/**
 * Relative artifact paths: `/`-separated parts of key characters, no `.` or `..`. Two paths
 * that differ only in case are refused too: they would be one file on a case-insensitive disk.
 */
export function assertArtifactPaths(paths: readonly string[]): void {
  if (paths.length === 0) {
    invalid('a model package needs at least one artifact file (a baseline can store a JSON)');
  }
  const seen = new Map<string, string>();
  for (const path of paths) {
    const parts = path.split('/');
    if (parts.some((p) => !PATH_PART.test(p) || p === '.' || p === '..')) {
      invalid(
        `invalid artifact path "${path}": use a relative /-separated path of letters, digits ` +
          'and ._=+- (model.json, weights.bin)',
      );
    }
    const folded = path.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) {
      invalid(`artifact paths "${other}" and "${path}" differ only in case: rename one`);
    }
    seen.set(folded, path);
  }
  // A file and a directory of the same name cannot both exist on disk.
  for (const path of paths) {
    const asDir = `${path.toLowerCase()}/`;
    const clash = paths.find((p) => p.toLowerCase().startsWith(asDir));
    if (clash !== undefined) {
      invalid(`artifact "${path}" is also a directory of "${clash}": rename one`);
    }
  }
}

/**
 * Metrics must be finite numbers or null. NaN and ±Infinity would turn into null in JSON
 * without anyone deciding so; the caller must say null (no value) explicitly.
 */
export function assertMetrics(metrics: Readonly<Record<string, number | null>>): void {
  for (const [name, value] of Object.entries(metrics)) {
    if (name === '') invalid('a metric needs a name');
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
      invalid(`metric "${name}" is ${value}: pass a finite number, or null for no value`);
    }
  }
}

export function assertLineage(group: string, lineage: Omit<ModelLineage, 'artifacts'>): void {
  const { data } = lineage;
  if (data.symbol !== group) {
    invalid(
      `lineage.data.symbol is "${data.symbol}" but the group is "${group}": a symbol's ` +
        'models go to the group of the same name',
    );
  }
  if (!ISO_DATE.test(data.from) || !ISO_DATE.test(data.to) || data.from > data.to) {
    invalid(
      `lineage.data.from/to "${data.from}".."${data.to}": pass two YYYY-MM-DD dates, from ≤ to`,
    );
  }
  if (!Number.isSafeInteger(data.bars) || data.bars < 1) {
    invalid(`lineage.data.bars is ${data.bars}: pass the number of bars used (≥ 1)`);
  }
  assertSha256('lineage.data.sha256', data.sha256);
  for (const [key, hash] of Object.entries(data.partitions ?? {})) {
    assertSha256(`lineage.data.partitions["${key}"]`, hash);
  }
  assertSha256('lineage.config_hash', lineage.config_hash);
  if (lineage.git_commit !== null && !GIT_COMMIT.test(lineage.git_commit)) {
    invalid(
      `lineage.git_commit "${lineage.git_commit}": pass the full commit id ` +
        '(git rev-parse HEAD), or null outside a git checkout',
    );
  }
  if (lineage.evaluation_key === '') {
    invalid('lineage.evaluation_key is empty: pass the evaluation.json key, or leave it out');
  }
  if (
    typeof lineage.hyperparameters !== 'object' ||
    lineage.hyperparameters === null ||
    Array.isArray(lineage.hyperparameters)
  ) {
    invalid('lineage.hyperparameters must be an object (use {} for a model without any)');
  }
}

function assertSha256(field: string, value: string): void {
  if (!SHA256.test(value)) {
    invalid(`${field} "${value}" is not a sha256: pass 64 lowercase hex digits`);
  }
}

/** Every check register() makes before it writes anything. */
export function assertRegisterInput(input: RegisterInput): void {
  assertGroup(input.group);
  assertModelName(input.modelName);
  if (input.kind !== 'baseline' && input.kind !== 'candidate') {
    invalid(`invalid kind "${input.kind}": use baseline or candidate`);
  }
  assertStatus(input.status);
  assertReason(input.reason);
  assertIsoTime(input.at);
  assertArtifactPaths(Object.keys(input.files));
  assertMetrics(input.metrics);
  assertLineage(input.group, input.lineage);
}
