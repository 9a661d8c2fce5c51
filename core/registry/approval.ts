import {
  APPROVAL_TRANSITIONS,
  type ApprovalStatus,
  type ModelPackage,
  RegistryError,
} from '../ports/modelRegistry.ts';

/**
 * Decides an approval update. Same status → 'unchanged': a retried pipeline step or GitHub
 * Action must be safe to run twice, and the first call's reason is the one worth keeping.
 * A move outside APPROVAL_TRANSITIONS throws with the moves that are allowed.
 */
export function planApproval(
  pkg: Pick<ModelPackage, 'id' | 'status'>,
  next: ApprovalStatus,
): 'unchanged' | 'change' {
  if (pkg.status === next) return 'unchanged';
  const allowed = APPROVAL_TRANSITIONS[pkg.status];
  if (!allowed.includes(next)) {
    const hint =
      next === 'PendingManualApproval'
        ? 'a version never goes back to review; register a new version to review again'
        : `from ${pkg.status} it can only go to ${allowed.join(' or ')}`;
    throw new RegistryError(
      'illegal_transition',
      `${pkg.id} cannot go from ${pkg.status} to ${next}: ${hint}`,
    );
  }
  return 'change';
}

/** The package after a status change; the history keeps every change, oldest first. */
export function withStatus(
  pkg: ModelPackage,
  status: ApprovalStatus,
  reason: string,
  at: string,
): ModelPackage {
  return { ...pkg, status, status_history: [...pkg.status_history, { status, reason, at }] };
}
