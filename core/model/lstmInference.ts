import { FEATURE_COLUMNS, type FeatureTable } from '../features/featureTable.ts';
import type { FittedModel, Origin } from './forecaster.ts';
import type { FittedLstm } from './lstmForecaster.ts';
import { seededRandom } from './seededRandom.ts';

/** One LSTM layer's weights, gates in Keras order (input, forget, cell, output). */
interface LstmLayer {
  readonly inputs: number;
  readonly units: number;
  /** [inputs × 4·units], row-major. */
  readonly kernel: Float32Array;
  /** [units × 4·units], row-major. */
  readonly recurrent: Float32Array;
  readonly bias: Float32Array;
  readonly returnSequences: boolean;
}

const WIDTH = FEATURE_COLUMNS.length;

/**
 * The fitted LSTM's forward pass in plain TypeScript, for serving. tfjs runs an LSTM as ~15
 * ops per time step, and the fixed cost of those ops (~1.6 ms per predict call, with long GC
 * tails) dominates a one-window request; the same arithmetic done directly takes tens of
 * microseconds. It reads the very weights and scaler of the fitted model; the arithmetic is
 * float64 where tfjs's is float32, so forecasts agree to about 1e-7 of their value, not to the
 * bit — another backend, in effect, like tfjs's own `cpu` vs `wasm`.
 *
 * Returns undefined when the model is not the stack this function knows (LSTM layers with
 * tanh/sigmoid, optional dropout, one linear dense unit): the caller then keeps tfjs. Serve it
 * through verifiedLstmInference, which also checks it against tfjs.
 */
export function compileLstmInference(fitted: FittedLstm): FittedModel | undefined {
  const layers: LstmLayer[] = [];
  let dense: { kernel: Float32Array; bias: number } | undefined;
  let inputs: number = WIDTH;
  for (const layer of fitted.model.layers) {
    const kind = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    if (kind === 'Dropout') continue; // identity at inference
    if (dense !== undefined) return undefined; // anything after the dense output
    // copies: the compiled model must not depend on tensors the caller may dispose
    const weights = layer.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
    if (kind === 'LSTM') {
      const units = config.units as number;
      if (
        config.activation !== 'tanh' ||
        config.recurrentActivation !== 'sigmoid' ||
        config.useBias !== true ||
        config.goBackwards === true ||
        config.stateful === true ||
        weights.length !== 3
      ) {
        return undefined;
      }
      const [kernel, recurrent, bias] = weights as [Float32Array, Float32Array, Float32Array];
      if (kernel.length !== inputs * 4 * units || recurrent.length !== units * 4 * units) {
        return undefined;
      }
      layers.push({
        inputs,
        units,
        kernel,
        recurrent,
        bias,
        returnSequences: config.returnSequences === true,
      });
      inputs = units;
    } else if (kind === 'Dense') {
      if (config.units !== 1 || config.activation !== 'linear' || config.useBias !== true)
        return undefined;
      const [kernel, bias] = weights as [Float32Array, Float32Array];
      if (kernel.length !== inputs) return undefined;
      dense = { kernel, bias: bias[0] as number };
    } else {
      return undefined;
    }
  }
  if (dense === undefined || layers.length === 0 || layers.at(-1)?.returnSequences)
    return undefined;
  const output = dense;
  const window = fitted.hyper.window;
  const { mean, std, targetMean, targetStd } = fitted.scaler;

  /** The model's output for one window of scaled inputs (window × WIDTH). */
  const forward = (x: Float64Array): number => {
    let sequence = x;
    let h = new Float64Array(0);
    for (const layer of layers) {
      const { units, kernel, recurrent, bias } = layer;
      const n = layer.inputs;
      const gates = 4 * units;
      h = new Float64Array(units);
      const c = new Float64Array(units);
      const z = new Float64Array(gates);
      const outputs = layer.returnSequences
        ? new Float64Array(window * units)
        : new Float64Array(0);
      for (let t = 0; t < window; t++) {
        for (let g = 0; g < gates; g++) {
          let s = bias[g] as number;
          for (let k = 0; k < n; k++)
            s += (sequence[t * n + k] as number) * (kernel[k * gates + g] as number);
          for (let k = 0; k < units; k++)
            s += (h[k] as number) * (recurrent[k * gates + g] as number);
          z[g] = s;
        }
        for (let u = 0; u < units; u++) {
          const i = sigmoid(z[u] as number);
          const f = sigmoid(z[units + u] as number);
          const candidate = Math.tanh(z[2 * units + u] as number);
          const o = sigmoid(z[3 * units + u] as number);
          const cell = f * (c[u] as number) + i * candidate;
          c[u] = cell;
          h[u] = o * Math.tanh(cell);
        }
        if (layer.returnSequences) outputs.set(h, t * units);
      }
      sequence = outputs;
    }
    let y = output.bias;
    for (let k = 0; k < h.length; k++) y += (h[k] as number) * (output.kernel[k] as number);
    return y;
  };

  return {
    name: fitted.name,
    describe: () => fitted.describe(),
    async predict(table: FeatureTable, origins: readonly Origin[]) {
      const out = new Float64Array(origins.length);
      const x = new Float64Array(window * WIDTH);
      origins.forEach((origin, i) => {
        if (origin - window + 1 < table.firstComplete || origin >= table.dates.length) {
          throw new RangeError(`origin ${origin} has fewer than ${window} complete feature rows`);
        }
        for (let r = 0; r < window; r++) {
          const row = origin - window + 1 + r;
          for (let col = 0; col < WIDTH; col++) {
            const column = FEATURE_COLUMNS[col] as (typeof FEATURE_COLUMNS)[number];
            // scaled as tfjs receives it: a float32
            x[r * WIDTH + col] = Math.fround(
              ((table.columns[column][row] as number) - (mean[col] as number)) /
                (std[col] as number),
            );
          }
        }
        out[i] = Math.fround(forward(x)) * targetStd + targetMean;
      });
      return out;
    },
  };
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Forecasts may differ from tfjs's by at most this fraction of the target's std (float32 vs 64). */
export const AGREEMENT_TOLERANCE = 1e-5;

/**
 * The compiled forward pass, if it agrees with tfjs on `probes` windows drawn around the
 * training distribution (inputs mean ± std·z per feature); undefined otherwise, so the caller
 * serves with tfjs. Also returns the worst difference seen, in units of the target's std.
 */
export async function verifiedLstmInference(
  fitted: FittedLstm,
  options: { readonly probes?: number; readonly tolerance?: number } = {},
): Promise<{ readonly model: FittedModel | undefined; readonly worst: number }> {
  const probes = options.probes ?? 64;
  const compiled = compileLstmInference(fitted);
  if (compiled === undefined) return { model: undefined, worst: Number.POSITIVE_INFINITY };
  const window = fitted.hyper.window;
  const { mean, std } = fitted.scaler;
  const random = seededRandom(20_240_601);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows = probes * window;
  const columns = Object.fromEntries(
    FEATURE_COLUMNS.map((c, j) => [
      c,
      Float64Array.from(
        { length: rows },
        () => (mean[j] as number) + (std[j] as number) * normal(),
      ),
    ]),
  ) as Record<(typeof FEATURE_COLUMNS)[number], Float64Array>;
  const table: FeatureTable = {
    dates: new Array<string>(rows).fill(''),
    avgPrice: new Float64Array(rows).fill(Number.NaN),
    close: new Float64Array(rows).fill(Number.NaN),
    columns,
    firstComplete: 0,
  };
  const origins = Array.from({ length: probes }, (_, i) => i * window + window - 1);
  const reference = await fitted.predict(table, origins);
  const candidate = await compiled.predict(table, origins);
  let worst = 0;
  for (let i = 0; i < probes; i++) {
    worst = Math.max(worst, Math.abs((reference[i] as number) - (candidate[i] as number)));
  }
  worst /= fitted.scaler.targetStd;
  return {
    model: worst <= (options.tolerance ?? AGREEMENT_TOLERANCE) ? compiled : undefined,
    worst,
  };
}
