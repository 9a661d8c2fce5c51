import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Evaluation } from '../core/evaluate/evaluationTypes.ts';
import type { FeatureTable } from '../core/features/featureTable.ts';
import type { Forecaster, Origin } from '../core/model/forecaster.ts';
import { loadLstm, saveLstm } from '../core/model/lstmArtifacts.ts';
import { FittedLstm, type TrainingReport } from '../core/model/lstmForecaster.ts';
import type { WrapForecaster } from '../core/pipeline/modelSteps.ts';
import type { StopSignal } from './stopSignal.ts';

/**
 * Checkpoints of a training job, in `/opt/ml/checkpoints` (which SageMaker syncs with S3 for
 * managed spot training):
 *
 *   checkpoint.json            what is complete, and for which inputs (written last)
 *   fits/<key>/…               each completed LSTM fit as a model directory + report.json
 *   evaluation.json            the finished walk-forward evaluation
 *
 * Granularity: one LSTM fit (each walk-forward fold, the hold-out fit, the final fit). The
 * baselines are refitted on resume (milliseconds). A resumed fit is loaded bit-identically
 * (saveLstm/loadLstm), and the next fold warm-starts from exactly those weights, so a resumed
 * job produces the same evaluation and model as one that was never interrupted. A checkpoint
 * written for other inputs (data, config or hyperparameters) is discarded, never mixed in.
 */
export const CHECKPOINT_FORMAT = 'stockops.training-checkpoint/v1';

interface CheckpointState {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly inputs: string;
  /** Fit key → the training origins it was fitted on, to check a resumed fit is the same fit. */
  readonly fits: Record<
    string,
    { readonly first: number; readonly last: number; readonly n: number }
  >;
  readonly evaluation: boolean;
}

export class TrainingCheckpoints {
  readonly dir: string;
  private state: CheckpointState;
  private readonly log: (line: string) => void;

  private constructor(dir: string, state: CheckpointState, log: (line: string) => void) {
    this.dir = dir;
    this.state = state;
    this.log = log;
  }

  /**
   * Opens the checkpoint directory for a job on `inputs` (a hash of data, config and
   * hyperparameters): keeps what it holds for the same inputs, clears anything else.
   */
  static open(dir: string, inputs: string, log: (line: string) => void): TrainingCheckpoints {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'checkpoint.json');
    let state: CheckpointState | undefined;
    if (existsSync(file)) {
      try {
        const read = JSON.parse(readFileSync(file, 'utf8')) as CheckpointState;
        if (read.format === CHECKPOINT_FORMAT && read.inputs === inputs) state = read;
        else
          log(
            'checkpoint: found one for other inputs (data, config or hyperparameters); starting over',
          );
      } catch (error) {
        log(
          `checkpoint: checkpoint.json is unreadable (${(error as Error).message}); starting over`,
        );
      }
    }
    if (state === undefined) {
      for (const entry of readdirSync(dir))
        rmSync(join(dir, entry), { recursive: true, force: true });
      state = { format: CHECKPOINT_FORMAT, inputs, fits: {}, evaluation: false };
    } else {
      const done = Object.keys(state.fits);
      log(
        `checkpoint: resuming with ${done.length} completed fit${done.length === 1 ? '' : 's'}` +
          `${done.length > 0 ? ` (${done.join(', ')})` : ''}${state.evaluation ? ' and the finished evaluation' : ''}`,
      );
    }
    return new TrainingCheckpoints(dir, state, log);
  }

  /** Keys of the completed fits, in completion order. */
  completedFits(): string[] {
    return Object.keys(this.state.fits);
  }

  evaluation(): Evaluation | undefined {
    if (!this.state.evaluation) return undefined;
    return JSON.parse(readFileSync(join(this.dir, 'evaluation.json'), 'utf8')) as Evaluation;
  }

  saveEvaluation(evaluation: Evaluation): void {
    atomicWrite(join(this.dir, 'evaluation.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
    this.update({ ...this.state, evaluation: true });
  }

  async loadFit(key: string, origins: readonly Origin[]): Promise<FittedLstm | undefined> {
    const recorded = this.state.fits[key];
    if (recorded === undefined) return undefined;
    const now = span(origins);
    if (recorded.first !== now.first || recorded.last !== now.last || recorded.n !== now.n) {
      throw new Error(
        `checkpoint ${key} was fitted on other origins (${JSON.stringify(recorded)} vs ${JSON.stringify(now)}): delete ${this.dir} and retrain`,
      );
    }
    const folder = join(this.dir, 'fits', key);
    const files: Record<string, Uint8Array> = {};
    for (const name of readdirSync(folder)) files[name] = readFileSync(join(folder, name));
    const { fitted } = await loadLstm(files);
    const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as TrainingReport;
    return new FittedLstm(fitted.name, fitted.hyper, fitted.model, fitted.scaler, report);
  }

  async saveFit(
    key: string,
    fitted: FittedLstm,
    fit: {
      readonly table: FeatureTable;
      readonly origins: readonly Origin[];
      readonly avgPrice: string;
    },
  ): Promise<void> {
    const { table, origins } = fit;
    // target dates of the first and last training origins, as trainFinalModels records them
    const files = await saveLstm(fitted, {
      avgPrice: fit.avgPrice,
      trainedOn: {
        from: table.dates[(origins[0] ?? 0) + 1] ?? '',
        to: table.dates[(origins.at(-1) ?? 0) + 1] ?? '',
        origins: origins.length,
      },
    });
    const folder = join(this.dir, 'fits', key);
    const temp = `${folder}.tmp-${process.pid}`;
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(temp, name), bytes);
    writeFileSync(join(temp, 'report.json'), `${JSON.stringify(fitted.report ?? null)}\n`);
    rmSync(folder, { recursive: true, force: true });
    renameSync(temp, folder);
    // the fit counts only once checkpoint.json says so: a crash before this leaves it unused
    this.update({ ...this.state, fits: { ...this.state.fits, [key]: span(origins) } });
    this.log(`checkpoint: ${key} saved`);
  }

  /**
   * Wraps forecasters for evaluateModels / trainFinalModels: every fit first passes a stop
   * boundary; LSTM fits are loaded from the checkpoint when done before, else fitted and saved.
   */
  wrapper(options: { readonly stop: StopSignal; readonly avgPrice: string }): WrapForecaster {
    return (forecaster: Forecaster, phase) => ({
      name: forecaster.name,
      kind: forecaster.kind,
      fit: async (table: FeatureTable, origins: readonly Origin[], context) => {
        await options.stop.boundary();
        if (forecaster.kind !== 'candidate') return forecaster.fit(table, origins, context);
        const key =
          phase === 'final' ? 'final' : context.fold < 0 ? 'holdout' : `fold-${context.fold + 1}`;
        const resumed = await this.loadFit(key, origins);
        if (resumed) {
          this.log(`checkpoint: ${key} resumed (not refitted)`);
          return resumed;
        }
        const fitted = await forecaster.fit(table, origins, context);
        if (fitted instanceof FittedLstm) {
          await this.saveFit(key, fitted, { table, origins, avgPrice: options.avgPrice });
        }
        return fitted;
      },
    });
  }

  private update(state: CheckpointState): void {
    atomicWrite(join(this.dir, 'checkpoint.json'), `${JSON.stringify(state, null, 2)}\n`);
    this.state = state;
  }
}

function span(origins: readonly Origin[]) {
  return { first: origins[0] ?? -1, last: origins.at(-1) ?? -1, n: origins.length };
}

function atomicWrite(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
