// Step "coupon" of the send path (between the gates and render): the recipient's coupon for
// this occurrence, issued once (core/coupons.ts: the same code on every redelivery), announced as
// our own CouponIssued event before the mail can reach the customer, and handed to render. A
// mail of a campaign with a coupon never goes out without a code: no store, or a pool run dry,
// stops the recipient (failed / held with the occurrence paused, cause "pool").
// A reminder (a triggered campaign on CouponExpiring) never issues: it shows the expiring coupon
// its occurrence names (core/triggers.ts), read by code, and is cancelled when that coupon is not
// the recipient's, was redeemed meanwhile, or has expired.
import type { Campaign, CouponSpec } from '#core/campaign';
import { PoolExhaustedError, issueCoupon, issued, type CouponDeps, type IssuedCoupon } from '#core/coupons';
import { reminderCouponCode } from '#core/triggers';
import { couponIssuedEvent } from '#core/coupon-events';
import type { OwnEvent } from '#core/ingest';
import type { Profile } from '#core/profile';
import type { MessageRun, RecipientResult } from './recipient';

/** What the sender needs to issue coupons: the store (and random source) plus the shop bus. */
export interface CouponSending extends CouponDeps {
  /** Where CouponIssued goes (the shop bus); without it the shop learns codes from the export only. */
  events?: { publish(events: readonly OwnEvent[]): Promise<void> };
}

/** The coupon a campaign's mails carry: discount campaigns always, seasonal and triggered ones optionally. */
export const couponSpecOf = (campaign: Campaign): CouponSpec | undefined => ('coupon' in campaign ? campaign.coupon : undefined);

export type CouponStep = { coupon?: IssuedCoupon; stop?: undefined } | { coupon?: undefined; stop: RecipientResult };

/** The expiring coupon a reminder shows, if it is still the recipient's to redeem; else the mail is cancelled. */
const expiringCoupon = async (run: MessageRun, profile: Profile, code: string): Promise<CouponStep> => {
  const sending = run.deps.coupons;
  if (!sending) return { stop: { outcome: 'failed', failure: `coupon: campaign "${run.published.campaign.id}" reminds of a coupon, but this sender has no coupon store` } };
  const stored = await sending.store.getCoupon(code);
  if (!stored || stored.customerId !== profile.customerId || stored.redeemedAt !== undefined || Date.parse(stored.expiresAt) <= run.deps.clock.now().getTime()) {
    return { stop: { outcome: 'cancelled' } };
  }
  return { coupon: issued(stored) };
};

export const issueRecipientCoupon = async (run: MessageRun, profile: Profile): Promise<CouponStep> => {
  const { campaign } = run.published;
  const reminded = reminderCouponCode(campaign, profile.customerId, run.occurrenceId);
  if (reminded !== undefined) return expiringCoupon(run, profile, reminded);
  const spec = couponSpecOf(campaign);
  if (!spec) return {};
  const sending = run.deps.coupons;
  if (!sending) return { stop: { outcome: 'failed', failure: `coupon: campaign "${campaign.id}" carries a coupon, but this sender has no coupon store` } };
  // Another recipient of this message found the pool empty: no more draws.
  if (run.pausedReason) return { stop: { outcome: 'held', pausedReason: run.pausedReason } };
  let coupon: IssuedCoupon;
  try {
    coupon = await issueCoupon(sending, { campaignId: campaign.id, occurrenceId: run.occurrenceId, customerId: profile.customerId, spec, at: run.deps.clock.now() });
  } catch (error) {
    if (error instanceof PoolExhaustedError) return { stop: { outcome: 'held', pausedReason: error.message, pauseCause: 'pool' } };
    throw error;
  }
  // A shared code (unique: false) is the shop's own; only issued codes are announced.
  if (spec.unique && sending.events) await sending.events.publish([couponIssuedEvent(coupon)]);
  return { coupon };
};
