// Occurrences: one run of a campaign at one scheduled time. Owns the deterministic occurrence id
// and the due computation for schedules (cron in a time zone, or once), pure over `now`.
import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';
import type { Schedule } from '#core/campaign';

/** `missed`: due while tick was down for longer than the catch-up limit; stored, never sent. */
export type OccurrenceState = 'created' | 'running' | 'paused' | 'missed';

export interface Occurrence {
  occurrenceId: string;
  campaignId: string;
  /** ISO time the schedule named (not when the tick ran). */
  scheduledAt: string;
  state: OccurrenceState;
  totalSegments: number;
  createdAt: string;
  /** The published campaign version it was created with: it sends that one to the end. */
  campaignVersion?: number;
  /** Why the occurrence is paused (e.g. "SendingPausedException: ..."), shown to the marketer. */
  pausedReason?: string;
  /** Why a `missed` occurrence was not sent (due time, the tick that first saw it, the limit). */
  missedReason?: string;
  /** Outcome counters (see outcomes.ts), added atomically by the senders. */
  stats: Record<string, number>;
}

/**
 * `<campaignId>:<suffix>`; for schedules the suffix is the scheduled minute in UTC, so the same
 * campaign and time always give the same id however often or concurrently tick runs.
 */
export const occurrenceIdFor = (campaignId: string, scheduledAt: Date): string =>
  `${campaignId}:${scheduledAt.toISOString().slice(0, 16)}Z`;

export const parseOccurrenceId = (occurrenceId: string): { campaignId: string; suffix: string } => {
  const colon = occurrenceId.indexOf(':');
  if (colon <= 0 || colon === occurrenceId.length - 1) {
    throw new Error(`occurrence id "${occurrenceId}" must look like "<campaignId>:<suffix>"`);
  }
  return { campaignId: occurrenceId.slice(0, colon), suffix: occurrenceId.slice(colon + 1) };
};

/** Most occurrences one schedule may produce in one window unless the caller asks for fewer. */
const MAX_DUE_PER_WINDOW = 1_000;

const DAY_MS = 86_400_000;

const zoneOf = (timeZone: string): IANAZone => {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new Error(`schedule.timeZone "${timeZone}" is not an IANA time zone`);
  return zone;
};

/**
 * A zone's UTC offset in ms at the instant `at`, remembered from 2000 on (luxon asks
 * Intl.DateTimeFormat#formatToParts every time, the costliest step of a send's quiet-hours gate).
 * Per zone and UTC day: when the offsets at the day's first and last millisecond
 * agree, the day holds no transition (no zone has had two within a day since 2000) and that
 * offset is the answer for all of it; a day with a transition is remembered per minute, since
 * every transition since 2000 falls on a whole minute.
 */
export const zoneOffsetMs = (zone: IANAZone, at: number): number => {
  if (!(at >= OFFSET_CACHE_FROM_MS)) return zone.offset(at) * 60_000;
  let known = zoneOffsets.get(zone.name);
  if (!known) zoneOffsets.set(zone.name, (known = new Map()));
  if (known.size >= 100_000) known.clear();
  const window = Math.floor(at / OFFSET_WINDOW_MS);
  let offset = known.get(window);
  if (offset === undefined) {
    const first = zone.offset(window * OFFSET_WINDOW_MS) * 60_000;
    offset = first === zone.offset((window + 1) * OFFSET_WINDOW_MS - 1) * 60_000 ? first : Number.NaN;
    known.set(window, offset);
  }
  if (!Number.isNaN(offset)) return offset;
  // A day with a transition: by minute, keyed below every day index.
  const minuteKey = -1 - Math.floor(at / 60_000);
  let exact = known.get(minuteKey);
  if (exact === undefined) known.set(minuteKey, (exact = zone.offset(at) * 60_000));
  return exact;
};
const OFFSET_CACHE_FROM_MS = Date.UTC(2000, 0, 1);
const OFFSET_WINDOW_MS = 24 * 3_600_000;
/** Per zone: UTC day index -> offset (NaN: the day has a transition), and -1 - minute -> offset in those days. */
const zoneOffsets = new Map<string, Map<number, number>>();
const offsetMs = zoneOffsetMs;

/**
 * The instant a local wall-clock time runs at in `zone` (the DST rule). `wallMs` is the wall clock
 * read as if it were UTC (2026-03-29 02:30 local -> Date.UTC(2026, 2, 29, 2, 30)).
 * - A local time that exists once: that instant.
 * - A local time that occurs twice (the hour repeated when clocks go back): its first instance.
 * - A local time that does not exist (the hour skipped when clocks go forward): the first instant
 *   after the gap, e.g. 02:30 on 29 March 2026 in Europe/Berlin runs at 03:00 CEST (01:00Z).
 */
export const instantOfLocalTime = (wallMs: number, zone: IANAZone): number => {
  const before = offsetMs(zone, wallMs - DAY_MS);
  const after = offsetMs(zone, wallMs + DAY_MS);
  const exact = [wallMs - before, wallMs - after].filter((t) => t + offsetMs(zone, t) === wallMs);
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: the transition T lies in (wallMs - after, wallMs - before]. Find the first instant
  // whose wall clock is past wallMs (binary search to the millisecond, about 22 steps per hour).
  let lo = Math.min(wallMs - after, wallMs - before);
  let hi = Math.max(wallMs - after, wallMs - before);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + offsetMs(zone, mid) > wallMs) hi = mid;
    else lo = mid;
  }
  return hi;
};

/**
 * The instants in (from, to] a schedule names, oldest first, at most `limit`.
 *
 * Cron schedules are matched against the local wall clock of their time zone (cron-parser over the
 * wall clock read as UTC, so every field, day-of-week and `L` keep cron-parser's meaning) and each
 * named local time is mapped to one instant by `instantOfLocalTime`. So every local calendar day
 * the cron names gets exactly one occurrence per named time, also on DST days; named times that
 * map to the same instant (several times inside a skipped hour all run at the first instant after
 * it, possibly together with the time right after the gap) collapse to one occurrence.
 */
export const dueTimes = (schedule: Schedule, from: Date, to: Date, limit = MAX_DUE_PER_WINDOW): Date[] => {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (!(fromMs < toMs) || limit <= 0) return [];
  if (schedule.type === 'once') {
    const at = new Date(schedule.at).getTime();
    return at > fromMs && at <= toMs ? [new Date(at)] : [];
  }
  // Tick asks every minute something is due (replay: thousands of times a year) while a cron
  // schedule names a few instants: a span known to hold none answers without cron-parser.
  const key = `${schedule.cron}\u0000${schedule.timeZone}`;
  const free = freeSpans.get(key);
  if (free && free.afterMs <= fromMs && toMs < free.beforeMs) return [];
  const next = cronDueTimes(schedule, fromMs, fromMs + LOOKAHEAD_MS, 1)[0] ?? fromMs + LOOKAHEAD_MS + 1;
  if (freeSpans.size >= MAX_FREE_SPANS) freeSpans.clear();
  freeSpans.set(key, { afterMs: fromMs, beforeMs: next });
  return next > toMs ? [] : cronDueTimes(schedule, fromMs, toMs, limit).map((at) => new Date(at));
};

/** Per cron schedule (cron and zone), a span (afterMs, beforeMs) with no due time in it. */
const freeSpans = new Map<string, { afterMs: number; beforeMs: number }>();
const MAX_FREE_SPANS = 10_000;
const LOOKAHEAD_MS = 400 * DAY_MS;

/** `dueTimes` of a cron schedule as epoch milliseconds; the instants rise with the wall times. */
const cronDueTimes = (schedule: Extract<Schedule, { type: 'cron' }>, fromMs: number, toMs: number, limit: number): number[] => {
  const zone = zoneOf(schedule.timeZone);
  // Wall times before the wall clock at `from` map to instants <= from; those after the wall clock
  // at `to` plus the largest nearby offset change map past `to`.
  const wallFrom = fromMs + offsetMs(zone, fromMs);
  const wallTo = toMs + Math.max(offsetMs(zone, toMs - DAY_MS), offsetMs(zone, toMs), offsetMs(zone, toMs + DAY_MS));
  const interval = CronExpressionParser.parse(schedule.cron, { currentDate: new Date(wallFrom), endDate: new Date(wallTo + 1), tz: 'UTC' });
  const due: number[] = [];
  while (due.length < limit && interval.hasNext()) {
    const at = instantOfLocalTime(interval.next().getTime(), zone);
    if (at > toMs) break;
    if (at > fromMs && at !== due[due.length - 1]) due.push(at);
  }
  return due;
};

/**
 * A warning, not an error: a `once` schedule whose time is not after `now` never sends (tick only
 * creates due times after its watermark). Undefined when there is nothing to warn about.
 */
export const pastOnceWarning = (schedule: Schedule, now: Date): string | undefined =>
  schedule.type === 'once' && Date.parse(schedule.at) <= now.getTime()
    ? `warning: ${schedule.at} is in the past (now ${now.toISOString()}); a once schedule whose time has passed is never sent`
    : undefined;

/** Throws with the expression in the message when a cron schedule does not parse. */
export const checkSchedule = (schedule: Schedule): void => {
  if (schedule.type !== 'cron') return;
  try {
    CronExpressionParser.parse(schedule.cron, { tz: schedule.timeZone, currentDate: new Date(0) });
  } catch (error) {
    throw new Error(`schedule.cron "${schedule.cron}": ${(error as Error).message}`);
  }
};
