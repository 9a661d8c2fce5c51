import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../core/evaluate/evaluationTypes.ts';
import {
  HyperparameterError,
  hyperparameterForPath,
  parseHyperparameters,
} from '../../core/training/hyperparameters.ts';
import { metricLines } from '../../core/training/metricLines.ts';
import { metricDefinitions } from '../../core/tuning/sagemakerTuning.ts';

describe('hyperparameters.json', () => {
  it('parses string values (and JSON-quoted ones) into a config overlay; unknown keys are listed', () => {
    const parsed = parseHyperparameters({
      units: '16',
      learning_rate: '0.002',
      dropout: '"0.1"',
      window: '20',
      warm_start: 'False',
      avg_price: '(high+low+close)/3',
      folds: 3,
      symbol: 'amzn',
      _tuning_objective_metric: 'walkforward:rmse_return',
      sagemaker_job_name: '"tune-1"',
      toString: 'x',
    });
    expect(parsed.overlay).toEqual({
      model: { units: 16, learning_rate: 0.002, dropout: 0.1, warm_start: false },
      features: { window: 20, avg_price: '(high+low+close)/3' },
      evaluation: { folds: 3 },
    });
    expect(parsed.symbol).toBe('AMZN');
    expect(parsed.ignored).toEqual(['_tuning_objective_metric', 'sagemaker_job_name', 'toString']);
    expect(parseHyperparameters({})).toEqual({ overlay: {}, symbol: undefined, ignored: [] });
  });

  it('names every value it cannot read', () => {
    const attempt = () =>
      parseHyperparameters({
        units: '16.5',
        learning_rate: 'fast',
        warm_start: 'yes',
        epochs: '',
        avg_price: '',
        seed: 1.5,
        symbol: '$$$',
        patience: null,
      });
    expect(attempt).toThrow(HyperparameterError);
    try {
      attempt();
    } catch (error) {
      expect((error as HyperparameterError).problems).toEqual([
        'units: expected an integer (got "16.5")',
        'learning_rate: expected a number (got "fast")',
        'warm_start: expected true or false (got "yes")',
        'epochs: expected an integer (got "")',
        'avg_price: expected a non-empty string (got "")',
        'seed: expected an integer (got 1.5)',
        'symbol: expected a ticker such as AMZN (got "$$$")',
        'patience: expected an integer (got null)',
      ]);
    }
    expect(() => parseHyperparameters([])).toThrow(/must be a JSON object/);
    expect(() => parseHyperparameters({ dropout: '"unterminated' })).toThrow(
      'dropout: expected a number (got "\\"unterminated")',
    );
  });

  it('maps config paths back to hyperparameter names', () => {
    expect(hyperparameterForPath('model.units')).toBe('units');
    expect(hyperparameterForPath('features.window')).toBe('window');
    expect(hyperparameterForPath('gate.max_mape')).toBeUndefined();
  });
});

describe('metric lines', () => {
  const range = (rmse: number, ratio: number, da: number | null) => ({
    from: '2024-01-02',
    to: '2024-06-28',
    scores: {
      n: 100,
      rmse_price: 1,
      mae_price: 1,
      mape_price: 0.011,
      rmse_return: rmse,
      mae_return: 0.01,
      mase: 0.9,
      directional_accuracy: da,
      up_day_rate: 0.52,
    },
    vs: {
      last_close: { baseline: 'last_close', error_ratio: ratio, dm_statistic: -1, dm_p_value: 0.2 },
    },
  });
  const evaluation = {
    best_baseline: 'last_close',
    candidate: 'lstm',
    models: {
      lstm: {
        folds: [
          { fold: 0, ...range(0.02, 1.1, 0.5) },
          { fold: 1, ...range(0.03, 1e-7, null) },
        ],
        aggregate: range(0.0175, 1.0048, 0.53),
        holdout: range(0.777, 9.99, 0.999),
      },
    },
  } as unknown as Evaluation;

  it('match the MetricDefinitions regexes; per-fold first, gate metrics last, objective last of all', () => {
    const lines = metricLines(evaluation);
    const defs = metricDefinitions().map((d) => ({ name: d.Name, regex: new RegExp(d.Regex) }));
    for (const line of lines) expect(defs.some((d) => d.regex.test(line))).toBe(true);
    // SageMaker keeps the last match of each regex as the final value: the aggregate
    const last = (name: string) => {
      const regex = defs.find((d) => d.name === name)?.regex as RegExp;
      const values = lines.map((l) => regex.exec(l)?.[1]).filter((v) => v !== undefined);
      return Number(values.at(-1));
    };
    expect(last('walkforward:rmse_return')).toBe(0.0175);
    expect(last('walkforward:error_ratio_vs_best_baseline')).toBe(1.0048);
    expect(last('walkforward:directional_accuracy')).toBe(0.53);
    expect(last('walkforward:mape_price')).toBe(0.011);
    expect(lines.at(-1)).toBe('walkforward:rmse_return=0.0175');
    expect(lines.slice(-4).map((l) => l.split('=')[0])).toEqual(defs.map((d) => d.name));
    // exponent form matches too; a missing value is left out; the hold-out is never printed
    expect(lines).toContain('walkforward:error_ratio_vs_best_baseline=1e-7');
    expect(lines.filter((l) => l.startsWith('walkforward:directional_accuracy='))).toHaveLength(2);
    expect(lines.some((l) => /=(0\.777|9\.99|0\.999)$/.test(l))).toBe(false);
  });

  it('needs a candidate', () => {
    expect(() => metricLines({ ...evaluation, candidate: null })).toThrow(/no candidate/);
  });
});
