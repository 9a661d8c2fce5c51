import { describe, expect, it } from 'vitest';
import { InvocationError } from '../../core/serving/invocationError.ts';
import type { ServingModel } from '../../core/serving/servingModel.ts';
import { parseWeights, variantRouter } from '../../core/serving/variantRouter.ts';

const model = { name: 'm', version: 1, rows: 1 } as unknown as ServingModel;
const v = (name: string, weight: number) => ({ name, weight, model });

describe('variant router', () => {
  it('splits 2,000 unaddressed requests within 0.5% of the weights, the same way every time', () => {
    const split = () => {
      const router = variantRouter([v('champion', 0.9), v('challenger', 0.1)]);
      const counts = { champion: 0, challenger: 0 };
      for (let i = 0; i < 2000; i++) counts[router.route(undefined).name as keyof typeof counts]++;
      return counts;
    };
    const counts = split();
    expect(Math.abs(counts.challenger / 2000 - 0.1)).toBeLessThan(0.005);
    expect(split()).toEqual(counts);
    const three = variantRouter([v('a', 1), v('b', 2), v('c', 1)]);
    const c3: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 4000; i++) {
      const name = three.route(undefined).name;
      c3[name] = (c3[name] ?? 0) + 1;
    }
    expect(Math.abs((c3.b ?? 0) - 2000)).toBeLessThan(20);
    expect(Math.abs((c3.a ?? 0) - 1000)).toBeLessThan(20);
  });

  it('honours a target variant, weight 0 included, and names the variants for an unknown one', () => {
    const router = variantRouter([v('champion', 1), v('challenger', 0)]);
    for (let i = 0; i < 50; i++) expect(router.route(undefined).name).toBe('champion');
    expect(router.route('challenger').name).toBe('challenger');
    const error = (() => {
      try {
        router.route('canary');
      } catch (e) {
        return e;
      }
    })() as InvocationError;
    expect(error).toBeInstanceOf(InvocationError);
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      'target variant "canary" is not served here: variants are champion, challenger',
    );
  });

  it('refuses variant sets SageMaker would refuse', () => {
    expect(() => variantRouter([])).toThrow(/at least one variant/);
    expect(() => variantRouter([v('a', 1), v('a', 1)])).toThrow(/two variants are named "a"/);
    expect(() => variantRouter([v('bad_name', 1)])).toThrow(/variant name "bad_name" is not valid/);
    expect(() => variantRouter([v('a', -1)])).toThrow(/weight must be a number ≥ 0/);
    expect(() => variantRouter([v('a', 0)])).toThrow(/at least one variant needs a weight above 0/);
  });

  it('parses --weights', () => {
    expect(parseWeights('0.9,0.1', 2)).toEqual([0.9, 0.1]);
    expect(parseWeights(' 3 , 1 ', 2)).toEqual([3, 1]);
    for (const bad of ['0.9', '0.9,0.1,0', 'a,b', '-1,2', '0,0', '1,']) {
      expect(() => parseWeights(bad, 2)).toThrow(/expected 2 comma-separated numbers ≥ 0/);
    }
  });
});
