// The DST rule of cron schedules (core/delivery/occurrence.ts): every local calendar day a cron
// names gets exactly one occurrence per named time; a local time that does not exist runs at the
// first instant after the gap; a local time that occurs twice runs once, at its first instance;
// named times that land on the same instant collapse to one occurrence.
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { dueTimes, occurrenceIdFor, zoneOffsetMs } from '#core/delivery/occurrence';
import { IANAZone } from 'luxon';

const cron = (expression: string, timeZone: string) => ({ type: 'cron' as const, cron: expression, timeZone });
const due = (expression: string, timeZone: string, from: string, to: string): string[] =>
  dueTimes(cron(expression, timeZone), new Date(from), new Date(to)).map((d) => d.toISOString().slice(0, 16) + 'Z');
const local = (iso: string, timeZone: string): string => DateTime.fromISO(iso, { zone: timeZone }).toFormat("yyyy-MM-dd HH:mm ZZ");

describe('schedules: daylight saving in Europe/Berlin', () => {
  it('runs 02:30 on the spring-forward day once, at 03:00 CEST, the first instant after the gap', () => {
    const times = due('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z');
    expect(times.map((t) => local(t, 'Europe/Berlin'))).toEqual([
      '2026-03-28 02:30 +01:00',
      '2026-03-29 03:00 +02:00',
      '2026-03-30 02:30 +02:00',
      '2026-03-31 02:30 +02:00',
    ]);
  });

  it('runs 02:30 on the fall-back day once, at its first instance (CEST)', () => {
    const times = due('30 2 * * *', 'Europe/Berlin', '2026-10-23T12:00:00Z', '2026-10-27T12:00:00Z');
    expect(times).toEqual(['2026-10-24T00:30Z', '2026-10-25T00:30Z', '2026-10-26T01:30Z', '2026-10-27T01:30Z']);
    expect(times.map((t) => local(t, 'Europe/Berlin'))[1]).toBe('2026-10-25 02:30 +02:00');
  });

  it('gives every local day exactly one occurrence over a whole year, with a distinct id each', () => {
    const times = dueTimes(cron('30 2 * * *', 'Europe/Berlin'), new Date('2025-12-31T12:00:00Z'), new Date('2026-12-31T12:00:00Z'));
    const days = times.map((t) => DateTime.fromJSDate(t, { zone: 'Europe/Berlin' }).toISODate());
    expect(days).toHaveLength(365);
    expect(new Set(days).size).toBe(365);
    expect(new Set(times.map((t) => occurrenceIdFor('news', t))).size).toBe(365);
  });

  it('collapses the named times inside the skipped hour to one occurrence at the first instant after it', () => {
    // 02:00, 02:15, 02:30, 02:45 do not exist on 29 March: all map to 03:00 CEST, together with 03:00 itself.
    expect(due('*/15 2,3 * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', '2026-03-29T03:00:00Z')).toEqual([
      '2026-03-29T01:00Z',
      '2026-03-29T01:15Z',
      '2026-03-29T01:30Z',
      '2026-03-29T01:45Z',
    ]);
    // Without 03:00 named, the four gap times still give exactly one occurrence.
    expect(due('0,15,30,45 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')).toEqual(['2026-03-29T01:00Z']);
  });

  it('runs an hourly cron once per local wall hour on both DST days', () => {
    const spring = due('0 * * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z');
    // 23 real hours: 02:00 does not exist and lands on 03:00, which is also named.
    expect(spring).toHaveLength(23);
    expect(spring.slice(0, 3)).toEqual(['2026-03-29T00:00Z', '2026-03-29T01:00Z', '2026-03-29T02:00Z']);
    const autumn = due('0 * * * *', 'Europe/Berlin', '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z');
    // 25 real hours, 24 wall hours: the repeated 02:00 runs once, at its first instance (00:00Z).
    expect(autumn).toHaveLength(24);
    expect(autumn.slice(0, 4)).toEqual(['2026-10-24T23:00Z', '2026-10-25T00:00Z', '2026-10-25T02:00Z', '2026-10-25T03:00Z']);
  });

  it('gives a cron with several times a day each of them once on both DST days', () => {
    const spring = due('30 1,2,3 * * *', 'Europe/Berlin', '2026-03-28T22:00:00Z', '2026-03-29T22:00:00Z');
    expect(spring.map((t) => local(t, 'Europe/Berlin'))).toEqual(['2026-03-29 01:30 +01:00', '2026-03-29 03:00 +02:00', '2026-03-29 03:30 +02:00']);
    const autumn = due('30 1,2,3 * * *', 'Europe/Berlin', '2026-10-24T22:00:00Z', '2026-10-25T22:00:00Z');
    expect(autumn.map((t) => local(t, 'Europe/Berlin'))).toEqual(['2026-10-25 01:30 +02:00', '2026-10-25 02:30 +02:00', '2026-10-25 03:30 +01:00']);
  });
});

describe('schedules: daylight saving in America/New_York', () => {
  it('runs 02:30 on 8 March 2026 at 03:00 EDT and 01:30 on 1 November 2026 once, at its EDT instance', () => {
    expect(due('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z').map((t) => local(t, 'America/New_York'))).toEqual([
      '2026-03-08 03:00 -04:00',
      '2026-03-09 02:30 -04:00',
    ]);
    expect(due('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual(['2026-11-01T05:30Z', '2026-11-02T06:30Z']);
  });
});

describe('schedules: extreme offsets without DST', () => {
  const zones = ['Pacific/Kiritimati', 'Pacific/Chatham', 'Asia/Kathmandu', 'UTC', 'America/St_Johns', 'Pacific/Honolulu'];
  it.each(zones)('runs a daily 00:05 in %s once per local day at 00:05 local', (zone) => {
    const times = dueTimes(cron('5 0 * * *', zone), new Date('2026-06-01T00:00:00Z'), new Date('2026-06-08T00:00:00Z'));
    const locals = times.map((t) => DateTime.fromJSDate(t, { zone }));
    expect(locals.map((l) => l.toFormat('HH:mm'))).toEqual(Array(7).fill('00:05'));
    expect(new Set(locals.map((l) => l.toISODate())).size).toBe(7);
  });

  it('keeps the local calendar day at +14 h and -10 h: Monday 09:00 is a different UTC day in each', () => {
    const window = [new Date('2026-06-06T00:00:00Z'), new Date('2026-06-10T00:00:00Z')] as const;
    const kiritimati = dueTimes(cron('0 9 * * 1', 'Pacific/Kiritimati'), ...window);
    const honolulu = dueTimes(cron('0 9 * * 1', 'Pacific/Honolulu'), ...window);
    expect(kiritimati.map((t) => t.toISOString())).toEqual(['2026-06-07T19:00:00.000Z']);
    expect(honolulu.map((t) => t.toISOString())).toEqual(['2026-06-08T19:00:00.000Z']);
  });
});

describe('schedules: windows', () => {
  it('includes a due time at the end of the window and excludes one at its start', () => {
    const at = '2026-12-01T08:00:00Z';
    expect(due('0 9 1 * *', 'Europe/Berlin', '2026-12-01T07:59:00Z', at)).toEqual(['2026-12-01T08:00Z']);
    expect(due('0 9 1 * *', 'Europe/Berlin', at, '2026-12-01T08:01:00Z')).toEqual([]);
  });

  it('gives a repeated-hour time to the window of its first instance only', () => {
    // 25 Oct 2026, 02:30 occurs at 00:30Z (CEST) and 01:30Z (CET).
    expect(due('30 2 * * *', 'Europe/Berlin', '2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z')).toEqual(['2026-10-25T00:30Z']);
    expect(due('30 2 * * *', 'Europe/Berlin', '2026-10-25T01:00:00Z', '2026-10-25T02:00:00Z')).toEqual([]);
  });

  it('returns at most the asked number of due times, oldest first', () => {
    expect(dueTimes(cron('* * * * *', 'UTC'), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'), 3).map((d) => d.toISOString())).toEqual([
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:02:00.000Z',
      '2026-01-01T00:03:00.000Z',
    ]);
  });

  it('finds the same due times minute by minute as over the whole range, also when windows go back or skip a year', () => {
    // dueTimes remembers spans without a due time; windows after, before and far from one must still see theirs.
    const weekly = cron('0 9 * * 1', 'Europe/Berlin');
    const whole = dueTimes(weekly, new Date('2026-10-01T00:00:00Z'), new Date('2026-11-15T00:00:00Z')).map((d) => d.toISOString());
    const byMinute: string[] = [];
    for (let t = Date.parse('2026-10-01T00:00:00Z'); t < Date.parse('2026-11-15T00:00:00Z'); t += 7 * 60_000) {
      byMinute.push(...dueTimes(weekly, new Date(t), new Date(t + 7 * 60_000)).map((d) => d.toISOString()));
    }
    expect(byMinute).toEqual(whole);
    expect(whole).toContain('2026-10-26T08:00:00.000Z');
    expect(due('0 9 * * 1', 'Europe/Berlin', '2026-10-05T06:00:00Z', '2026-10-05T07:00:00Z')).toEqual(['2026-10-05T07:00Z']);
    expect(due('0 9 * * 1', 'Europe/Berlin', '2028-01-03T07:00:00Z', '2028-01-03T08:00:00Z')).toEqual(['2028-01-03T08:00Z']);
  });

  it('gives the offset of each side of a transition, also when the minute before was asked first (offsets are remembered per minute)', () => {
    const at = (iso: string) => Date.parse(iso);
    const berlin = IANAZone.create('Europe/Berlin');
    expect(zoneOffsetMs(berlin, at('2026-03-29T00:59:59.999Z'))).toBe(60 * 60_000);
    expect(zoneOffsetMs(berlin, at('2026-03-29T00:59:00.000Z'))).toBe(60 * 60_000);
    expect(zoneOffsetMs(berlin, at('2026-03-29T01:00:00.000Z'))).toBe(120 * 60_000);
    // Lord Howe Island moves by 30 minutes; 5 April 2026 02:00 local (+11) is 15:00Z the day before.
    const lordHowe = IANAZone.create('Australia/Lord_Howe');
    expect(zoneOffsetMs(lordHowe, at('2026-04-04T14:59:30.000Z'))).toBe(660 * 60_000);
    expect(zoneOffsetMs(lordHowe, at('2026-04-04T15:00:00.000Z'))).toBe(630 * 60_000);
    for (const iso of ['1970-06-01T00:00:00Z', '2026-07-01T12:34:56Z']) expect(zoneOffsetMs(berlin, at(iso))).toBe(berlin.offset(at(iso)) * 60_000);
  });

  it('rejects an unknown time zone with the field in the message', () => {
    expect(() => dueTimes(cron('0 9 * * *', 'Mars/Olympus'), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'))).toThrow(/schedule\.timeZone "Mars\/Olympus"/);
  });
});

describe('zoneOffsetMs: the remembered offsets agree with the zone database', () => {
  it('gives luxon\'s offset around every half hour of 2026, transitions included, in zones with 30- and 45-minute offsets and shifts', () => {
    const zones = ['Europe/Berlin', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Honolulu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kathmandu', 'America/St_Johns', 'Africa/Casablanca'];
    const start = Date.UTC(2026, 0, 1);
    const end = Date.UTC(2027, 0, 1);
    let mismatches = 0;
    for (const name of zones) {
      const zone = IANAZone.create(name);
      for (let t = start; t < end; t += 1_800_000) {
        for (const at of [t - 1, t, t + 59_999]) if (zoneOffsetMs(zone, at) !== zone.offset(at) * 60_000) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });
});
