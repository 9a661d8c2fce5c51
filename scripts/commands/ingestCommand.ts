import { isIsoDate } from '../../core/market/isoDate.ts';
import { writeRaw } from '../../core/pipeline/dailyRun.ts';
import { EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';

export interface IngestOptions extends DataOptions {
  readonly from?: string;
  readonly to: string;
}

/** Loads raw bars for a date range; objects already holding identical bytes are left alone. */
export async function ingestCommand(options: IngestOptions): Promise<number> {
  const ctx = commandContext(options);
  const from = options.from ?? ctx.resolved.config.data.start_date;
  for (const [flag, value] of [
    ['--from', from],
    ['--to', options.to],
  ] as const) {
    if (!isIsoDate(value)) throw new UsageError(`${flag}: expected YYYY-MM-DD (got "${value}")`);
  }
  if (from > options.to) throw new UsageError(`--from ${from} is after --to ${options.to}`);
  for (const symbol of ctx.symbols) {
    const t0 = performance.now();
    const fetched = await ctx.source.fetchDaily(symbol, from, options.to);
    const written = await writeRaw(ctx.store, ctx.source.name, fetched);
    const ms = performance.now() - t0;
    process.stdout.write(
      `${symbol}: ${fetched.raw.length} sessions ${from} → ${options.to}, ${written} written, ` +
        `${fetched.raw.length - written} unchanged, ${fetched.dropped.length} dropped (${(ms / 1000).toFixed(2)}s)\n`,
    );
  }
  return EXIT_OK;
}
