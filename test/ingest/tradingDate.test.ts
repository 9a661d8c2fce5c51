import { describe, expect, it } from 'vitest';
import {
  lastClosedSession,
  parseInstant,
  ScheduleTimeError,
  sessionOfScheduledTime,
} from '../../core/ingest/tradingDate.ts';
import { timeInZone } from '../../core/market/isoDate.ts';

describe('the trading date of a scheduled run', () => {
  it.each([
    // 18:30 New York is 23:30Z in winter (EST) and 22:30Z in summer (EDT)
    ['Friday before the spring DST change (EST)', '2024-03-08T23:30:00Z', '2024-03-08'],
    ['Monday after the spring DST change (EDT)', '2024-03-11T22:30:00Z', '2024-03-11'],
    ['Friday before the autumn DST change (EDT)', '2024-11-01T22:30:00Z', '2024-11-01'],
    ['Monday after the autumn DST change (EST)', '2024-11-04T23:30:00Z', '2024-11-04'],
  ])('%s: %s loads %s', (_, time, date) => {
    const s = sessionOfScheduledTime(time);
    expect(s).toEqual({
      kind: 'session',
      date,
      closeTime: '16:00',
      earlyClose: false,
      localTime: '18:30',
    });
  });

  it('a time after midnight UTC is still the New York day (a late or flexible-window event)', () => {
    // 2024-12-31T00:15Z is 19:15 on Monday 2024-12-30 in New York; the UTC date is the 31st.
    expect(sessionOfScheduledTime('2024-12-31T00:15:00Z')).toMatchObject({
      kind: 'session',
      date: '2024-12-30',
      localTime: '19:15',
    });
    // Same in summer: 00:10Z on 2024-07-09 is 20:10 on Monday 2024-07-08.
    expect(sessionOfScheduledTime('2024-07-09T00:10:00Z')).toMatchObject({ date: '2024-07-08' });
    // An offset instead of Z means the same instant.
    expect(sessionOfScheduledTime('2024-12-30T19:15:00-05:00')).toMatchObject({
      date: '2024-12-30',
    });
  });

  it('a holiday loads nothing and says which holiday', () => {
    const s = sessionOfScheduledTime('2024-07-04T22:30:00Z');
    expect(s).toMatchObject({ kind: 'skip', date: '2024-07-04' });
    expect(s.kind === 'skip' && s.reason).toMatch(/NYSE holiday \(Independence Day\)/);
    expect(sessionOfScheduledTime('2024-03-29T22:30:00Z')).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/Good Friday/),
    });
    expect(sessionOfScheduledTime('2025-01-09T23:30:00Z')).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/Carter/),
    });
  });

  it('a weekend loads nothing', () => {
    expect(sessionOfScheduledTime('2024-03-09T23:30:00Z')).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/is a Saturday/),
    });
  });

  it('an early-close day loads after its 13:00 close', () => {
    // the day after Thanksgiving 2024 closes at 13:00
    expect(sessionOfScheduledTime('2024-11-29T23:30:00Z')).toEqual({
      kind: 'session',
      date: '2024-11-29',
      closeTime: '13:00',
      earlyClose: true,
      localTime: '18:30',
    });
    // 14:00 New York is after that close, but before a regular one
    expect(sessionOfScheduledTime('2024-11-29T19:00:00Z')).toMatchObject({ kind: 'session' });
    const before = sessionOfScheduledTime('2024-11-27T19:00:00Z');
    expect(before).toMatchObject({ kind: 'skip', date: '2024-11-27', localTime: '14:00' });
    expect(before.kind === 'skip' && before.reason).toMatch(/closes at 16:00 .* not final/);
  });

  it('rejects a time without a zone or outside the calendar, saying what it expects', () => {
    expect(() => sessionOfScheduledTime('2024-03-11 18:30')).toThrow(ScheduleTimeError);
    expect(() => sessionOfScheduledTime('2024-03-11T18:30:00')).toThrow(/with a zone, such as/);
    expect(() => parseInstant(42, 'time')).toThrow(/time 42 is not an ISO 8601 instant/);
    expect(() => parseInstant('2024-02-30T10:00:00Z')).toThrow(ScheduleTimeError);
    expect(() => sessionOfScheduledTime('2035-01-02T23:30:00Z')).toThrow(
      /outside the NYSE calendar/,
    );
  });

  it('accepts a Date', () => {
    expect(sessionOfScheduledTime(new Date('2024-03-11T22:30:00Z'))).toMatchObject({
      date: '2024-03-11',
    });
  });
});

describe('the last closed session', () => {
  it.each([
    ['after the close', '2024-03-11T21:00:00Z', '2024-03-11'],
    ['before the close', '2024-03-11T19:59:00Z', '2024-03-08'],
    ['on a Sunday', '2024-03-10T15:00:00Z', '2024-03-08'],
    ['after midnight UTC, same New York evening', '2024-03-12T01:00:00Z', '2024-03-11'],
    ['across a year and a holiday', '2025-01-01T15:00:00Z', '2024-12-31'],
    ['after an early close', '2024-11-29T18:05:00Z', '2024-11-29'],
  ])('%s', (_, now, date) => {
    expect(lastClosedSession(new Date(now))).toBe(date);
  });

  it('formats New York wall time', () => {
    expect(timeInZone(new Date('2024-03-11T04:05:00Z'), 'America/New_York')).toBe('00:05');
  });
});
