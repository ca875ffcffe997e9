// Step "coupon" of the send path (between the gates and render): the recipient's coupon for
// this occurrence, issued once (core/coupons.ts: the same code on every redelivery), announced as
// our own CouponIssued event before the mail can reach the customer, and handed to render. A
// mail of a campaign with a coupon never goes out without a code: no store, or a pool run dry,
// stops the recipient (failed / held with the occurrence paused, cause "pool").
import type { Campaign, CouponSpec } from '#core/campaign';
import { PoolExhaustedError, issueCoupon, type CouponDeps, type IssuedCoupon } from '#core/coupons';
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

export const issueRecipientCoupon = async (run: MessageRun, profile: Profile): Promise<CouponStep> => {
  const { campaign } = run.published;
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
