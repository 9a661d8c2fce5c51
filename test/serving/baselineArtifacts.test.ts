import { describe, expect, it } from 'vitest';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import { isBaselineArtifact, loadBaseline } from '../../core/model/baselineArtifacts.ts';
import { BASELINE_NAMES, baselineForecasters } from '../../core/model/baselines.ts';
import { ModelFormatError } from '../../core/model/lstmArtifacts.ts';
import { BARS } from './servingFixtures.ts';

const features = { avgPrice: '(high+low)/2', volatilityWindow: 5, volumeWindow: 5 } as const;
const table = buildFeatureTable(BARS, features);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const train = range(table.firstComplete, 200);
const test = range(200, BARS.length); // the last row included: a live forecast

/** The artifact bytes trainFinalModels writes for a fitted baseline. */
function artifactOf(name: string, params: Record<string, unknown>) {
  const artifact = {
    format: 'stockops.baseline/v1',
    name,
    trained_on: { from: '2021-01-04', to: '2021-10-20', origins: train.length },
    params,
  };
  return { 'model.json': new TextEncoder().encode(`${JSON.stringify(artifact, null, 2)}\n`) };
}

describe('baseline artifacts', () => {
  it.each(BASELINE_NAMES)(
    '%s: the rebuilt model forecasts bit-identically to the fitted one',
    async (name) => {
      const forecaster = baselineForecasters().find((f) => f.name === name);
      const fitted = await forecaster?.fit(table, train, { fold: -1 });
      if (!fitted) throw new Error(name);
      const files = artifactOf(name, fitted.describe());
      expect(isBaselineArtifact(files)).toBe(true);
      const { fitted: rebuilt, artifact } = loadBaseline(files);
      expect(artifact.name).toBe(name);
      expect(rebuilt.name).toBe(name);
      expect(await rebuilt.predict(table, test)).toEqual(await fitted.predict(table, test));
      expect(rebuilt.describe()).toEqual(fitted.describe());
    },
  );

  it('refuses what it cannot rebuild, naming the field', () => {
    const bad = (model: unknown) => () =>
      loadBaseline({ 'model.json': new TextEncoder().encode(JSON.stringify(model)) });
    expect(() => loadBaseline({})).toThrow(/no model.json/);
    expect(() => loadBaseline({ 'model.json': new TextEncoder().encode('{') })).toThrow(
      ModelFormatError,
    );
    expect(bad({ format: 'layers-model' })).toThrow(/expected format "stockops.baseline\/v1"/);
    expect(bad({ format: 'stockops.baseline/v1', name: 'oracle' })).toThrow(
      /unknown baseline "oracle"/,
    );
    expect(bad({ format: 'stockops.baseline/v1', name: 'drift', params: {} })).toThrow(
      /params.drift must be a finite number/,
    );
    expect(
      bad({ format: 'stockops.baseline/v1', name: 'linear_ar', params: { standardized: 3 } }),
    ).toThrow(/params.standardized must be an object/);
    expect(
      bad({
        format: 'stockops.baseline/v1',
        name: 'linear_ar',
        params: { standardized: { intercept: 0, coefficients: { log_return: 1 } } },
      }),
    ).toThrow(/params.standardized.coefficients.close_to_avg must be a finite number/);
    expect(isBaselineArtifact({ 'model.json': new TextEncoder().encode('not json') })).toBe(false);
    expect(isBaselineArtifact({})).toBe(false);
  });

  it('a rebuilt rule refuses origins outside the table and warm-up rows', async () => {
    const { fitted } = loadBaseline(artifactOf('last_close', {}));
    await expect(fitted.predict(table, [table.dates.length])).rejects.toThrow(
      /not a row of the table/,
    );
    const { fitted: ar } = loadBaseline(
      artifactOf(
        'linear_ar',
        (await baselineForecasters()[3]?.fit(table, train, { fold: 0 }))?.describe() ?? {},
      ),
    );
    await expect(ar.predict(table, [0])).rejects.toThrow(/not defined at row 0/);
  });
});
