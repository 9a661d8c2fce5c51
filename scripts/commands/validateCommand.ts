import { dateInZone } from '../../core/market/isoDate.ts';
import { runQualityChecks } from '../../core/quality/qualityReport.ts';
import { EXIT_FAILED, EXIT_OK } from '../cli/cliErrors.ts';
import { commandContext, type DataOptions } from '../cli/commandContext.ts';

export interface ValidateOptions extends DataOptions {
  readonly json?: boolean;
}

/** Runs the quality checks on a source without writing anything. */
export async function validateCommand(options: ValidateOptions): Promise<number> {
  const ctx = commandContext(options);
  const { config } = ctx.resolved;
  const today = dateInZone(new Date(), 'America/New_York');
  let failed = false;
  for (const symbol of ctx.symbols) {
    const { bars } = await ctx.resilientSource.fetchDaily(symbol, config.data.start_date, today);
    const report = runQualityChecks(bars, {
      symbol,
      maxDailyMove: config.quality.max_daily_move,
      splitRatioTolerance: config.quality.split_ratio_tolerance,
      maxMissingSessions: config.quality.max_missing_sessions,
    });
    if (report.status === 'fail') failed = true;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      continue;
    }
    process.stdout.write(
      `${symbol}: ${report.status} (${report.bars} bars ${report.from} → ${report.to})\n`,
    );
    for (const check of report.checks) {
      process.stdout.write(
        `  ${check.status.padEnd(4)} ${check.name.padEnd(22)} ${check.message}\n`,
      );
    }
  }
  return failed ? EXIT_FAILED : EXIT_OK;
}
