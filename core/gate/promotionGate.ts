import { GATE_CHECKS, gateContext, runCheck } from './gateChecks.ts';
import { get, nonEmptyString } from './gateRead.ts';
import { GATE_DECISION_SCHEMA, type GateDecision, type GateInput } from './gateTypes.ts';

/**
 * The promotion gate: approve only when every check passes. Pure and deterministic (no clock,
 * no I/O, models read in sorted order), so the CLI, the DAG and the GitHub Action reach the same
 * decision from the same files. Fail-closed: a check that throws, reads a missing or non-finite
 * value, or does not return a clear pass, rejects.
 *
 * Without a champion the champion checks pass as "no champion yet": the first model must still
 * clear max_error_ratio and max_dm_p_value against the best baseline, which acts as champion.
 */
export function evaluateGate(input: GateInput): GateDecision {
  const ctx = gateContext(input);
  const checks = GATE_CHECKS.map((spec) => runCheck(spec, ctx));
  const failed = checks.filter((c) => !c.passed);
  const approve = checks.length === GATE_CHECKS.length && failed.length === 0;
  const championModel =
    get(input, 'champion') === undefined ? null : get(input, 'champion', 'model');
  return {
    schema: GATE_DECISION_SCHEMA,
    decision: approve ? 'approve' : 'reject',
    candidate: ctx.candidate,
    best_baseline: ctx.baseline,
    champion: championModel === null ? null : (nonEmptyString(championModel) ?? ''),
    reasons: failed.map((c) => `${c.name}: ${c.detail}`),
    checks,
  };
}
