import { earlyClosesOf, holidaysOf, tradingDaysBetween } from '../../core/market/nyseCalendar.ts';
import { EXIT_OK, UsageError } from '../cli/cliErrors.ts';

/** Prints a year's NYSE holidays, early closes and session count. */
export function calendarCommand(options: { year: string }): number {
  const year = Number(options.year);
  if (!Number.isInteger(year) || year < 1997 || year > 2030) {
    throw new UsageError(`--year: expected a year from 1997 to 2030 (got "${options.year}")`);
  }
  const sessions = tradingDaysBetween(`${year}-01-01`, `${year}-12-31`).length;
  const lines = [`NYSE ${year}: ${sessions} sessions`, 'closed:'];
  for (const h of holidaysOf(year)) lines.push(`  ${h.date}  ${h.name}`);
  lines.push('early close (13:00 New York):');
  for (const e of earlyClosesOf(year)) lines.push(`  ${e.date}  ${e.name}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
