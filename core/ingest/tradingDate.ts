import { dateInZone, dayOfWeek, type IsoDate, isIsoDate, timeInZone } from '../market/isoDate.ts';
import {
  CALENDAR_FIRST_DATE,
  CALENDAR_LAST_DATE,
  earlyCloseOf,
  holidayName,
  isTradingDay,
  previousTradingDay,
} from '../market/nyseCalendar.ts';

/** The exchange's time zone: every trading date is a New York calendar date. */
export const NEW_YORK = 'America/New_York';
/** The regular NYSE close, New York time. */
export const REGULAR_CLOSE_TIME = '16:00';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** What a scheduled run should load, decided from the schedule's time alone. */
export type ScheduledSession =
  | {
      readonly kind: 'session';
      readonly date: IsoDate;
      /** The session's close in New York, `HH:MM` (13:00 on an early-close day). */
      readonly closeTime: string;
      readonly earlyClose: boolean;
      /** The scheduled time in New York, `HH:MM`. */
      readonly localTime: string;
    }
  | {
      readonly kind: 'skip';
      readonly date: IsoDate;
      readonly localTime: string;
      readonly reason: string;
    };

/** An instant that cannot be used as a schedule time; the message says what is expected. */
export class ScheduleTimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleTimeError';
  }
}

/** Reads an ISO 8601 instant with a zone (`2024-03-11T22:30:00Z`, `…-04:00`). */
export function parseInstant(text: unknown, what = 'time'): Date {
  const ok =
    typeof text === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text) &&
    isIsoDate(text.slice(0, 10));
  const instant = ok ? new Date(text) : undefined;
  if (!instant || Number.isNaN(instant.getTime())) {
    throw new ScheduleTimeError(
      `${what} ${JSON.stringify(text)} is not an ISO 8601 instant with a zone, such as 2024-03-11T22:30:00Z`,
    );
  }
  return instant;
}

function closeOf(date: IsoDate): string {
  return earlyCloseOf(date) ?? REGULAR_CLOSE_TIME;
}

function checkInCalendar(date: IsoDate, what: string): void {
  if (date < CALENDAR_FIRST_DATE || date > CALENDAR_LAST_DATE) {
    throw new ScheduleTimeError(
      `${what} falls on ${date}, outside the NYSE calendar ${CALENDAR_FIRST_DATE}..${CALENDAR_LAST_DATE}`,
    );
  }
}

/**
 * The session a scheduled run loads: the New York date of the schedule's time (never the
 * UTC date, never the time of delivery, so a late or re-delivered event loads the same day).
 * A weekend, a holiday or a time before that day's close loads nothing, with the reason.
 */
export function sessionOfScheduledTime(time: string | Date): ScheduledSession {
  const instant = typeof time === 'string' ? parseInstant(time) : time;
  const date = dateInZone(instant, NEW_YORK);
  checkInCalendar(date, `the scheduled time ${instant.toISOString()}`);
  const localTime = timeInZone(instant, NEW_YORK);
  if (!isTradingDay(date)) {
    const holiday = holidayName(date);
    const weekday = WEEKDAYS[dayOfWeek(date)] ?? '?';
    return {
      kind: 'skip',
      date,
      localTime,
      reason: holiday
        ? `${date} is an NYSE holiday (${holiday}): no session, nothing to ingest`
        : `${date} is a ${weekday}: no session, nothing to ingest`,
    };
  }
  const closeTime = closeOf(date);
  if (localTime < closeTime) {
    return {
      kind: 'skip',
      date,
      localTime,
      reason:
        `the session of ${date} closes at ${closeTime} New York time and the event is scheduled ` +
        `at ${localTime}: its bar is not final yet, nothing ingested (schedule the run after the close, e.g. 18:30)`,
    };
  }
  return {
    kind: 'session',
    date,
    closeTime,
    earlyClose: closeTime !== REGULAR_CLOSE_TIME,
    localTime,
  };
}

/** The latest session that has closed at `now` (New York time): the last day a backfill may load. */
export function lastClosedSession(now: Date): IsoDate {
  const date = dateInZone(now, NEW_YORK);
  checkInCalendar(date, `now (${now.toISOString()})`);
  if (isTradingDay(date) && timeInZone(now, NEW_YORK) >= closeOf(date)) return date;
  return previousTradingDay(date);
}
