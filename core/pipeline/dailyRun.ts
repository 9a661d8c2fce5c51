import { canonicalJson } from '../config/canonicalJson.ts';
import type { StockopsConfig } from '../config/configTypes.ts';
import {
  curatedMonthKey,
  curatedPrefix,
  evaluationKey,
  featuresKey,
  gateDecisionKey,
  qualityReportKey,
  rawBarKey,
  rawPrefix,
  runSummaryKey,
} from '../data/partitions.ts';
import { featureOptions } from '../features/featureOptions.ts';
import { buildFeatureTable, formatFeatureCsv } from '../features/featureTable.ts';
import { barsByMonth } from '../ingest/curatedMonth.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { formatPriceCsv, type PriceBar } from '../market/priceBar.ts';
import { lstmHyperparameters } from '../model/lstmConfig.ts';
import type { ModelRegistry } from '../ports/modelRegistry.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import type { PriceSource, SourceFetch } from '../ports/priceSource.ts';
import { runQualityChecks } from '../quality/qualityReport.ts';
import {
  CANDIDATE_NAME,
  championForGate,
  type EvaluationContext,
  evaluateModels,
  gateCandidate,
  registerModels,
  trainFinalModels,
} from './modelSteps.ts';
import type { ProgressReporter } from './progress.ts';
import {
  RUN_SUMMARY_SCHEMA,
  type RunSummary,
  type StepName,
  type StepRecord,
  type SymbolResult,
} from './runSummary.ts';

export interface DailyRunInput {
  readonly runId: string;
  readonly env: string;
  readonly config: StockopsConfig;
  readonly configHash: string;
  readonly symbols: readonly string[];
  readonly source: PriceSource;
  readonly sourceLabel: string;
  readonly store: ObjectStore;
  readonly registry: ModelRegistry;
  /** sha256 hex of a text (core stays free of node:crypto). */
  readonly hash: (text: string) => string;
  /** The commit of the code that runs, for lineage; null outside a git checkout. */
  readonly gitCommit: string | null;
  /** The last session to load: today in New York, injected so tests pin it. */
  readonly until: IsoDate;
  readonly now: () => Date;
  readonly progress: ProgressReporter;
}

/** Thrown when a symbol's data fails a quality check: nothing curated is written for it. */
export class QualityGateError extends Error {
  constructor(symbol: string, failed: readonly string[], reportKey: string) {
    super(
      `${symbol}: data quality failed (${failed.join(', ')}); curated data left as it was; see ${reportKey}`,
    );
    this.name = 'QualityGateError';
  }
}

/**
 * ingest → validate → features → evaluate → train → gate → register for each symbol, then the
 * run summary. A symbol that fails stops there and the others go on; the run fails if any
 * symbol did. A candidate the gate rejects is a normal outcome, not a failure.
 */
export async function runDaily(input: DailyRunInput): Promise<RunSummary> {
  const startedAt = input.now();
  const steps: StepRecord[] = [];
  const results: Record<string, SymbolResult> = {};
  for (const symbol of input.symbols) {
    results[symbol] = await runSymbol(input, symbol, steps);
  }
  const finishedAt = input.now();
  const summaryKey = runSummaryKey(input.runId);
  const summary: RunSummary = {
    schema: RUN_SUMMARY_SCHEMA,
    run_id: input.runId,
    env: input.env,
    status: Object.values(results).every((r) => r.status === 'succeeded') ? 'succeeded' : 'failed',
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_ms: finishedAt.getTime() - startedAt.getTime(),
    config_hash: input.configHash,
    source: input.sourceLabel,
    store: input.store.location,
    symbols: [...input.symbols],
    steps,
    results,
    summary_path: summaryKey,
  };
  await input.store.put(summaryKey, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

async function runSymbol(
  input: DailyRunInput,
  symbol: string,
  steps: StepRecord[],
): Promise<SymbolResult> {
  const { config, store } = input;
  const rows = {
    fetched: 0,
    dropped: 0,
    raw_written: 0,
    raw_unchanged: 0,
    curated: 0,
    features: 0,
  };
  const paths: { -readonly [K in keyof SymbolResult['paths']]: SymbolResult['paths'][K] } = {
    raw: rawPrefix(input.source.name, symbol),
    curated: curatedPrefix(symbol),
  };
  let quality: SymbolResult['quality'];
  let metrics: SymbolResult['metrics'];
  let gate: SymbolResult['gate'];
  let registry: SymbolResult['registry'];
  let partitions: Record<string, string> = {};

  const step = async <T>(name: StepName, work: () => Promise<[T, string]>): Promise<T> => {
    input.progress.stepStarted(name, symbol);
    const t0 = performance.now();
    try {
      const [value, detail] = await work();
      const ms = Math.round(performance.now() - t0);
      input.progress.stepFinished(name, symbol, ms, detail);
      steps.push({ step: name, symbol, status: 'succeeded', duration_ms: ms, detail });
      return value;
    } catch (error) {
      const ms = Math.round(performance.now() - t0);
      const message = (error as Error).message;
      input.progress.stepFailed(name, symbol, ms, message);
      steps.push({ step: name, symbol, status: 'failed', duration_ms: ms, detail: message });
      throw error;
    }
  };

  try {
    const fetched = await step('ingest', async () => {
      const got = await input.source.fetchDaily(symbol, config.data.start_date, input.until);
      const written = await writeRaw(store, input.source.name, got);
      rows.fetched = got.bars.length;
      rows.dropped = got.dropped.length;
      rows.raw_written = written;
      rows.raw_unchanged = got.raw.length - written;
      const drops = got.dropped.length > 0 ? `, ${got.dropped.length} dropped` : '';
      return [
        got,
        `${got.bars.length} bars ${got.bars[0]?.date ?? '-'} → ${got.bars.at(-1)?.date ?? '-'}, ` +
          `${written} raw written, ${got.raw.length - written} unchanged${drops}`,
      ];
    });

    const bars = await step('validate', async () => {
      const report = runQualityChecks(fetched.bars, {
        symbol,
        maxDailyMove: config.quality.max_daily_move,
        splitRatioTolerance: config.quality.split_ratio_tolerance,
        maxMissingSessions: config.quality.max_missing_sessions,
      });
      const reportKey = qualityReportKey(symbol);
      await store.put(reportKey, `${JSON.stringify(report, null, 2)}\n`);
      paths.quality_report = reportKey;
      quality = {
        status: report.status,
        checks: Object.fromEntries(
          report.checks.map((c) => [c.name, { status: c.status, count: c.dates.length }]),
        ),
      };
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
      if (failed.length > 0) throw new QualityGateError(symbol, failed, reportKey);
      partitions = await writeCurated(store, symbol, fetched.bars);
      rows.curated = fetched.bars.length;
      const warned = report.checks.filter((c) => c.status === 'warn').map((c) => c.name);
      return [
        fetched.bars,
        `quality ${report.status}${warned.length ? ` (${warned.join(', ')})` : ''}, ${fetched.bars.length} bars curated`,
      ];
    });

    const table = await step('features', async () => {
      const t = buildFeatureTable(bars, featureOptions(config));
      const key = featuresKey(symbol);
      await store.put(key, formatFeatureCsv(t));
      paths.features = key;
      rows.features = t.dates.length - t.firstComplete;
      return [t, `${rows.features} complete rows from ${t.dates[t.firstComplete] ?? '-'}`];
    });

    const bars0 = bars[0];
    const barsN = bars.at(-1);
    const ctx: EvaluationContext = {
      symbol,
      table,
      config,
      configHash: input.configHash,
      dataSha256: input.hash(canonicalJson(partitions)),
      createdAt: input.now().toISOString(),
      onProgress: (message) => input.progress.stepProgress?.('evaluate', symbol, message),
    };
    const evalKey = evaluationKey(input.runId, symbol);
    const evaluation = await step('evaluate', async () => {
      const e = await evaluateModels(ctx);
      await store.put(evalKey, `${JSON.stringify(e, null, 2)}\n`);
      paths.evaluation = evalKey;
      metrics = {
        best_baseline: e.best_baseline,
        candidate: e.candidate,
        models: Object.fromEntries(
          Object.entries(e.models).map(([name, m]) => [
            name,
            { aggregate: m.aggregate, holdout: m.holdout },
          ]),
        ),
      };
      const lstm = e.models[CANDIDATE_NAME]?.aggregate;
      const ratio = lstm?.vs[e.best_baseline]?.error_ratio;
      return [
        e,
        `${e.plan.folds.length} folds + hold-out; best baseline ${e.best_baseline} ` +
          `RMSE(return) ${e.models[e.best_baseline]?.aggregate.scores.rmse_return.toFixed(5)}; ` +
          `lstm ${lstm?.scores.rmse_return.toFixed(5)} (ratio ${ratio?.toFixed(3)})`,
      ];
    });

    const final = await step('train', async () => {
      const f = await trainFinalModels(ctx);
      return [f, `lstm fitted on ${f.trainedOn.origins} origins to ${f.trainedOn.to}`];
    });

    const decision = await step('gate', async () => {
      const championPkg = await input.registry.champion(symbol);
      const champion = await championForGate(ctx, evaluation, championPkg);
      const d = gateCandidate(config, evaluation, champion, barsN?.date ?? '');
      const key = gateDecisionKey(input.runId, symbol);
      await store.put(key, `${JSON.stringify(d, null, 2)}\n`);
      paths.gate_decision = key;
      gate = { decision: d.decision, reasons: d.reasons, champion: d.champion };
      const why =
        d.reasons.length > 0
          ? `: ${d.reasons[0]}${d.reasons.length > 1 ? ` (+${d.reasons.length - 1})` : ''}`
          : '';
      return [d, `${d.decision} vs ${d.champion ?? `best baseline ${d.best_baseline}`}${why}`];
    });

    await step('register', async () => {
      const outcome = await registerModels({
        registry: input.registry,
        symbol,
        evaluation,
        evaluationKey: evalKey,
        final,
        decision,
        lineage: {
          data: {
            symbol,
            from: bars0?.date ?? '',
            to: barsN?.date ?? '',
            bars: bars.length,
            sha256: ctx.dataSha256,
            partitions,
          },
          config_hash: input.configHash,
          git_commit: input.gitCommit,
        },
        hyper: lstmHyperparameters(config),
        at: input.now().toISOString(),
      });
      registry = outcome;
      const base = outcome.baselines_registered.length
        ? `${outcome.baselines_registered.length} baselines registered, `
        : '';
      return [
        outcome,
        `${base}lstm v${outcome.candidate.version} ${outcome.candidate.status}; champion ` +
          (outcome.champion ? `v${outcome.champion.version} ${outcome.champion.model}` : 'none'),
      ];
    });
    return result('succeeded');
  } catch (error) {
    return result('failed', (error as Error).message);
  }

  function result(status: SymbolResult['status'], error?: string): SymbolResult {
    return {
      status,
      ...(error === undefined ? {} : { error }),
      rows,
      ...(quality ? { quality } : {}),
      ...(metrics ? { metrics } : {}),
      ...(gate ? { gate } : {}),
      ...(registry ? { registry } : {}),
      paths,
    };
  }
}

/** Writes one raw object per session; returns how many were new or changed. */
export async function writeRaw(
  store: ObjectStore,
  sourceName: string,
  fetched: SourceFetch,
): Promise<number> {
  let written = 0;
  for (const day of fetched.raw) {
    const put = await store.put(rawBarKey(sourceName, fetched.symbol, day.date, day.ext), day.body);
    if (put.written) written++;
  }
  return written;
}

/** Writes validated bars as one CSV per month; returns each partition's key and sha256. */
export async function writeCurated(
  store: ObjectStore,
  symbol: string,
  bars: readonly PriceBar[],
): Promise<Record<string, string>> {
  const partitions: Record<string, string> = {};
  for (const [month, monthBars] of barsByMonth(bars)) {
    const put = await store.put(curatedMonthKey(symbol, month), formatPriceCsv(monthBars));
    partitions[put.key] = put.sha256;
  }
  return partitions;
}
