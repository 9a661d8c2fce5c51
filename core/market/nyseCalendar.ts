import {
  addDays,
  dayOfWeek,
  fromEpochDay,
  type IsoDate,
  isIsoDate,
  isoDate,
  toEpochDay,
  yearOf,
} from './isoDate.ts';

/**
 * The NYSE trading calendar for 1997-01-01 … 2030-12-31, from rules rather than a table, so
 * future years need no data update. Everything is computed per year on first use and cached.
 *
 * Sources: NYSE Rule 7.2 (Holidays), the NYSE "Holidays and Trading Hours" pages for published
 * years, and the exchange's announcements for the one-off closures listed below.
 */

export const CALENDAR_FIRST_DATE: IsoDate = '1997-01-01';
export const CALENDAR_LAST_DATE: IsoDate = '2030-12-31';
const FIRST_YEAR = 1997;
const LAST_YEAR = 2030;

/** Early closes are at 13:00 New York time (NYSE Rule 7.2 lets the exchange shorten a session). */
export const EARLY_CLOSE_TIME = '13:00';

export interface MarketHoliday {
  readonly date: IsoDate;
  readonly name: string;
}

export interface EarlyClose {
  readonly date: IsoDate;
  /** Why the session is short, e.g. 'Christmas Eve'. */
  readonly name: string;
  /** Close time in New York, `HH:MM`. */
  readonly closeTime: string;
}

const SUNDAY = 0;
const MONDAY = 1;
const WEDNESDAY = 3;
const THURSDAY = 4;
const SATURDAY = 6;

/**
 * Unscheduled full-day closures. Each was announced by the exchange at the time; none follows
 * from a rule, so they are listed by date.
 */
const ONE_OFF_CLOSURES: readonly MarketHoliday[] = [
  { date: '2001-09-11', name: 'Closure: September 11 attacks' },
  { date: '2001-09-12', name: 'Closure: September 11 attacks' },
  { date: '2001-09-13', name: 'Closure: September 11 attacks' },
  { date: '2001-09-14', name: 'Closure: September 11 attacks' },
  { date: '2004-06-11', name: "Closure: President Reagan's funeral" },
  { date: '2007-01-02', name: "Closure: President Ford's day of mourning" },
  { date: '2012-10-29', name: 'Closure: Hurricane Sandy' },
  { date: '2012-10-30', name: 'Closure: Hurricane Sandy' },
  { date: '2018-12-05', name: "Closure: President George H.W. Bush's day of mourning" },
  { date: '2025-01-09', name: "Closure: President Carter's day of mourning" },
];

/**
 * Early closes that no rule produces: the Friday after a Thursday Christmas was shortened in
 * 1997 and 2003 (in 2008, 2014 and 2025 it was a full day).
 */
const ONE_OFF_EARLY_CLOSES: readonly EarlyClose[] = [
  { date: '1997-12-26', name: 'Day after Christmas', closeTime: EARLY_CLOSE_TIME },
  { date: '2003-12-26', name: 'Day after Christmas', closeTime: EARLY_CLOSE_TIME },
];

interface YearCalendar {
  /** Holidays and one-off closures that fall on weekdays, by date. */
  readonly closed: ReadonlyMap<IsoDate, string>;
  readonly holidays: readonly MarketHoliday[];
  readonly earlyCloses: ReadonlyMap<IsoDate, EarlyClose>;
  readonly earlyCloseList: readonly EarlyClose[];
  /** Every session of the year, ascending. */
  readonly sessions: readonly IsoDate[];
}

const cache = new Map<number, YearCalendar>();

function rangeError(what: string): RangeError {
  return new RangeError(
    `${what} is outside the NYSE calendar's range ${CALENDAR_FIRST_DATE}..${CALENDAR_LAST_DATE}`,
  );
}

function checkDate(date: IsoDate): void {
  if (!isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: "${date}"`);
  if (date < CALENDAR_FIRST_DATE || date > CALENDAR_LAST_DATE) throw rangeError(`date ${date}`);
}

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    throw rangeError(`year ${year}`);
  }
}

/** The n-th (1-based) given weekday of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): IsoDate {
  const first = isoDate(year, month, 1);
  const offset = (weekday - dayOfWeek(first) + 7) % 7;
  return addDays(first, offset + 7 * (n - 1));
}

/** The last given weekday of a month. */
function lastWeekday(year: number, month: number, weekday: number): IsoDate {
  const last = addDays(isoDate(year, month + 1, 1), -1);
  const offset = (dayOfWeek(last) - weekday + 7) % 7;
  return addDays(last, -offset);
}

/** Gregorian Easter Sunday (anonymous Gregorian computus, Meeus/Jones/Butcher). */
export function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(year, month, day);
}

/**
 * NYSE Rule 7.2: a holiday on a Saturday is observed on the preceding Friday, one on a Sunday
 * on the following Monday.
 */
function observed(date: IsoDate): IsoDate {
  const dow = dayOfWeek(date);
  if (dow === SATURDAY) return addDays(date, -1);
  if (dow === SUNDAY) return addDays(date, 1);
  return date;
}

function ruleHolidays(year: number): MarketHoliday[] {
  const list: MarketHoliday[] = [];
  // New Year's Day. Sunday → Monday; a Saturday Jan 1 is not observed at all, because the
  // Friday before closes a month/quarter/year (NYSE Rule 7.2), e.g. 2022 and 2028.
  const newYear = isoDate(year, 1, 1);
  if (dayOfWeek(newYear) !== SATURDAY)
    list.push({ date: observed(newYear), name: "New Year's Day" });
  // Martin Luther King Jr. Day, third Monday of January; the NYSE first closed for it in 1998.
  if (year >= 1998) {
    list.push({ date: nthWeekday(year, 1, MONDAY, 3), name: 'Martin Luther King Jr. Day' });
  }
  // Washington's Birthday (Presidents' Day), third Monday of February (federal Monday rule).
  list.push({ date: nthWeekday(year, 2, MONDAY, 3), name: "Washington's Birthday" });
  // Good Friday, two days before Easter Sunday; an exchange holiday though not a federal one.
  list.push({ date: addDays(easterSunday(year), -2), name: 'Good Friday' });
  // Memorial Day, last Monday of May.
  list.push({ date: lastWeekday(year, 5, MONDAY), name: 'Memorial Day' });
  // Juneteenth, June 19, federal holiday since June 2021; the NYSE first closed for it in 2022.
  if (year >= 2022) {
    list.push({
      date: observed(isoDate(year, 6, 19)),
      name: 'Juneteenth National Independence Day',
    });
  }
  list.push({ date: observed(isoDate(year, 7, 4)), name: 'Independence Day' });
  // Labor Day, first Monday of September.
  list.push({ date: nthWeekday(year, 9, MONDAY, 1), name: 'Labor Day' });
  // Thanksgiving Day, fourth Thursday of November.
  list.push({ date: nthWeekday(year, 11, THURSDAY, 4), name: 'Thanksgiving Day' });
  list.push({ date: observed(isoDate(year, 12, 25)), name: 'Christmas Day' });
  return list;
}

function buildYear(year: number): YearCalendar {
  const yearText = String(year);
  const holidays = [
    ...ruleHolidays(year),
    ...ONE_OFF_CLOSURES.filter((c) => c.date.startsWith(yearText)),
  ].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const closed = new Map<IsoDate, string>(holidays.map((h) => [h.date, h.name]));

  const isSession = (date: IsoDate): boolean => {
    const dow = dayOfWeek(date);
    return dow !== SATURDAY && dow !== SUNDAY && !closed.has(date);
  };

  const early: EarlyClose[] = [];
  const addEarly = (date: IsoDate, name: string): void => {
    if (isSession(date)) early.push({ date, name, closeTime: EARLY_CLOSE_TIME });
  };
  // Independence Day eve. July 3 closes at 13:00 when it is a Monday, Tuesday or Thursday
  // session. When July 4 is a Thursday, the exchange shortened Friday July 5 up to 2012 and
  // Wednesday July 3 since 2013 (first done in 2013). When July 4 is a Saturday, July 3 is the
  // observed holiday and Thursday July 2 is a full day (e.g. 2015, 2020, 2026).
  const july3 = isoDate(year, 7, 3);
  const july3Dow = dayOfWeek(july3);
  if (july3Dow === WEDNESDAY && year < 2013) {
    addEarly(isoDate(year, 7, 5), 'Day after Independence Day');
  } else if (july3Dow >= MONDAY && july3Dow <= THURSDAY) {
    addEarly(july3, 'Independence Day eve');
  }
  // Day after Thanksgiving ("Black Friday"), every year since 1993.
  addEarly(addDays(nthWeekday(year, 11, THURSDAY, 4), 1), 'Day after Thanksgiving');
  // Christmas Eve closes at 13:00 when Dec 24 is a Monday–Thursday session. When Christmas is
  // a Saturday, Dec 24 is the observed holiday and Dec 23 is a full day (e.g. 2021, 2027).
  const christmasEve = isoDate(year, 12, 24);
  const eveDow = dayOfWeek(christmasEve);
  if (eveDow >= MONDAY && eveDow <= THURSDAY) addEarly(christmasEve, 'Christmas Eve');
  for (const e of ONE_OFF_EARLY_CLOSES) if (e.date.startsWith(yearText)) addEarly(e.date, e.name);
  early.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  const sessions: IsoDate[] = [];
  const last = toEpochDay(isoDate(year, 12, 31));
  for (let day = toEpochDay(isoDate(year, 1, 1)); day <= last; day++) {
    const date = fromEpochDay(day);
    if (isSession(date)) sessions.push(date);
  }

  return {
    closed,
    holidays,
    earlyCloses: new Map(early.map((e) => [e.date, e])),
    earlyCloseList: early,
    sessions,
  };
}

function yearCalendar(year: number): YearCalendar {
  let cal = cache.get(year);
  if (!cal) {
    cal = buildYear(year);
    cache.set(year, cal);
  }
  return cal;
}

/** True for a weekday that is neither an NYSE holiday nor a one-off closure. */
export function isTradingDay(date: IsoDate): boolean {
  checkDate(date);
  const dow = dayOfWeek(date);
  if (dow === SATURDAY || dow === SUNDAY) return false;
  return !yearCalendar(yearOf(date)).closed.has(date);
}

/** The holiday or closure the exchange is shut for on `date` (weekends have none). */
export function holidayName(date: IsoDate): string | undefined {
  checkDate(date);
  return yearCalendar(yearOf(date)).closed.get(date);
}

/** Observed holidays and one-off closures of a year, ascending. */
export function holidaysOf(year: number): MarketHoliday[] {
  checkYear(year);
  return [...yearCalendar(year).holidays];
}

/** The New York close time (`'13:00'`) when `date` is an early-close session, else undefined. */
export function earlyCloseOf(date: IsoDate): string | undefined {
  checkDate(date);
  return yearCalendar(yearOf(date)).earlyCloses.get(date)?.closeTime;
}

/** The scheduled early closes of a year, ascending. */
export function earlyClosesOf(year: number): EarlyClose[] {
  checkYear(year);
  return [...yearCalendar(year).earlyCloseList];
}

/** Index of the first element of `sorted` that is >= `date`. */
function lowerBound(sorted: readonly IsoDate[], date: IsoDate): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as IsoDate) < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every session from `from` to `to`, both inclusive, ascending; empty when from > to. */
export function tradingDaysBetween(from: IsoDate, to: IsoDate): IsoDate[] {
  checkDate(from);
  checkDate(to);
  if (from > to) return [];
  const out: IsoDate[] = [];
  const firstYear = yearOf(from);
  const lastYear = yearOf(to);
  for (let year = firstYear; year <= lastYear; year++) {
    const sessions = yearCalendar(year).sessions;
    const start = year === firstYear ? lowerBound(sessions, from) : 0;
    const end = year === lastYear ? lowerBound(sessions, addDays(to, 1)) : sessions.length;
    for (let i = start; i < end; i++) out.push(sessions[i] as IsoDate);
  }
  return out;
}

/** The first session strictly after `date`. Throws RangeError past the calendar's end. */
export function nextTradingDay(date: IsoDate): IsoDate {
  checkDate(date);
  for (let year = yearOf(date); year <= LAST_YEAR; year++) {
    const sessions = yearCalendar(year).sessions;
    const next = sessions[lowerBound(sessions, addDays(date, 1))];
    if (next !== undefined) return next;
  }
  throw rangeError(`the session after ${date}`);
}

/** The last session strictly before `date`. Throws RangeError before the calendar's start. */
export function previousTradingDay(date: IsoDate): IsoDate {
  checkDate(date);
  for (let year = yearOf(date); year >= FIRST_YEAR; year--) {
    const sessions = yearCalendar(year).sessions;
    const prev = sessions[lowerBound(sessions, date) - 1];
    if (prev !== undefined) return prev;
  }
  throw rangeError(`the session before ${date}`);
}
