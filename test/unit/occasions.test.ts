import { describe, expect, it } from 'vitest';
import { IANAZone } from 'luxon';
import { adventSunday, annualDate, birthdayMonthDaysOn, easterSunday, fathersDay, mothersDay, occasionDate, publicHoliday, resolveCountry } from '#core/occasions';
import { quietUntil } from '#core/quiet-hours';
import { instantOfLocalDate, recipientZone } from '#core/delivery/local-time';

// Western (Gregorian) Easter Sunday, 1900–2100, one "MM-DD" per year, a decade per line. Written
// out from python-dateutil's easter() (Tøndering's method, not the Meeus/Butcher algorithm under
// test) and spot-checked against the dates published by the Astronomical Society of South
// Australia (1900-04-15, 1943-04-25, 1961-04-02, 2000-04-23, 2038-04-25, 2100-03-28).
const EASTER_1900_2100 = [
  '04-15 04-07 03-30 04-12 04-03 04-23 04-15 03-31 04-19 04-11', // 1900
  '03-27 04-16 04-07 03-23 04-12 04-04 04-23 04-08 03-31 04-20', // 1910
  '04-04 03-27 04-16 04-01 04-20 04-12 04-04 04-17 04-08 03-31', // 1920
  '04-20 04-05 03-27 04-16 04-01 04-21 04-12 03-28 04-17 04-09', // 1930
  '03-24 04-13 04-05 04-25 04-09 04-01 04-21 04-06 03-28 04-17', // 1940
  '04-09 03-25 04-13 04-05 04-18 04-10 04-01 04-21 04-06 03-29', // 1950
  '04-17 04-02 04-22 04-14 03-29 04-18 04-10 03-26 04-14 04-06', // 1960
  '03-29 04-11 04-02 04-22 04-14 03-30 04-18 04-10 03-26 04-15', // 1970
  '04-06 04-19 04-11 04-03 04-22 04-07 03-30 04-19 04-03 03-26', // 1980
  '04-15 03-31 04-19 04-11 04-03 04-16 04-07 03-30 04-12 04-04', // 1990
  '04-23 04-15 03-31 04-20 04-11 03-27 04-16 04-08 03-23 04-12', // 2000
  '04-04 04-24 04-08 03-31 04-20 04-05 03-27 04-16 04-01 04-21', // 2010
  '04-12 04-04 04-17 04-09 03-31 04-20 04-05 03-28 04-16 04-01', // 2020
  '04-21 04-13 03-28 04-17 04-09 03-25 04-13 04-05 04-25 04-10', // 2030
  '04-01 04-21 04-06 03-29 04-17 04-09 03-25 04-14 04-05 04-18', // 2040
  '04-10 04-02 04-21 04-06 03-29 04-18 04-02 04-22 04-14 03-30', // 2050
  '04-18 04-10 03-26 04-15 04-06 03-29 04-11 04-03 04-22 04-14', // 2060
  '03-30 04-19 04-10 03-26 04-15 04-07 04-19 04-11 04-03 04-23', // 2070
  '04-07 03-30 04-19 04-04 03-26 04-15 03-31 04-20 04-11 04-03', // 2080
  '04-16 04-08 03-30 04-12 04-04 04-24 04-15 03-31 04-20 04-12', // 2090
  '03-28', // 2100
].join(' ').split(' ');

describe('occasions: Easter', () => {
  it('matches the published table of Easter Sundays for every year from 1900 to 2100', () => {
    expect(EASTER_1900_2100).toHaveLength(201);
    const wrong = EASTER_1900_2100.map((monthDay, i) => [1900 + i, monthDay] as const).filter(([year, monthDay]) => easterSunday(year) !== `${year}-${monthDay}`);
    expect(wrong).toEqual([]);
  });

  it('places Good Friday, Easter Monday, Ascension and Pentecost relative to Easter', () => {
    const ctx = { country: 'DE', leapDay: 'feb28' } as const;
    expect(occasionDate({ type: 'easter', offsetDays: -2 }, 2026, ctx)).toBe('2026-04-03');
    expect(occasionDate({ type: 'easter', offsetDays: 1 }, 2026, ctx)).toBe('2026-04-06');
    expect(occasionDate({ type: 'easter', offsetDays: 39 }, 2026, ctx)).toBe('2026-05-14');
    expect(occasionDate({ type: 'easter', offsetDays: 49 }, 2026, ctx)).toBe('2026-05-24');
  });
});

describe('occasions: Advent and Christmas', () => {
  // First Sunday of Advent 2010–2029 (the Sunday between 27 November and 3 December).
  const ADVENT1: Record<number, string> = {
    2010: '11-28', 2011: '11-27', 2012: '12-02', 2013: '12-01', 2014: '11-30', 2015: '11-29', 2016: '11-27', 2017: '12-03', 2018: '12-02', 2019: '12-01',
    2020: '11-29', 2021: '11-28', 2022: '11-27', 2023: '12-03', 2024: '12-01', 2025: '11-30', 2026: '11-29', 2027: '11-28', 2028: '12-03', 2029: '12-02',
  };
  it('puts the first Sunday of Advent on the published date for 20 years', () => {
    for (const [year, monthDay] of Object.entries(ADVENT1)) expect(adventSunday(Number(year), 1)).toBe(`${year}-${monthDay}`);
  });

  it('puts the fourth Sunday of Advent on 24 December when Christmas is a Monday', () => {
    expect(adventSunday(2023, 4)).toBe('2023-12-24');
    expect(adventSunday(2022, 4)).toBe('2022-12-18');
  });

  it('names Christmas Eve, Christmas Day, Boxing Day, New Year and Valentine', () => {
    const ctx = { country: 'DE', leapDay: 'feb28' } as const;
    expect(occasionDate({ type: 'christmas', day: 'eve' }, 2026, ctx)).toBe('2026-12-24');
    expect(occasionDate({ type: 'christmas', day: 'first' }, 2026, ctx)).toBe('2026-12-25');
    expect(occasionDate({ type: 'christmas', day: 'second' }, 2026, ctx)).toBe('2026-12-26');
    expect(occasionDate({ type: 'newYear', day: 'eve' }, 2026, ctx)).toBe('2026-12-31');
    expect(occasionDate({ type: 'newYear', day: 'day' }, 2027, ctx)).toBe('2027-01-01');
    expect(occasionDate({ type: 'valentinesDay' }, 2027, ctx)).toBe('2027-02-14');
  });
});

describe("occasions: Mother's and Father's Day by country", () => {
  it("puts Mother's Day on the second Sunday of May in DE, AT, CH and the US, and on Mothering Sunday in the UK", () => {
    for (const country of ['DE', 'AT', 'CH', 'US']) expect(mothersDay(2026, country)).toBe('2026-05-10');
    expect(mothersDay(2026, 'GB')).toBe('2026-03-15');
    expect(mothersDay(2027, 'GB')).toBe('2027-03-07');
  });

  it("puts Father's Day on Ascension in Germany and on the third Sunday of June in the US and UK", () => {
    expect(fathersDay(2026, 'DE')).toBe('2026-05-14');
    expect(fathersDay(2026, 'US')).toBe('2026-06-21');
    expect(fathersDay(2026, 'GB')).toBe('2026-06-21');
  });

  it('takes the country from the profile, then the locale region, then the shop', () => {
    expect(resolveCountry({ country: 'gb', locale: 'de-DE' }, 'DE')).toBe('GB');
    expect(resolveCountry({ locale: 'de-AT' }, 'DE')).toBe('AT');
    expect(resolveCountry({ locale: 'en' }, 'CH')).toBe('CH');
  });
});

describe('occasions: public holidays and anniversaries', () => {
  it('finds a regional public holiday where it is one and nowhere else', () => {
    expect(publicHoliday(2026, 'Reformation Day', 'DE', 'SN')).toBe('2026-10-31');
    expect(publicHoliday(2026, 'Reformation Day', 'DE', 'BY')).toBeUndefined();
  });

  it('has a signup anniversary only from the year after the signup', () => {
    const ctx = { country: 'DE', leapDay: 'feb28', registeredAt: '2025-06-03T10:00:00.000Z' } as const;
    expect(occasionDate({ type: 'signupAnniversary' }, 2025, ctx)).toBeUndefined();
    expect(occasionDate({ type: 'signupAnniversary' }, 2026, ctx)).toBe('2026-06-03');
  });
});

describe('occasions: 29 February', () => {
  it('keeps 29 February in leap years', () => {
    expect(annualDate('02-29', 2028)).toBe('2028-02-29');
    expect(annualDate('02-29', 2000, 'mar1')).toBe('2000-02-29');
  });

  it('moves 29 February to 28 February in other years, or to 1 March as the shop option', () => {
    expect(annualDate('02-29', 2027)).toBe('2027-02-28');
    expect(annualDate('02-29', 1900)).toBe('1900-02-28');
    expect(annualDate('02-29', 2027, 'mar1')).toBe('2027-03-01');
  });

  it('asks the birthday index for 02-29 on the day the rule moves it to', () => {
    expect(birthdayMonthDaysOn('2027-02-28')).toEqual(['02-28', '02-29']);
    expect(birthdayMonthDaysOn('2027-03-01')).toEqual(['03-01']);
    expect(birthdayMonthDaysOn('2027-03-01', 'mar1')).toEqual(['03-01', '02-29']);
    expect(birthdayMonthDaysOn('2028-02-28')).toEqual(['02-28']);
    expect(birthdayMonthDaysOn('2028-02-29')).toEqual(['02-29']);
  });
});

describe('quiet hours', () => {
  const berlin = IANAZone.create('Europe/Berlin');
  const window = { start: '21:00', end: '08:00' };

  it('holds a mail due at 23:30 local until 08:00 the next morning', () => {
    expect(quietUntil(new Date('2026-06-10T21:30:00Z'), berlin, window)?.toISOString()).toBe('2026-06-11T06:00:00.000Z');
  });

  it('holds a mail due at 06:00 local until 08:00 the same morning', () => {
    expect(quietUntil(new Date('2026-06-10T04:00:00Z'), berlin, window)?.toISOString()).toBe('2026-06-10T06:00:00.000Z');
  });

  it('lets a mail due at 08:00 or 20:59 local through', () => {
    expect(quietUntil(new Date('2026-06-10T06:00:00Z'), berlin, window)).toBeUndefined();
    expect(quietUntil(new Date('2026-06-10T18:59:00Z'), berlin, window)).toBeUndefined();
  });

  it('ends the window at 08:00 local time on the night clocks go forward', () => {
    // 29 March 2026: 02:00 CET -> 03:00 CEST; 08:00 CEST is 06:00Z.
    expect(quietUntil(new Date('2026-03-28T22:00:00Z'), berlin, window)?.toISOString()).toBe('2026-03-29T06:00:00.000Z');
  });

  it('has no window when it is turned off or empty', () => {
    expect(quietUntil(new Date('2026-06-10T21:30:00Z'), berlin, false)).toBeUndefined();
    expect(quietUntil(new Date('2026-06-10T21:30:00Z'), berlin, { start: '08:00', end: '08:00' })).toBeUndefined();
  });
});

describe('local time of a recipient', () => {
  it('falls back to the shop zone with a warning for an invalid zone', () => {
    const resolved = recipientZone({ timeZone: 'Mars/Olympus' }, 'Europe/Berlin');
    expect(resolved.zone.name).toBe('Europe/Berlin');
    expect(resolved.warning).toContain('Mars/Olympus');
  });

  it("falls back to the shop zone when ingest recorded a warning about the profile's zone", () => {
    const resolved = recipientZone({ timeZone: 'UTC', timeZoneWarning: 'no timeZone given' }, 'Europe/Berlin');
    expect(resolved).toMatchObject({ warning: 'no timeZone given' });
    expect(resolved.zone.name).toBe('Europe/Berlin');
  });

  it('runs Easter 09:00 in Kiritimati about a day before Honolulu', () => {
    const kiritimati = instantOfLocalDate('2027-03-28', '09:00', IANAZone.create('Pacific/Kiritimati'));
    const honolulu = instantOfLocalDate('2027-03-28', '09:00', IANAZone.create('Pacific/Honolulu'));
    expect(kiritimati.toISOString()).toBe('2027-03-27T19:00:00.000Z');
    expect(honolulu.toISOString()).toBe('2027-03-28T19:00:00.000Z');
  });
});
