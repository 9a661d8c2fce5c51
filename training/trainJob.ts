import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sha256Hex } from '../adapters/local/sha256.ts';
import { canonicalJson } from '../core/config/canonicalJson.ts';
import { ConfigError } from '../core/config/configError.ts';
import { type ResolvedConfig, resolveConfig } from '../core/config/resolveConfig.ts';
import { featureOptions } from '../core/features/featureOptions.ts';
import { buildFeatureTable } from '../core/features/featureTable.ts';
import { parsePriceCsv } from '../core/market/priceBar.ts';
import { lstmHyperparameters } from '../core/model/lstmConfig.ts';
import {
  CANDIDATE_NAME,
  type EvaluationContext,
  evaluateModels,
  trainFinalModels,
} from '../core/pipeline/modelSteps.ts';
import { runQualityChecks } from '../core/quality/qualityReport.ts';
import { buildModelDirectory } from '../core/serving/modelDirectory.ts';
import { hyperparameterForPath, parseHyperparameters } from '../core/training/hyperparameters.ts';
import { metricLines } from '../core/training/metricLines.ts';
import { TrainingCheckpoints } from './checkpoints.ts';
import type { OptMl } from './optMl.ts';
import type { StopSignal } from './stopSignal.ts';

/** The channel holding the price files, one SYMBOL.csv each. */
export const TRAIN_CHANNEL = 'train';

export interface TrainJob {
  readonly paths: OptMl;
  /** config/ of the image (base.yaml and the environment overlays). */
  readonly configDir: string;
  /** Which overlay to merge under the hyperparameters (STOCKOPS_ENV). */
  readonly env: string;
  readonly stop: StopSignal;
  /** Progress and notices (stderr). */
  readonly log: (line: string) => void;
  /** The metric lines (stdout, where SageMaker's regexes look). */
  readonly metric: (line: string) => void;
  readonly now: () => Date;
}

/**
 * `train`: hyperparameters + channel → walk-forward evaluation of the baselines and the LSTM,
 * metric lines, final fit → the model directory in model/. Every LSTM fit is checkpointed,
 * and a rerun on the same inputs resumes from the checkpoints. Throws on any problem (the
 * entry writes output/failure); TrainingStopped when stopped by SIGTERM.
 */
export async function runTrainJob(job: TrainJob): Promise<void> {
  const { paths, log } = job;
  const raw = existsSync(paths.hyperparameters) ? readJson(paths.hyperparameters) : {};
  const hyper = parseHyperparameters(raw);
  if (hyper.ignored.length > 0) log(`hyperparameters: ignoring ${hyper.ignored.join(', ')}`);
  const resolved = configWithHyperparameters(job.configDir, job.env, hyper.overlay);
  const { config } = resolved;

  const { symbol, file, partitions } = trainingFile(paths, hyper.symbol);
  const bytes = partitions ? undefined : readFileSync(file);
  const bars = partitions
    ? partitions.flatMap((f) =>
        parsePriceCsv(readFileSync(join(file, f), 'utf8'), `${TRAIN_CHANNEL}/${f}`),
      )
    : parsePriceCsv((bytes as Buffer).toString('utf8'), `${TRAIN_CHANNEL}/${basename(file)}`);
  const quality = runQualityChecks(bars, {
    symbol,
    maxDailyMove: config.quality.max_daily_move,
    splitRatioTolerance: config.quality.split_ratio_tolerance,
    maxMissingSessions: config.quality.max_missing_sessions,
  });
  if (quality.status === 'fail') {
    const failed = quality.checks
      .filter((c) => c.status === 'fail')
      .map((c) => `${c.name}: ${c.message}`);
    throw new Error(
      `${partitions ? `${TRAIN_CHANNEL}/symbol=${symbol}/` : basename(file)} fails data quality: ${failed.join('; ')}`,
    );
  }
  // Curated partitions hash as the local pipeline hashes them (key → sha256, canonical JSON),
  // so a model trained in SageMaker and one trained locally on the same data share lineage.
  const dataSha256 = partitions
    ? sha256Hex(
        canonicalJson(
          Object.fromEntries(
            partitions.map((f) => [`curated/${f}`, sha256Hex(readFileSync(join(file, f)))]),
          ),
        ),
      )
    : sha256Hex(bytes as Buffer);
  const ctx: EvaluationContext = {
    symbol,
    table: buildFeatureTable(bars, featureOptions(config)),
    config,
    configHash: resolved.hash,
    dataSha256,
    createdAt: job.now().toISOString(),
    onProgress: log,
  };
  const inputs = sha256Hex(canonicalJson({ config: resolved.hash, data: dataSha256, symbol }));
  const checkpoints = TrainingCheckpoints.open(paths.checkpoints, inputs, log);
  const wrap = checkpoints.wrapper({ stop: job.stop, avgPrice: config.features.avg_price });
  log(
    `train: ${symbol}, ${bars.length} bars ${bars[0]?.date} → ${bars.at(-1)?.date}, env ${job.env}`,
  );

  let evaluation = checkpoints.evaluation();
  if (evaluation === undefined) {
    evaluation = await evaluateModels(ctx, lstmHyperparameters(config), { wrap });
    checkpoints.saveEvaluation(evaluation);
  } else log('checkpoint: evaluation resumed (not recomputed)');
  for (const line of metricLines(evaluation)) job.metric(line);

  const final = await trainFinalModels(ctx, { wrap });
  const files = buildModelDirectory({
    symbol,
    candidateName: CANDIDATE_NAME,
    final,
    evaluation,
    features: config.features,
    configHash: resolved.hash,
    dataSha256,
    hash: sha256Hex,
  });
  for (const [path, content] of Object.entries(files)) {
    const target = join(paths.model, ...path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  log(`train: model directory written to ${paths.model} (${Object.keys(files).length} files)`);
}

/**
 * The environment's config with the hyperparameters merged over it as one more overlay, so the
 * schema checks them. An issue in the overlay is reported by hyperparameter name.
 */
function configWithHyperparameters(
  dir: string,
  env: string,
  overlay: Readonly<Record<string, unknown>>,
): ResolvedConfig {
  const read = (name: string) => ({
    file: join(dir, name),
    text: readFileSync(join(dir, name), 'utf8'),
  });
  const overlayFile = 'hyperparameters.json';
  try {
    return resolveConfig({
      env,
      sources: [
        read('base.yaml'),
        read(`${env}.yaml`),
        { file: overlayFile, text: JSON.stringify(overlay) },
      ],
      hash: sha256Hex,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.issues.map((issue) => {
      const key = issue.file === overlayFile ? hyperparameterForPath(issue.path) : undefined;
      return key === undefined
        ? `${issue.file}:${issue.line}: ${issue.path}: ${issue.message}`
        : `hyperparameter ${key}: ${issue.message}`;
    });
    throw new Error(lines.join('; '));
  }
}

/**
 * The channel's prices: `symbol`.csv when the hyperparameter names one, else the only CSV
 * there is; or, when the channel is the store's `curated/` prefix, the symbol's monthly
 * partitions (`symbol=S/year=Y/month=M/bars.csv`, `partitions` relative to `file`, in date
 * order). inputdataconfig.json must declare the channel, in File mode, as CSV.
 */
function trainingFile(
  paths: OptMl,
  symbol: string | undefined,
): { symbol: string; file: string; partitions?: string[] } {
  if (!existsSync(paths.inputDataConfig)) {
    throw new Error(
      `${paths.inputDataConfig} is missing: SageMaker writes it; a local run must too`,
    );
  }
  const channels = readJson(paths.inputDataConfig) as Record<
    string,
    { ContentType?: string; TrainingInputMode?: string } | undefined
  >;
  const channel = channels[TRAIN_CHANNEL];
  if (channel === undefined) {
    throw new Error(
      `inputdataconfig.json declares no "${TRAIN_CHANNEL}" channel (it has ${Object.keys(channels).join(', ') || 'none'}): pass the price files as channel "${TRAIN_CHANNEL}"`,
    );
  }
  if (channel.TrainingInputMode !== undefined && channel.TrainingInputMode !== 'File') {
    throw new Error(
      `channel ${TRAIN_CHANNEL}: TrainingInputMode ${channel.TrainingInputMode} is not supported: use File`,
    );
  }
  if (channel.ContentType !== undefined && channel.ContentType !== 'text/csv') {
    throw new Error(
      `channel ${TRAIN_CHANNEL}: ContentType ${channel.ContentType} is not supported: use text/csv`,
    );
  }
  const dir = paths.channel(TRAIN_CHANNEL);
  const csvs = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.toLowerCase().endsWith('.csv'))
        .sort()
    : [];
  if (symbol !== undefined) {
    const name = csvs.find((f) => f.toUpperCase() === `${symbol}.CSV`);
    if (name !== undefined) return { symbol, file: join(dir, name) };
    const partitions = curatedPartitions(dir, symbol);
    if (partitions.length > 0) return { symbol, file: dir, partitions };
    throw new Error(
      `channel ${TRAIN_CHANNEL} has no ${symbol}.csv and no curated symbol=${symbol}/ partitions (it has ${csvs.join(', ') || 'no CSV files'})`,
    );
  }
  const [only, ...more] = csvs;
  if (only === undefined)
    throw new Error(`channel ${TRAIN_CHANNEL} (${dir}) holds no SYMBOL.csv file`);
  if (more.length > 0) {
    throw new Error(
      `channel ${TRAIN_CHANNEL} holds ${csvs.join(', ')}: set hyperparameter symbol to pick one`,
    );
  }
  return { symbol: only.slice(0, -'.csv'.length).toUpperCase(), file: join(dir, only) };
}

/** `symbol=S/year=Y/month=M/bars.csv` under the channel, sorted (zero-padded, so by date). */
function curatedPartitions(dir: string, symbol: string): string[] {
  const root = join(dir, `symbol=${symbol}`);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /^year=\d{4}\/month=\d{2}\/bars\.csv$/.test(f.split('\\').join('/')))
    .sort()
    .map((f) => `symbol=${symbol}/${f}`);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${basename(path)} is not valid JSON: ${(error as Error).message}`);
  }
}
