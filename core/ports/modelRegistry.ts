/**
 * The model registry port, with the semantics of the SageMaker Model Registry: one model
 * package group per symbol (group name = symbol), numbered versions from 1 that are never
 * reused, an approval status with its history, and metrics and lineage with every version.
 * On top of SageMaker, each group has a champion pointer: the version the endpoint serves,
 * which may only be an Approved version. docs/model-registry.md describes layout and rules.
 */

/** SageMaker's ModelApprovalStatus values, spelled the same so the AWS adapter maps 1:1. */
export type ApprovalStatus = 'PendingManualApproval' | 'Approved' | 'Rejected';

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = [
  'PendingManualApproval',
  'Approved',
  'Rejected',
];

export interface ModelLineage {
  /** The bars the model was trained and evaluated on. */
  readonly data: {
    readonly symbol: string;
    readonly from: string;
    readonly to: string;
    readonly bars: number;
    /** sha256 hex of the bars. */
    readonly sha256: string;
    /** Object key → sha256 hex of each curated partition read. */
    readonly partitions?: Readonly<Record<string, string>>;
  };
  /** sha256 hex of the canonical effective config. */
  readonly config_hash: string;
  /** Full commit SHA of the code that trained the model; null outside a git checkout. */
  readonly git_commit: string | null;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  /** Object key of the evaluation.json the metrics come from. */
  readonly evaluation_key?: string;
  /** Relative artifact path → sha256 hex. Filled in by the registry, never by the caller. */
  readonly artifacts: Readonly<Record<string, string>>;
}

export interface StatusChange {
  readonly status: ApprovalStatus;
  readonly reason: string;
  /** ISO time, injected by the caller. */
  readonly at: string;
}

export interface ModelPackage {
  /** The symbol. */
  readonly group: string;
  readonly version: number;
  /** `${group}/${version}`, e.g. `AMZN/3` (the tail of a SageMaker model package ARN). */
  readonly id: string;
  /** `lstm`, `last_close`, … */
  readonly model_name: string;
  readonly kind: 'baseline' | 'candidate';
  readonly status: ApprovalStatus;
  /** Oldest first; the last entry is the current status. */
  readonly status_history: readonly StatusChange[];
  readonly created_at: string;
  /** Flat metrics, e.g. `aggregate.rmse_return`; null for a metric that has no value. */
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly lineage: ModelLineage;
}

export interface RegisterInput {
  readonly group: string;
  readonly modelName: string;
  readonly kind: 'baseline' | 'candidate';
  /** The artifact as files, by relative path (`model.json`, `weights.bin`); at least one. */
  readonly files: Readonly<Record<string, Uint8Array | string>>;
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly lineage: Omit<ModelLineage, 'artifacts'>;
  readonly status: ApprovalStatus;
  readonly reason: string;
  /** ISO time, injected so runs and tests are deterministic. */
  readonly at: string;
}

/**
 * What updateApproval returns: the updated package, plus whether the update cleared the
 * group's champion pointer (revoking the version the endpoint serves). `championCleared` is
 * not stored in package.json; camelCase marks it as a call result, not a package field.
 */
export type ApprovalUpdate = ModelPackage & { readonly championCleared: boolean };

export interface ModelRegistry {
  /** Stores the artifacts and creates the next version of the group (created on first use). */
  register(input: RegisterInput): Promise<ModelPackage>;
  /** undefined when the version does not exist (or was never completely written). */
  get(group: string, version: number): Promise<ModelPackage | undefined>;
  /** Every complete version of the group, ascending; [] for an unknown group. */
  list(group: string): Promise<ModelPackage[]>;
  /**
   * Moves a version to `status` (see APPROVAL_TRANSITIONS). Updating to the current status
   * is an idempotent no-op: nothing is written and no history entry is added. Revoking the
   * champion (Approved → Rejected) clears the champion pointer and says so in the result.
   */
  updateApproval(
    group: string,
    version: number,
    status: ApprovalStatus,
    reason: string,
    at: string,
  ): Promise<ApprovalUpdate>;
  /** Points the group's champion at an Approved version; a no-op when it already does. */
  setChampion(group: string, version: number, reason: string, at: string): Promise<void>;
  /** The package the endpoint should serve; undefined when the group has no champion. */
  champion(group: string): Promise<ModelPackage | undefined>;
  /**
   * The version's artifact files, each verified against lineage.artifacts. Throws
   * TamperedArtifactError on a changed, missing or unexpected file.
   */
  loadArtifacts(group: string, version: number): Promise<Record<string, Uint8Array>>;
}

/**
 * Allowed approval transitions. Anything → PendingManualApproval is refused: a package leaves
 * review once and the history would otherwise lose its meaning. Rejected → Approved is the
 * manual override (a person overruling the gate); like every change it needs a reason.
 */
export const APPROVAL_TRANSITIONS: Readonly<Record<ApprovalStatus, readonly ApprovalStatus[]>> = {
  PendingManualApproval: ['Approved', 'Rejected'],
  Approved: ['Rejected'],
  Rejected: ['Approved'],
};

export type RegistryErrorCode =
  /** A name, path, time, metric or lineage field is malformed. */
  | 'invalid_input'
  /** The group has no such (complete) version. */
  | 'unknown_version'
  /** The approval transition is not in APPROVAL_TRANSITIONS. */
  | 'illegal_transition'
  /** A champion must be Approved. */
  | 'champion_not_approved'
  /** A stored package.json or champion.json cannot be read. */
  | 'corrupt';

/** A registry call that cannot be done; the message says what to do instead. */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;

  constructor(code: RegistryErrorCode, message: string) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
  }
}

/**
 * An artifact file does not match the sha256 recorded when it was registered, or a file is
 * missing (`actual` null) or was added (`expected` null). The model must not be served.
 */
export class TamperedArtifactError extends Error {
  readonly packageId: string;
  readonly file: string;
  readonly expected: string | null;
  readonly actual: string | null;

  constructor(packageId: string, file: string, expected: string | null, actual: string | null) {
    const problem =
      actual === null
        ? `artifact ${file} is missing (expected sha256 ${expected})`
        : expected === null
          ? `artifact ${file} (sha256 ${actual}) is not in the package's lineage.artifacts`
          : `artifact ${file} was changed: expected sha256 ${expected}, got ${actual}`;
    super(
      `${packageId}: ${problem}. Do not serve this version: restore the original files or ` +
        'register a fresh model (and reject this version if it is approved).',
    );
    this.name = 'TamperedArtifactError';
    this.packageId = packageId;
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }
}
