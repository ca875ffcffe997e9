// Occurrences: one run of a campaign at one scheduled time. Owns the deterministic occurrence id
// and the due computation for schedules (cron in a time zone, or once), pure over `now`.
import { CronExpressionParser } from 'cron-parser';
import type { Schedule } from '#core/campaign';

export type OccurrenceState = 'created' | 'running' | 'paused';

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

/** Most occurrences one schedule may produce in one tick window: a runaway cron must not flood. */
const MAX_DUE_PER_WINDOW = 60;

/**
 * Scheduled times in (now - lookbackMs, now]. The lookback lets a later tick catch a minute
 * that a failed or late tick missed; creating an occurrence twice is harmless (conditional put).
 */
export const dueTimes = (schedule: Schedule, now: Date, lookbackMs: number): Date[] => {
  const from = now.getTime() - lookbackMs;
  if (schedule.type === 'once') {
    const at = new Date(schedule.at).getTime();
    return at > from && at <= now.getTime() ? [new Date(at)] : [];
  }
  const interval = CronExpressionParser.parse(schedule.cron, {
    currentDate: new Date(from),
    endDate: new Date(now.getTime() + 1),
    tz: schedule.timeZone,
  });
  const due: Date[] = [];
  while (due.length < MAX_DUE_PER_WINDOW && interval.hasNext()) {
    const next = interval.next().getTime();
    if (next > now.getTime()) break;
    due.push(new Date(next));
  }
  return due;
};

/** Throws with the expression in the message when a cron schedule does not parse. */
export const checkSchedule = (schedule: Schedule): void => {
  if (schedule.type !== 'cron') return;
  try {
    CronExpressionParser.parse(schedule.cron, { tz: schedule.timeZone, currentDate: new Date(0) });
  } catch (error) {
    throw new Error(`schedule.cron "${schedule.cron}": ${(error as Error).message}`);
  }
};
