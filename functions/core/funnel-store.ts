// The funnel's storage PORT: counters per (campaign, occurrence, arm), each customer's recent clicks
// and experiment memberships (read at ingest), and one attribution record per order. Implemented by
// adapters/dynamo-funnel-store.ts (conditional writes and ADD counters, no transactions) and its
// in-memory twin adapters/memory-funnel-store.ts, both held to test/unit/funnel-store-contract.ts.
import type { Arm } from '#core/experiments';

export interface FunnelKey {
  campaignId: string;
  occurrenceId: string;
  /** A variant id, "holdout", or "-" for a campaign without variants. */
  arm: Arm;
}

/**
 * The counters of one arm of one occurrence (all ADD, so concurrent writers never lose one):
 * - sent: mails SES accepted; clicks: recipients with at least one click (unique clickers);
 * - conversions / revenueCents: orders attributed to the campaign (coupon, else last click),
 *   revenue net of later refunds of those orders;
 * - members: recipients sent a mail (variants) or held out (holdout), who the experiment follows;
 * - converted / convertedRevenueCents: members with an order within the window after their mail
 *   (or their holdout record), whatever its attribution: the measure lift compares, since a held-out
 *   customer can neither click nor redeem the campaign's coupon.
 */
export interface FunnelCounts {
  sent: number;
  clicks: number;
  conversions: number;
  revenueCents: number;
  members: number;
  converted: number;
  convertedRevenueCents: number;
}
export const FUNNEL_COUNTERS = ['sent', 'clicks', 'conversions', 'revenueCents', 'members', 'converted', 'convertedRevenueCents'] as const satisfies readonly (keyof FunnelCounts)[];

export type FunnelRow = FunnelKey & FunnelCounts;

/** A campaign's counters per arm over all its occurrences (what triggered campaigns report). */
export type ArmTotals = Omit<FunnelKey, 'occurrenceId'> & FunnelCounts;

/** A click on a campaign's mail: what the last-click item per customer holds. */
export interface CampaignClick {
  campaignId: string;
  occurrenceId: string;
  arm: Arm;
  atMs: number;
}

/** A customer in an arm of an occurrence since `atMs` (sent or held out), kept for the window. */
export type ArmMembership = CampaignClick;

/**
 * Clicks kept per customer: the newest before an order's placedAt is found although newer clicks
 * came in before the order event did (the shop may send it late).
 */
export const RECENT_CLICKS = 5;

/** The kept clicks with `click` put in: newest first, at most RECENT_CLICKS; undefined when unchanged. */
export const withRecentClick = (kept: readonly CampaignClick[], click: CampaignClick): CampaignClick[] | undefined => {
  if (kept.some((k) => k.atMs === click.atMs && k.occurrenceId === click.occurrenceId)) return undefined;
  const next = [...kept, click].sort((a, b) => b.atMs - a.atMs || (a.occurrenceId < b.occurrenceId ? -1 : 1)).slice(0, RECENT_CLICKS);
  return next.includes(click) ? next : undefined;
};

export type AttributionSource = 'coupon' | 'click' | 'none';

/**
 * The one record per order: which campaign earned it (or none), written once. It holds no
 * customer id (GDPR erase cannot find records by customer; the order id is the shop's own).
 */
export interface OrderAttribution {
  orderId: string;
  source: AttributionSource;
  campaignId?: string;
  occurrenceId?: string;
  arm?: Arm;
  placedAt: string;
  totalCents: number;
  /** Refunds taken off the attributed revenue (each refund key once). */
  refundedCents: number;
}

export interface FunnelStore {
  /** ADD to the arm's counters (creates the row), and to the campaign's total of that arm. */
  addCounts(key: FunnelKey, counts: Partial<FunnelCounts>): Promise<void>;
  /**
   * Every occurrence row of a campaign, one Query (occurrences × arms), in occurrence then arm
   * order. Not for triggered campaigns (one occurrence per customer): read campaignTotals.
   */
  listFunnel(campaignId: string): Promise<FunnelRow[]>;
  /** The campaign's totals per arm over all occurrences, one Query (a row per arm), in arm order. */
  campaignTotals(campaignId: string): Promise<ArmTotals[]>;
  /** Conditional: true only for the recipient's first click on this mail (counts a unique clicker). */
  markClicker(key: FunnelKey, customerId: string, atMs: number): Promise<boolean>;
  /**
   * Keeps the customer's RECENT_CLICKS newest clicks (one item, written conditionally on what was
   * read, so concurrent clicks lose none); false when the click is already kept or older than all.
   */
  putRecentClick(customerId: string, click: CampaignClick): Promise<boolean>;
  /** The customer's newest clicks, newest first. */
  recentClicks(customerId: string): Promise<CampaignClick[]>;
  /** Records the membership until `expiresAtMs` (idempotent). */
  putMembership(customerId: string, membership: ArmMembership, expiresAtMs: number): Promise<void>;
  /** The customer's memberships, oldest first (may include expired ones: filter by time). */
  membershipsOf(customerId: string): Promise<ArmMembership[]>;
  /** Conditional: true only for the first order that converts this member of this occurrence. */
  markConverted(customerId: string, occurrenceId: string, orderId: string): Promise<boolean>;
  /** Conditional put: true for the one caller that attributed the order first. */
  claimAttribution(attribution: OrderAttribution): Promise<boolean>;
  getAttribution(orderId: string): Promise<OrderAttribution | undefined>;
  /**
   * Takes a refund off the order's attributed revenue once per refund key, clamped to what is
   * left; answers the cents taken (0: no attribution, unattributed, or this refund already taken).
   */
  refundAttribution(orderId: string, refundKey: string, amountCents: number): Promise<number>;
}
