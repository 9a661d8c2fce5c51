import { describe, expect, it } from 'vitest';
import type { TuningConfig } from '../../core/config/configTypes.ts';
import { seededRandom } from '../../core/model/seededRandom.ts';
import { randomSearch } from '../../core/tuning/randomSearch.ts';
import {
  metricDefinitions,
  sagemakerTuningJobConfig,
  TUNING_OBJECTIVE_METRIC,
} from '../../core/tuning/sagemakerTuning.ts';
import { sampleTrial, searchSpace } from '../../core/tuning/searchSpace.ts';

const tuning: TuningConfig = {
  trials: 6,
  ranges: { units: [8, 48], learning_rate: [0.0003, 0.005], dropout: [0, 0.3], window: [10, 40] },
};

describe('search space', () => {
  it('draws every parameter inside its range, integers whole, learning rate log-uniform', () => {
    const space = searchSpace(tuning);
    const random = seededRandom(1);
    const draws = Array.from({ length: 2000 }, () => sampleTrial(space, random));
    for (const d of draws) {
      expect(Number.isInteger(d.units) && d.units >= 8 && d.units <= 48).toBe(true);
      expect(Number.isInteger(d.window) && d.window >= 10 && d.window <= 40).toBe(true);
      expect(d.learning_rate).toBeGreaterThanOrEqual(0.0003);
      expect(d.learning_rate).toBeLessThanOrEqual(0.005);
      expect(d.dropout).toBeGreaterThanOrEqual(0);
      expect(d.dropout).toBeLessThanOrEqual(0.3);
    }
    expect(new Set(draws.map((d) => d.units)).size).toBe(41); // both ends reachable
    // log-uniform: about half the draws fall below the geometric midpoint
    const mid = Math.sqrt(0.0003 * 0.005);
    const below = draws.filter((d) => d.learning_rate < mid).length / draws.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
  });

  it('rejects a range whose min is above its max', () => {
    expect(() => searchSpace({ ...tuning, ranges: { ...tuning.ranges, units: [50, 10] } })).toThrow(
      /tuning\.ranges\.units: min 50 is above max 10/,
    );
  });
});

describe('random search', () => {
  it('finds the lowest objective, is reproducible for a seed, and records failed trials', async () => {
    const objective = async (p: { units: number; window: number }) => {
      if (p.units > 44) throw new Error('too big');
      return (p.units - 20) ** 2 + (p.window - 25) ** 2;
    };
    const seen: number[] = [];
    const a = await randomSearch({
      space: searchSpace(tuning),
      trials: 30,
      seed: 3,
      objective,
      onTrial: (r) => seen.push(r.trial),
    });
    const b = await randomSearch({ space: searchSpace(tuning), trials: 30, seed: 3, objective });
    expect(a).toEqual(b);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const finite = a.trials.filter((t) => Number.isFinite(t.objective)).map((t) => t.objective);
    expect(a.best.objective).toBe(Math.min(...finite));
    expect(a.trials.some((t) => t.error === 'too big')).toBe(true);
  });

  it('fails when every trial fails, with the first error', async () => {
    await expect(
      randomSearch({
        space: searchSpace(tuning),
        trials: 2,
        seed: 1,
        objective: async () => {
          throw new Error('no data');
        },
      }),
    ).rejects.toThrow(/every tuning trial failed; the first: no data/);
  });
});

describe('SageMaker tuning config', () => {
  it('renders the same ranges as HyperParameterTuningJobConfig, bounds as strings', () => {
    const config = sagemakerTuningJobConfig(tuning);
    expect(config).toEqual({
      Strategy: 'Bayesian',
      HyperParameterTuningJobObjective: { Type: 'Minimize', MetricName: 'walkforward:rmse_return' },
      ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 },
      ParameterRanges: {
        IntegerParameterRanges: [
          { Name: 'units', MinValue: '8', MaxValue: '48', ScalingType: 'Linear' },
          { Name: 'window', MinValue: '10', MaxValue: '40', ScalingType: 'Linear' },
        ],
        ContinuousParameterRanges: [
          {
            Name: 'learning_rate',
            MinValue: '0.0003',
            MaxValue: '0.005',
            ScalingType: 'Logarithmic',
          },
          { Name: 'dropout', MinValue: '0', MaxValue: '0.3', ScalingType: 'Linear' },
        ],
        CategoricalParameterRanges: [],
      },
      TrainingJobEarlyStoppingType: 'Auto',
    });
    expect(sagemakerTuningJobConfig(tuning, { strategy: 'Random', maxParallel: 1 }).Strategy).toBe(
      'Random',
    );
  });

  it('metric definitions match the lines the container prints, the objective last', () => {
    const defs = metricDefinitions();
    expect(defs.at(-1)?.Name).toBe(TUNING_OBJECTIVE_METRIC);
    for (const d of defs) {
      for (const value of ['0.0197', '1e-05', '-0.5', '12']) {
        const m = new RegExp(d.Regex).exec(`INFO ${d.Name}=${value}\n`);
        expect(Number(m?.[1])).toBe(Number(value));
      }
    }
  });
});
