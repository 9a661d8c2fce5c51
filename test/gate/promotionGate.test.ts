import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import { GATE_CHECK_NAMES, NO_CHAMPION } from '../../core/gate/gateChecks.ts';
import type { GateDecision, GateInput } from '../../core/gate/gateTypes.ts';
import { evaluateGate } from '../../core/gate/promotionGate.ts';
import { renderGateMarkdown, renderGateText } from '../../core/gate/renderGate.ts';
import {
  buildEvaluation,
  DATA_TO,
  DEFAULT_MODELS,
  GATE_THRESHOLDS,
  modelIn,
  mutate,
  scoresIn,
} from './evaluationBuilder.ts';

const base = (): GateInput => ({ candidate: buildEvaluation(), thresholds: GATE_THRESHOLDS });

/** The current champion: lstm v3, on the same data, rmse_return 0.0185 (candidate 0.018). */
function championEvaluation(rmse = 0.0185, spec: Parameters<typeof buildEvaluation>[0] = {}) {
  return buildEvaluation({
    ...spec,
    models: { ...DEFAULT_MODELS, lstm: { kind: 'candidate', rmse_return: rmse } },
  });
}

function withChampion(evaluation: Evaluation, model = 'lstm'): GateInput {
  return { ...base(), champion: { evaluation, model, version: 3 } };
}

function check(decision: GateDecision, name: string) {
  const found = decision.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check ${name}`);
  return found;
}

function withScores(change: (s: Record<string, unknown>) => void, model = 'lstm'): GateInput {
  return {
    ...base(),
    candidate: mutate(buildEvaluation(), (e) => change(scoresIn(e, model))),
  };
}

function withScore(metric: string, value: unknown): GateInput {
  return withScores((s) => {
    s[metric] = value;
  });
}

interface RuleCase {
  readonly rule: string;
  /** The check that decides this case. */
  readonly check: string;
  readonly approve: () => GateInput;
  readonly reject: () => GateInput;
  /** What the reason line says when it rejects. */
  readonly reason: RegExp;
}

const RULES: readonly RuleCase[] = [
  {
    rule: 'absolute MAPE',
    check: 'max_mape',
    approve: () => withScore('mape_price', 0.049),
    reject: () => withScore('mape_price', 0.051),
    reason: /^max_mape: lstm mape_price 0\.051 is above the maximum 0\.05$/,
  },
  {
    rule: 'absolute RMSE of returns',
    check: 'max_rmse_return',
    approve: () => ({ ...base(), thresholds: { ...GATE_THRESHOLDS, max_rmse_return: 0.0181 } }),
    reject: () => ({ ...base(), thresholds: { ...GATE_THRESHOLDS, max_rmse_return: 0.0179 } }),
    reason: /^max_rmse_return: lstm rmse_return 0\.018 is above the maximum 0\.0179$/,
  },
  {
    rule: 'error ratio vs the best baseline',
    check: 'max_error_ratio',
    approve: () => ({
      ...base(),
      candidate: buildEvaluation({
        models: { ...DEFAULT_MODELS, lstm: { kind: 'candidate', rmse_return: 0.0188 } },
      }),
    }),
    // 0.0195 beats persistence (0.02) but not last_close (0.019), the best baseline.
    reject: () => ({
      ...base(),
      candidate: buildEvaluation({
        models: {
          ...DEFAULT_MODELS,
          lstm: { kind: 'candidate', rmse_return: 0.0195, dm_p_value: 0.01 },
        },
      }),
    }),
    reason:
      /^max_error_ratio: lstm rmse_return 0\.0195 ÷ last_close 0\.019 = 1\.02632 is above the maximum 0\.99$/,
  },
  {
    rule: 'reported error ratio cross-checked against the two rmse_return values',
    check: 'max_error_ratio',
    approve: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => {
        const vs = modelIn(e, 'lstm').aggregate.vs.last_close;
        if (vs) vs.error_ratio *= 1 + 1e-9; // float noise, within tolerance
      }),
    }),
    reject: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => {
        const vs = modelIn(e, 'lstm').aggregate.vs.last_close;
        if (vs) vs.error_ratio = 0.9;
      }),
    }),
    reason: /^max_error_ratio: reported error_ratio 0\.9 does not match .* = 0\.947368$/,
  },
  {
    rule: 'Diebold–Mariano p-value vs the best baseline',
    check: 'max_dm_p_value',
    approve: () => ({
      ...base(),
      candidate: buildEvaluation({
        models: {
          ...DEFAULT_MODELS,
          lstm: { kind: 'candidate', rmse_return: 0.018, dm_p_value: 0.049 },
        },
      }),
    }),
    reject: () => ({
      ...base(),
      candidate: buildEvaluation({
        models: {
          ...DEFAULT_MODELS,
          lstm: { kind: 'candidate', rmse_return: 0.018, dm_p_value: 0.051 },
        },
      }),
    }),
    reason: /^max_dm_p_value: one-sided Diebold–Mariano p-value vs last_close 0\.051 is above/,
  },
  {
    rule: 'absolute directional accuracy',
    check: 'min_directional_accuracy',
    approve: () =>
      withScores((s) => {
        s.directional_accuracy = 0.51;
        s.up_day_rate = 0.45;
      }),
    reject: () =>
      withScores((s) => {
        s.directional_accuracy = 0.49;
        s.up_day_rate = 0.45;
      }),
    reason: /^min_directional_accuracy: lstm directional_accuracy 0\.49 is below the minimum 0\.5$/,
  },
  {
    rule: 'directional accuracy null (never called a direction)',
    check: 'min_directional_accuracy',
    approve: base,
    reject: () => withScore('directional_accuracy', null),
    reason:
      /^min_directional_accuracy: lstm directional_accuracy is null: it never called a direction$/,
  },
  {
    rule: 'directional accuracy over the up-day base rate',
    check: 'min_directional_accuracy_over_base_rate',
    approve: () =>
      withScores((s) => {
        s.directional_accuracy = 0.56;
        s.up_day_rate = 0.55;
      }),
    reject: () =>
      withScores((s) => {
        s.directional_accuracy = 0.56;
        s.up_day_rate = 0.58;
      }),
    reason:
      /^min_directional_accuracy_over_base_rate: lstm directional_accuracy 0\.56 − up_day_rate 0\.58 = -0\.02 is below the minimum 0$/,
  },
  {
    rule: 'NaN metric',
    check: 'metrics_finite',
    approve: base,
    reject: () => withScore('mape_price', Number.NaN),
    reason: /^metrics_finite: lstm aggregate mape_price is NaN$/,
  },
  {
    rule: 'Infinity metric',
    check: 'metrics_finite',
    approve: base,
    reject: () => withScore('rmse_return', Number.POSITIVE_INFINITY),
    reason: /^metrics_finite: lstm aggregate rmse_return is Infinity$/,
  },
  {
    rule: 'missing metric',
    check: 'metrics_finite',
    approve: base,
    reject: () => withScores((s) => void delete s.up_day_rate),
    reason: /^metrics_finite: lstm aggregate up_day_rate is missing$/,
  },
  {
    rule: 'missing comparison with the best baseline',
    check: 'metrics_finite',
    approve: base,
    reject: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => {
        delete modelIn(e, 'lstm').aggregate.vs.last_close;
      }),
    }),
    reason:
      /^metrics_finite: lstm aggregate vs\.last_close\.error_ratio is missing; lstm aggregate vs\.last_close\.dm_p_value is missing$/,
  },
  {
    rule: 'fold dates do not line up',
    check: 'folds_aligned',
    approve: base,
    reject: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => {
        const fold = modelIn(e, 'persistence').folds[1];
        if (fold) fold.to = '2023-12-28';
      }),
    }),
    reason:
      /^folds_aligned: folds do not line up: persistence fold 1 to "2023-12-28", plan "2023-12-29"$/,
  },
  {
    rule: 'fold n does not line up',
    check: 'folds_aligned',
    approve: base,
    reject: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => {
        const fold = modelIn(e, 'lstm').folds[0];
        if (fold) fold.scores.n = 123;
      }),
    }),
    reason: /^folds_aligned: folds do not line up: lstm fold 0 n 123, plan 124$/,
  },
  {
    rule: 'fold count does not line up',
    check: 'folds_aligned',
    approve: base,
    reject: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => void modelIn(e, 'last_close').folds.pop()),
    }),
    reason: /^folds_aligned: folds do not line up: last_close has 1 folds, plan 2$/,
  },
  {
    rule: 'aggregate n does not line up',
    check: 'folds_aligned',
    approve: base,
    reject: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => {
        scoresIn(e, 'lstm').n = 250;
      }),
    }),
    reason: /^folds_aligned: folds do not line up: lstm aggregate n 250, plan 249$/,
  },
  {
    rule: 'champion better',
    check: 'min_improvement_vs_champion',
    approve: () => withChampion(championEvaluation(0.0185)),
    reject: () => withChampion(championEvaluation(0.0181)),
    reason:
      /^min_improvement_vs_champion: 1 − lstm rmse_return 0\.018 ÷ champion lstm v3 0\.0181 = 0\.00552486 is below the minimum 0\.01$/,
  },
  {
    rule: 'champion on different data (sha256)',
    check: 'champion_same_data',
    approve: () => withChampion(championEvaluation()),
    reject: () => withChampion(championEvaluation(0.0185, { sha256: 'b'.repeat(64) })),
    reason:
      /^champion_same_data: champion lstm v3 was evaluated on different data: data\.sha256 "b{12}…" ≠ "a{12}…"$/,
  },
  {
    rule: 'champion on different data (data.to)',
    check: 'champion_same_data',
    approve: () => withChampion(championEvaluation()),
    reject: () => withChampion(championEvaluation(0.0185, { dataTo: '2024-03-27' })),
    reason: /data\.to "2024-03-27" ≠ "2024-03-28"/,
  },
  {
    rule: 'champion on different test days',
    check: 'champion_same_data',
    approve: () => withChampion(championEvaluation()),
    reject: () =>
      withChampion(
        mutate(championEvaluation(), (e) => {
          const fold = e.plan.folds[0];
          if (fold) fold.test_from = '2023-01-04';
        }),
      ),
    reason: /fold 0 test_from "2023-01-04" ≠ "2023-01-03"/,
  },
  {
    rule: 'champion of another symbol',
    check: 'champion_same_data',
    approve: () => withChampion(championEvaluation()),
    reject: () => withChampion(championEvaluation(0.0185, { symbol: 'MSFT' })),
    reason: /symbol "MSFT" ≠ "AMZN"/,
  },
  {
    rule: 'champion model missing from its evaluation',
    check: 'champion_model_present',
    approve: () => withChampion(championEvaluation(), 'lstm'),
    reject: () => withChampion(championEvaluation(), 'gru'),
    reason:
      /^champion_model_present: champion gru v3 is missing from its evaluation \(models: last_close, lstm, persistence\)$/,
  },
  {
    rule: 'stale evaluation',
    check: 'evaluation_fresh',
    approve: () => ({ ...base(), dataTo: DATA_TO }),
    reject: () => ({ ...base(), dataTo: '2024-04-01' }),
    reason:
      /^evaluation_fresh: evaluation is older than the data \(evaluated to 2024-03-28, data to 2024-04-01\)$/,
  },
  {
    rule: 'evaluation newer than the data',
    check: 'evaluation_fresh',
    approve: () => ({ ...base(), dataTo: DATA_TO }),
    reject: () => ({ ...base(), dataTo: '2024-03-27' }),
    reason: /^evaluation_fresh: evaluation is newer than the data/,
  },
  {
    rule: 'wrong schema',
    check: 'schema',
    approve: base,
    reject: () => ({
      ...base(),
      candidate: mutate(buildEvaluation(), (e) => {
        (e as { schema: string }).schema = 'stockops.evaluation/v1';
      }),
    }),
    reason: /^schema: expected schema stockops\.evaluation\/v2, got "stockops\.evaluation\/v1"$/,
  },
  {
    rule: 'no candidate',
    check: 'candidate_present',
    approve: base,
    reject: () => ({
      ...base(),
      candidate: buildEvaluation({
        models: { persistence: DEFAULT_MODELS.persistence, last_close: DEFAULT_MODELS.last_close },
      }),
    }),
    reason: /^candidate_present: the evaluation has no candidate: nothing to promote$/,
  },
  {
    rule: 'candidate names a baseline',
    check: 'candidate_present',
    approve: base,
    reject: () => ({ ...base(), candidate: buildEvaluation({ candidate: 'persistence' }) }),
    reason: /^candidate_present: persistence is of kind "baseline", not a candidate$/,
  },
  {
    rule: 'best_baseline is not the best baseline',
    check: 'best_baseline',
    approve: base,
    reject: () => ({ ...base(), candidate: buildEvaluation({ best_baseline: 'persistence' }) }),
    reason:
      /^best_baseline: best_baseline persistence \(rmse_return 0\.02\) is not the best: last_close 0\.019$/,
  },
];

describe('evaluateGate: one rule at a time', () => {
  describe.each(RULES)('$rule', ({ check: name, approve, reject, reason }) => {
    it('approves when the rule is met', () => {
      const decision = evaluateGate(approve());
      expect(check(decision, name).passed).toBe(true);
      expect(decision.reasons).toEqual([]);
      expect(decision.decision).toBe('approve');
    });

    it('rejects when it is not, naming why', () => {
      const decision = evaluateGate(reject());
      expect(decision.decision).toBe('reject');
      expect(check(decision, name).passed).toBe(false);
      expect(decision.reasons.find((r) => r.startsWith(`${name}:`))).toMatch(reason);
    });
  });
});

describe('evaluateGate', () => {
  it('approves a candidate that passes every check, with a champion and a data date', () => {
    const input: GateInput = { ...withChampion(championEvaluation()), dataTo: DATA_TO };
    const decision = evaluateGate(input);
    expect(decision).toMatchObject({
      schema: 'stockops.gate-decision/v1',
      decision: 'approve',
      candidate: 'lstm',
      best_baseline: 'last_close',
      champion: 'lstm',
      reasons: [],
    });
    expect(decision.checks.map((c) => c.name)).toEqual([...GATE_CHECK_NAMES]);
    expect(decision.checks.every((c) => c.passed)).toBe(true);
    expect(check(decision, 'max_error_ratio')).toMatchObject({
      value: 0.018 / 0.019,
      threshold: 0.99,
      comparator: '<=',
    });
    expect(check(decision, 'min_improvement_vs_champion').value).toBeCloseTo(1 - 0.018 / 0.0185);
  });

  it('without a champion records the champion checks as passed "no champion yet"', () => {
    const decision = evaluateGate(base());
    expect(decision.decision).toBe('approve');
    expect(decision.champion).toBeNull();
    for (const name of [
      'champion_same_data',
      'champion_model_present',
      'min_improvement_vs_champion',
    ]) {
      expect(check(decision, name)).toMatchObject({
        passed: true,
        detail: NO_CHAMPION,
        value: null,
      });
    }
  });

  it('a candidate worse than the best baseline is rejected even when no champion exists', () => {
    const input = RULES.find((r) => r.rule === 'error ratio vs the best baseline')?.reject;
    expect(input).toBeDefined();
    const decision = evaluateGate((input as () => GateInput)());
    expect(decision.reasons).toHaveLength(1);
    expect(check(decision, 'max_error_ratio').value).toBeCloseTo(0.0195 / 0.019, 12);
  });

  it('fails a check that throws, with the message, and still runs the others', () => {
    const candidate = buildEvaluation();
    const broken = {
      ...candidate,
      get plan(): never {
        throw new Error('disk on fire');
      },
    } as unknown as Evaluation;
    const decision = evaluateGate({ ...base(), candidate: broken });
    expect(decision.decision).toBe('reject');
    expect(check(decision, 'folds_aligned')).toMatchObject({
      passed: false,
      detail: 'check failed: disk on fire',
    });
    expect(check(decision, 'max_mape').passed).toBe(true);
    expect(decision.checks).toHaveLength(GATE_CHECK_NAMES.length);
  });

  it('fails closed on a champion whose rmse_return is not finite', () => {
    const champion = mutate(championEvaluation(), (e) => {
      scoresIn(e, 'lstm').rmse_return = Number.NaN;
    });
    const decision = evaluateGate(withChampion(champion));
    expect(decision.reasons).toEqual([
      'min_improvement_vs_champion: champion lstm v3 aggregate rmse_return is NaN',
    ]);
  });

  it('fails closed on a non-finite threshold', () => {
    const decision = evaluateGate({
      ...base(),
      thresholds: { ...GATE_THRESHOLDS, max_mape: Number.NaN },
    });
    expect(decision.decision).toBe('reject');
    expect(decision.reasons).toEqual(['max_mape: threshold gate.max_mape is NaN']);
  });

  it('rejects, without throwing, input that is not an evaluation at all', () => {
    const decision = evaluateGate({
      candidate: null as unknown as Evaluation,
      thresholds: GATE_THRESHOLDS,
    });
    expect(decision.decision).toBe('reject');
    expect(decision.candidate).toBe('');
    expect(decision.checks).toHaveLength(GATE_CHECK_NAMES.length);
    expect(decision.checks.filter((c) => c.passed).map((c) => c.name)).toEqual([
      'evaluation_fresh',
      'champion_same_data',
      'champion_model_present',
      'min_improvement_vs_champion',
    ]);
  });

  it('does not resolve model names through the prototype', () => {
    const decision = evaluateGate({
      ...base(),
      candidate: buildEvaluation({ candidate: 'constructor' }),
    });
    expect(check(decision, 'candidate_present').detail).toBe(
      'candidate "constructor" is missing from the evaluation',
    );
  });

  it('is deterministic: same decision twice, whatever the model order, input untouched', () => {
    const input = withChampion(championEvaluation(0.0181));
    const frozen = structuredClone(input);
    const first = evaluateGate(input);
    const reordered = mutate(input.candidate, (e) => {
      e.models = Object.fromEntries(Object.entries(e.models).reverse());
    });
    expect(evaluateGate(input)).toEqual(first);
    expect(JSON.stringify(evaluateGate({ ...input, candidate: reordered }))).toBe(
      JSON.stringify(first),
    );
    expect(input).toEqual(frozen);
  });

  it('produces JSON-safe values: a NaN metric is reported as null, never NaN', () => {
    const decision = evaluateGate(withScore('mape_price', Number.NaN));
    expect(check(decision, 'max_mape')).toMatchObject({ value: null, passed: false });
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});

describe('renderGateMarkdown', () => {
  it('renders one table row per check, then the reasons', () => {
    const decision = evaluateGate(withChampion(championEvaluation(0.0181)));
    const md = renderGateMarkdown(decision);
    expect(md).toContain('### Promotion gate: ❌ reject');
    expect(md).toContain('| check | value | threshold | result |');
    for (const name of GATE_CHECK_NAMES) expect(md).toMatch(new RegExp(`^\\| ${name} \\|`, 'm'));
    expect(md).toMatch(/^\| max_error_ratio \| 0\.947368 \| ≤ 0\.99 \| ✅ pass: /m);
    expect(md).toMatch(/^\| min_improvement_vs_champion \| 0\.00552486 \| ≥ 0\.01 \| ❌ fail: /m);
    expect(md).toMatch(/^\| schema \| — \| — \| ✅ pass: stockops\.evaluation\/v2 \|$/m);
    expect(md).toContain('**Rejected because:**\n\n- min_improvement_vs_champion: 1 − lstm');
  });

  it('escapes pipes so a detail cannot break the table', () => {
    const decision: GateDecision = {
      ...evaluateGate(base()),
      checks: [
        {
          name: 'schema',
          value: null,
          threshold: null,
          comparator: 'match',
          passed: false,
          detail: 'got "a|b"\nsecond line',
        },
      ],
    };
    const md = renderGateMarkdown(decision);
    expect(md).toContain('| schema | — | — | ❌ fail: got "a\\|b" second line |');
  });

  it('says approve, and lists no reasons, when approved', () => {
    const md = renderGateMarkdown(evaluateGate(base()));
    expect(md).toContain('### Promotion gate: ✅ approve');
    expect(md).toContain('champion none yet');
    expect(md).not.toContain('Rejected because');
  });
});

describe('renderGateText', () => {
  it('prints the decision, then one aligned line per check', () => {
    const text = renderGateText(evaluateGate(base()));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('approve: candidate lstm, best baseline last_close, champion none yet');
    expect(lines).toHaveLength(GATE_CHECK_NAMES.length + 1);
    expect(lines[1]).toMatch(/^ {2}pass schema {2,}/);
  });
});
