// Redemption at ingest: an OrderPlaced with `couponCode` marks that coupon redeemed, once. Every
// other use is an outcome with its reason, recorded and counted per campaign (never an error, never
// a rejected event: the order itself is applied as usual):
//   redeemed         the coupon's first use by its own customer before it expired;
//   alreadyRedeemed  the coupon was redeemed by another order before;
//   expired          the order was placed after the coupon's expiresAt;
//   otherCustomer    the coupon was issued to another customer;
//   unknown          no coupon was issued with this code (a shop's own code, a typo, a code of a
//                    pool not handed out yet).
// The redemption names the coupon's campaign and occurrence, so revenue is attributed to them: a
// redeemed order's total is added to the campaign's redeemed revenue (refunds are not taken off).
//
// Exactly once without transactions: the mark is one conditional write ("issued to this
// customer, not redeemed or redeemed by this very order, not expired"); only the write that
// makes the mark counts it. A rejected use is recorded under (order, code) with a conditional
// put, and only a new record counts. A redelivered OrderPlaced therefore counts nothing twice; a
// crash between the mark and its count loses that one count (the mark stays: never a second use).
import type { StoredCoupon } from '#core/coupons';
import { normalizeCode } from '#core/coupons';

export const REDEMPTION_OUTCOMES = ['redeemed', 'alreadyRedeemed', 'expired', 'otherCustomer', 'unknown'] as const;
export type RedemptionOutcome = (typeof REDEMPTION_OUTCOMES)[number];

export interface RedemptionResult {
  outcome: RedemptionOutcome;
  code: string;
  /** The coupon's campaign and occurrence (attribution), when the code was issued. */
  campaignId?: string;
  occurrenceId?: string;
  /** Why a use was refused (every outcome but `redeemed`). */
  reason?: string;
}

export interface CouponUse {
  code: string;
  customerId: string;
  orderId: string;
  /** When the order was placed (ISO): compared with the coupon's expiresAt. */
  at: string;
  totalCents: number;
}

/** Per campaign (`-` for unknown codes): redemptions, their revenue, refused uses by outcome. */
export interface CouponStats {
  campaignId: string;
  redeemed: number;
  revenueCents: number;
  refused: Partial<Record<Exclude<RedemptionOutcome, 'redeemed'>, number>>;
}

/** The stats key of unknown codes, which belong to no campaign. */
export const NO_CAMPAIGN = '-';

export interface RedemptionStore {
  /**
   * One conditional write: marks the coupon redeemed by `use.orderId` when it was issued to
   * `use.customerId`, is not redeemed by another order and has not expired at `use.at`. Answers
   * whether this call made the mark, and the coupon as stored afterwards (undefined: no coupon).
   */
  markRedeemed(use: CouponUse): Promise<{ marked: boolean; coupon?: StoredCoupon }>;
  /** Records a refused use under (order, code); false when it was recorded before (a redelivery). */
  recordRefusedUse(use: CouponUse, result: RedemptionResult): Promise<boolean>;
  /** Adds to a campaign's counters. */
  countRedemption(campaignId: string, outcome: RedemptionOutcome, revenueCents: number): Promise<void>;
  couponStats(campaignId: string): Promise<CouponStats>;
}

/** Why the coupon as stored refuses this use (undefined: it was redeemed by this very order). */
export const refusal = (coupon: StoredCoupon | undefined, use: CouponUse): Pick<RedemptionResult, 'outcome' | 'reason'> | undefined => {
  if (!coupon) return { outcome: 'unknown', reason: `no coupon was issued with code ${use.code}` };
  if (coupon.customerId !== use.customerId) return { outcome: 'otherCustomer', reason: `coupon ${use.code} was issued to another customer` };
  if (coupon.redeemedAt !== undefined && coupon.redeemedOrderId !== use.orderId) {
    return { outcome: 'alreadyRedeemed', reason: `coupon ${use.code} was redeemed by order ${coupon.redeemedOrderId ?? '?'} at ${coupon.redeemedAt}` };
  }
  if (coupon.redeemedAt === undefined && Date.parse(use.at) > Date.parse(coupon.expiresAt)) {
    return { outcome: 'expired', reason: `coupon ${use.code} expired at ${coupon.expiresAt}, the order was placed at ${new Date(use.at).toISOString()}` };
  }
  return undefined;
};

/**
 * Redeems the coupon of an order (OrderPlaced with couponCode): the outcome, with the coupon's
 * campaign and occurrence for attribution. Counts each order's outcome once (see the header).
 */
export const redeemCoupon = async (store: RedemptionStore, order: Omit<CouponUse, 'code'> & { couponCode: string }): Promise<RedemptionResult> => {
  const use: CouponUse = { code: normalizeCode(order.couponCode), customerId: order.customerId, orderId: order.orderId, at: order.at, totalCents: order.totalCents };
  const { marked, coupon } = await store.markRedeemed(use);
  const attribution = coupon ? { campaignId: coupon.campaignId, occurrenceId: coupon.occurrenceId } : {};
  if (marked) {
    await store.countRedemption(coupon!.campaignId, 'redeemed', use.totalCents);
    return { outcome: 'redeemed', code: use.code, ...attribution };
  }
  const refused = refusal(coupon, use);
  // Redeemed by this very order before (a redelivery): the same answer, counted then.
  if (!refused) return { outcome: 'redeemed', code: use.code, ...attribution };
  const result: RedemptionResult = { ...refused, code: use.code, ...attribution };
  if (await store.recordRefusedUse(use, result)) await store.countRedemption(coupon?.campaignId ?? NO_CAMPAIGN, refused.outcome, 0);
  return result;
};

/** One line per campaign: redeemed, revenue, refused uses by reason (`coupons stats`, replay's summary). */
export const formatCouponStats = (stats: readonly CouponStats[]): string[] =>
  stats.map((s) => {
    const refused = REDEMPTION_OUTCOMES.filter((o): o is Exclude<RedemptionOutcome, 'redeemed'> => o !== 'redeemed').map((o) => `${o} ${s.refused[o] ?? 0}`);
    const name = s.campaignId === NO_CAMPAIGN ? '(unknown codes)' : s.campaignId;
    return `${name}: redeemed ${s.redeemed}, revenue ${(s.revenueCents / 100).toFixed(2)}; refused: ${refused.join(', ')}`;
  });
