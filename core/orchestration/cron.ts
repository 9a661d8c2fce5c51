/**
 * Five-field cron (minute hour day-of-month month day-of-week), the dialect Airflow's croniter
 * accepts, plus its presets. Returns a problem in words, or null when the expression is valid.
 */
const PRESETS = new Set([
  '@once',
  '@hourly',
  '@daily',
  '@weekly',
  '@monthly',
  '@yearly',
  '@annually',
]);

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  // 7 is Sunday too, as croniter allows
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

export function cronProblem(expression: string): string | null {
  const text = expression.trim();
  if (PRESETS.has(text)) return null;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) {
    return `expected 5 fields (minute hour day month weekday) or a preset like @daily (got ${parts.length})`;
  }
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i] as Field;
    const problem = fieldProblem(part, field);
    if (problem !== null) return `${field.name} "${part}": ${problem}`;
  }
  return null;
}

function fieldProblem(part: string, field: Field): string | null {
  for (const item of part.split(',')) {
    const [range = '', step, extra] = item.split('/');
    if (extra !== undefined) return 'more than one "/"';
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `bad step "${step}"`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `bad range "${range}"`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = fieldValue(bound, field);
      if (value === null) return `"${bound}" is not a number from ${field.min} to ${field.max}`;
      values.push(value);
    }
    const [lo = 0, hi = lo] = values;
    if (lo > hi) return `range "${range}" runs backwards`;
  }
  return null;
}

function fieldValue(text: string, field: Field): number | null {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.name === 'month' ? named + 1 : named;
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : null;
}

/** An IANA zone name the runtime knows (Intl ships the tz database). */
export function isTimeZone(name: string): boolean {
  // Intl also takes offsets like +05:00; Airflow (pendulum) wants a zone name.
  if (name.trim() !== name || name === '' || /^[+-]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
