import type { FeatureTable } from '../features/featureTable.ts';
import type { IsoDate } from '../market/isoDate.ts';
import type { FittedModel, Forecaster, Origin } from '../model/forecaster.ts';
import { dieboldMariano } from './dieboldMariano.ts';
import {
  type BaselineComparison,
  EVALUATION_SCHEMA_V2,
  type Evaluation,
  type EvaluationForecasts,
  type FoldPlanEntry,
  type ForecastScores,
  type ModelEvaluation,
  type ScoredRange,
} from './evaluationTypes.ts';
import { type ForecastPoint, forecastScores, trainingScale } from './forecastMetrics.ts';
import { type IndexRange, planWalkForward, type WalkForwardOptions } from './walkForward.ts';

export interface WalkForwardEvaluationInput {
  readonly symbol: string;
  readonly table: FeatureTable;
  /** Rows of history the widest model reads; the first origin is firstComplete + window − 1. */
  readonly window: number;
  readonly plan: WalkForwardOptions;
  /** Rolling training window: each fit sees at most this many of the latest eligible origins. */
  readonly maxTrainDays: number;
  /** Baselines and at most one candidate; names must be unique. Fitted in this order. */
  readonly forecasters: readonly Forecaster[];
  readonly configHash: string;
  /** The avg_price formula, recorded as given. */
  readonly avgPrice: string;
  /** Hash of the bars evaluated (hex sha256). */
  readonly dataSha256: string;
  /** ISO 8601 timestamp; passed in so that two runs on the same data give the same JSON. */
  readonly createdAt: string;
  /** Called after each fit, for the CLI. */
  readonly onProgress?: (message: string) => void;
}

/**
 * The forecast origins of a table: every row from which a model with `window` rows of history
 * can forecast, up to the second-to-last (the last row has no target yet). The same list as
 * evaluatePersistence's, so v1 and v2 score the same dates.
 */
export function forecastOrigins(table: FeatureTable, window: number): Origin[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window must be a positive integer (got ${window})`);
  }
  const out: Origin[] = [];
  for (let t = table.firstComplete + window - 1; t < table.dates.length - 1; t++) out.push(t);
  return out;
}

/** A stretch of origins forecast by models fitted on one training range. */
interface Segment {
  /** Fold index, or -1 for the hold-out. */
  readonly fold: number;
  readonly train: IndexRange;
  readonly test: IndexRange;
}

/**
 * Walk-forward evaluation of every forecaster on identical origins (evaluation.json v2).
 *
 * Each fold's models are fitted on the plan's training range cut to its last `maxTrainDays`
 * origins and forecast that fold's test block; the hold-out models are fitted on every origin
 * before hold-out start − gap (cut the same way) and forecast the hold-out. Fits run one at a
 * time in fold order so that each forecaster's `previous` is its own fit on the fold before
 * (the hold-out follows the last fold). Every model is then scored, per fold, on all fold test
 * days pooled, and on the hold-out, and compared with every baseline on the same dates.
 */
export async function evaluateWalkForward(input: WalkForwardEvaluationInput): Promise<Evaluation> {
  const { table, forecasters, maxTrainDays } = input;
  checkForecasters(forecasters);
  if (!Number.isInteger(maxTrainDays) || maxTrainDays < 1) {
    throw new RangeError(`max_train_days must be a positive integer (got ${maxTrainDays})`);
  }
  if (input.plan.folds < 1) throw new RangeError('walk-forward evaluation needs at least one fold');
  const origins = forecastOrigins(table, input.window);
  const plan = planWalkForward(origins.length, input.plan);
  const rolling = (end: number): IndexRange => ({ start: Math.max(0, end - maxTrainDays), end });
  const segments: Segment[] = [
    ...plan.folds.map((f) => ({
      fold: f.index,
      train: { start: Math.max(f.train.start, f.train.end - maxTrainDays), end: f.train.end },
      test: f.test,
    })),
    { fold: -1, train: rolling(plan.holdout.start - input.plan.gapDays), test: plan.holdout },
  ];

  const actual = Float64Array.from(origins, (t) => table.columns.log_return[t + 1] as number);
  const originPrice = Float64Array.from(origins, (t) => table.avgPrice[t] as number);
  const targetDate = (i: number) => table.dates[(origins[i] as number) + 1] as IsoDate;
  // Each tested origin's MASE scale: mean |r| over the training targets it was forecast from.
  const scale = new Float64Array(origins.length).fill(Number.NaN);
  const predictions = new Map(
    forecasters.map((f) => [f.name, new Float64Array(origins.length).fill(Number.NaN)]),
  );
  const params = new Map<string, Record<string, unknown>>();
  const previous = new Map<string, FittedModel>();

  for (const segment of segments) {
    const { train, test } = segment;
    if (train.end <= train.start) {
      throw new RangeError(`${segmentLabel(segment, plan.folds.length)} has no training origins`);
    }
    const trainOrigins = origins.slice(train.start, train.end);
    const testOrigins = origins.slice(test.start, test.end);
    scale.fill(trainingScale(actual.subarray(train.start, train.end)), test.start, test.end);
    for (const forecaster of forecasters) {
      const prior = previous.get(forecaster.name);
      const context =
        prior === undefined ? { fold: segment.fold } : { fold: segment.fold, previous: prior };
      const fitted = await forecaster.fit(table, trainOrigins, context);
      const predicted = await fitted.predict(table, testOrigins);
      if (predicted.length !== testOrigins.length) {
        throw new RangeError(
          `${forecaster.name} returned ${predicted.length} forecasts for ${testOrigins.length} origins`,
        );
      }
      const firstBad = predicted.findIndex((r) => !Number.isFinite(r));
      if (firstBad >= 0) {
        throw new RangeError(
          `${forecaster.name} forecast ${predicted[firstBad]} for ${targetDate(test.start + firstBad)}`,
        );
      }
      predictions.get(forecaster.name)?.set(predicted, test.start);
      // The fit before this one has served its warm start; free what it holds (LSTM tensors).
      prior?.dispose?.();
      previous.set(forecaster.name, fitted);
      if (segment.fold === -1) params.set(forecaster.name, fitted.describe());
      input.onProgress?.(
        `${segmentLabel(segment, plan.folds.length)}: ${forecaster.name} fitted on ` +
          `${trainOrigins.length} origins, forecast ${targetDate(test.start)}…${targetDate(test.end - 1)}`,
      );
    }
  }

  for (const fitted of previous.values()) fitted.dispose?.();

  const firstFold = plan.folds[0];
  const lastFold = plan.folds[plan.folds.length - 1];
  const aggregateRange = { start: firstFold?.test.start ?? 0, end: lastFold?.test.end ?? 0 };
  const baselines = forecasters.filter((f) => f.kind === 'baseline').map((f) => f.name);

  const scoreRange = (range: IndexRange): Map<string, ScoredRange> => {
    const scores = new Map<string, ForecastScores>();
    for (const f of forecasters) {
      const predicted = predictions.get(f.name) as Float64Array;
      const points: ForecastPoint[] = [];
      for (let i = range.start; i < range.end; i++) {
        points.push({
          originPrice: originPrice[i] as number,
          predictedReturn: predicted[i] as number,
          actualReturn: actual[i] as number,
        });
      }
      scores.set(f.name, forecastScores(points, scale.subarray(range.start, range.end)));
    }
    const losses = (name: string) => {
      const predicted = predictions.get(name) as Float64Array;
      const out = new Float64Array(range.end - range.start);
      for (let i = range.start; i < range.end; i++) {
        out[i - range.start] = ((predicted[i] as number) - (actual[i] as number)) ** 2;
      }
      return out;
    };
    const out = new Map<string, ScoredRange>();
    for (const f of forecasters) {
      const own = scores.get(f.name) as ForecastScores;
      const vs: Record<string, BaselineComparison> = {};
      for (const b of baselines) {
        if (b === f.name) continue;
        const base = scores.get(b) as ForecastScores;
        const dm = dieboldMariano(losses(f.name), losses(b));
        vs[b] = {
          baseline: b,
          error_ratio: jsonNumber(errorRatio(own.rmse_return, base.rmse_return)),
          dm_statistic: jsonNumber(dm.statistic),
          dm_p_value: dm.p_value,
        };
      }
      out.set(f.name, {
        from: targetDate(range.start),
        to: targetDate(range.end - 1),
        scores: own,
        vs,
      });
    }
    return out;
  };

  const foldScores = plan.folds.map((f) => scoreRange(f.test));
  const aggregate = scoreRange(aggregateRange);
  const holdout = scoreRange(plan.holdout);
  const pick = (m: Map<string, ScoredRange>, name: string) => m.get(name) as ScoredRange;

  const models: Record<string, ModelEvaluation> = {};
  for (const f of forecasters) {
    models[f.name] = {
      name: f.name,
      kind: f.kind,
      folds: foldScores.map((m, k) => ({ fold: k, ...pick(m, f.name) })),
      aggregate: pick(aggregate, f.name),
      holdout: pick(holdout, f.name),
      params: params.get(f.name) ?? {},
    };
  }

  let bestBaseline = baselines[0] as string;
  for (const b of baselines) {
    const rmse = (name: string) => pick(aggregate, name).scores.rmse_return;
    if (rmse(b) < rmse(bestBaseline)) bestBaseline = b;
  }

  const foldPlan: FoldPlanEntry[] = segments
    .filter((s) => s.fold >= 0)
    .map((s) => ({
      fold: s.fold,
      train_from: targetDate(s.train.start),
      train_to: targetDate(s.train.end - 1),
      test_from: targetDate(s.test.start),
      test_to: targetDate(s.test.end - 1),
      n_train: s.train.end - s.train.start,
      n_test: s.test.end - s.test.start,
    }));

  return {
    schema: EVALUATION_SCHEMA_V2,
    symbol: input.symbol,
    created_at: input.createdAt,
    config_hash: input.configHash,
    target: 'next_session_log_return_of_avg_price',
    avg_price: input.avgPrice,
    data: {
      from: table.dates[0] as IsoDate,
      to: table.dates[table.dates.length - 1] as IsoDate,
      bars: table.dates.length,
      sha256: input.dataSha256,
    },
    plan: {
      gap_days: input.plan.gapDays,
      folds: foldPlan,
      holdout: {
        from: targetDate(plan.holdout.start),
        to: targetDate(plan.holdout.end - 1),
        n: plan.holdout.end - plan.holdout.start,
      },
    },
    models,
    best_baseline: bestBaseline,
    candidate: forecasters.find((f) => f.kind === 'candidate')?.name ?? null,
    forecasts: forecastsOf(aggregateRange.start, plan.holdout, segments),
  };

  function forecastsOf(
    start: number,
    holdout: IndexRange,
    tested: readonly Segment[],
  ): EvaluationForecasts {
    const idx: number[] = [];
    for (let i = start; i < holdout.end; i++) idx.push(i);
    const foldOf = (i: number) =>
      tested.find((s) => i >= s.test.start && i < s.test.end)?.fold ?? -1;
    return {
      dates: idx.map(targetDate),
      fold: idx.map(foldOf),
      origin_avg_price: idx.map((i) => originPrice[i] as number),
      actual_log_return: idx.map((i) => round9(actual[i] as number)),
      predicted_log_return: Object.fromEntries(
        forecasters.map((f) => {
          const p = predictions.get(f.name) as Float64Array;
          return [f.name, idx.map((i) => round9(p[i] as number))];
        }),
      ),
    };
  }
}

function round9(x: number): number {
  return Number(x.toPrecision(9));
}

function checkForecasters(forecasters: readonly Forecaster[]): void {
  const names = new Set<string>();
  for (const f of forecasters) {
    if (names.has(f.name)) throw new RangeError(`two forecasters are named ${f.name}`);
    names.add(f.name);
  }
  if (!forecasters.some((f) => f.kind === 'baseline')) {
    throw new RangeError('walk-forward evaluation needs at least one baseline to compare with');
  }
  if (forecasters.filter((f) => f.kind === 'candidate').length > 1) {
    throw new RangeError('walk-forward evaluation takes at most one candidate');
  }
}

function segmentLabel(segment: Segment, folds: number): string {
  return segment.fold < 0 ? 'hold-out' : `fold ${segment.fold + 1}/${folds}`;
}

/** rmse ratio; two perfect forecasts are equal (1), a perfect baseline beats anything else. */
function errorRatio(model: number, baseline: number): number {
  if (baseline === 0) return model === 0 ? 1 : Number.POSITIVE_INFINITY;
  return model / baseline;
}

/**
 * JSON has no infinities (JSON.stringify writes null, which compares as 0): a degenerate
 * ratio or DM statistic is saturated to ±Number.MAX_VALUE, which keeps its order in any
 * threshold check. NaN would mean a bug upstream, so it stops the evaluation.
 */
function jsonNumber(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('evaluation produced NaN');
  if (x === Number.POSITIVE_INFINITY) return Number.MAX_VALUE;
  if (x === Number.NEGATIVE_INFINITY) return -Number.MAX_VALUE;
  return x;
}
