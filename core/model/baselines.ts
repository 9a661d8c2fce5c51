import { FEATURE_COLUMNS, type FeatureTable } from '../features/featureTable.ts';
import type { FittedModel, Forecaster, Origin } from './forecaster.ts';

/**
 * The baselines a candidate must beat. Each reads only its training origins' rows and their
 * next-row targets when fitting, and only the origin's own row when predicting, so none can
 * see the future however the caller slices the table.
 */
export const BASELINE_NAMES = ['persistence', 'last_close', 'drift', 'linear_ar'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Fresh instances, in BASELINE_NAMES order. */
export function baselineForecasters(): Forecaster[] {
  return [persistence(), lastClose(), drift(), linearAr()];
}

/** Tomorrow's avg_price = today's: predicted return 0. The random-walk benchmark. */
export function persistence(): Forecaster {
  return ruleForecaster('persistence', (predictions) => predictions.fill(0));
}

/**
 * Tomorrow's avg_price = today's close, i.e. r̂ = ln(close_t / avg_t) = close_to_avg[t]. Where
 * the day closed within its range carries into the next session's average, so this is the
 * baseline a model must clear before it has learned anything beyond that.
 */
export function lastClose(): Forecaster {
  return ruleForecaster('last_close', (predictions, table, origins) => {
    origins.forEach((t, i) => {
      predictions[i] = finiteAt(table.columns.close_to_avg, t, 'close_to_avg');
    });
  });
}

/** The mean training target: the historical drift of avg_price per session. */
export function drift(): Forecaster {
  return {
    name: 'drift',
    kind: 'baseline',
    async fit(table, trainOrigins) {
      const targets = trainingTargets(table, trainOrigins);
      const mean = targets.reduce((s, r) => s + r, 0) / targets.length;
      return {
        name: 'drift',
        async predict(t, origins) {
          checkOrigins(t, origins);
          return new Float64Array(origins.length).fill(mean);
        },
        describe: () => ({ drift: mean, n_train: targets.length }),
      };
    },
  };
}

export interface LinearArOptions {
  /** Ridge penalty per training origin (λ = ridgePerOrigin·n); keeps XᵀX invertible. */
  readonly ridgePerOrigin?: number;
}

/**
 * Ordinary least squares of the next return on the origin row's FEATURE_COLUMNS plus an
 * intercept. Features are standardised with the training origins' mean and (population) std so
 * the tiny ridge penalty weighs every coefficient alike; a feature constant over the training
 * rows gets std 1 (it is exactly 0 after centring and the ridge holds its coefficient at 0). The
 * intercept is not penalised: with centred features it is exactly the mean target.
 */
export function linearAr(options: LinearArOptions = {}): Forecaster {
  const ridgePerOrigin = options.ridgePerOrigin ?? 1e-6;
  return {
    name: 'linear_ar',
    kind: 'baseline',
    async fit(table: FeatureTable, trainOrigins: readonly Origin[]) {
      const y = trainingTargets(table, trainOrigins);
      const n = y.length;
      const p = FEATURE_COLUMNS.length;
      const rows = trainOrigins.map((t) => featureRow(table, t));
      const mean = new Float64Array(p);
      const std = new Float64Array(p);
      for (let j = 0; j < p; j++) {
        const first = rows[0]?.[j] as number;
        // Tested exactly: the rounded mean of a constant column differs from its value by an
        // ulp, and standardising that residue would turn it into a full-scale feature.
        if (rows.every((row) => row[j] === first)) {
          mean[j] = first;
          std[j] = 1;
          continue;
        }
        let s = 0;
        for (const row of rows) s += row[j] as number;
        const m = s / n;
        let ss = 0;
        for (const row of rows) ss += ((row[j] as number) - m) ** 2;
        mean[j] = m;
        std[j] = Math.sqrt(ss / n);
      }
      const yMean = y.reduce((s, v) => s + v, 0) / n;
      const lambda = ridgePerOrigin * n;
      // Normal equations of the centred problem: (ZᵀZ + λI) β = Zᵀ(y − ȳ).
      const gram = new Float64Array(p * p);
      const rhs = new Float64Array(p);
      const z = new Float64Array(p);
      rows.forEach((row, i) => {
        for (let j = 0; j < p; j++)
          z[j] = ((row[j] as number) - (mean[j] as number)) / (std[j] as number);
        const yc = (y[i] as number) - yMean;
        for (let j = 0; j < p; j++) {
          rhs[j] = (rhs[j] as number) + (z[j] as number) * yc;
          for (let k = 0; k < p; k++) {
            gram[j * p + k] = (gram[j * p + k] as number) + (z[j] as number) * (z[k] as number);
          }
        }
      });
      for (let j = 0; j < p; j++) gram[j * p + j] = (gram[j * p + j] as number) + lambda;
      const beta = solveSpd(gram, rhs, p);
      const predictOne = (row: Float64Array): number => {
        let r = yMean;
        for (let j = 0; j < p; j++) {
          r +=
            ((beta[j] as number) * ((row[j] as number) - (mean[j] as number))) / (std[j] as number);
        }
        return r;
      };
      const byColumn = (values: Float64Array) =>
        Object.fromEntries(FEATURE_COLUMNS.map((c, j) => [c, values[j] as number]));
      // Raw-unit coefficients are what a reader can check against the features; the
      // standardised ones say which feature matters most.
      const raw = beta.map((b, j) => b / (std[j] as number));
      const rawIntercept = yMean - raw.reduce((s, b, j) => s + b * (mean[j] as number), 0);
      const description = {
        intercept: rawIntercept,
        coefficients: byColumn(raw),
        standardized: { intercept: yMean, coefficients: byColumn(beta) },
        feature_mean: byColumn(mean),
        feature_std: byColumn(std),
        ridge_lambda: lambda,
        n_train: n,
      };
      return {
        name: 'linear_ar',
        async predict(t: FeatureTable, origins: readonly Origin[]) {
          checkOrigins(t, origins);
          return Float64Array.from(origins, (o) => predictOne(featureRow(t, o)));
        },
        describe: () => structuredClone(description),
      };
    },
  };
}

/** A forecaster with nothing to fit: its prediction is a fixed rule of the origin row. */
function ruleForecaster(
  name: BaselineName,
  rule: (predictions: Float64Array, table: FeatureTable, origins: readonly Origin[]) => void,
): Forecaster {
  const fitted: FittedModel = {
    name,
    async predict(table, origins) {
      checkOrigins(table, origins);
      const predictions = new Float64Array(origins.length);
      rule(predictions, table, origins);
      return predictions;
    },
    describe: () => ({}),
  };
  return {
    name,
    kind: 'baseline',
    async fit(table, trainOrigins) {
      checkOrigins(table, trainOrigins);
      return fitted;
    },
  };
}

/** The targets of training origins: log_return at t + 1, the last row a fit may read. */
function trainingTargets(table: FeatureTable, trainOrigins: readonly Origin[]): number[] {
  if (trainOrigins.length === 0) throw new RangeError('fitting needs at least one training origin');
  checkOrigins(table, trainOrigins);
  return trainOrigins.map((t) => {
    if (t + 1 >= table.dates.length) {
      throw new RangeError(`training origin ${t} has no target: it is the last row`);
    }
    return finiteAt(table.columns.log_return, t + 1, 'log_return');
  });
}

function featureRow(table: FeatureTable, t: Origin): Float64Array {
  return Float64Array.from(FEATURE_COLUMNS, (c) => finiteAt(table.columns[c], t, c));
}

function finiteAt(column: Float64Array, t: number, name: string): number {
  const v = column[t];
  if (v === undefined || !Number.isFinite(v)) {
    throw new RangeError(`${name} is not defined at row ${t} (warm-up row or bad data)`);
  }
  return v;
}

function checkOrigins(table: FeatureTable, origins: readonly Origin[]): void {
  for (const t of origins) {
    if (!Number.isInteger(t) || t < 0 || t >= table.dates.length) {
      throw new RangeError(`origin ${t} is not a row of the table (0…${table.dates.length - 1})`);
    }
  }
}

/**
 * Solves A x = b for a symmetric positive definite p×p matrix (row-major) by Cholesky; the
 * ridge term guarantees definiteness, so a non-positive pivot means non-finite input.
 */
function solveSpd(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * p + k] as number) * (l[j * p + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new RangeError('linear_ar: normal equations are not positive definite');
        l[i * p + i] = Math.sqrt(s);
      } else {
        l[i * p + j] = s / (l[j * p + j] as number);
      }
    }
  }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * p + k] as number) * (y[k] as number);
    y[i] = s / (l[i * p + i] as number);
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < p; k++) s -= (l[k * p + i] as number) * (x[k] as number);
    x[i] = s / (l[i * p + i] as number);
  }
  return x;
}
