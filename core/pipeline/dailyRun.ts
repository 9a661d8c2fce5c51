import { canonicalJson } from '../config/canonicalJson.ts';
import type { StockopsConfig } from '../config/configTypes.ts';
import {
  curatedMonthKey,
  curatedPrefix,
  dailyStateKey,
  evaluationKey,
  featuresKey,
  gateDecisionKey,
  lineageConfigKey,
  lineageFeaturesKey,
  qualityReportKey,
  rawBarKey,
  rawPrefix,
  runSummaryKey,
  stagingBarsKey,
  trainedModelsPrefix,
} from '../data/partitions.ts';
import type { Evaluation } from '../evaluate/evaluationTypes.ts';
import { featureOptions } from '../features/featureOptions.ts';
import {
  buildFeatureTable,
  type FeatureTable,
  formatFeatureCsv,
} from '../features/featureTable.ts';
import type { GateDecision } from '../gate/gateTypes.ts';
import { barsByMonth } from '../ingest/curatedMonth.ts';
import type { IsoDate } from '../market/isoDate.ts';
import { formatPriceCsv, type PriceBar, parsePriceCsv } from '../market/priceBar.ts';
import { lstmHyperparameters } from '../model/lstmConfig.ts';
import type { ModelRegistry } from '../ports/modelRegistry.ts';
import type { ObjectStore } from '../ports/objectStore.ts';
import type { PriceSource, SourceFetch } from '../ports/priceSource.ts';
import { runQualityChecks } from '../quality/qualityReport.ts';
import {
  FEATURES_LINEAGE_SCHEMA,
  serializeConfigRecord,
  serializeFeaturesLineage,
} from '../recovery/lineageRecords.ts';
import { groupPrefix } from '../registry/registryKeys.ts';
import { readCurated } from './curatedData.ts';
import {
  CANDIDATE_NAME,
  championForGate,
  type EvaluationContext,
  evaluateModels,
  type FinalModels,
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

/** The steps of the daily pipeline, in the order `runDaily` runs them. */
export const DAILY_STEPS: readonly StepName[] = [
  'ingest',
  'validate',
  'features',
  'evaluate',
  'train',
  'gate',
  'register',
];

/** A pipeline-spec task's parameters that change what a local step does. */
export interface StepParams {
  /** ingest: first and last session to load (default: config data.start_date, the run's until). */
  readonly from?: IsoDate;
  readonly to?: IsoDate;
  /** validate: the worst check status that still lets data through (default: warn passes). */
  readonly failOn?: 'fail' | 'warn';
}

/** Object keys a step read and wrote, for the runner's lineage events. */
export interface StepIo {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
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
 * A step failed for every symbol it ran for. Not retryable by the runner: retries live in one
 * layer only, and the sources already retry transient faults (config resilience.yahoo), while every
 * later step is a function of stored data that a retry would only compute again. So the local
 * runner fails the task at once instead of waiting out the spec's retry delays, which are for
 * the Lambda and SageMaker calls Airflow makes on AWS.
 */
export class StepFailedError extends Error {
  readonly retryable = false;
  constructor(step: StepName, failures: readonly string[]) {
    super(`${step} failed for every symbol: ${failures.join('; ')}`);
    this.name = 'StepFailedError';
  }
}

type Rows = { -readonly [K in keyof SymbolResult['rows']]: SymbolResult['rows'][K] };
type Paths = { -readonly [K in keyof SymbolResult['paths']]: SymbolResult['paths'][K] };

/** What survives between tasks (and processes) about one symbol. */
interface SymbolRecord {
  status: 'ok' | 'failed';
  failed_step?: StepName;
  error?: string;
  rows: Rows;
  paths: Paths;
  /** Curated partition key → sha256, the data lineage of the models. */
  partitions: Record<string, string>;
  data?: { from: IsoDate; to: IsoDate; bars: number };
  quality?: SymbolResult['quality'];
  metrics?: SymbolResult['metrics'];
  gate?: SymbolResult['gate'];
  registry?: SymbolResult['registry'];
}

/** runs/<run id>/daily.json: the per-symbol side of a run the local runner drives task by task. */
interface DailyRecord {
  schema: 'stockops.daily-run/v1';
  run_id: string;
  started_at: string;
  steps: StepRecord[];
  symbols: Record<string, SymbolRecord>;
}

/**
 * The daily pipeline as separate steps — ingest, validate, features, evaluate, train, gate,
 * register — each run for every symbol, so the local runner can execute them as the pipeline
 * spec's tasks. Steps hand data to each other through the store, as Airflow tasks do on AWS
 * (fetched bars, curated months, evaluation, fitted models, gate decision), with an in-memory
 * cache for the common case of one process running them all. A symbol that fails stops there
 * and the others go on; the per-symbol record in the store lets `--resume` pick up in a new
 * process.
 */
export class DailyRun {
  readonly #input: DailyRunInput;
  readonly #record: DailyRecord;
  readonly #bars = new Map<string, readonly PriceBar[]>();
  readonly #tables = new Map<string, FeatureTable>();
  readonly #evaluations = new Map<string, Evaluation>();

  private constructor(input: DailyRunInput, record: DailyRecord) {
    this.#input = input;
    this.#record = record;
  }

  /** Starts a run, or picks up the stored record of one with the same id (a resume). */
  static async open(input: DailyRunInput): Promise<DailyRun> {
    const bytes = await input.store.get(dailyStateKey(input.runId));
    const record: DailyRecord = bytes
      ? (JSON.parse(new TextDecoder().decode(bytes)) as DailyRecord)
      : {
          schema: 'stockops.daily-run/v1',
          run_id: input.runId,
          started_at: input.now().toISOString(),
          steps: [],
          symbols: {},
        };
    for (const symbol of input.symbols) {
      record.symbols[symbol] ??= {
        status: 'ok',
        rows: { fetched: 0, dropped: 0, raw_written: 0, raw_unchanged: 0, curated: 0, features: 0 },
        paths: { raw: rawPrefix(input.source.name, symbol), curated: curatedPrefix(symbol) },
        partitions: {},
      };
    }
    return new DailyRun(input, record);
  }

  /**
   * Runs one step for every symbol still in the run. A symbol that failed at this very step
   * before (a resumed run) is tried again; one that failed earlier is skipped. Throws only when
   * the step failed for every symbol it ran for, so the runner stops what depends on it.
   */
  async step(name: StepName, params: StepParams = {}): Promise<StepIo> {
    const inputs = new Set<string>();
    const outputs = new Set<string>();
    const failures: string[] = [];
    let attempted = 0;
    for (const symbol of this.#input.symbols) {
      const rec = this.#symbol(symbol);
      if (rec.status === 'failed' && rec.failed_step !== name) continue;
      rec.status = 'ok';
      delete rec.failed_step;
      delete rec.error;
      attempted++;
      const t0 = performance.now();
      this.#input.progress.stepStarted(name, symbol);
      try {
        const done = await this.#run(name, symbol, rec, params);
        const ms = Math.round(performance.now() - t0);
        this.#input.progress.stepFinished(name, symbol, ms, done.detail);
        this.#record.steps.push({
          step: name,
          symbol,
          status: 'succeeded',
          duration_ms: ms,
          detail: done.detail,
        });
        for (const k of done.inputs) inputs.add(k);
        for (const k of done.outputs) outputs.add(k);
      } catch (error) {
        const ms = Math.round(performance.now() - t0);
        const message = (error as Error).message;
        this.#input.progress.stepFailed(name, symbol, ms, message);
        this.#record.steps.push({
          step: name,
          symbol,
          status: 'failed',
          duration_ms: ms,
          detail: message,
        });
        Object.assign(rec, { status: 'failed', failed_step: name, error: message });
        failures.push(`${symbol}: ${message}`);
      }
    }
    await this.#save();
    if (attempted === 0) {
      throw new StepFailedError(name, ['no symbol left: each failed at an earlier step']);
    }
    if (failures.length === attempted) {
      throw new StepFailedError(name, failures);
    }
    return { inputs: [...inputs], outputs: [...outputs] };
  }

  /** Writes runs/<id>/summary.json (stockops.run-summary/v2) and returns it. */
  async summary(): Promise<RunSummary> {
    const input = this.#input;
    const finishedAt = input.now();
    const startedAt = new Date(this.#record.started_at);
    const results: Record<string, SymbolResult> = {};
    for (const symbol of input.symbols) {
      const r = this.#symbol(symbol);
      results[symbol] = {
        status: r.status === 'failed' ? 'failed' : 'succeeded',
        ...(r.error === undefined ? {} : { error: r.error }),
        rows: r.rows,
        ...(r.quality ? { quality: r.quality } : {}),
        ...(r.metrics ? { metrics: r.metrics } : {}),
        ...(r.gate ? { gate: r.gate } : {}),
        ...(r.registry ? { registry: r.registry } : {}),
        paths: r.paths,
      };
    }
    const summaryKey = runSummaryKey(input.runId);
    const summary: RunSummary = {
      schema: RUN_SUMMARY_SCHEMA,
      run_id: input.runId,
      env: input.env,
      status: Object.values(results).every((r) => r.status === 'succeeded')
        ? 'succeeded'
        : 'failed',
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      duration_ms: finishedAt.getTime() - startedAt.getTime(),
      config_hash: input.configHash,
      source: input.sourceLabel,
      store: input.store.location,
      symbols: [...input.symbols],
      steps: this.#record.steps,
      results,
      summary_path: summaryKey,
    };
    await input.store.put(summaryKey, `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }

  #symbol(symbol: string): SymbolRecord {
    const rec = this.#record.symbols[symbol];
    if (!rec) throw new Error(`symbol ${symbol} is not part of run ${this.#input.runId}`);
    return rec;
  }

  async #save(): Promise<void> {
    await this.#input.store.put(
      dailyStateKey(this.#input.runId),
      `${JSON.stringify(this.#record, null, 2)}\n`,
    );
  }

  #run(name: StepName, symbol: string, rec: SymbolRecord, params: StepParams): Promise<StepDone> {
    switch (name) {
      case 'ingest':
        return this.#ingest(symbol, rec, params);
      case 'validate':
        return this.#validate(symbol, rec, params);
      case 'features':
        return this.#features(symbol, rec);
      case 'evaluate':
        return this.#evaluate(symbol, rec);
      case 'train':
        return this.#train(symbol, rec);
      case 'gate':
        return this.#gate(symbol, rec);
      case 'register':
        return this.#register(symbol, rec);
    }
  }

  async #ingest(symbol: string, rec: SymbolRecord, params: StepParams): Promise<StepDone> {
    const { config, source, store, runId } = this.#input;
    const got = await source.fetchDaily(
      symbol,
      params.from ?? config.data.start_date,
      params.to ?? this.#input.until,
    );
    const written = await writeRaw(store, source.name, got);
    const staging = stagingBarsKey(runId, symbol);
    await store.put(staging, formatPriceCsv(got.bars));
    this.#bars.set(symbol, got.bars);
    Object.assign(rec.rows, {
      fetched: got.bars.length,
      dropped: got.dropped.length,
      raw_written: written,
      raw_unchanged: got.raw.length - written,
    });
    const drops = got.dropped.length > 0 ? `, ${got.dropped.length} dropped` : '';
    return {
      detail:
        `${got.bars.length} bars ${got.bars[0]?.date ?? '-'} → ${got.bars.at(-1)?.date ?? '-'}, ` +
        `${written} raw written, ${got.raw.length - written} unchanged${drops}`,
      inputs: [this.#input.sourceLabel],
      outputs: [rec.paths.raw, staging],
    };
  }

  async #validate(symbol: string, rec: SymbolRecord, params: StepParams): Promise<StepDone> {
    const { config, store, runId } = this.#input;
    const staging = stagingBarsKey(runId, symbol);
    const bars = this.#bars.get(symbol) ?? (await readStaging(store, staging));
    const report = runQualityChecks(bars, {
      symbol,
      maxDailyMove: config.quality.max_daily_move,
      splitRatioTolerance: config.quality.split_ratio_tolerance,
      maxMissingSessions: config.quality.max_missing_sessions,
    });
    const reportKey = qualityReportKey(symbol);
    await store.put(reportKey, `${JSON.stringify(report, null, 2)}\n`);
    rec.paths.quality_report = reportKey;
    rec.quality = {
      status: report.status,
      checks: Object.fromEntries(
        report.checks.map((c) => [c.name, { status: c.status, count: c.dates.length }]),
      ),
    };
    const stops = params.failOn === 'warn' ? ['fail', 'warn'] : ['fail'];
    const failed = report.checks.filter((c) => stops.includes(c.status)).map((c) => c.name);
    if (failed.length > 0) throw new QualityGateError(symbol, failed, reportKey);
    rec.partitions = await writeCurated(store, symbol, bars);
    rec.data = { from: bars[0]?.date ?? '', to: bars.at(-1)?.date ?? '', bars: bars.length };
    rec.rows.curated = bars.length;
    this.#bars.set(symbol, bars);
    const warned = report.checks.filter((c) => c.status === 'warn').map((c) => c.name);
    return {
      detail: `quality ${report.status}${warned.length ? ` (${warned.join(', ')})` : ''}, ${bars.length} bars curated`,
      inputs: [staging],
      outputs: [reportKey, rec.paths.curated],
    };
  }

  async #features(symbol: string, rec: SymbolRecord): Promise<StepDone> {
    const t = await this.#table(symbol, rec);
    const { store, configHash, runId } = this.#input;
    const key = featuresKey(symbol);
    await store.put(key, formatFeatureCsv(t));
    rec.paths.features = key;
    rec.rows.features = t.dates.length - t.firstComplete;
    // What the features were built from, so they can be rebuilt from curated/ (stockops dr).
    const lineageKey = lineageFeaturesKey(symbol);
    await this.#recordConfig();
    await store.put(
      lineageKey,
      serializeFeaturesLineage({
        schema: FEATURES_LINEAGE_SCHEMA,
        symbol,
        key,
        data: rec.data ?? {
          from: t.dates[0] ?? '',
          to: t.dates.at(-1) ?? '',
          bars: t.dates.length,
        },
        config_hash: configHash,
        run_id: runId,
      }),
    );
    return {
      detail: `${rec.rows.features} complete rows from ${t.dates[t.firstComplete] ?? '-'}`,
      inputs: [rec.paths.curated],
      outputs: [key, lineageKey],
    };
  }

  async #evaluate(symbol: string, rec: SymbolRecord): Promise<StepDone> {
    const ctx = await this.#context(symbol, rec);
    const e = await evaluateModels(ctx);
    const key = evaluationKey(this.#input.runId, symbol);
    await this.#input.store.put(key, `${JSON.stringify(e, null, 2)}\n`);
    rec.paths.evaluation = key;
    rec.metrics = {
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
    return {
      detail:
        `${e.plan.folds.length} folds + hold-out; best baseline ${e.best_baseline} ` +
        `RMSE(return) ${e.models[e.best_baseline]?.aggregate.scores.rmse_return.toFixed(5)}; ` +
        `lstm ${lstm?.scores.rmse_return.toFixed(5)} (ratio ${ratio?.toFixed(3)})`,
      inputs: [rec.paths.curated],
      outputs: [key],
    };
  }

  async #train(symbol: string, rec: SymbolRecord): Promise<StepDone> {
    const f = await trainFinalModels(await this.#context(symbol, rec));
    const prefix = trainedModelsPrefix(this.#input.runId, symbol);
    await writeFinalModels(this.#input.store, prefix, f);
    return {
      detail: `lstm fitted on ${f.trainedOn.origins} origins to ${f.trainedOn.to}`,
      inputs: [rec.paths.curated],
      outputs: [prefix],
    };
  }

  async #gate(symbol: string, rec: SymbolRecord): Promise<StepDone> {
    const { store, registry, config, runId } = this.#input;
    const ctx = await this.#context(symbol, rec);
    const evalKey = evaluationKey(runId, symbol);
    const evaluation = await this.#evaluation(evalKey);
    const champion = await championForGate(ctx, evaluation, await registry.champion(symbol));
    const d = gateCandidate(config, evaluation, champion, rec.data?.to ?? '');
    const key = gateDecisionKey(runId, symbol);
    await store.put(key, `${JSON.stringify(d, null, 2)}\n`);
    rec.paths.gate_decision = key;
    rec.gate = { decision: d.decision, reasons: d.reasons, champion: d.champion };
    const why =
      d.reasons.length > 0
        ? `: ${d.reasons[0]}${d.reasons.length > 1 ? ` (+${d.reasons.length - 1})` : ''}`
        : '';
    return {
      detail: `${d.decision} vs ${d.champion ?? `best baseline ${d.best_baseline}`}${why}`,
      inputs: [evalKey, groupPrefix(symbol)],
      outputs: [key],
    };
  }

  async #register(symbol: string, rec: SymbolRecord): Promise<StepDone> {
    const { store, runId, config, configHash } = this.#input;
    const evalKey = evaluationKey(runId, symbol);
    const gateKey = gateDecisionKey(runId, symbol);
    const modelsPrefix = trainedModelsPrefix(runId, symbol);
    const decision = await readJson<GateDecision>(store, gateKey);
    await this.#recordConfig();
    const outcome = await registerModels({
      registry: this.#input.registry,
      symbol,
      evaluation: await this.#evaluation(evalKey),
      evaluationKey: evalKey,
      final: await readFinalModels(store, modelsPrefix),
      decision,
      lineage: {
        data: {
          symbol,
          from: rec.data?.from ?? '',
          to: rec.data?.to ?? '',
          bars: rec.data?.bars ?? 0,
          sha256: this.#input.hash(canonicalJson(rec.partitions)),
          partitions: rec.partitions,
        },
        config_hash: configHash,
        git_commit: this.#input.gitCommit,
      },
      hyper: lstmHyperparameters(config),
      at: this.#input.now().toISOString(),
    });
    rec.registry = outcome;
    const base = outcome.baselines_registered.length
      ? `${outcome.baselines_registered.length} baselines registered, `
      : '';
    return {
      detail:
        `${base}lstm v${outcome.candidate.version} ${outcome.candidate.status}; champion ` +
        (outcome.champion ? `v${outcome.champion.version} ${outcome.champion.model}` : 'none'),
      inputs: [evalKey, modelsPrefix, gateKey],
      outputs: [groupPrefix(symbol)],
    };
  }

  /**
   * lineage/config/sha256=H.json: the effective config under its hash, written before anything
   * that records the hash, so models and features can be rebuilt with exactly these settings.
   */
  async #recordConfig(): Promise<void> {
    const { store, config, configHash } = this.#input;
    await store.put(lineageConfigKey(configHash), serializeConfigRecord(config));
  }

  /** The curated bars this run validated: from memory, or (resumed) from curated/ in its range. */
  async #curatedBars(symbol: string, rec: SymbolRecord): Promise<readonly PriceBar[]> {
    const cached = this.#bars.get(symbol);
    if (cached) return cached;
    const range = rec.data;
    if (!range) throw new Error(`${symbol}: no validated data in this run: run validate first`);
    const { bars } = await readCurated(this.#input.store, symbol);
    const inRange = bars.filter((b) => b.date >= range.from && b.date <= range.to);
    this.#bars.set(symbol, inRange);
    return inRange;
  }

  async #table(symbol: string, rec: SymbolRecord): Promise<FeatureTable> {
    const cached = this.#tables.get(symbol);
    if (cached) return cached;
    const t = buildFeatureTable(
      await this.#curatedBars(symbol, rec),
      featureOptions(this.#input.config),
    );
    this.#tables.set(symbol, t);
    return t;
  }

  async #context(symbol: string, rec: SymbolRecord): Promise<EvaluationContext> {
    return {
      symbol,
      table: await this.#table(symbol, rec),
      config: this.#input.config,
      configHash: this.#input.configHash,
      dataSha256: this.#input.hash(canonicalJson(rec.partitions)),
      createdAt: this.#input.now().toISOString(),
      onProgress: (message) => this.#input.progress.stepProgress?.('evaluate', symbol, message),
    };
  }

  /** The stored evaluation, as every later reader sees it (JSON, so NaN has become null). */
  async #evaluation(key: string): Promise<Evaluation> {
    const cached = this.#evaluations.get(key);
    if (cached) return cached;
    const e = await readJson<Evaluation>(this.#input.store, key);
    this.#evaluations.set(key, e);
    return e;
  }
}

interface StepDone extends StepIo {
  readonly detail: string;
}

/**
 * ingest → validate → features → evaluate → train → gate → register for each symbol, then the
 * run summary. A symbol that fails stops there and the others go on; the run fails if any
 * symbol did. A candidate the gate rejects is a normal outcome, not a failure. (The CLI runs
 * the same steps as the tasks of dags/pipelines/daily.yaml under the local runner.)
 */
export async function runDaily(input: DailyRunInput): Promise<RunSummary> {
  const run = await DailyRun.open(input);
  for (const name of DAILY_STEPS) {
    try {
      await run.step(name);
    } catch (error) {
      if (!(error instanceof StepFailedError)) throw error;
    }
  }
  return run.summary();
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

async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`${store.location}/${key} is missing: run the step that writes it`);
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

async function readStaging(store: ObjectStore, key: string): Promise<PriceBar[]> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`${store.location}/${key} is missing: run ingest first`);
  return parsePriceCsv(new TextDecoder().decode(bytes), `${store.location}/${key}`);
}

const MANIFEST = 'manifest.json';

/** The part of FinalModels that is not files; baselines keep the order they were fitted in. */
interface FinalManifest {
  readonly trained_on: FinalModels['trainedOn'];
  readonly baselines: readonly string[];
}

async function writeFinalModels(store: ObjectStore, prefix: string, f: FinalModels) {
  for (const [file, bytes] of Object.entries(f.candidate)) {
    await store.put(`${prefix}candidate/${file}`, bytes);
  }
  for (const [name, files] of Object.entries(f.baselines)) {
    for (const [file, bytes] of Object.entries(files)) {
      await store.put(`${prefix}baselines/${name}/${file}`, bytes);
    }
  }
  const manifest: FinalManifest = { trained_on: f.trainedOn, baselines: Object.keys(f.baselines) };
  await store.put(`${prefix}${MANIFEST}`, `${JSON.stringify(manifest)}\n`);
}

async function readFinalModels(store: ObjectStore, prefix: string): Promise<FinalModels> {
  const manifest = await readJson<FinalManifest>(store, `${prefix}${MANIFEST}`);
  const candidate: Record<string, Uint8Array> = {};
  const files: Record<string, Record<string, Uint8Array>> = {};
  for (const key of await store.list(prefix)) {
    const bytes = await store.get(key);
    if (!bytes) continue;
    const [kind, a, b] = key.slice(prefix.length).split('/');
    if (kind === 'candidate' && a) candidate[a] = bytes;
    else if (kind === 'baselines' && a && b) files[a] = { ...files[a], [b]: bytes };
  }
  const baselines: Record<string, Record<string, Uint8Array>> = {};
  for (const name of manifest.baselines) {
    const found = files[name];
    if (!found) throw new Error(`${store.location}/${prefix}baselines/${name}/ is missing`);
    baselines[name] = found;
  }
  return { candidate, baselines, trainedOn: manifest.trained_on };
}
