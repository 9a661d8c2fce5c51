import { randomBytes } from 'node:crypto';
import { dateInZone, isIsoDate } from '../../core/market/isoDate.ts';
import { runDaily } from '../../core/pipeline/dailyRun.ts';
import type { RunSummary } from '../../core/pipeline/runSummary.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';
import { progressRenderer } from '../cli/progressRenderer.ts';

export interface RunOptions extends DataOptions {
  readonly json?: boolean;
  readonly until?: string;
}

export function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runCommand(options: RunOptions): Promise<number> {
  const ctx = commandContext(options);
  const until = options.until ?? dateInZone(new Date(), 'America/New_York');
  if (!isIsoDate(until)) throw new UsageError(`--until: expected YYYY-MM-DD (got "${until}")`);
  const summary = await runDaily({
    runId: newRunId(new Date()),
    env: ctx.resolved.env,
    config: ctx.resolved.config,
    configHash: ctx.resolved.hash,
    symbols: ctx.symbols,
    source: ctx.source,
    sourceLabel: ctx.sourceSpec,
    store: ctx.store,
    until,
    now: () => new Date(),
    progress: progressRenderer(),
  });
  if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(renderSummary(summary));
  return summary.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}

function renderSummary(summary: RunSummary): string {
  const lines = [
    `run ${summary.run_id} ${summary.status} in ${(summary.duration_ms / 1000).toFixed(2)}s (env ${summary.env}, source ${summary.source})`,
  ];
  for (const [symbol, r] of Object.entries(summary.results)) {
    const m = r.metrics?.persistence.aggregate.metrics;
    const quality = r.quality ? `quality ${r.quality.status}` : 'quality -';
    const metric = m ? `, persistence MAPE ${(m.mape_price * 100).toFixed(2)}%` : '';
    lines.push(
      `  ${symbol}: ${r.status}, ${r.rows.fetched} bars, ${quality}${metric}${r.error ? ` — ${r.error}` : ''}`,
    );
  }
  lines.push(`store ${summary.store}`, `summary ${summary.summary_path}`);
  return `${lines.join('\n')}\n`;
}
