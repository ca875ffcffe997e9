// Quiet hours: a local-time window (shop default 21:00–08:00, a campaign may set its own or turn
// it off) in which no marketing mail goes out. A send-time gate (core/delivery/recipient.ts), so it
// covers scheduled, seasonal, triggered and delayed mail alike: a mail due inside the window waits
// for the window's end in the recipient's zone. Transactional mail (capClass "transactional":
// order follow-ups, the double opt-in) is exempt: the customer is waiting for it.
import * as z from 'zod';
import type { IANAZone } from 'luxon';
import { instantOfLocalTime, zoneOffsetMs } from '#core/delivery/occurrence';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (24-hour)');

/** start..end in local time; start later than end spans midnight (21:00–08:00). start = end: no window. */
export const QuietHours = z.object({ start: HHMM, end: HHMM }).strict();
export type QuietHours = z.infer<typeof QuietHours>;

/** The shop's default window. */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: '21:00', end: '08:00' };

const DAY_MS = 86_400_000;
const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When `at` lies inside the window in `zone`: the instant the window ends there (its end time
 * mapped by the DST rule of instantOfLocalTime). Undefined outside the window, or without one.
 */
export const quietUntil = (at: Date, zone: IANAZone, window: QuietHours | false | undefined): Date | undefined => {
  if (!window) return undefined;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (start === end) return undefined;
  const wall = at.getTime() + zoneOffsetMs(zone, at.getTime());
  const dayStart = Math.floor(wall / DAY_MS) * DAY_MS;
  const minute = Math.floor((wall - dayStart) / 60_000);
  let endDay: number;
  if (start < end) {
    if (minute < start || minute >= end) return undefined;
    endDay = dayStart;
  } else if (minute >= start) endDay = dayStart + DAY_MS;
  else if (minute < end) endDay = dayStart;
  else return undefined;
  const until = instantOfLocalTime(endDay + end * 60_000, zone);
  return until > at.getTime() ? new Date(until) : undefined;
};
