import type { StockopsConfig } from '../config/configTypes.ts';
import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import { evaluateWalkForward, forecastOrigins } from '../evaluate/walkForwardEvaluation.ts';
import type { FeatureTable } from '../features/featureTable.ts';
import type { GateChampion, GateDecision } from '../gate/gateTypes.ts';
import { evaluateGate } from '../gate/promotionGate.ts';
import { baselineForecasters } from '../model/baselines.ts';
import type { Forecaster } from '../model/forecaster.ts';
import { saveLstm } from '../model/lstmArtifacts.ts';
import { lstmHyperparameters } from '../model/lstmConfig.ts';
import { FittedLstm, LstmForecaster, type LstmHyperparameters } from '../model/lstmForecaster.ts';
import type { ModelLineage, ModelPackage, ModelRegistry } from '../ports/modelRegistry.ts';
import { metricsFromEvaluation } from '../registry/evaluationMetrics.ts';

export const CANDIDATE_NAME = 'lstm';

export interface EvaluationContext {
  readonly symbol: string;
  readonly table: FeatureTable;
  readonly config: StockopsConfig;
  readonly configHash: string;
  readonly dataSha256: string;
  readonly createdAt: string;
  readonly onProgress?: (message: string) => void;
}

/**
 * Wraps each forecaster before it fits, without changing what it fits: the training container
 * uses it to checkpoint every fit and to stop between fits on SIGTERM.
 */
export type WrapForecaster = (forecaster: Forecaster, phase: 'evaluation' | 'final') => Forecaster;

export interface ModelStepOptions {
  readonly wrap?: WrapForecaster;
  /** The LSTM's hyperparameters when not the config's (a recorded version being rebuilt). */
  readonly hyper?: LstmHyperparameters;
}

/** Walk-forward evaluation of every baseline and the LSTM with these hyperparameters. */
export function evaluateModels(
  ctx: EvaluationContext,
  hyper: LstmHyperparameters = lstmHyperparameters(ctx.config),
  options: ModelStepOptions = {},
): Promise<Evaluation> {
  const e = ctx.config.evaluation;
  const wrap = options.wrap ?? ((f) => f);
  const forecasters: Forecaster[] = [
    ...baselineForecasters(),
    new LstmForecaster(hyper, CANDIDATE_NAME),
  ].map((f) => wrap(f, 'evaluation'));
  return evaluateWalkForward({
    symbol: ctx.symbol,
    table: ctx.table,
    window: hyper.window,
    plan: {
      folds: e.folds,
      testDays: e.test_days,
      gapDays: e.gap_days,
      holdoutDays: e.holdout_days,
      minTrainDays: e.min_train_days,
    },
    maxTrainDays: ctx.config.model.max_train_days,
    forecasters,
    configHash: ctx.configHash,
    avgPrice: ctx.config.features.avg_price,
    dataSha256: ctx.dataSha256,
    createdAt: ctx.createdAt,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
}

export interface FinalModels {
  /** The candidate's model directory, fitted on the latest max_train_days origins. */
  readonly candidate: Record<string, Uint8Array>;
  /** Each baseline's fitted parameters, as its (small) artifact. */
  readonly baselines: Record<string, Record<string, Uint8Array>>;
  readonly trainedOn: { readonly from: string; readonly to: string; readonly origins: number };
}

/**
 * Fits every model on the most recent data — what the registry stores and the endpoint serves.
 * Same rolling window as the evaluation's fits, ending at the last origin with a known target.
 */
export async function trainFinalModels(
  ctx: EvaluationContext,
  options: ModelStepOptions = {},
): Promise<FinalModels> {
  const wrap = options.wrap ?? ((f) => f);
  const hyper = options.hyper ?? lstmHyperparameters(ctx.config);
  const origins = forecastOrigins(ctx.table, hyper.window).slice(-ctx.config.model.max_train_days);
  const trainedOn = {
    from: ctx.table.dates[(origins[0] ?? 0) + 1] ?? '',
    to: ctx.table.dates[(origins.at(-1) ?? 0) + 1] ?? '',
    origins: origins.length,
  };
  const lstm = await wrap(new LstmForecaster(hyper, CANDIDATE_NAME), 'final').fit(
    ctx.table,
    origins,
    { fold: -1 },
  );
  if (!(lstm instanceof FittedLstm)) {
    throw new TypeError('trainFinalModels: the wrapped LSTM forecaster must fit a FittedLstm');
  }
  try {
    const candidate = await saveLstm(lstm, { avgPrice: ctx.config.features.avg_price, trainedOn });
    const baselines: FinalModels['baselines'] = {};
    for (const forecaster of baselineForecasters()) {
      const fitted = await forecaster.fit(ctx.table, origins, { fold: -1 });
      const artifact = {
        format: 'stockops.baseline/v1',
        name: forecaster.name,
        trained_on: trainedOn,
        params: fitted.describe(),
      };
      baselines[forecaster.name] = {
        'model.json': new TextEncoder().encode(`${JSON.stringify(artifact, null, 2)}\n`),
      };
    }
    return { candidate, baselines, trainedOn };
  } finally {
    lstm.dispose();
  }
}

/**
 * The champion the candidate must beat, evaluated on the same data. A baseline champion is in
 * this evaluation already; an LSTM champion with the candidate's hyperparameters would score
 * exactly as the candidate does (same seed, same data); one with other hyperparameters is
 * re-evaluated here, because the gate refuses a champion scored on other data.
 */
export async function championForGate(
  ctx: EvaluationContext,
  evaluation: Evaluation,
  champion: ModelPackage | undefined,
): Promise<GateChampion | undefined> {
  if (!champion) return undefined;
  const base = { version: champion.version };
  if (champion.kind === 'baseline') {
    return { ...base, evaluation, model: champion.model_name };
  }
  const hyper = champion.lineage.hyperparameters as unknown as LstmHyperparameters;
  const current = lstmHyperparameters(ctx.config);
  const same = JSON.stringify(sortKeys(hyper)) === JSON.stringify(sortKeys(current));
  if (same) return { ...base, evaluation, model: CANDIDATE_NAME };
  return { ...base, evaluation: await evaluateModels(ctx, hyper), model: CANDIDATE_NAME };
}

function sortKeys(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}

export function gateCandidate(
  config: StockopsConfig,
  evaluation: Evaluation,
  champion: GateChampion | undefined,
  dataTo: string,
): GateDecision {
  return evaluateGate({
    candidate: evaluation,
    ...(champion ? { champion } : {}),
    thresholds: config.gate,
    dataTo,
  });
}

export interface RegistryOutcome {
  /** Baselines registered on this run (only when the group was new). */
  readonly baselines_registered: readonly { model: string; version: number }[];
  readonly candidate: {
    readonly version: number;
    readonly status: string;
    readonly reason: string;
  };
  readonly champion: { readonly version: number; readonly model: string } | null;
}

/**
 * Registers what this run produced. A new group first gets every baseline, Approved as a
 * reference, and the best of them becomes champion, so the endpoint serves the best forecast
 * the evidence supports from day one. Then the candidate, Approved or Rejected by the gate;
 * an approved candidate becomes champion.
 */
export async function registerModels(input: {
  readonly registry: ModelRegistry;
  readonly symbol: string;
  readonly evaluation: Evaluation;
  readonly evaluationKey: string;
  readonly final: FinalModels;
  readonly decision: GateDecision;
  readonly lineage: Omit<ModelLineage, 'artifacts' | 'hyperparameters' | 'evaluation_key'>;
  readonly hyper: LstmHyperparameters;
  readonly at: string;
}): Promise<RegistryOutcome> {
  const { registry, symbol, evaluation, at } = input;
  const registered: { model: string; version: number }[] = [];
  if ((await registry.list(symbol)).length === 0) {
    for (const [name, files] of Object.entries(input.final.baselines)) {
      const model = evaluation.models[name];
      if (!model) continue;
      const pkg = await registry.register({
        group: symbol,
        modelName: name,
        kind: 'baseline',
        files,
        metrics: metricsFromEvaluation(model, evaluation.best_baseline),
        lineage: {
          ...input.lineage,
          hyperparameters: model.params,
          evaluation_key: input.evaluationKey,
        },
        status: 'Approved',
        reason: 'baseline: a reference model, approved by rule',
        at,
      });
      registered.push({ model: name, version: pkg.version });
    }
    const best = registered.find((r) => r.model === evaluation.best_baseline);
    if (best) {
      await registry.setChampion(
        symbol,
        best.version,
        `best baseline on the first evaluation (${evaluation.best_baseline})`,
        at,
      );
    }
  }
  const approved = input.decision.decision === 'approve';
  const candidateEval = evaluation.models[CANDIDATE_NAME];
  const reason = approved
    ? 'gate: passed every check'
    : `gate: ${input.decision.reasons.join('; ')}`;
  const pkg = await registry.register({
    group: symbol,
    modelName: CANDIDATE_NAME,
    kind: 'candidate',
    files: input.final.candidate,
    metrics: candidateEval ? metricsFromEvaluation(candidateEval, evaluation.best_baseline) : {},
    lineage: {
      ...input.lineage,
      hyperparameters: { ...input.hyper },
      evaluation_key: input.evaluationKey,
    },
    status: approved ? 'Approved' : 'Rejected',
    reason,
    at,
  });
  if (approved) {
    await registry.setChampion(symbol, pkg.version, 'gate approved it over the champion', at);
  }
  const champion = await registry.champion(symbol);
  return {
    baselines_registered: registered,
    candidate: { version: pkg.version, status: pkg.status, reason },
    champion: champion ? { version: champion.version, model: champion.model_name } : null,
  };
}
