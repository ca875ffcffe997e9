// CouponExpiring: N days before an unredeemed coupon expires, our own event on the shop bus (and,
// routed back into ingest, the cause a triggered reminder campaign waits for). Tick runs it once
// per UTC day it crosses: at 00:00Z of day X it lists each campaign's coupons expiring on day
// X + N (the by-campaign index sorted by expiry: one Query per campaign and day) and announces
// the unredeemed ones. A coupon
// expiring at any time of that day is announced N to N+1 days before. The event's `at` is that
// midnight and its id names code and N, so a repeated or caught-up tick announces the same events
// again (listeners dedupe on the id; triggered follow-ups are one per occurrence anyway).
import type { CouponStore } from '#core/coupons';
import { couponExpiringEvent } from '#core/coupon-events';
import type { OwnEvent } from '#core/ingest';

export const DEFAULT_EXPIRING_DAYS = 3;
const DAY_MS = 86_400_000;
/** Days one tick catches up at most (an outage of more is caught up by the next ticks). */
export const MAX_REMINDER_DAYS_PER_TICK = 7;

export interface CouponReminderDeps {
  coupons: Pick<CouponStore, 'listCoupons'>;
  events: { publish(events: readonly OwnEvent[]): Promise<void> };
  /** N: days before the expiry. @default DEFAULT_EXPIRING_DAYS */
  daysBefore?: number;
}

/** The UTC midnights in (from, to], oldest first, at most MAX_REMINDER_DAYS_PER_TICK. */
export const midnightsCrossed = (from: Date, to: Date): Date[] => {
  const out: Date[] = [];
  for (let t = Math.floor(from.getTime() / DAY_MS) * DAY_MS + DAY_MS; t <= to.getTime() && out.length < MAX_REMINDER_DAYS_PER_TICK; t += DAY_MS) out.push(new Date(t));
  return out;
};

/**
 * Announces the coupons N days from each midnight crossed in (from, to]; answers how many.
 * `campaignIds` (every published campaign: coupons belong to one) is asked only when a midnight was crossed.
 */
export const remindExpiringCoupons = async (deps: CouponReminderDeps, from: Date, to: Date, campaignIds: () => Promise<readonly string[]>): Promise<number> => {
  const daysBefore = deps.daysBefore ?? DEFAULT_EXPIRING_DAYS;
  const midnights = midnightsCrossed(from, to);
  if (midnights.length === 0) return 0;
  const campaigns = await campaignIds();
  let announced = 0;
  for (const midnight of midnights) {
    const day = new Date(midnight.getTime() + daysBefore * DAY_MS).toISOString().slice(0, 10);
    for (const campaignId of campaigns) {
      let cursor: string | undefined;
      do {
        const page = await deps.coupons.listCoupons(campaignId, { expiringOn: day, ...(cursor ? { cursor } : {}) });
        const events = page.items.filter((c) => c.redeemedAt === undefined).map((c) => couponExpiringEvent(c, daysBefore, midnight));
        if (events.length > 0) await deps.events.publish(events);
        announced += events.length;
        cursor = page.cursor;
      } while (cursor);
    }
  }
  return announced;
};
