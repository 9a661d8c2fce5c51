import type { GateConfig } from '../config/configTypes.ts';
import { EVALUATION_SCHEMA_V2 } from '../evaluate/evaluationTypes.ts';
import { isIsoDate } from '../market/isoDate.ts';
import {
  finite,
  formatNumber as fmt,
  GateReadError,
  get,
  isFiniteNumber,
  nonEmptyString,
  show,
  sortedKeys,
} from './gateRead.ts';
import type { GateCheck, GateComparator, GateInput, GateRange } from './gateTypes.ts';

/**
 * The promotion checks, one table row each, in the order they are reported. Renaming one breaks
 * stored decisions and anything that matches on it. Threshold checks are named after their
 * `gate.*` config key.
 */
export const GATE_CHECK_NAMES = [
  'schema',
  'candidate_present',
  'best_baseline',
  'metrics_finite',
  'folds_aligned',
  'evaluation_fresh',
  'max_mape',
  'max_rmse_return',
  'max_error_ratio',
  'max_dm_p_value',
  'min_directional_accuracy',
  'min_directional_accuracy_over_base_rate',
  'champion_same_data',
  'champion_model_present',
  'min_improvement_vs_champion',
] as const;

export type GateCheckName = (typeof GATE_CHECK_NAMES)[number];

/**
 * How far the reported `error_ratio` may sit from rmse_return ÷ rmse_return, relative. The
 * evaluator writes full doubles and JSON round-trips them exactly, so only floating-point
 * reassociation needs slack; anything larger means the ratio was not computed from these scores.
 */
export const ERROR_RATIO_TOLERANCE = 1e-6;

/** What the champion checks say when there is no champion (they pass: nothing to compare with). */
export const NO_CHAMPION = 'no champion yet';

/** How many problems a detail names before "… and N more". */
const DETAIL_ITEMS = 3;

/** Everything a check reads, resolved once; names are '' when the evaluation does not give one. */
export interface GateContext {
  readonly input: GateInput;
  readonly range: GateRange;
  /** The candidate evaluation, as received: every read goes through `get`. */
  readonly evaluation: unknown;
  readonly candidate: string;
  readonly baseline: string;
}

export interface CheckOutcome {
  readonly value: number | null;
  readonly threshold: number | null;
  readonly passed: boolean;
  readonly detail: string;
}

export interface GateCheckSpec {
  readonly name: GateCheckName;
  readonly comparator: GateComparator;
  /** May throw: the runner turns any exception into a failed check (fail-closed). */
  readonly run: (ctx: GateContext) => CheckOutcome;
}

export function gateContext(input: GateInput): GateContext {
  const evaluation: unknown = get(input, 'candidate');
  return {
    input,
    range: input.range ?? 'aggregate',
    evaluation,
    candidate: nonEmptyString(get(evaluation, 'candidate')) ?? '',
    baseline: nonEmptyString(get(evaluation, 'best_baseline')) ?? '',
  };
}

/** Runs one check; an exception, or an outcome that is not a clear pass, fails it. */
export function runCheck(spec: GateCheckSpec, ctx: GateContext): GateCheck {
  try {
    const o = spec.run(ctx);
    return {
      name: spec.name,
      value: isFiniteNumber(o.value) ? o.value : null,
      threshold: isFiniteNumber(o.threshold) ? o.threshold : null,
      comparator: spec.comparator,
      passed: o.passed === true,
      detail: o.detail,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      name: spec.name,
      value: null,
      threshold: null,
      comparator: spec.comparator,
      passed: false,
      detail: error instanceof GateReadError ? message : `check failed: ${message}`,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

function pass(detail: string, value: number | null = null, threshold: number | null = null) {
  return { value, threshold, passed: true, detail };
}

function fail(detail: string, value: number | null = null, threshold: number | null = null) {
  return { value, threshold, passed: false, detail };
}

function listFew(items: readonly string[]): string {
  const shown = items.slice(0, DETAIL_ITEMS).join('; ');
  const more = items.length - DETAIL_ITEMS;
  return more > 0 ? `${shown}; … and ${more} more` : shown;
}

function thresholdOf(ctx: GateContext, key: keyof GateConfig): number {
  return finite(get(ctx.input, 'thresholds', key), `threshold gate.${key}`);
}

/** A model of the evaluation, or throws naming the role it was read for. */
function modelOf(evaluation: unknown, name: string, role: string): unknown {
  const model = name === '' ? undefined : get(evaluation, 'models', name);
  if (model === null || typeof model !== 'object') {
    throw new GateReadError(
      name === ''
        ? `the evaluation names no ${role}`
        : `${role} ${JSON.stringify(name)} is missing from the evaluation`,
    );
  }
  return model;
}

function scoreOf(ctx: GateContext, name: string, role: string, metric: string): number {
  const model = modelOf(ctx.evaluation, name, role);
  return finite(get(model, ctx.range, 'scores', metric), `${name} ${ctx.range} ${metric}`);
}

function comparisonOf(ctx: GateContext, metric: 'error_ratio' | 'dm_p_value'): number {
  const model = modelOf(ctx.evaluation, ctx.candidate, 'candidate');
  if (ctx.baseline === '') throw new GateReadError('the evaluation names no best_baseline');
  return finite(
    get(model, ctx.range, 'vs', ctx.baseline, metric),
    `${ctx.candidate} ${ctx.range} vs.${ctx.baseline}.${metric}`,
  );
}

/** The metrics the threshold checks read: the label names each in a reason. */
function metricsRead(ctx: GateContext): { label: string; value: unknown; nullable: boolean }[] {
  const cand = get(ctx.evaluation, 'models', ctx.candidate);
  const base = get(ctx.evaluation, 'models', ctx.baseline);
  const c = ctx.candidate || '(no candidate)';
  const b = ctx.baseline || '(no best baseline)';
  const score = (model: unknown, name: string, metric: string, nullable = false) => ({
    label: `${name} ${ctx.range} ${metric}`,
    value: get(model, ctx.range, 'scores', metric),
    nullable,
  });
  const vs = (metric: string) => ({
    label: `${c} ${ctx.range} vs.${b}.${metric}`,
    value: get(cand, ctx.range, 'vs', ctx.baseline, metric),
    nullable: false,
  });
  return [
    score(cand, c, 'n'),
    score(cand, c, 'mape_price'),
    score(cand, c, 'rmse_return'),
    // null is the evaluator's "no direction called"; min_directional_accuracy rejects it.
    score(cand, c, 'directional_accuracy', true),
    score(cand, c, 'up_day_rate'),
    vs('error_ratio'),
    vs('dm_p_value'),
    score(base, b, 'rmse_return'),
  ];
}

interface PlanFold {
  readonly fold: unknown;
  readonly from: unknown;
  readonly to: unknown;
  readonly n: unknown;
}

function planFolds(evaluation: unknown): PlanFold[] {
  const folds = get(evaluation, 'plan', 'folds');
  if (!Array.isArray(folds) || folds.length === 0) {
    throw new GateReadError('the evaluation plan has no folds');
  }
  return folds.map((f: unknown) => ({
    fold: get(f, 'fold'),
    from: get(f, 'test_from'),
    to: get(f, 'test_to'),
    n: get(f, 'n_test'),
  }));
}

/**
 * Where one model's scored ranges differ from the plan's test days: per fold, the pooled
 * aggregate and the hold-out. Empty when the model was scored on exactly the planned days.
 */
function foldMismatches(evaluation: unknown, name: string): string[] {
  const plan = planFolds(evaluation);
  const model = get(evaluation, 'models', name);
  const out: string[] = [];
  const same = (what: string, got: unknown, want: unknown) => {
    if (got !== want || got === undefined)
      out.push(`${name} ${what} ${show(got)}, plan ${show(want)}`);
  };
  const folds = get(model, 'folds');
  if (!Array.isArray(folds)) {
    out.push(`${name} has no folds`);
  } else if (folds.length !== plan.length) {
    out.push(`${name} has ${folds.length} folds, plan ${plan.length}`);
  } else {
    plan.forEach((p, i) => {
      const f: unknown = folds[i];
      same(`fold ${i} number`, get(f, 'fold'), p.fold);
      same(`fold ${show(p.fold)} from`, get(f, 'from'), p.from);
      same(`fold ${show(p.fold)} to`, get(f, 'to'), p.to);
      same(`fold ${show(p.fold)} n`, get(f, 'scores', 'n'), p.n);
    });
  }
  let total = 0;
  for (const p of plan) {
    if (!Number.isInteger(p.n) || (p.n as number) <= 0) {
      out.push(`plan fold ${show(p.fold)} n_test is ${show(p.n)}`);
    } else {
      total += p.n as number;
    }
  }
  const agg = get(model, 'aggregate');
  same('aggregate from', get(agg, 'from'), plan[0]?.from);
  same('aggregate to', get(agg, 'to'), plan[plan.length - 1]?.to);
  same('aggregate n', get(agg, 'scores', 'n'), total);
  const holdout = get(model, 'holdout');
  const planHoldout = get(evaluation, 'plan', 'holdout');
  same('holdout from', get(holdout, 'from'), get(planHoldout, 'from'));
  same('holdout to', get(holdout, 'to'), get(planHoldout, 'to'));
  same('holdout n', get(holdout, 'scores', 'n'), get(planHoldout, 'n'));
  return out;
}

function championOf(ctx: GateContext) {
  const champion = get(ctx.input, 'champion');
  if (champion === undefined) return null;
  const evaluation = get(champion, 'evaluation');
  const model = nonEmptyString(get(champion, 'model'));
  if (model === null) throw new GateReadError('the champion has no model name');
  const version = get(champion, 'version');
  const label = isFiniteNumber(version) ? `champion ${model} v${version}` : `champion ${model}`;
  return { evaluation, model, label };
}

// ---------------------------------------------------------------------------------------------
// The checks

/** `measure` read against `gate.<name>` with `comparator`; the check is named after its key. */
function bound(
  name: GateCheckName & keyof GateConfig,
  comparator: '<=' | '>=',
  measure: (ctx: GateContext) => { value: number; what: string },
): GateCheckSpec {
  return {
    name,
    comparator,
    run: (ctx) => {
      const threshold = thresholdOf(ctx, name);
      const { value, what } = measure(ctx);
      finite(value, what);
      const passed = comparator === '<=' ? value <= threshold : value >= threshold;
      const sign = comparator === '<=' ? '≤' : '≥';
      const detail = passed
        ? `${what} ${fmt(value)} ${sign} ${fmt(threshold)}`
        : `${what} ${fmt(value)} is ${comparator === '<=' ? 'above the maximum' : 'below the minimum'} ${fmt(threshold)}`;
      return { value, threshold, passed, detail };
    },
  };
}

export const GATE_CHECKS: readonly GateCheckSpec[] = [
  {
    name: 'schema',
    comparator: 'match',
    run: (ctx) => {
      const schema = get(ctx.evaluation, 'schema');
      return schema === EVALUATION_SCHEMA_V2
        ? pass(EVALUATION_SCHEMA_V2)
        : fail(
            `expected schema ${EVALUATION_SCHEMA_V2}, got ${schema === undefined ? 'none' : show(schema)}`,
          );
    },
  },
  {
    name: 'candidate_present',
    comparator: 'match',
    run: (ctx) => {
      if (ctx.candidate === '') return fail('the evaluation has no candidate: nothing to promote');
      const kind = get(modelOf(ctx.evaluation, ctx.candidate, 'candidate'), 'kind');
      return kind === 'candidate'
        ? pass(`${ctx.candidate} is a candidate`)
        : fail(`${ctx.candidate} is of kind ${show(kind)}, not a candidate`);
    },
  },
  {
    // The evaluator names the best baseline; the gate recomputes it, since comparing with a
    // weaker baseline than the best would let a model through that some baseline beats.
    name: 'best_baseline',
    comparator: 'match',
    run: (ctx) => {
      const best = modelOf(ctx.evaluation, ctx.baseline, 'best_baseline');
      if (get(best, 'kind') !== 'baseline') {
        return fail(`best_baseline ${ctx.baseline} is of kind ${show(get(best, 'kind'))}`);
      }
      const bestRmse = scoreOf(ctx, ctx.baseline, 'baseline', 'rmse_return');
      const models = get(ctx.evaluation, 'models');
      const baselines = sortedKeys(models).filter((m) => get(models, m, 'kind') === 'baseline');
      const better: string[] = [];
      for (const name of baselines) {
        const rmse = scoreOf(ctx, name, 'baseline', 'rmse_return');
        if (rmse < bestRmse) better.push(`${name} ${fmt(rmse)}`);
      }
      return better.length === 0
        ? pass(`${ctx.baseline} has the lowest rmse_return of ${baselines.join(', ')}`)
        : fail(
            `best_baseline ${ctx.baseline} (rmse_return ${fmt(bestRmse)}) is not the best: ${listFew(better)}`,
          );
    },
  },
  {
    name: 'metrics_finite',
    comparator: '==',
    run: (ctx) => {
      const bad = metricsRead(ctx)
        .filter((m) => !(isFiniteNumber(m.value) || (m.nullable && m.value === null)))
        .map((m) => `${m.label} is ${show(m.value)}`);
      return bad.length === 0
        ? pass('every metric the checks read is a finite number', 0, 0)
        : fail(listFew(bad), bad.length, 0);
    },
  },
  {
    name: 'folds_aligned',
    comparator: 'match',
    run: (ctx) => {
      const plan = planFolds(ctx.evaluation);
      const names = sortedKeys(get(ctx.evaluation, 'models'));
      if (names.length === 0) return fail('the evaluation has no models');
      const mismatches = names.flatMap((name) => foldMismatches(ctx.evaluation, name));
      if (mismatches.length > 0) return fail(`folds do not line up: ${listFew(mismatches)}`);
      const n = names.length;
      return pass(
        `${n} models × ${plan.length} folds on the same test days (${String(plan[0]?.from)} → ${String(plan[plan.length - 1]?.to)})`,
      );
    },
  },
  {
    name: 'evaluation_fresh',
    comparator: 'match',
    run: (ctx) => {
      const dataTo = get(ctx.input, 'dataTo');
      if (dataTo === undefined) return pass('no data date given: freshness not checked');
      const evaluatedTo = get(ctx.evaluation, 'data', 'to');
      if (typeof dataTo !== 'string' || !isIsoDate(dataTo)) {
        return fail(`data date ${show(dataTo)} is not a YYYY-MM-DD date`);
      }
      if (typeof evaluatedTo !== 'string' || !isIsoDate(evaluatedTo)) {
        return fail(`the evaluation's data.to ${show(evaluatedTo)} is not a YYYY-MM-DD date`);
      }
      if (evaluatedTo < dataTo) {
        return fail(
          `evaluation is older than the data (evaluated to ${evaluatedTo}, data to ${dataTo})`,
        );
      }
      // Scored on sessions the current data does not have (a rolled-back load, a wrong date):
      // what it measured cannot be reproduced from the data, so it proves nothing.
      if (evaluatedTo > dataTo) {
        return fail(
          `evaluation is newer than the data (evaluated to ${evaluatedTo}, data to ${dataTo})`,
        );
      }
      return pass(`evaluated to ${evaluatedTo}, the last session of the data`);
    },
  },
  bound('max_mape', '<=', (ctx) => ({
    value: scoreOf(ctx, ctx.candidate, 'candidate', 'mape_price'),
    what: `${ctx.candidate} mape_price`,
  })),
  bound('max_rmse_return', '<=', (ctx) => ({
    value: scoreOf(ctx, ctx.candidate, 'candidate', 'rmse_return'),
    what: `${ctx.candidate} rmse_return`,
  })),
  {
    // The ratio decides promotion, so it is recomputed from the two rmse_return values: a
    // reported ratio that does not match them was made on other days or against another model.
    name: 'max_error_ratio',
    comparator: '<=',
    run: (ctx) => {
      const threshold = thresholdOf(ctx, 'max_error_ratio');
      const reported = comparisonOf(ctx, 'error_ratio');
      const cand = scoreOf(ctx, ctx.candidate, 'candidate', 'rmse_return');
      const base = scoreOf(ctx, ctx.baseline, 'baseline', 'rmse_return');
      if (base <= 0) return fail(`${ctx.baseline} rmse_return is ${fmt(base)}: no ratio`);
      const recomputed = cand / base;
      const what = `${ctx.candidate} rmse_return ${fmt(cand)} ÷ ${ctx.baseline} ${fmt(base)}`;
      if (Math.abs(reported - recomputed) > ERROR_RATIO_TOLERANCE * Math.max(recomputed, 1)) {
        return fail(
          `reported error_ratio ${fmt(reported)} does not match ${what} = ${fmt(recomputed)}`,
          Math.max(reported, recomputed),
          threshold,
        );
      }
      // Within tolerance either could be the truth; the gate takes the worse one.
      const value = Math.max(reported, recomputed);
      return value <= threshold
        ? pass(`${what} = ${fmt(value)} ≤ ${fmt(threshold)}`, value, threshold)
        : fail(`${what} = ${fmt(value)} is above the maximum ${fmt(threshold)}`, value, threshold);
    },
  },
  bound('max_dm_p_value', '<=', (ctx) => ({
    value: comparisonOf(ctx, 'dm_p_value'),
    what: `one-sided Diebold–Mariano p-value vs ${ctx.baseline}`,
  })),
  {
    name: 'min_directional_accuracy',
    comparator: '>=',
    run: (ctx) => {
      const threshold = thresholdOf(ctx, 'min_directional_accuracy');
      const model = modelOf(ctx.evaluation, ctx.candidate, 'candidate');
      const raw = get(model, ctx.range, 'scores', 'directional_accuracy');
      if (raw === null) {
        return fail(
          `${ctx.candidate} directional_accuracy is null: it never called a direction`,
          null,
          threshold,
        );
      }
      const value = finite(raw, `${ctx.candidate} ${ctx.range} directional_accuracy`);
      const what = `${ctx.candidate} directional_accuracy ${fmt(value)}`;
      return value >= threshold
        ? pass(`${what} ≥ ${fmt(threshold)}`, value, threshold)
        : fail(`${what} is below the minimum ${fmt(threshold)}`, value, threshold);
    },
  },
  bound('min_directional_accuracy_over_base_rate', '>=', (ctx) => {
    const model = modelOf(ctx.evaluation, ctx.candidate, 'candidate');
    const raw = get(model, ctx.range, 'scores', 'directional_accuracy');
    if (raw === null) {
      throw new GateReadError(
        `${ctx.candidate} directional_accuracy is null: it never called a direction`,
      );
    }
    const accuracy = finite(raw, `${ctx.candidate} ${ctx.range} directional_accuracy`);
    const upRate = scoreOf(ctx, ctx.candidate, 'candidate', 'up_day_rate');
    return {
      value: accuracy - upRate,
      what: `${ctx.candidate} directional_accuracy ${fmt(accuracy)} − up_day_rate ${fmt(upRate)} =`,
    };
  }),
  {
    // A champion scored on other data or other test days is not comparable: a lower RMSE on an
    // easier stretch would say nothing about which model is better.
    name: 'champion_same_data',
    comparator: 'match',
    run: (ctx) => {
      const champion = championOf(ctx);
      if (champion === null) return pass(NO_CHAMPION);
      const ce = champion.evaluation;
      const diffs: string[] = [];
      const same = (what: string, got: unknown, want: unknown) => {
        if (got !== want || got === undefined) diffs.push(`${what} ${show(got)} ≠ ${show(want)}`);
      };
      same('schema', get(ce, 'schema'), EVALUATION_SCHEMA_V2);
      same('symbol', get(ce, 'symbol'), get(ctx.evaluation, 'symbol'));
      const sha = (e: unknown) => {
        const v = get(e, 'data', 'sha256');
        return typeof v === 'string' && v.length > 12 ? `${v.slice(0, 12)}…` : v;
      };
      if (get(ce, 'data', 'sha256') !== get(ctx.evaluation, 'data', 'sha256')) {
        diffs.push(`data.sha256 ${show(sha(ce))} ≠ ${show(sha(ctx.evaluation))}`);
      }
      same('data.to', get(ce, 'data', 'to'), get(ctx.evaluation, 'data', 'to'));
      const mine = planFolds(ctx.evaluation);
      const theirs = planFolds(ce);
      if (mine.length !== theirs.length) {
        diffs.push(`${theirs.length} folds ≠ ${mine.length}`);
      } else {
        mine.forEach((p, i) => {
          const t = theirs[i];
          same(`fold ${show(p.fold)} test_from`, t?.from, p.from);
          same(`fold ${show(p.fold)} test_to`, t?.to, p.to);
          same(`fold ${show(p.fold)} n_test`, t?.n, p.n);
        });
      }
      return diffs.length === 0
        ? pass(`${champion.label} was evaluated on the same data and test days`)
        : fail(`${champion.label} was evaluated on different data: ${listFew(diffs)}`);
    },
  },
  {
    name: 'champion_model_present',
    comparator: 'match',
    run: (ctx) => {
      const champion = championOf(ctx);
      if (champion === null) return pass(NO_CHAMPION);
      const models = get(champion.evaluation, 'models');
      if (get(models, champion.model) === undefined) {
        return fail(
          `${champion.label} is missing from its evaluation (models: ${sortedKeys(models).join(', ') || 'none'})`,
        );
      }
      const mismatches = foldMismatches(champion.evaluation, champion.model);
      return mismatches.length === 0
        ? pass(`${champion.label} is in its evaluation, scored on the planned days`)
        : fail(`${champion.label}: folds do not line up: ${listFew(mismatches)}`);
    },
  },
  {
    name: 'min_improvement_vs_champion',
    comparator: '>=',
    run: (ctx) => {
      const champion = championOf(ctx);
      if (champion === null) return pass(NO_CHAMPION);
      const threshold = thresholdOf(ctx, 'min_improvement_vs_champion');
      const cand = scoreOf(ctx, ctx.candidate, 'candidate', 'rmse_return');
      const model = get(champion.evaluation, 'models', champion.model);
      const champ = finite(
        get(model, ctx.range, 'scores', 'rmse_return'),
        `${champion.label} ${ctx.range} rmse_return`,
      );
      if (champ <= 0) return fail(`${champion.label} rmse_return is ${fmt(champ)}: no ratio`);
      const value = 1 - cand / champ;
      const what = `1 − ${ctx.candidate} rmse_return ${fmt(cand)} ÷ ${champion.label} ${fmt(champ)} = ${fmt(value)}`;
      return value >= threshold
        ? pass(`${what} ≥ ${fmt(threshold)}`, value, threshold)
        : fail(`${what} is below the minimum ${fmt(threshold)}`, value, threshold);
    },
  },
];
