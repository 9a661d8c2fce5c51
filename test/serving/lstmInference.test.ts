import { describe, expect, it } from 'vitest';
import { forecastOrigins } from '../../core/evaluate/walkForwardEvaluation.ts';
import { buildFeatureTable } from '../../core/features/featureTable.ts';
import { loadLstm, saveLstm } from '../../core/model/lstmArtifacts.ts';
import {
  FittedLstm,
  LstmForecaster,
  type LstmHyperparameters,
} from '../../core/model/lstmForecaster.ts';
import {
  AGREEMENT_TOLERANCE,
  compileLstmInference,
  verifiedLstmInference,
} from '../../core/model/lstmInference.ts';
import { tf } from '../../core/model/tfRuntime.ts';
import { servingModelFromFiles } from '../../core/serving/servingModel.ts';
import { BARS } from './servingFixtures.ts';

const features = { avgPrice: '(high+low)/2', volatilityWindow: 5, volumeWindow: 5 } as const;
const table = buildFeatureTable(BARS, features);
const hyper: LstmHyperparameters = {
  units: 6,
  layers: 1,
  dropout: 0,
  window: 5,
  epochs: 2,
  batchSize: 32,
  learningRate: 0.01,
  patience: 2,
  validationFraction: 0.1,
  warmStart: false,
  seed: 5,
};
const origins = forecastOrigins(table, hyper.window);
const fitLstm = (h: LstmHyperparameters) =>
  new LstmForecaster(h).fit(table, origins.slice(0, 200), { fold: 0 });

/** The largest difference between two forecasts, in units of the model's target std. */
function worstDifference(a: Float64Array, b: Float64Array, targetStd: number): number {
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - (b[i] as number)))) / targetStd;
}

describe('compiled LSTM inference', () => {
  it.each([
    ['one layer', hyper],
    ['two layers with dropout', { ...hyper, layers: 2, dropout: 0.1 }],
  ])('%s: agrees with tfjs on every window of the history', async (_, h) => {
    const fitted = await fitLstm(h);
    const compiled = compileLstmInference(fitted);
    if (!compiled) throw new Error('expected the stack to compile');
    const reference = await fitted.predict(table, origins);
    const fast = await compiled.predict(table, origins);
    expect(worstDifference(reference, fast, fitted.scaler.targetStd)).toBeLessThan(
      AGREEMENT_TOLERANCE,
    );
    expect(compiled.describe()).toEqual(fitted.describe());
    const verified = await verifiedLstmInference(fitted);
    expect(verified.model).toBeDefined();
    expect(verified.worst).toBeLessThan(AGREEMENT_TOLERANCE);
    await expect(compiled.predict(table, [0])).rejects.toThrow(
      /fewer than 5 complete feature rows/,
    );
    fitted.dispose();
  });

  it('is refused when it does not agree, and for a stack it does not know', async () => {
    const fitted = await fitLstm(hyper);
    expect(
      (await verifiedLstmInference(fitted, { tolerance: 0, probes: 8 })).model,
    ).toBeUndefined();
    const other = tf.sequential();
    other.add(tf.layers.gru({ units: 4, inputShape: [5, 4] }));
    other.add(tf.layers.dense({ units: 1 }));
    const gru = new FittedLstm('gru', hyper, other, fitted.scaler);
    expect(compileLstmInference(gru)).toBeUndefined();
    expect((await verifiedLstmInference(gru)).model).toBeUndefined();
    const hard = tf.sequential();
    hard.add(tf.layers.lstm({ units: 4, inputShape: [5, 4], recurrentActivation: 'hardSigmoid' }));
    hard.add(tf.layers.dense({ units: 1 }));
    expect(compileLstmInference(new FittedLstm('x', hyper, hard, fitted.scaler))).toBeUndefined();
    const twoOutputs = tf.sequential();
    twoOutputs.add(tf.layers.lstm({ units: 4, inputShape: [5, 4] }));
    twoOutputs.add(tf.layers.dense({ units: 2 }));
    expect(
      compileLstmInference(new FittedLstm('x', hyper, twoOutputs, fitted.scaler)),
    ).toBeUndefined();
    const afterDense = tf.sequential();
    afterDense.add(tf.layers.lstm({ units: 4, inputShape: [5, 4] }));
    afterDense.add(tf.layers.dense({ units: 1 }));
    afterDense.add(tf.layers.dense({ units: 1 }));
    expect(
      compileLstmInference(new FittedLstm('x', hyper, afterDense, fitted.scaler)),
    ).toBeUndefined();
    const sequences = tf.sequential();
    sequences.add(tf.layers.lstm({ units: 4, inputShape: [5, 4], returnSequences: true }));
    expect(
      compileLstmInference(new FittedLstm('x', hyper, sequences, fitted.scaler)),
    ).toBeUndefined();
    for (const m of [other, hard, twoOutputs, afterDense, sequences]) m.dispose();
  });

  it('serving uses the compiled pass by default; engine tfjs keeps tfjs, bit-identical to training', async () => {
    const fitted = await fitLstm(hyper);
    const files = await saveLstm(fitted, {
      avgPrice: '(high+low)/2',
      trainedOn: { from: '', to: '', origins: 200 },
    });
    const at = origins.slice(-30);
    const exact = await servingModelFromFiles(files, { version: 1, features, engine: 'tfjs' });
    expect(await exact.fitted.predict(table, at)).toEqual(await fitted.predict(table, at));
    expect(exact.fitted).toBeInstanceOf(FittedLstm);
    const fast = await servingModelFromFiles(files, { version: 1, features });
    expect(fast.fitted).not.toBeInstanceOf(FittedLstm);
    const reloaded = (await loadLstm(files)).fitted;
    expect(
      worstDifference(
        await reloaded.predict(table, at),
        await fast.fitted.predict(table, at),
        fitted.scaler.targetStd,
      ),
    ).toBeLessThan(AGREEMENT_TOLERANCE);
  });
});
