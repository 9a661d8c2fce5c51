import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../adapters/local/sha256.ts';
import { StoreModelRegistry } from '../../adapters/local/storeModelRegistry.ts';
import { dateInZone, isIsoDate } from '../../core/market/isoDate.ts';
import { runDaily } from '../../core/pipeline/dailyRun.ts';
import type { RunSummary } from '../../core/pipeline/runSummary.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { type CommandContext, commandContext, type DataOptions } from '../cli/commandContext.ts';
import { gitCommit } from '../cli/gitCommit.ts';
import { progressRenderer } from '../cli/progressRenderer.ts';
import { runSpecCommand } from './runSpecCommand.ts';

export interface RunOptions extends DataOptions {
  readonly json?: boolean;
  readonly until?: string;
  readonly spec?: string;
  readonly resume?: string;
}

export function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runCommand(options: RunOptions): Promise<number> {
  // A pipeline spec under the local runner (the default daily run is not yet routed through it).
  if (options.spec !== undefined || options.resume !== undefined) {
    return runSpecCommand(options, () => newRunId(new Date()));
  }
  const ctx = commandContext(options);
  const until = options.until ?? dateInZone(new Date(), 'America/New_York');
  if (!isIsoDate(until)) throw new UsageError(`--until: expected YYYY-MM-DD (got "${until}")`);
  const summary = await runDailyFromCli(ctx, ctx.symbols, until);
  if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(renderSummary(summary));
  return summary.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}

/** The daily run on the CLI's adapters: what `stockops run` and `stockops monitor --retrain` run. */
export function runDailyFromCli(
  ctx: CommandContext,
  symbols: readonly string[],
  until: string,
): Promise<RunSummary> {
  return runDaily({
    runId: newRunId(new Date()),
    env: ctx.resolved.env,
    config: ctx.resolved.config,
    configHash: ctx.resolved.hash,
    symbols,
    source: ctx.source,
    sourceLabel: ctx.sourceSpec,
    store: ctx.store,
    registry: new StoreModelRegistry(ctx.store),
    hash: sha256Hex,
    gitCommit: gitCommit(),
    until,
    now: () => new Date(),
    progress: progressRenderer(),
  });
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
