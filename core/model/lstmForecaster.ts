import { FEATURE_COLUMNS, type FeatureTable } from '../features/featureTable.ts';
import type { FitContext, FittedModel, Forecaster, Origin } from './forecaster.ts';
import { seededRandom, shuffled } from './seededRandom.ts';
import { tf, tfReady } from './tfRuntime.ts';

export interface LstmHyperparameters {
  readonly units: number;
  readonly layers: number;
  readonly dropout: number;
  readonly window: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly patience: number;
  readonly validationFraction: number;
  readonly warmStart: boolean;
  readonly seed: number;
}

/** Standardisation fitted on a training fold only; applied unchanged to its test origins. */
export interface Scaler {
  readonly columns: readonly string[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly targetMean: number;
  readonly targetStd: number;
}

export interface TrainingReport {
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly bestValLoss: number;
  readonly samples: number;
  readonly ms: number;
}

const WIDTH = FEATURE_COLUMNS.length;

/** The LSTM candidate: windows of the feature columns → the next session's log return. */
export class LstmForecaster implements Forecaster {
  readonly name: string;
  readonly kind = 'candidate' as const;
  readonly hyper: LstmHyperparameters;

  constructor(hyper: LstmHyperparameters, name = 'lstm') {
    this.hyper = hyper;
    this.name = name;
  }

  async fit(
    table: FeatureTable,
    trainOrigins: readonly Origin[],
    context: FitContext,
  ): Promise<FittedLstm> {
    await tfReady();
    const h = this.hyper;
    const t0 = performance.now();
    const scaler = fitScaler(table, trainOrigins, h.window);
    const nVal = Math.max(1, Math.round(trainOrigins.length * h.validationFraction));
    const fitOrigins = trainOrigins.slice(0, trainOrigins.length - nVal);
    const valOrigins = trainOrigins.slice(trainOrigins.length - nVal);
    if (fitOrigins.length < h.batchSize) {
      throw new RangeError(
        `LSTM fit needs more training origins than one batch (${fitOrigins.length} < batch_size ${h.batchSize})`,
      );
    }
    const model = buildModel(h);
    const previous = context.previous;
    if (h.warmStart && previous instanceof FittedLstm && sameArchitecture(previous.hyper, h)) {
      model.setWeights(previous.model.getWeights());
    }
    const x = windowsTensor(table, fitOrigins, h.window, scaler);
    const y = targetsTensor(table, fitOrigins, scaler);
    const xVal = windowsTensor(table, valOrigins, h.window, scaler);
    const yVal = targetsTensor(table, valOrigins, scaler);
    const random = seededRandom(h.seed + 7919 * (context.fold + 2));
    let best = Number.POSITIVE_INFINITY;
    let bestEpoch = 0;
    let bestWeights: tf.Tensor[] | undefined;
    let epoch = 0;
    try {
      for (epoch = 1; epoch <= h.epochs; epoch++) {
        const order = shuffled(
          Array.from({ length: fitOrigins.length }, (_, i) => i),
          random,
        );
        for (let start = 0; start < order.length; start += h.batchSize) {
          const idx = tf.tensor1d(order.slice(start, start + h.batchSize), 'int32');
          const xb = tf.gather(x, idx);
          const yb = tf.gather(y, idx);
          await model.trainOnBatch(xb, yb);
          tf.dispose([idx, xb, yb]);
        }
        const valLoss = tf.tidy(
          () => tf.losses.meanSquaredError(yVal, model.predict(xVal) as tf.Tensor).dataSync()[0],
        ) as number;
        if (valLoss < best) {
          best = valLoss;
          bestEpoch = epoch;
          tf.dispose(bestWeights);
          bestWeights = model.getWeights().map((w) => w.clone());
        } else if (epoch - bestEpoch >= h.patience) {
          break;
        }
      }
      if (bestWeights) model.setWeights(bestWeights);
    } finally {
      tf.dispose([x, y, xVal, yVal, ...(bestWeights ?? [])]);
      // Adam's moment slots are only needed while training; a fitted model only predicts.
      model.optimizer.dispose();
    }
    const report: TrainingReport = {
      epochs: Math.min(epoch, h.epochs),
      bestEpoch,
      bestValLoss: best,
      samples: fitOrigins.length * Math.min(epoch, h.epochs),
      ms: performance.now() - t0,
    };
    return new FittedLstm(this.name, h, model, scaler, report);
  }
}

export class FittedLstm implements FittedModel {
  readonly name: string;
  readonly hyper: LstmHyperparameters;
  readonly model: tf.LayersModel;
  readonly scaler: Scaler;
  readonly report: TrainingReport | undefined;

  constructor(
    name: string,
    hyper: LstmHyperparameters,
    model: tf.LayersModel,
    scaler: Scaler,
    report?: TrainingReport,
  ) {
    this.name = name;
    this.hyper = hyper;
    this.model = model;
    this.scaler = scaler;
    this.report = report;
  }

  async predict(table: FeatureTable, origins: readonly Origin[]): Promise<Float64Array> {
    if (origins.length === 0) return new Float64Array(0);
    const x = windowsTensor(table, origins, this.hyper.window, this.scaler);
    try {
      const scaled = tf.tidy(() => (this.model.predict(x) as tf.Tensor).reshape([-1]).dataSync());
      const { targetMean, targetStd } = this.scaler;
      return Float64Array.from(scaled, (v) => v * targetStd + targetMean);
    } finally {
      x.dispose();
    }
  }

  describe(): Record<string, unknown> {
    return { ...this.hyper, ...(this.report ? { training: this.report } : {}) };
  }

  dispose(): void {
    this.model.dispose();
  }
}

function sameArchitecture(a: LstmHyperparameters, b: LstmHyperparameters): boolean {
  return a.units === b.units && a.layers === b.layers && a.window === b.window;
}

/** Stacked LSTM → dense(1). Recurrent activation is the true sigmoid (tfjs defaults to hard). */
export function buildModel(h: LstmHyperparameters): tf.LayersModel {
  // Explicit names: tfjs otherwise numbers layers from a per-process counter, which would make
  // model.json (and its sha256 in the registry) depend on how many models the process built.
  const model = tf.sequential({ name: 'stockops_lstm' });
  for (let layer = 0; layer < h.layers; layer++) {
    const seed = h.seed + 101 * layer;
    if (h.dropout > 0) {
      model.add(
        tf.layers.dropout({
          name: `dropout_${layer}`,
          rate: h.dropout,
          seed: seed + 5,
          ...(layer === 0 ? { inputShape: [h.window, WIDTH] } : {}),
        }),
      );
    }
    model.add(
      tf.layers.lstm({
        name: `lstm_${layer}`,
        units: h.units,
        returnSequences: layer < h.layers - 1,
        recurrentActivation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }),
        ...(layer === 0 && h.dropout === 0 ? { inputShape: [h.window, WIDTH] } : {}),
      }),
    );
  }
  model.add(
    tf.layers.dense({
      name: 'forecast',
      units: 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: h.seed + 997 }),
    }),
  );
  model.compile({ optimizer: tf.train.adam(h.learningRate), loss: 'meanSquaredError' });
  return model;
}

/**
 * Mean and std per feature over every row a training window reads, and of the training
 * targets. Rows after the last training origin are never read.
 */
export function fitScaler(table: FeatureTable, origins: readonly Origin[], window: number): Scaler {
  const first = (origins[0] ?? 0) - window + 1;
  const last = origins.at(-1) ?? 0;
  const mean: number[] = [];
  const std: number[] = [];
  for (const column of FEATURE_COLUMNS) {
    const values = table.columns[column].subarray(first, last + 1);
    const [m, s] = meanStd(values);
    mean.push(m);
    std.push(s);
  }
  const targets = Float64Array.from(origins, (o) => table.columns.log_return[o + 1] as number);
  const [targetMean, targetStd] = meanStd(targets);
  return { columns: [...FEATURE_COLUMNS], mean, std, targetMean, targetStd };
}

function meanStd(values: ArrayLike<number>): [number, number] {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  const mean = sum / values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += ((values[i] as number) - mean) ** 2;
  const std = Math.sqrt(ss / Math.max(1, values.length - 1));
  // A constant column would divide by zero; 1 leaves it centred and harmless.
  return [mean, std > 0 && Number.isFinite(std) ? std : 1];
}

function windowsTensor(
  table: FeatureTable,
  origins: readonly Origin[],
  window: number,
  scaler: Scaler,
): tf.Tensor3D {
  const data = new Float32Array(origins.length * window * WIDTH);
  let k = 0;
  for (const origin of origins) {
    if (origin - window + 1 < table.firstComplete) {
      throw new RangeError(`origin ${origin} has fewer than ${window} complete feature rows`);
    }
    for (let row = origin - window + 1; row <= origin; row++) {
      for (let c = 0; c < WIDTH; c++) {
        const column = FEATURE_COLUMNS[c] as (typeof FEATURE_COLUMNS)[number];
        data[k++] =
          ((table.columns[column][row] as number) - (scaler.mean[c] as number)) /
          (scaler.std[c] as number);
      }
    }
  }
  return tf.tensor3d(data, [origins.length, window, WIDTH]);
}

function targetsTensor(
  table: FeatureTable,
  origins: readonly Origin[],
  scaler: Scaler,
): tf.Tensor2D {
  const data = Float32Array.from(
    origins,
    (o) => ((table.columns.log_return[o + 1] as number) - scaler.targetMean) / scaler.targetStd,
  );
  return tf.tensor2d(data, [origins.length, 1]);
}
