// The calendar of seasonal campaigns: on which local date an occasion falls in a year for one
// recipient (birthday, Easter-relative days, Advent, Christmas, New Year, Valentine's Day,
// Mother's and Father's Day by country, public holidays via date-holidays, anniversaries, fixed
// dates) and which country a recipient counts as being in. Pure: dates are "YYYY-MM-DD" strings,
// computed in UTC arithmetic (a calendar date has no zone; the send time is applied later).
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import type { Occasion } from '#core/campaign';
import { remembered } from '#core/events';

/** A calendar date, "YYYY-MM-DD". */
export type IsoDate = string;

/**
 * Where a 29 February birthday goes in a year without one: `feb28` (the default: still in
 * February, the day before the missing one) or `mar1` (the day after, a shop option).
 */
export type LeapDayRule = 'feb28' | 'mar1';

export interface OccasionContext {
  /** ISO 3166-1 alpha-2, upper case (resolveCountry). */
  country: string;
  /** A subdivision date-holidays knows (e.g. "BY"), for regional public holidays. */
  region?: string;
  /** "YYYY-MM-DD" or "--MM-DD". */
  birthday?: string;
  registeredAt?: string;
  firstOrderAt?: string;
  leapDay: LeapDayRule;
}

const date = (year: number, month: number, day: number): DateTime => DateTime.utc(year, month, day);
const iso = (d: DateTime): IsoDate => d.toISODate()!;

/**
 * Easter Sunday (Gregorian) by the anonymous Gregorian algorithm (Meeus/Jones/Butcher), valid for
 * every year from 1583. Checked against a published table of dates (test/unit/occasions.test.ts).
 */
export const easterSunday = (year: number): IsoDate => {
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
  return iso(date(year, month, day));
};

const plusDays = (isoDate: IsoDate, days: number): IsoDate => iso(DateTime.fromISO(isoDate, { zone: 'utc' }).plus({ days }));

/** The nth (1-based) given weekday (1 = Monday … 7 = Sunday) of a month. */
const nthWeekday = (year: number, month: number, weekday: number, n: number): IsoDate => {
  const first = date(year, month, 1);
  return iso(first.plus({ days: ((weekday - first.weekday + 7) % 7) + 7 * (n - 1) }));
};

/** Advent Sunday 1–4: the fourth is the last Sunday before 25 December, each earlier one a week before. */
export const adventSunday = (year: number, n: 1 | 2 | 3 | 4): IsoDate => {
  const christmas = date(year, 12, 25);
  const fourth = christmas.minus({ days: christmas.weekday === 7 ? 7 : christmas.weekday });
  return iso(fourth.minus({ weeks: 4 - n }));
};

/**
 * Mother's Day by country. Second Sunday of May: DE, AT, CH, US, CA, AU, NL, BE, IT, DK, FI, …;
 * GB/UK and IE: Mothering Sunday (Easter − 21 days); FR: last Sunday of May (first of June when
 * that is Pentecost); ES, PT: first Sunday of May. Others: the second Sunday of May.
 */
export const mothersDay = (year: number, country: string): IsoDate => {
  switch (country) {
    case 'GB':
    case 'UK':
    case 'IE':
      return plusDays(easterSunday(year), -21);
    case 'FR': {
      const last = lastWeekday(year, 5, 7);
      return last === plusDays(easterSunday(year), 49) ? plusDays(last, 7) : last;
    }
    case 'ES':
    case 'PT':
      return nthWeekday(year, 5, 7, 1);
    default:
      return nthWeekday(year, 5, 7, 2);
  }
};

const lastWeekday = (year: number, month: number, weekday: number): IsoDate => {
  const last = date(year, month, 1).endOf('month').startOf('day');
  return iso(last.minus({ days: (last.weekday - weekday + 7) % 7 }));
};

/**
 * Father's Day by country. DE: Ascension Day (Easter + 39, "Vatertag"); AT, BE: second Sunday of
 * June; IT, ES, PT, CH (Ticino): 19 March (St Joseph); AU, NZ: first Sunday of September;
 * US, GB/UK, CA, IE, FR, NL and the rest: third Sunday of June.
 */
export const fathersDay = (year: number, country: string): IsoDate => {
  switch (country) {
    case 'DE':
      return plusDays(easterSunday(year), 39);
    case 'AT':
    case 'BE':
      return nthWeekday(year, 6, 7, 2);
    case 'IT':
    case 'ES':
    case 'PT':
      return iso(date(year, 3, 19));
    case 'AU':
    case 'NZ':
      return nthWeekday(year, 9, 7, 1);
    default:
      return nthWeekday(year, 6, 7, 3);
  }
};

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** A "MM-DD" day in `year`; 29 February in a non-leap year by the leap-day rule. */
export const annualDate = (monthDay: string, year: number, leapDay: LeapDayRule = 'feb28'): IsoDate | undefined => {
  const month = Number(monthDay.slice(0, 2));
  const day = Number(monthDay.slice(3, 5));
  if (month === 2 && day === 29 && !isLeapYear(year)) return iso(leapDay === 'mar1' ? date(year, 3, 1) : date(year, 2, 28));
  const d = date(year, month, day);
  return d.isValid && d.month === month ? iso(d) : undefined;
};

/**
 * The birthday month-days ("MM-DD", as the birthday index stores them) whose birthday falls on
 * `isoDate`: the date's own, plus "02-29" on 28 February (feb28) or 1 March (mar1) of a non-leap year.
 */
export const birthdayMonthDaysOn = (isoDate: IsoDate, leapDay: LeapDayRule = 'feb28'): string[] => {
  const monthDay = isoDate.slice(5);
  const year = Number(isoDate.slice(0, 4));
  if (!isLeapYear(year) && monthDay === (leapDay === 'mar1' ? '03-01' : '02-28')) return [monthDay, '02-29'];
  return [monthDay];
};

/** The anniversary of an ISO instant's date in `year`; none in its own year or before. */
const anniversary = (at: string | undefined, year: number, leapDay: LeapDayRule): IsoDate | undefined => {
  if (!at || Number(at.slice(0, 4)) >= year) return undefined;
  return annualDate(at.slice(5, 10), year, leapDay);
};

const holidayCalendars = new Map<string, Holidays>();
const holidaysOf = (country: string, region: string | undefined): Holidays | undefined => {
  const key = `${country}/${region ?? ''}`;
  let calendar = holidayCalendars.get(key);
  if (!calendar) {
    calendar = region ? new Holidays(country, region) : new Holidays(country);
    holidayCalendars.set(key, calendar);
  }
  return calendar.getCountries()[country] ? calendar : undefined;
};

/**
 * A public holiday by its English name as date-holidays names it ("Reformation Day", "Epiphany"),
 * in the recipient's country and region; undefined where it is no public holiday.
 */
export const publicHoliday = (year: number, name: string, country: string, region?: string): IsoDate | undefined => {
  const calendar = holidaysOf(country, region);
  if (!calendar) return undefined;
  const wanted = name.trim().toLowerCase();
  const found = calendar.getHolidays(year, 'en').find((h) => h.type === 'public' && h.name.toLowerCase() === wanted);
  return found?.date.slice(0, 10);
};

const christmasDay: Record<Extract<Occasion, { type: 'christmas' }>['day'], (year: number) => IsoDate> = {
  advent1: (y) => adventSunday(y, 1),
  advent2: (y) => adventSunday(y, 2),
  advent3: (y) => adventSunday(y, 3),
  advent4: (y) => adventSunday(y, 4),
  eve: (y) => iso(date(y, 12, 24)),
  first: (y) => iso(date(y, 12, 25)),
  second: (y) => iso(date(y, 12, 26)),
};

/** The local date of an occasion in `year` for one recipient; undefined when it has none that year. */
export const occasionDate = (occasion: Occasion, year: number, ctx: OccasionContext): IsoDate | undefined => {
  switch (occasion.type) {
    case 'birthday':
      return ctx.birthday ? annualDate(ctx.birthday.slice(-5), year, ctx.leapDay) : undefined;
    case 'easter':
      return plusDays(easterSunday(year), occasion.offsetDays);
    case 'christmas':
      return christmasDay[occasion.day](year);
    case 'newYear':
      return iso(occasion.day === 'eve' ? date(year, 12, 31) : date(year, 1, 1));
    case 'valentinesDay':
      return iso(date(year, 2, 14));
    case 'mothersDay':
      return mothersDay(year, ctx.country);
    case 'fathersDay':
      return fathersDay(year, ctx.country);
    case 'publicHoliday':
      return publicHoliday(year, occasion.holiday, ctx.country, ctx.region);
    case 'signupAnniversary':
      return anniversary(ctx.registeredAt, year, ctx.leapDay);
    case 'firstOrderAnniversary':
      return anniversary(ctx.firstOrderAt, year, ctx.leapDay);
    case 'fixedDate':
      return annualDate(`${String(occasion.month).padStart(2, '0')}-${String(occasion.day).padStart(2, '0')}`, year, ctx.leapDay);
  }
};

/** Countries whose dates bound a country-dependent occasion (the earliest decides when to scan). */
const BOUNDING_COUNTRIES = ['DE', 'AT', 'CH', 'US', 'GB', 'IE', 'FR', 'ES', 'PT', 'IT', 'NL', 'BE', 'AU', 'NZ', 'CA'];

/**
 * The earliest local date the occasion can fall on in `year` for anyone: the audience is scanned
 * shortly before it. Undefined for per-recipient dates (birthday: the birthday index instead;
 * anniversaries: 1 January, they were known the year before). Public holidays are bounded by
 * the shop's country and the common ones above.
 */
export const earliestOccasionDate = (occasion: Occasion, year: number, shopCountry: string): IsoDate | undefined => {
  switch (occasion.type) {
    case 'birthday':
      return undefined;
    case 'signupAnniversary':
    case 'firstOrderAnniversary':
      return iso(date(year, 1, 1));
    case 'mothersDay':
    case 'fathersDay':
    case 'publicHoliday': {
      const dates = [shopCountry, ...BOUNDING_COUNTRIES]
        .map((country) => occasionDate(occasion, year, { country, leapDay: 'feb28' }))
        .filter((d): d is IsoDate => d !== undefined)
        .sort();
      return dates[0];
    }
    default:
      return occasionDate(occasion, year, { country: shopCountry, leapDay: 'feb28' });
  }
};

/** ISO 3166-1 alpha-2 (upper case), or undefined. */
const countryCode = (value: unknown): string | undefined =>
  typeof value === 'string' && /^[A-Za-z]{2}$/.test(value.trim()) ? value.trim().toUpperCase() : undefined;

/**
 * The recipient's country: the profile's explicit `country`, otherwise the region of its locale
 * ("de-AT" -> AT; a bare language has none), otherwise the shop's default country.
 */
export const resolveCountry = (profile: { country?: string; locale: string }, shopCountry: string): string => {
  const explicit = countryCode(profile.country);
  if (explicit) return explicit;
  return regionOf(profile.locale) ?? shopCountry;
};

/** A locale's two-letter region, remembered per locale (an Intl.Locale per recipient was 0.7 % of a replay). */
const regionOf = remembered((locale): string | undefined => {
  const region = new Intl.Locale(locale).region;
  return region && /^[A-Z]{2}$/.test(region) ? region : undefined;
}, undefined);
