import { describe, expect, it } from 'vitest';
import { buildFeatureTable, type FeatureTable } from '../../core/features/featureTable.ts';
import type { PriceBar } from '../../core/market/priceBar.ts';
import { loadLstm, ModelFormatError, saveLstm } from '../../core/model/lstmArtifacts.ts';
import {
  type FittedLstm,
  fitScaler,
  LstmForecaster,
  type LstmHyperparameters,
} from '../../core/model/lstmForecaster.ts';
import { tf, tfReady } from '../../core/model/tfRuntime.ts';
import { syntheticBars } from '../support/syntheticBars.ts';

const hyper: LstmHyperparameters = {
  units: 4,
  layers: 1,
  dropout: 0,
  window: 5,
  epochs: 3,
  batchSize: 16,
  learningRate: 0.01,
  patience: 2,
  validationFraction: 0.2,
  warmStart: true,
  seed: 11,
};
const featureOptions = { avgPrice: '(high+low)/2', volatilityWindow: 5, volumeWindow: 5 } as const;

function table(bars: PriceBar[]): FeatureTable {
  return buildFeatureTable(bars, featureOptions);
}
const bars = syntheticBars(260, '2021-01-04');
const base = table(bars);
const first = base.firstComplete + hyper.window - 1;
const trainOrigins = Array.from({ length: 150 }, (_, i) => first + i);
const cutoff = (trainOrigins.at(-1) ?? 0) + 1; // the last training target's row
const testOrigins = Array.from({ length: 40 }, (_, i) => cutoff + 10 + i);

async function weightsOf(fitted: FittedLstm): Promise<number[][]> {
  return Promise.all(fitted.model.getWeights().map(async (w) => Array.from(await w.data())));
}

describe('LSTM forecaster', () => {
  it('runs on the WASM backend', async () => {
    expect(await tfReady()).toBe('wasm');
  });

  it('is deterministic for a seed and differs for another seed', async () => {
    const a = await new LstmForecaster(hyper).fit(base, trainOrigins, { fold: 0 });
    const b = await new LstmForecaster(hyper).fit(base, trainOrigins, { fold: 0 });
    const c = await new LstmForecaster({ ...hyper, seed: 12 }).fit(base, trainOrigins, { fold: 0 });
    expect(await weightsOf(b)).toEqual(await weightsOf(a));
    expect(await b.predict(base, testOrigins)).toEqual(await a.predict(base, testOrigins));
    expect(await weightsOf(c)).not.toEqual(await weightsOf(a));
    expect(a.report?.samples).toBeGreaterThan(0);
  });

  it('leaks nothing: bars after the cut-off leave scaler and weights bit-identical', async () => {
    const changed = bars.map((b, i) =>
      i > cutoff ? { ...b, high: b.high * 1.5, close: b.close * 1.2, volume: b.volume * 3 } : b,
    );
    const other = table(changed);
    expect(fitScaler(other, trainOrigins, hyper.window)).toEqual(
      fitScaler(base, trainOrigins, hyper.window),
    );
    const a = await new LstmForecaster(hyper).fit(base, trainOrigins, { fold: 0 });
    const b = await new LstmForecaster(hyper).fit(other, trainOrigins, { fold: 0 });
    expect(await weightsOf(b)).toEqual(await weightsOf(a));
  });

  it('a forecast at origin t is unchanged when any bar after t changes', async () => {
    const fitted = await new LstmForecaster(hyper).fit(base, trainOrigins, { fold: 0 });
    const t = testOrigins[5] as number;
    const changed = table(
      bars.map((b, i) => (i > t ? { ...b, close: b.close * 2, high: b.high * 2 } : b)),
    );
    expect((await fitted.predict(changed, [t]))[0]).toBe((await fitted.predict(base, [t]))[0]);
  });

  it('warm-starts from the previous fold when the architecture matches', async () => {
    const previous = await new LstmForecaster({ ...hyper, epochs: 1 }).fit(base, trainOrigins, {
      fold: 0,
    });
    const cold = await new LstmForecaster({ ...hyper, epochs: 1 }).fit(base, trainOrigins, {
      fold: 1,
    });
    const warm = await new LstmForecaster({ ...hyper, epochs: 1 }).fit(base, trainOrigins, {
      fold: 1,
      previous,
    });
    expect(await weightsOf(warm)).not.toEqual(await weightsOf(cold));
    const noWarm = await new LstmForecaster({ ...hyper, epochs: 1, warmStart: false }).fit(
      base,
      trainOrigins,
      {
        fold: 1,
        previous,
      },
    );
    expect(await weightsOf(noWarm)).toEqual(await weightsOf(cold));
  });

  it('stacks layers with seeded dropout deterministically', async () => {
    const h = { ...hyper, layers: 2, dropout: 0.2, epochs: 2 };
    const a = await new LstmForecaster(h).fit(base, trainOrigins, { fold: 0 });
    const b = await new LstmForecaster(h).fit(base, trainOrigins, { fold: 0 });
    expect(a.model.layers.map((l) => l.getClassName())).toEqual([
      'Dropout',
      'LSTM',
      'Dropout',
      'LSTM',
      'Dense',
    ]);
    expect(await b.predict(base, testOrigins)).toEqual(await a.predict(base, testOrigins));
  });

  it('refuses too few training origins for one batch', async () => {
    await expect(
      new LstmForecaster({ ...hyper, batchSize: 512 }).fit(base, trainOrigins, { fold: 0 }),
    ).rejects.toThrow(/more training origins than one batch/);
  });

  it('saves to a model directory that loads back to bit-identical predictions', async () => {
    const fitted = await new LstmForecaster(hyper).fit(base, trainOrigins, { fold: -1 });
    const files = await saveLstm(fitted, {
      avgPrice: '(high+low)/2',
      trainedOn: { from: '2021-01-04', to: '2021-08-01', origins: trainOrigins.length },
    });
    expect(Object.keys(files).sort()).toEqual([
      'feature_spec.json',
      'metadata.json',
      'model.json',
      'scaler.json',
      'weights.bin',
    ]);
    const again = await saveLstm(fitted, {
      avgPrice: '(high+low)/2',
      trainedOn: { from: '2021-01-04', to: '2021-08-01', origins: trainOrigins.length },
    });
    expect(again).toEqual(files); // byte-stable artifacts
    const { fitted: loaded, spec } = await loadLstm(files);
    expect(spec.window).toBe(hyper.window);
    expect(await loaded.predict(base, testOrigins)).toEqual(
      await fitted.predict(base, testOrigins),
    );
  });

  it('refuses a model directory it cannot read', async () => {
    const fitted = await new LstmForecaster(hyper).fit(base, trainOrigins, { fold: -1 });
    const files = await saveLstm(fitted, {
      avgPrice: '(high+low)/2',
      trainedOn: { from: 'a', to: 'b', origins: 1 },
    });
    const { 'weights.bin': _w, ...noWeights } = files;
    await expect(loadLstm(noWeights)).rejects.toThrow(/no weights\.bin/);
    const badSpec = {
      ...files,
      'feature_spec.json': new TextEncoder().encode('{"feature_version": 99, "columns": []}'),
    };
    await expect(loadLstm(badSpec)).rejects.toThrow(ModelFormatError);
    await expect(
      loadLstm({ ...files, 'metadata.json': new TextEncoder().encode('{') }),
    ).rejects.toThrow(/metadata\.json is not valid JSON/);
  });

  it('leaves no tensors behind after fit and predict', async () => {
    const before = tf.memory().numTensors;
    const fitted = await new LstmForecaster(hyper).fit(base, trainOrigins, { fold: 0 });
    await fitted.predict(base, testOrigins);
    const weights = fitted.model.getWeights().length;
    fitted.dispose();
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(weights);
  });
});
