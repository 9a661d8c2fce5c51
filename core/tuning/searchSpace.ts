import type { TuningConfig } from '../config/configTypes.ts';

/** One hyperparameter's range, as config declares it and SageMaker's tuner understands it. */
export interface ParameterRange {
  readonly name: 'units' | 'learning_rate' | 'dropout' | 'window';
  readonly type: 'integer' | 'continuous';
  readonly min: number;
  readonly max: number;
  readonly scale: 'linear' | 'log';
}

export type TrialParameters = Readonly<Record<ParameterRange['name'], number>>;

export function searchSpace(tuning: TuningConfig): ParameterRange[] {
  const r = tuning.ranges;
  const range = (
    name: ParameterRange['name'],
    type: ParameterRange['type'],
    [min, max]: readonly [number, number],
    scale: ParameterRange['scale'] = 'linear',
  ): ParameterRange => {
    if (!(min <= max)) {
      throw new RangeError(`tuning.ranges.${name}: min ${min} is above max ${max}`);
    }
    return { name, type, min, max, scale };
  };
  return [
    range('units', 'integer', r.units),
    range('learning_rate', 'continuous', r.learning_rate, 'log'),
    range('dropout', 'continuous', r.dropout),
    range('window', 'integer', r.window),
  ];
}

/** Draws one trial: uniform (or log-uniform) per range; integers inclusive of both ends. */
export function sampleTrial(
  space: readonly ParameterRange[],
  random: () => number,
): TrialParameters {
  const out: Record<string, number> = {};
  for (const p of space) {
    const u = random();
    if (p.type === 'integer') out[p.name] = p.min + Math.floor(u * (p.max - p.min + 1));
    else if (p.scale === 'log')
      out[p.name] = Math.exp(Math.log(p.min) + u * (Math.log(p.max) - Math.log(p.min)));
    else out[p.name] = p.min + u * (p.max - p.min);
  }
  return out as TrialParameters;
}
