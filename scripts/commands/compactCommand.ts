import { sha256Hex } from '../../adapters/local/sha256.ts';
import {
  checkCompactBefore,
  compactRaw,
  type MonthCompaction,
  restoreMonth,
} from '../../core/data/rawCompaction.ts';
import { RawMonthlyError } from '../../core/data/rawMonthly.ts';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';
import { storeFromOption } from '../cli/storeOption.ts';

export interface CompactOptions extends DataOptions {
  readonly before?: string;
  readonly restore?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

export interface CompactIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly now: () => Date;
}

const defaultIo: CompactIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  now: () => new Date(),
};

function line(r: MonthCompaction, dryRun: boolean): string {
  const what = dryRun
    ? `would fold ${r.compacted} daily objects (${r.days} days)`
    : `${r.days} days, ${r.compacted} folded in, ${r.deleted} daily objects deleted${r.replaced ? `, ${r.replaced} replaced` : ''}${r.written ? '' : ', monthly object unchanged'}`;
  const left = r.changedDuringRun.length
    ? ` (left ${r.changedDuringRun.length} changed during the run: re-run to fold them in)`
    : '';
  return `${r.source} ${r.symbol} ${r.month}  ${what}${left}\n`;
}

/**
 * `stockops compact --before YYYY-MM`: every finished month of raw/ daily objects before that
 * month becomes one raw-monthly/ object (the days deleted only after it reads back intact);
 * `--restore YYYY-MM` writes a compacted month's days back to raw/, byte-identical.
 */
export async function compactCommand(
  options: CompactOptions,
  io: CompactIo = defaultIo,
): Promise<number> {
  if ((options.before === undefined) === (options.restore === undefined)) {
    throw new UsageError('give one of --before YYYY-MM (compact) or --restore YYYY-MM');
  }
  const ctx = commandContext(options);
  const store = storeFromOption(options.store, ctx.store, ctx.resolved.config.resilience);
  const deps = { store, sha256: sha256Hex };
  const source = ctx.source.name;
  try {
    if (options.restore !== undefined) {
      const problem = checkCompactBefore(options.restore, io.now());
      if (problem) throw new UsageError(`--restore: ${problem}`);
      for (const symbol of ctx.symbols) {
        const keys = await restoreMonth(deps, { source, symbol, month: options.restore });
        io.stdout.write(`${source} ${symbol} ${options.restore}  restored ${keys.length} days\n`);
      }
      return EXIT_OK;
    }
    const before = options.before as string;
    const problem = checkCompactBefore(before, io.now());
    if (problem) throw new UsageError(`--before: ${problem}`);
    const dryRun = options.dryRun === true;
    const results = await compactRaw(deps, {
      before,
      ...(options.symbols ? { symbols: ctx.symbols } : {}),
      dryRun,
      onMonth: (r) => {
        if (!options.json) io.stdout.write(line(r, dryRun));
      },
    });
    const total = (f: (r: MonthCompaction) => number) => results.reduce((n, r) => n + f(r), 0);
    const summary = {
      store: store.location,
      before,
      dry_run: dryRun,
      months: results.length,
      daily_objects: total((r) => r.compacted),
      deleted: total((r) => r.deleted),
      left_changed: results.flatMap((r) => r.changedDuringRun),
    };
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ ...summary, results })}\n`
        : `${dryRun ? 'dry run: ' : ''}${summary.months} months, ${summary.daily_objects} daily objects${dryRun ? ' to fold' : ` folded, ${summary.deleted} deleted`} in ${store.location}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    if (error instanceof RawMonthlyError) {
      io.stderr.write(`stockops compact: ${error.message}\n`);
      return EXIT_FAILED;
    }
    throw error;
  }
}
