import { describe, expect, it } from 'vitest';
import {
  earlyCloseOf,
  earlyClosesOf,
  easterSunday,
  holidayName,
  holidaysOf,
  isTradingDay,
  nextTradingDay,
  previousTradingDay,
  tradingDaysBetween,
} from '../../core/market/nyseCalendar.ts';

// Written out by hand from the NYSE's published holiday and early-close calendars.
const NEW_YEAR = "New Year's Day";
const MLK = 'Martin Luther King Jr. Day';
const WASHINGTON = "Washington's Birthday";
const GOOD_FRIDAY = 'Good Friday';
const MEMORIAL = 'Memorial Day';
const JUNETEENTH = 'Juneteenth National Independence Day';
const INDEPENDENCE = 'Independence Day';
const LABOR = 'Labor Day';
const THANKSGIVING = 'Thanksgiving Day';
const CHRISTMAS = 'Christmas Day';

const HOLIDAYS: Record<number, [string, string][]> = {
  2020: [
    ['2020-01-01', NEW_YEAR],
    ['2020-01-20', MLK],
    ['2020-02-17', WASHINGTON],
    ['2020-04-10', GOOD_FRIDAY],
    ['2020-05-25', MEMORIAL],
    ['2020-07-03', INDEPENDENCE], // July 4 is a Saturday
    ['2020-09-07', LABOR],
    ['2020-11-26', THANKSGIVING],
    ['2020-12-25', CHRISTMAS],
  ],
  2021: [
    ['2021-01-01', NEW_YEAR],
    ['2021-01-18', MLK],
    ['2021-02-15', WASHINGTON],
    ['2021-04-02', GOOD_FRIDAY],
    ['2021-05-31', MEMORIAL],
    ['2021-07-05', INDEPENDENCE], // July 4 is a Sunday
    ['2021-09-06', LABOR],
    ['2021-11-25', THANKSGIVING],
    ['2021-12-24', CHRISTMAS], // Dec 25 is a Saturday
  ],
  2022: [
    // Jan 1 is a Saturday: not observed (NYSE Rule 7.2)
    ['2022-01-17', MLK],
    ['2022-02-21', WASHINGTON],
    ['2022-04-15', GOOD_FRIDAY],
    ['2022-05-30', MEMORIAL],
    ['2022-06-20', JUNETEENTH], // June 19 is a Sunday
    ['2022-07-04', INDEPENDENCE],
    ['2022-09-05', LABOR],
    ['2022-11-24', THANKSGIVING],
    ['2022-12-26', CHRISTMAS], // Dec 25 is a Sunday
  ],
  2023: [
    ['2023-01-02', NEW_YEAR], // Jan 1 is a Sunday
    ['2023-01-16', MLK],
    ['2023-02-20', WASHINGTON],
    ['2023-04-07', GOOD_FRIDAY],
    ['2023-05-29', MEMORIAL],
    ['2023-06-19', JUNETEENTH],
    ['2023-07-04', INDEPENDENCE],
    ['2023-09-04', LABOR],
    ['2023-11-23', THANKSGIVING],
    ['2023-12-25', CHRISTMAS],
  ],
  2024: [
    ['2024-01-01', NEW_YEAR],
    ['2024-01-15', MLK],
    ['2024-02-19', WASHINGTON],
    ['2024-03-29', GOOD_FRIDAY],
    ['2024-05-27', MEMORIAL],
    ['2024-06-19', JUNETEENTH],
    ['2024-07-04', INDEPENDENCE],
    ['2024-09-02', LABOR],
    ['2024-11-28', THANKSGIVING],
    ['2024-12-25', CHRISTMAS],
  ],
  2025: [
    ['2025-01-01', NEW_YEAR],
    ['2025-01-09', "Closure: President Carter's day of mourning"],
    ['2025-01-20', MLK],
    ['2025-02-17', WASHINGTON],
    ['2025-04-18', GOOD_FRIDAY],
    ['2025-05-26', MEMORIAL],
    ['2025-06-19', JUNETEENTH],
    ['2025-07-04', INDEPENDENCE],
    ['2025-09-01', LABOR],
    ['2025-11-27', THANKSGIVING],
    ['2025-12-25', CHRISTMAS],
  ],
  2026: [
    ['2026-01-01', NEW_YEAR],
    ['2026-01-19', MLK],
    ['2026-02-16', WASHINGTON],
    ['2026-04-03', GOOD_FRIDAY],
    ['2026-05-25', MEMORIAL],
    ['2026-06-19', JUNETEENTH],
    ['2026-07-03', INDEPENDENCE], // July 4 is a Saturday
    ['2026-09-07', LABOR],
    ['2026-11-26', THANKSGIVING],
    ['2026-12-25', CHRISTMAS],
  ],
  2027: [
    ['2027-01-01', NEW_YEAR],
    ['2027-01-18', MLK],
    ['2027-02-15', WASHINGTON],
    ['2027-03-26', GOOD_FRIDAY],
    ['2027-05-31', MEMORIAL],
    ['2027-06-18', JUNETEENTH], // June 19 is a Saturday
    ['2027-07-05', INDEPENDENCE], // July 4 is a Sunday
    ['2027-09-06', LABOR],
    ['2027-11-25', THANKSGIVING],
    ['2027-12-24', CHRISTMAS], // Dec 25 is a Saturday
  ],
};

const EARLY_CLOSES: Record<number, string[]> = {
  2020: ['2020-11-27', '2020-12-24'], // July 3 is the observed holiday; July 2 is a full day
  2021: ['2021-11-26'], // Dec 24 is the observed Christmas; Dec 23 is a full day
  2022: ['2022-11-25'], // Dec 24 is a Saturday; Dec 23 is a full day
  2023: ['2023-07-03', '2023-11-24'], // Dec 24 is a Sunday
  2024: ['2024-07-03', '2024-11-29', '2024-12-24'],
  2025: ['2025-07-03', '2025-11-28', '2025-12-24'],
  2026: ['2026-11-27', '2026-12-24'], // July 2 is a full day
  2027: ['2027-11-26'], // Dec 23 is a full day
};

describe('holidaysOf', () => {
  for (const [year, table] of Object.entries(HOLIDAYS)) {
    it(`matches the published ${year} NYSE holidays exactly`, () => {
      expect(holidaysOf(Number(year))).toEqual(table.map(([date, name]) => ({ date, name })));
    });
  }

  it('lists the one-off closures', () => {
    const closures = (year: number) =>
      holidaysOf(year).filter((h) => h.name.startsWith('Closure:'));
    expect(closures(2001)).toEqual([
      { date: '2001-09-11', name: 'Closure: September 11 attacks' },
      { date: '2001-09-12', name: 'Closure: September 11 attacks' },
      { date: '2001-09-13', name: 'Closure: September 11 attacks' },
      { date: '2001-09-14', name: 'Closure: September 11 attacks' },
    ]);
    expect(closures(2004).map((h) => h.date)).toEqual(['2004-06-11']);
    expect(closures(2007).map((h) => h.date)).toEqual(['2007-01-02']);
    expect(closures(2012).map((h) => h.date)).toEqual(['2012-10-29', '2012-10-30']);
    expect(closures(2018).map((h) => h.date)).toEqual(['2018-12-05']);
    expect(closures(2025).map((h) => h.date)).toEqual(['2025-01-09']);
    expect(closures(2019)).toEqual([]);
  });

  it('has no Juneteenth before 2022 and no MLK Day in 1997', () => {
    expect(holidaysOf(2021).some((h) => h.name === JUNETEENTH)).toBe(false);
    expect(isTradingDay('2021-06-18')).toBe(true);
    expect(holidaysOf(1997).some((h) => h.name === MLK)).toBe(false);
    expect(isTradingDay('1997-01-20')).toBe(true);
    expect(holidayName('1998-01-19')).toBe(MLK);
  });

  it('does not observe a Saturday New Year on the Friday before', () => {
    for (const eve of ['1999-12-31', '2004-12-31', '2010-12-31', '2021-12-31', '2027-12-31']) {
      expect(isTradingDay(eve)).toBe(true);
    }
    for (const year of [2000, 2005, 2011, 2022, 2028]) {
      expect(holidaysOf(year).some((h) => h.name === NEW_YEAR)).toBe(false);
    }
  });

  it('returns a copy', () => {
    holidaysOf(2024).pop();
    expect(holidaysOf(2024)).toHaveLength(10);
  });
});

describe('earlyClosesOf', () => {
  for (const [year, dates] of Object.entries(EARLY_CLOSES)) {
    it(`matches the published ${year} NYSE early closes exactly`, () => {
      const closes = earlyClosesOf(Number(year));
      expect(closes.map((e) => e.date)).toEqual(dates);
      expect(closes.every((e) => e.closeTime === '13:00')).toBe(true);
    });
  }

  it('names the reason', () => {
    expect(earlyClosesOf(2024)).toEqual([
      { date: '2024-07-03', name: 'Independence Day eve', closeTime: '13:00' },
      { date: '2024-11-29', name: 'Day after Thanksgiving', closeTime: '13:00' },
      { date: '2024-12-24', name: 'Christmas Eve', closeTime: '13:00' },
    ]);
  });

  it('knows the historical exceptions', () => {
    // Before 2013 a Thursday July 4 shortened Friday July 5, not Wednesday July 3.
    expect(earlyCloseOf('2002-07-05')).toBe('13:00');
    expect(earlyCloseOf('2002-07-03')).toBeUndefined();
    expect(earlyCloseOf('2013-07-03')).toBe('13:00');
    expect(earlyCloseOf('2019-07-03')).toBe('13:00');
    // The Friday after a Thursday Christmas, in 1997 and 2003 only.
    expect(earlyCloseOf('1997-12-26')).toBe('13:00');
    expect(earlyCloseOf('2003-12-26')).toBe('13:00');
    expect(earlyCloseOf('2008-12-26')).toBeUndefined();
    expect(earlyCloseOf('2025-12-26')).toBeUndefined();
  });

  it('answers per date', () => {
    expect(earlyCloseOf('2024-12-24')).toBe('13:00');
    expect(earlyCloseOf('2024-12-23')).toBeUndefined();
    expect(earlyCloseOf('2022-12-23')).toBeUndefined();
    expect(earlyCloseOf('2026-07-02')).toBeUndefined();
    expect(earlyCloseOf('2027-12-23')).toBeUndefined();
    expect(earlyCloseOf('2024-12-25')).toBeUndefined();
  });
});

describe('isTradingDay and holidayName', () => {
  it('is false on weekends, with no holiday name', () => {
    expect(isTradingDay('2024-06-15')).toBe(false); // Saturday
    expect(isTradingDay('2024-06-16')).toBe(false); // Sunday
    expect(holidayName('2024-06-15')).toBeUndefined();
    expect(isTradingDay('2024-06-17')).toBe(true);
    expect(holidayName('2024-06-17')).toBeUndefined();
  });

  it('is false on holidays and closures', () => {
    expect(isTradingDay('2024-03-29')).toBe(false);
    expect(holidayName('2024-03-29')).toBe(GOOD_FRIDAY);
    expect(holidayName('2022-06-20')).toBe(JUNETEENTH);
    expect(holidayName('2012-10-29')).toBe('Closure: Hurricane Sandy');
    expect(holidayName('2004-06-11')).toBe("Closure: President Reagan's funeral");
    expect(holidayName('2007-01-02')).toBe("Closure: President Ford's day of mourning");
    expect(holidayName('2018-12-05')).toBe("Closure: President George H.W. Bush's day of mourning");
    for (const d of ['2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14']) {
      expect(isTradingDay(d)).toBe(false);
    }
    expect(isTradingDay('2001-09-10')).toBe(true);
    expect(isTradingDay('2001-09-17')).toBe(true);
  });

  it('throws RangeError outside 1997..2030 and on malformed dates', () => {
    expect(() => isTradingDay('1996-12-31')).toThrow(RangeError);
    expect(() => isTradingDay('2031-01-01')).toThrow(/outside the NYSE calendar's range/);
    expect(() => isTradingDay('2024-02-30')).toThrow(RangeError);
    expect(() => holidayName('1990-01-01')).toThrow(RangeError);
    expect(() => earlyCloseOf('2031-07-03')).toThrow(RangeError);
    expect(() => holidaysOf(1996)).toThrow(RangeError);
    expect(() => earlyClosesOf(2031)).toThrow(RangeError);
    expect(() => holidaysOf(2024.5)).toThrow(RangeError);
    expect(() => tradingDaysBetween('1996-01-01', '2024-01-01')).toThrow(RangeError);
    expect(isTradingDay('1997-01-02')).toBe(true);
    expect(isTradingDay('2030-12-31')).toBe(true);
  });
});

describe('tradingDaysBetween', () => {
  it.each([
    [2019, 252],
    [2020, 253],
    [2021, 252],
    [2022, 251],
    [2023, 250],
    [2024, 252],
    [2025, 250],
    [2001, 248],
    [2012, 250],
  ])('%i has %i sessions', (year, count) => {
    expect(tradingDaysBetween(`${year}-01-01`, `${year}-12-31`)).toHaveLength(count);
  });

  it('is inclusive, ascending and spans years', () => {
    expect(tradingDaysBetween('2024-12-24', '2025-01-03')).toEqual([
      '2024-12-24',
      '2024-12-26',
      '2024-12-27',
      '2024-12-30',
      '2024-12-31',
      '2025-01-02',
      '2025-01-03',
    ]);
    expect(tradingDaysBetween('2024-06-15', '2024-06-16')).toEqual([]);
    expect(tradingDaysBetween('2024-06-17', '2024-06-17')).toEqual(['2024-06-17']);
    expect(tradingDaysBetween('2024-06-18', '2024-06-17')).toEqual([]);
  });

  it('agrees with isTradingDay over the whole range, quickly', () => {
    const started = performance.now();
    const days = tradingDaysBetween('1997-01-01', '2030-12-31');
    expect(performance.now() - started).toBeLessThan(1000);
    const set = new Set(days);
    let count = 0;
    for (let d = Date.UTC(1997, 0, 1); d <= Date.UTC(2030, 11, 31); d += 86_400_000) {
      const date = new Date(d).toISOString().slice(0, 10);
      expect(isTradingDay(date)).toBe(set.has(date));
      count++;
    }
    expect(count).toBe(12_418);
    expect([...days].sort()).toEqual(days);
  });
});

describe('nextTradingDay and previousTradingDay', () => {
  it('skip weekends, holidays and closures', () => {
    expect(nextTradingDay('2024-12-24')).toBe('2024-12-26');
    expect(nextTradingDay('2024-06-14')).toBe('2024-06-17');
    expect(nextTradingDay('2001-09-10')).toBe('2001-09-17');
    expect(nextTradingDay('2024-12-31')).toBe('2025-01-02');
    expect(nextTradingDay('2024-06-15')).toBe('2024-06-17');
    expect(previousTradingDay('2024-12-26')).toBe('2024-12-24');
    expect(previousTradingDay('2001-09-17')).toBe('2001-09-10');
    expect(previousTradingDay('2025-01-02')).toBe('2024-12-31');
    expect(previousTradingDay('2024-06-16')).toBe('2024-06-14');
    expect(previousTradingDay('2012-10-31')).toBe('2012-10-26');
  });

  it('throws past the ends of the calendar', () => {
    expect(() => nextTradingDay('2030-12-31')).toThrow(RangeError);
    expect(() => previousTradingDay('1997-01-02')).toThrow(RangeError);
    expect(previousTradingDay('1997-01-03')).toBe('1997-01-02');
    expect(nextTradingDay('2030-12-30')).toBe('2030-12-31');
  });
});

describe('easterSunday', () => {
  it.each([
    [1997, '1997-03-30'],
    [2008, '2008-03-23'],
    [2011, '2011-04-24'],
    [2019, '2019-04-21'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2027, '2027-03-28'],
    [2030, '2030-04-21'],
  ])('%i → %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });
});
