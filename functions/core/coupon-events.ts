// Our own coupon events (README "Our own events"): CouponIssued for every issued coupon, so the
// shop's checkout knows the code before the mail arrives, and CouponExpiring N days before an
// unredeemed coupon expires, so a triggered campaign can remind. Ids are stable per coupon:
// listeners dedupe on them (each event arrives at least once).
import type { IssuedCoupon } from '#core/coupons';

interface CouponEventFields {
  id: string;
  customerId: string;
  at: string;
  /** The occurrence whose mail carries the coupon. */
  causeEventId: string;
  code: string;
  campaignId: string;
  occurrenceId: string;
  value: IssuedCoupon['value'];
  minimumOrderCents?: number;
  expiresAt: string;
  source: IssuedCoupon['source'];
  pool?: string;
  rewardId?: string;
}

export type CouponIssuedEvent = { type: 'CouponIssued' } & CouponEventFields;
export type CouponExpiringEvent = { type: 'CouponExpiring'; daysLeft: number } & CouponEventFields;

const fields = (coupon: IssuedCoupon): Omit<CouponEventFields, 'id' | 'at'> => ({
  customerId: coupon.customerId,
  causeEventId: coupon.occurrenceId,
  code: coupon.code,
  campaignId: coupon.campaignId,
  occurrenceId: coupon.occurrenceId,
  value: coupon.value,
  ...(coupon.minimumOrderCents !== undefined ? { minimumOrderCents: coupon.minimumOrderCents } : {}),
  expiresAt: coupon.expiresAt,
  source: coupon.source,
  ...(coupon.pool !== undefined ? { pool: coupon.pool } : {}),
  ...(coupon.rewardId !== undefined ? { rewardId: coupon.rewardId } : {}),
});

/** `at` is the first issuance; the id is the code's, so a redelivery's event is the same one. */
export const couponIssuedEvent = (coupon: IssuedCoupon): CouponIssuedEvent => ({ type: 'CouponIssued', id: `CouponIssued#${coupon.code}`, at: coupon.issuedAt, ...fields(coupon) });

export const couponExpiringEvent = (coupon: IssuedCoupon, daysLeft: number, at: Date): CouponExpiringEvent => ({
  type: 'CouponExpiring',
  id: `CouponExpiring#${coupon.code}#${daysLeft}`,
  at: at.toISOString(),
  daysLeft,
  ...fields(coupon),
});
