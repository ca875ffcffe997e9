// Attribution: which campaign earned an order, decided once per order at ingest (OrderPlaced).
//   1. a coupon redemption attributes the order to the coupon's campaign and occurrence;
//   2. otherwise the customer's last click on a campaign's mail, if it happened at most
//      `windowDays` (default 5, shop setting `attribution.windowDays`) before the order's placedAt
//      (both ends inclusive: a click exactly 5 days before counts, a click after placedAt does not);
//   3. otherwise the order is unattributed (recorded as such, so a later click cannot claim it).
// Never twice: the decision is written with a conditional put keyed by the order id, so a
// redelivered or replayed OrderPlaced (any event id) finds it and adds nothing.
//
// Revenue is net of refunds: a refund of an attributed order takes its amount (clamped to what is
// left, once per refund key) off the campaign's attributed revenue; the conversion stays counted.
//
// Experiment conversions (for lift, core/lift.ts) are counted apart from attribution: a member of
// an arm (a recipient of a variant, or a held-out customer) converts with their first order placed
// within the same window after their mail was sent (or their holdout was recorded). Attribution
// cannot be the measure there: a held-out customer has no mail to click and no coupon to redeem.
import { NO_VARIANT_ARM, type Arm } from '#core/experiments';
import type { ShopEvent } from '#core/events';
import { refundKey } from '#core/ingest';
import type { ArmMembership, CampaignClick, FunnelStore, OrderAttribution } from '#core/funnel-store';

export const DEFAULT_ATTRIBUTION_DAYS = 5;
export const MAX_ATTRIBUTION_DAYS = 90;
const DAY_MS = 24 * 3600 * 1000;

/** What the coupons work hands over when an order redeemed a campaign's coupon. */
export interface CouponRedemption {
  campaignId: string;
  occurrenceId: string;
  /** The recipient's arm when known; else read from their membership of the occurrence. */
  arm?: Arm;
}

/**
 * The coupons work's redemption result (core/coupon-redemption.ts RedemptionResult, taken by its
 * shape) as attribution's input: only a redeemed, issued coupon names a campaign; a refused use
 * (expired, another customer's, unknown, already redeemed by another order) attributes nothing.
 */
export const couponAttribution = (result: { outcome: string; campaignId?: string | undefined; occurrenceId?: string | undefined } | undefined): CouponRedemption | undefined =>
  result?.outcome === 'redeemed' && result.campaignId && result.occurrenceId ? { campaignId: result.campaignId, occurrenceId: result.occurrenceId } : undefined;

export interface OrderFacts {
  orderId: string;
  customerId: string;
  placedAt: string;
  totalCents: number;
}

export interface AttributionDeps {
  funnels: FunnelStore;
  /** The click and conversion window in days. @default DEFAULT_ATTRIBUTION_DAYS */
  windowDays?: number;
}

export type Decision = Pick<OrderAttribution, 'source' | 'campaignId' | 'occurrenceId' | 'arm'>;

/** Within [from, from + window]: the window after a click or a membership that an order may fall in. */
const inWindow = (fromMs: number, placedMs: number, windowMs: number): boolean => fromMs <= placedMs && placedMs - fromMs <= windowMs;

/** The rule above, pure: coupon first, else the last click within the window, else none. */
export const decideAttribution = (
  placedAt: string,
  redemption: CouponRedemption | undefined,
  recentClicks: readonly CampaignClick[],
  memberships: readonly ArmMembership[],
  windowDays = DEFAULT_ATTRIBUTION_DAYS,
): Decision => {
  if (redemption) {
    const arm = redemption.arm ?? memberships.find((m) => m.occurrenceId === redemption.occurrenceId)?.arm ?? NO_VARIANT_ARM;
    return { source: 'coupon', campaignId: redemption.campaignId, occurrenceId: redemption.occurrenceId, arm };
  }
  // The last click at or before placedAt (newer ones came after the order), if within the window.
  const placedMs = Date.parse(placedAt);
  const lastClick = [...recentClicks].sort((a, b) => b.atMs - a.atMs).find((c) => c.atMs <= placedMs);
  if (lastClick && inWindow(lastClick.atMs, placedMs, windowDays * DAY_MS)) {
    return { source: 'click', campaignId: lastClick.campaignId, occurrenceId: lastClick.occurrenceId, arm: lastClick.arm };
  }
  return { source: 'none' };
};

export interface AttributionResult {
  attribution: OrderAttribution;
  /** False when the order had been attributed before (a redelivery): nothing was added. */
  firstTime: boolean;
  /** The memberships this order converted (first order of that member in its window). */
  converted: ArmMembership[];
}

/**
 * Attributes one order and counts its conversions. Safe to call again for the same order: the
 * attribution and each member's conversion are conditional writes (a crash between a write and
 * its counter loses that count, never doubles it).
 */
export const attributeOrder = async (deps: AttributionDeps, order: OrderFacts, redemption?: CouponRedemption): Promise<AttributionResult> => {
  const { funnels } = deps;
  const windowDays = deps.windowDays ?? DEFAULT_ATTRIBUTION_DAYS;
  const [clicks, memberships] = await Promise.all([redemption ? Promise.resolve([]) : funnels.recentClicks(order.customerId), funnels.membershipsOf(order.customerId)]);
  const decision = decideAttribution(order.placedAt, redemption, clicks, memberships, windowDays);
  const fresh: OrderAttribution = { orderId: order.orderId, placedAt: order.placedAt, totalCents: order.totalCents, ...decision, refundedCents: 0 };
  const firstTime = await funnels.claimAttribution(fresh);
  const attribution = firstTime ? fresh : ((await funnels.getAttribution(order.orderId)) ?? fresh);
  if (firstTime && decision.source !== 'none') {
    await funnels.addCounts({ campaignId: decision.campaignId!, occurrenceId: decision.occurrenceId!, arm: decision.arm ?? NO_VARIANT_ARM }, { conversions: 1, revenueCents: order.totalCents });
  }
  const converted: ArmMembership[] = [];
  const placedMs = Date.parse(order.placedAt);
  for (const member of memberships) {
    if (!inWindow(member.atMs, placedMs, windowDays * DAY_MS)) continue;
    if (!(await funnels.markConverted(order.customerId, member.occurrenceId, order.orderId))) continue;
    await funnels.addCounts(member, { converted: 1, convertedRevenueCents: order.totalCents });
    converted.push(member);
  }
  return { attribution, firstTime, converted };
};

/** Takes a refund off its order's attributed revenue (once per refund key); answers the cents taken. */
export const refundAttributedOrder = async (deps: Pick<AttributionDeps, 'funnels'>, refund: { orderId: string; refundKey: string; amountCents: number }): Promise<number> => {
  const cents = await deps.funnels.refundAttribution(refund.orderId, refund.refundKey, refund.amountCents);
  if (cents <= 0) return 0;
  const attribution = await deps.funnels.getAttribution(refund.orderId);
  if (!attribution?.campaignId || !attribution.occurrenceId) return 0;
  await deps.funnels.addCounts({ campaignId: attribution.campaignId, occurrenceId: attribution.occurrenceId, arm: attribution.arm ?? NO_VARIANT_ARM }, { revenueCents: -cents });
  return cents;
};

/**
 * A click on a campaign's mail (track /c): it joins the customer's recent clicks (the 5 newest) and,
 * the first time this recipient clicks this mail, one unique clicker of its arm.
 */
export const recordCampaignClick = async (
  funnels: Pick<FunnelStore, 'putRecentClick' | 'markClicker' | 'addCounts'>,
  click: { customerId: string; campaignId: string; occurrenceId: string; arm?: Arm | undefined; atMs: number },
): Promise<void> => {
  const key = { campaignId: click.campaignId, occurrenceId: click.occurrenceId, arm: click.arm ?? NO_VARIANT_ARM };
  await funnels.putRecentClick(click.customerId, { ...key, atMs: click.atMs });
  if (await funnels.markClicker(key, click.customerId, click.atMs)) await funnels.addCounts(key, { clicks: 1 });
};

/**
 * Ingest's step for one shop event: an order is attributed (with the coupon redemption the
 * coupons work found for it, if any), a refund taken off its order's attributed revenue. Other
 * events do nothing. Idempotent, so it runs for redelivered events too (healing a crash after
 * the profile write).
 */
export const attributeShopEvent = async (deps: AttributionDeps, event: ShopEvent, redemption?: CouponRedemption): Promise<void> => {
  if (event.type === 'OrderPlaced') {
    const { orderId, customerId, placedAt, totalCents } = event.detail;
    await attributeOrder(deps, { orderId, customerId, placedAt: new Date(placedAt).toISOString(), totalCents }, redemption);
  } else if (event.type === 'OrderRefunded') {
    await refundAttributedOrder(deps, { orderId: event.detail.orderId, refundKey: refundKey(event.detail), amountCents: event.detail.amountCents });
  }
};

/** How long a membership is kept: its window (the TTL on the member item). */
export const membershipExpiresAtMs = (atMs: number, windowDays = DEFAULT_ATTRIBUTION_DAYS): number => atMs + windowDays * DAY_MS;
