import cliProgress from 'cli-progress';
import { ResilientPriceSource } from '../../adapters/sources/resilientSource.ts';
import { BackfillRangeError } from '../../core/ingest/backfillPlan.ts';
import type { ChunkResult } from '../../core/ingest/ingestChunk.ts';
import {
  executePlan,
  type IngestRunDeps,
  planIngest,
  type SymbolOutcome,
} from '../../core/ingest/ingestRun.ts';
import { isIsoDate } from '../../core/market/isoDate.ts';
import { policySettings } from '../../core/resilience/policySettings.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';
import { storeFromOption } from '../cli/storeOption.ts';

export interface IngestOptions extends DataOptions {
  readonly from?: string;
  readonly to: string;
  /** Re-fetch sessions that are already complete (after a source revised them). */
  readonly force?: boolean;
}

/** Where the command writes, and its clock: injected by tests. */
export interface IngestIo {
  readonly stdout: { write(text: string): unknown };
  /** Progress: a bar when it is a terminal, one line per chunk otherwise. */
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly now: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultIo: IngestIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  now: () => new Date(),
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/**
 * A resumable backfill: every session from --from to --to (cut at the last close) that is not
 * complete yet (raw object and curated row) is fetched, in chunks of consecutive sessions,
 * through the resilient source (retries, backoff, circuit breaker), validated and written.
 * Complete sessions are skipped, so an interrupted run picks up where it stopped.
 */
export async function ingestCommand(
  options: IngestOptions,
  io: IngestIo = defaultIo,
): Promise<number> {
  const ctx = commandContext(options);
  const { config } = ctx.resolved;
  const from = options.from ?? config.data.start_date;
  for (const [flag, value] of [
    ['--from', from],
    ['--to', options.to],
  ] as const) {
    if (!isIsoDate(value)) throw new UsageError(`${flag}: expected YYYY-MM-DD (got "${value}")`);
  }
  if (from > options.to) throw new UsageError(`--from ${from} is after --to ${options.to}`);
  const store = storeFromOption(options.store, ctx.store, config.resilience);
  const tty = io.stderr.isTTY === true;
  const source = new ResilientPriceSource(ctx.source, {
    settings: policySettings('yahoo', config.resilience),
    ...(io.sleep ? { sleep: io.sleep } : {}),
    onEvent: (e) => {
      if (e.type === 'retry' && !tty) {
        io.stderr.write(
          `  retry ${e.attempt} for ${e.symbol} in ${seconds(e.delayMs)}: ${e.error}\n`,
        );
      }
    },
  });
  const deps: IngestRunDeps = {
    sourceName: source.name,
    fetch: source.fetchChecked,
    store,
    quality: {
      maxDailyMove: config.quality.max_daily_move,
      splitRatioTolerance: config.quality.split_ratio_tolerance,
      maxMissingSessions: config.quality.max_missing_sessions,
    },
    now: io.now,
    defaultSymbols: ctx.symbols,
  };
  const t0 = performance.now();
  let plan: Awaited<ReturnType<typeof planIngest>>;
  try {
    plan = await planIngest(
      {
        kind: 'backfill',
        symbols: ctx.symbols,
        from,
        to: options.to,
        force: options.force === true,
      },
      deps,
    );
  } catch (error) {
    if (error instanceof BackfillRangeError) throw new UsageError(`--from/--to: ${error.message}`);
    throw error;
  }
  const total = plan.symbols.reduce(
    (n, p) => n + p.chunks.reduce((m, c) => m + c.sessions.length, 0),
    0,
  );
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream: io.stderr,
          format: 'ingest [{bar}] {value}/{total} sessions | {chunk} | ETA {eta_formatted}',
          barsize: 30,
          hideCursor: true,
          clearOnComplete: true,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { chunk: `${plan.symbols.length} symbol(s)` });
  let done = 0;
  let chunkStart = performance.now();
  const outcome = await executePlan(plan, {
    ...deps,
    onChunk: (chunk, result: ChunkResult | Error) => {
      done += chunk.sessions.length;
      const ms = performance.now() - chunkStart;
      chunkStart = performance.now();
      const what = `${chunk.symbol} ${chunk.from} → ${chunk.to}`;
      if (bar) {
        bar.update(done, { chunk: what });
      } else if (result instanceof Error) {
        io.stderr.write(`✗ ${what}: ${result.message}\n`);
      } else {
        const listed = result.notListed > 0 ? `, ${result.notListed} before listing` : '';
        io.stderr.write(
          `✓ ${what}: ${result.written} written${listed} (${seconds(ms)}) [${done}/${total}]\n`,
        );
      }
    },
  });
  bar?.stop();
  const lines = Object.values(outcome.symbols).map((s) => symbolLine(s, from, options.to));
  const all = Object.values(outcome.symbols);
  const sum = (f: (s: SymbolOutcome) => number) => all.reduce((n, s) => n + f(s), 0);
  const failed = all.filter((s) => s.error !== undefined);
  lines.push(
    `ingest: ${all.length} symbol${all.length === 1 ? '' : 's'}, ${sum((s) => s.sessions)} sessions: ` +
      `${sum((s) => s.written)} written, ${sum((s) => s.complete)} already complete, ` +
      `${failed.length} failed; ${source.stats.retries} retries (${seconds(performance.now() - t0)}) → ${store.location}`,
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  return failed.length > 0 ? EXIT_FAILED : EXIT_OK;
}

function symbolLine(s: SymbolOutcome, from: string, to: string): string {
  const head = `${s.symbol}: ${s.sessions} sessions ${from} → ${to}`;
  if (s.error !== undefined) return `${head}: failed after ${s.written} written: ${s.error}`;
  const extra = [
    s.notListed > 0 ? `${s.notListed} before listing` : '',
    s.readjusted.length > 0
      ? `history re-adjusted for a split (${s.readjusted[0]?.months} months)`
      : '',
    s.warnings.length > 0 ? `${s.warnings.length} quality warning(s): ${s.warnings[0]}` : '',
  ].filter(Boolean);
  return (
    `${head}: ${s.written} written, ${s.complete} already complete` +
    `${extra.length ? `, ${extra.join(', ')}` : ''}; ${s.rawWritten} raw and ${s.curatedWritten} curated objects changed`
  );
}
