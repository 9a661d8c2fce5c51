import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { loadPipelineSpec } from '../../adapters/local/pipelineSpecFiles.ts';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { dateInZone, isIsoDate } from '../../core/market/isoDate.ts';
import {
  type LineageEvent,
  type RunState,
  runPipeline,
  type TaskIo,
} from '../../core/orchestration/localRunner.ts';
import type { TaskSpec } from '../../core/orchestration/pipelineSpec.ts';
import { DAILY_STEPS, DailyRun, type StepParams } from '../../core/pipeline/dailyRun.ts';
import type { RunSummary, StepName } from '../../core/pipeline/runSummary.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { type CommandContext, commandContext, type DataOptions } from '../cli/commandContext.ts';
import { gitCommit } from '../cli/gitCommit.ts';
import { progressRenderer } from '../cli/progressRenderer.ts';
import { featuresStep, localFeatureEngine } from './featuresStep.ts';
import { writeReportFor } from './reportCommand.ts';

export interface RunOptions extends DataOptions {
  readonly json?: boolean;
  readonly until?: string;
  readonly spec?: string;
  readonly resume?: string;
}

/** What plain `stockops run` executes: the same spec Airflow runs on MWAA. */
export const DAILY_SPEC = 'dags/pipelines/daily.yaml';

export function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const stateKey = (runId: string) => `runs/${runId}/state.json`;
const lineageKey = (runId: string) => `runs/${runId}/lineage.jsonl`;

/**
 * `stockops run`: a pipeline spec (the daily one unless `--spec`) under the local runner, with
 * the spec's dependencies, retries and timeouts, per-task state in runs/<id>/state.json and
 * OpenLineage events in runs/<id>/lineage.jsonl. `--resume RUN_ID` re-runs that run's failed
 * and blocked tasks only. The pipeline steps run in-process with the local adapters; task types
 * that only exist on AWS (deploy, batch_predict, monitor, report, notify) log that and succeed.
 */
export async function runCommand(options: RunOptions): Promise<number> {
  const ctx = commandContext(options);
  let previous: RunState | undefined;
  if (options.resume !== undefined) {
    const bytes = await ctx.store.get(stateKey(options.resume));
    if (bytes === undefined) {
      throw new UsageError(
        `--resume: no run ${options.resume} in ${ctx.store.location} (${stateKey(options.resume)})`,
      );
    }
    previous = JSON.parse(new TextDecoder().decode(bytes)) as RunState;
  }
  const until = options.until ?? dateInZone(new Date(), 'America/New_York');
  if (!isIsoDate(until)) throw new UsageError(`--until: expected YYYY-MM-DD (got "${until}")`);
  const { state, summary, specFile, reported } = await executeSpec(ctx, {
    specFile: options.spec ?? previous?.spec_file ?? DAILY_SPEC,
    symbols: ctx.symbols,
    until,
    ...(previous ? { previous } : {}),
  });
  if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(renderSummary(summary));
    process.stdout.write(
      renderTasks(state, specFile, `${ctx.store.location}/${stateKey(state.run_id)}`),
    );
  }
  return state.status === 'succeeded' && summary.status === 'succeeded' && reported
    ? EXIT_OK
    : EXIT_FAILED;
}

/** The daily spec on the CLI's adapters: what `stockops monitor --retrain` runs. */
export async function runDailyFromCli(
  ctx: CommandContext,
  symbols: readonly string[],
  until: string,
): Promise<RunSummary> {
  return (await executeSpec(ctx, { specFile: DAILY_SPEC, symbols, until })).summary;
}

interface SpecRun {
  readonly specFile: string;
  readonly symbols: readonly string[];
  readonly until: string;
  /** A stored state to resume (its run id is kept). */
  readonly previous?: RunState;
}

/**
 * Runs a pipeline spec under the local runner with the pipeline steps in-process, then writes
 * the run summary and the report. Task state goes to runs/<id>/state.json after every task,
 * OpenLineage events to runs/<id>/lineage.jsonl.
 */
async function executeSpec(ctx: CommandContext, run: SpecRun) {
  const { store } = ctx;
  const runId = run.previous?.run_id ?? newRunId(new Date());
  const spec = loadPipelineSpec(run.specFile, ctx.resolved.config);
  const daily = await DailyRun.open({
    runId,
    env: ctx.resolved.env,
    config: ctx.resolved.config,
    configHash: ctx.resolved.hash,
    symbols: run.symbols,
    source: ctx.resilientSource,
    sourceLabel: ctx.sourceSpec,
    store,
    registry: new StoreModelRegistry(store),
    hash: sha256Hex,
    gitCommit: gitCommit(),
    until: run.until,
    now: () => new Date(),
    progress: progressRenderer(),
  });
  const lineage: string[] = [];
  const priorLineage = await store.get(lineageKey(runId));
  if (priorLineage !== undefined) lineage.push(new TextDecoder().decode(priorLineage).trimEnd());

  const state = await runPipeline(
    spec,
    runId,
    {
      execute: async (task, tctx): Promise<TaskIo> => {
        tctx.log(`${task.type} ${JSON.stringify(task.params)} (attempt ${tctx.attempt})`);
        if (tctx.attempt > 1) {
          process.stderr.write(`stockops: ${spec.dagId}.${task.id} attempt ${tctx.attempt}\n`);
        }
        if (task.type === 'features') {
          const configured = ctx.resolved.config.processing?.engine;
          const engine = localFeatureEngine(task.params.engine, configured);
          tctx.log(
            `features on ${engine} (spec engine ${String(task.params.engine)}, config processing.engine ${configured ?? 'local'})`,
          );
          if (engine === 'spark') {
            // the Spark job's output, as EMR Serverless writes it on AWS; later tasks read the
            // core features (the parity tests hold both equal to 1e-9)
            const spark = await featuresStep(
              { ...ctx, symbols: run.symbols },
              'spark',
              tctx.log,
              tctx.signal,
            );
            const core = await daily.step('features');
            return { inputs: core.inputs, outputs: [...core.outputs, ...spark.outputs] };
          }
        }
        if (!isDailyStep(task.type)) {
          tctx.log(`no local step for ${task.type}: it runs on Airflow only`);
          return { inputs: [], outputs: [] };
        }
        return daily.step(task.type, stepParams(task));
      },
      now: () => new Date(),
      sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal }),
      saveState: async (s) => {
        await store.put(stateKey(runId), `${JSON.stringify(s, null, 2)}\n`);
        await store.put(lineageKey(runId), lineage.length ? `${lineage.join('\n')}\n` : '');
      },
      emit: (e: LineageEvent) => void lineage.push(JSON.stringify(e)),
      uuid: randomUUID,
    },
    run.previous,
  );
  const summary = await daily.summary();
  // The report is drawn from what the run stored, exactly as `stockops report` redraws it.
  const reported = await writeReportFor(store, summary.run_id, (line) =>
    process.stderr.write(`${line}\n`),
  ).then(
    () => true,
    (error: unknown) => {
      process.stderr.write(`report failed: ${(error as Error).message}\n`);
      return false;
    },
  );
  return { state, summary, specFile: spec.file, reported };
}

function isDailyStep(type: TaskSpec['type']): type is StepName {
  return (DAILY_STEPS as readonly string[]).includes(type);
}

/** The spec parameters a local step uses (the rest, such as a Lambda's name, are AWS-only). */
function stepParams(task: TaskSpec): StepParams {
  const p = task.params;
  return {
    ...(typeof p.from === 'string' ? { from: p.from } : {}),
    ...(typeof p.to === 'string' ? { to: p.to } : {}),
    ...(p.fail_on === 'warn' ? { failOn: 'warn' as const } : {}),
  };
}

function renderTasks(state: RunState, specFile: string, statePath: string): string {
  const lines = [`tasks (${state.dag_id}, ${specFile}): ${state.status}`];
  for (const [id, t] of Object.entries(state.tasks)) {
    lines.push(
      `  ${id.padEnd(14)} ${t.status.padEnd(15)} attempts ${t.attempts}  ${t.duration_ms ?? '-'} ms${t.error ? ` — ${t.error}` : ''}`,
    );
  }
  lines.push(`state ${statePath}`);
  return `${lines.join('\n')}\n`;
}

/** One line per model: walk-forward RMSE of returns, ratio to the best baseline, MAPE. */
function renderModels(metrics: NonNullable<RunSummary['results'][string]['metrics']>): string[] {
  const lines = ['    model          RMSE(ret)  vs best   DM p   MAPE    dir.acc  hold-out ratio'];
  for (const [name, m] of Object.entries(metrics.models)) {
    const s = m.aggregate.scores;
    const vs = m.aggregate.vs[metrics.best_baseline];
    const hold = m.holdout.vs[metrics.best_baseline];
    const tag = name === metrics.best_baseline ? ' *' : '';
    lines.push(
      `    ${(name + tag).padEnd(14)} ${s.rmse_return.toFixed(5)}    ${vs ? vs.error_ratio.toFixed(3) : '  -  '}  ` +
        `${vs ? vs.dm_p_value.toFixed(2) : ' -  '}   ${(s.mape_price * 100).toFixed(2)}%  ` +
        `${s.directional_accuracy === null ? '  -  ' : s.directional_accuracy.toFixed(3)}    ${hold ? hold.error_ratio.toFixed(3) : '-'}`,
    );
  }
  lines.push(`    (* best baseline; ratios are RMSE of returns vs it, on the same days)`);
  return lines;
}

function renderSummary(summary: RunSummary): string {
  const lines = [
    `run ${summary.run_id} ${summary.status} in ${(summary.duration_ms / 1000).toFixed(2)}s (env ${summary.env}, source ${summary.source})`,
  ];
  for (const [symbol, r] of Object.entries(summary.results)) {
    const quality = r.quality ? `quality ${r.quality.status}` : 'quality -';
    lines.push(
      `  ${symbol}: ${r.status}, ${r.rows.fetched} bars, ${quality}${r.error ? ` — ${r.error}` : ''}`,
    );
    if (r.metrics) lines.push(...renderModels(r.metrics));
    if (r.gate) {
      lines.push(
        `    gate: ${r.gate.decision}${r.gate.reasons.map((x) => `\n      - ${x}`).join('')}`,
      );
    }
    if (r.registry) {
      const c = r.registry.champion;
      lines.push(
        `    registry: lstm v${r.registry.candidate.version} ${r.registry.candidate.status}; ` +
          `champion ${c ? `v${c.version} ${c.model}` : 'none'}`,
      );
    }
  }
  lines.push(`store ${summary.store}`, `summary ${summary.summary_path}`);
  return `${lines.join('\n')}\n`;
}
