import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { loadPipelineSpec } from '../../adapters/local/pipelineSpecFiles.ts';
import { dateInZone } from '../../core/market/isoDate.ts';
import {
  type LineageEvent,
  type RunState,
  runPipeline,
  type TaskIo,
} from '../../core/orchestration/localRunner.ts';
import type { TaskSpec } from '../../core/orchestration/pipelineSpec.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';
import { evaluateCommand } from './evaluateCommand.ts';
import { featuresStep, localFeatureEngine } from './featuresStep.ts';
import { ingestCommand } from './ingestCommand.ts';
import { trainCommand } from './trainCommand.ts';
import { validateCommand } from './validateCommand.ts';

export interface RunSpecOptions extends DataOptions {
  readonly spec?: string;
  readonly resume?: string;
  readonly until?: string;
  readonly json?: boolean;
}

const stateKey = (runId: string) => `runs/${runId}/state.json`;
const lineageKey = (runId: string) => `runs/${runId}/lineage.jsonl`;

/**
 * `stockops run --spec FILE` / `--resume RUN_ID`: a pipeline spec under the local runner. Each
 * task type runs the matching stockops command in-process; types that only exist on AWS
 * (deploy, batch_predict, monitor, report, notify, and gate/register, which the
 * monolithic daily run still does inside evaluate/train) log that and succeed. A features task
 * writes the feature table: with core/features, or with the PySpark job in local mode when the
 * spec says engine: spark and config processing.engine is spark.
 */
export async function runSpecCommand(
  options: RunSpecOptions,
  newRunId: () => string,
): Promise<number> {
  const ctx = commandContext(options);
  const store = ctx.store;
  let previous: RunState | undefined;
  let runId = newRunId();
  let file = options.spec;
  if (options.resume !== undefined) {
    const bytes = await store.get(stateKey(options.resume));
    if (bytes === undefined) {
      throw new UsageError(
        `--resume: no run ${options.resume} in ${store.location} (${stateKey(options.resume)})`,
      );
    }
    previous = JSON.parse(new TextDecoder().decode(bytes)) as RunState;
    runId = previous.run_id;
    file ??= previous.spec_file;
  }
  if (file === undefined) throw new UsageError('--spec FILE or --resume RUN_ID is required');
  const spec = loadPipelineSpec(file, ctx.resolved.config);
  const until = options.until ?? dateInZone(new Date(), 'America/New_York');
  const data = {
    config: options.config,
    env: options.env,
    ...(options.symbols === undefined ? {} : { symbols: options.symbols }),
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.store === undefined ? {} : { store: options.store }),
  };
  const lineage: string[] = [];
  const priorLineage = await store.get(lineageKey(runId));
  if (priorLineage !== undefined) lineage.push(new TextDecoder().decode(priorLineage).trimEnd());

  const step = async (task: TaskSpec): Promise<number | null> => {
    const p = task.params;
    switch (task.type) {
      case 'ingest':
        return ingestCommand({
          ...data,
          to: typeof p.to === 'string' ? p.to : until,
          ...(typeof p.from === 'string' ? { from: p.from } : {}),
        });
      case 'validate':
        return validateCommand(data);
      case 'evaluate':
        return evaluateCommand(data);
      case 'train':
        return trainCommand(data);
      default:
        return null;
    }
  };
  const state = await runPipeline(
    spec,
    runId,
    {
      execute: async (task, tctx): Promise<TaskIo> => {
        tctx.log(`${task.type} ${JSON.stringify(task.params)} (attempt ${tctx.attempt})`);
        process.stderr.write(`stockops: ${spec.dagId}.${task.id} attempt ${tctx.attempt}\n`);
        if (task.type === 'features') {
          const configured = ctx.resolved.config.processing?.engine;
          const engine = localFeatureEngine(task.params.engine, configured);
          tctx.log(
            `features on ${engine} (spec engine ${String(task.params.engine)}, config processing.engine ${configured ?? 'local'})`,
          );
          return featuresStep(ctx, engine, tctx.log, tctx.signal);
        }
        const code = await step(task);
        if (code === null) tctx.log(`no local step for ${task.type}: it runs on Airflow only`);
        else if (code !== EXIT_OK) throw new Error(`stockops ${task.type} exited ${code}`);
        return IO[task.type] ?? { inputs: [], outputs: [] };
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
    previous,
  );
  if (options.json) process.stdout.write(`${JSON.stringify(state)}\n`);
  else {
    const lines = [`run ${runId} ${state.status} (${spec.dagId}, ${spec.file})`];
    for (const [id, t] of Object.entries(state.tasks)) {
      lines.push(
        `  ${id.padEnd(14)} ${t.status.padEnd(15)} attempts ${t.attempts}  ${t.duration_ms ?? '-'} ms${t.error ? ` — ${t.error}` : ''}`,
      );
    }
    lines.push(`state ${store.location}/${stateKey(runId)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return state.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}

/** What each local step reads and writes in the store, for the lineage events. */
const IO: Partial<Record<TaskSpec['type'], TaskIo>> = {
  ingest: { inputs: ['source'], outputs: ['raw/', 'curated/'] },
  validate: { inputs: ['curated/'], outputs: [] },
  evaluate: { inputs: ['curated/'], outputs: ['evaluation/'] },
  train: { inputs: ['curated/'], outputs: ['models/'] },
};
