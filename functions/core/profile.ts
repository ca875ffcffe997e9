// The customer profile: what ingest builds from shop events and what segments, gates and
// templates read. Aggregates are kept up to date on every event so nothing scans history.
import type { Attributes, ConsentProof, Formality, Salutation } from '#core/events';
import type * as z from 'zod';

export type Tier = 'bronze' | 'silver' | 'gold';
export const tiers: readonly Tier[] = ['bronze', 'silver', 'gold'];

/** Consent for marketing mail: given with proof, confirmed by double opt-in, or withdrawn. */
export interface Consent {
  status: 'none' | 'pending' | 'confirmed' | 'withdrawn';
  /** The proof as the shop sent it (time, source, ip, wording shown). */
  proof?: ConsentProof;
  confirmedAt?: string;
  withdrawnAt?: string;
  /**
   * When the open confirmation request was made, if not at the proof's time: a changed email
   * address asks again (core/consent.ts requestKeyOf), so links to the old address are void.
   */
  requestedAt?: string;
  /** How the confirmation was proven: the double opt-in click, or an imported record. */
  confirmation?: ConsentConfirmation;
}

/** The proof kept when consent is confirmed (core/consent.ts). */
export interface ConsentConfirmation {
  method: 'double-opt-in' | 'imported';
  at: string;
  ip?: string;
  userAgent?: string;
  /** tokens.ts tokenId of the confirm link that was used. */
  tokenId?: string;
  /** The wording and its version the customer agreed to, and where (from the consent request). */
  text?: string;
  textVersion?: string;
  source: string;
  /** imported: the earlier provider's reference. */
  proofRef?: string;
}

export interface Suppression {
  reason: 'bounce' | 'complaint' | 'manual';
  at: string;
}

export interface OrderAggregates {
  count: number;
  /** Gross order totals minus refunds, in minor units. */
  netSpendCents: number;
  refundedCents: number;
  firstOrderAt?: string;
  lastOrderAt?: string;
  /** netSpendCents / count, rounded; 0 without orders. */
  averageOrderCents: number;
  currency?: string;
}

export interface OrderSummary {
  orderId: string;
  at: string;
  totalCents: number;
  refundedCents: number;
  categories: string[];
  /** Points this order earned (refunds take them back pro rata). */
  points: number;
  /** Points the order earned before any refund; the base refunds take back from pro rata. */
  pointsEarned?: number;
  couponCode?: string;
  /** Keys of the refunds applied to this order (`refundKey`), so each is applied once. */
  refunds?: string[];
  /** When each refund happened and what it took off (clamped), for KPIs as of a time (core/kpis.ts). */
  refundLog?: { at: string; cents: number }[];
}

/** Whether an order counts as bought (every `orders` segment condition, `categoryOrders`): not fully refunded. */
export const orderCounts = (order: Pick<OrderSummary, 'totalCents' | 'refundedCents'>): boolean =>
  order.totalCents === 0 || order.totalCents - order.refundedCents > 0;

export interface Profile {
  customerId: string;
  /** Empty while the profile is a placeholder (see `placeholder`). */
  email: string;
  /**
   * True while only orders, refunds or NPS answers arrived and no CustomerRegistered yet: the
   * profile has no email (and no consent), so it is never mailed; registration completes it.
   */
  placeholder?: boolean;
  firstName?: string;
  lastName?: string;
  salutation?: Salutation;
  formality?: Formality;
  locale: string;
  timeZone: string;
  /**
   * Why `timeZone` is not used (missing or invalid in the shop's event): mail follows the shop's
   * default zone until a valid zone arrives (core/delivery/local-time.ts).
   */
  timeZoneWarning?: string;
  /** ISO 3166-1 alpha-2, upper case, when the shop sent one (core/occasions.ts resolveCountry). */
  country?: string;
  /** "YYYY-MM-DD" or "--MM-DD". */
  birthday?: string;
  registeredAt?: string;
  referralCode?: string;
  attributes: z.infer<typeof Attributes>;
  consent: Consent;
  /** Topic subscriptions; a topic missing here is subscribed when consent is confirmed. */
  topics: Record<string, boolean>;
  suppression?: Suppression;
  orders: OrderAggregates;
  /** Categories the customer bought, without repeats, in first-bought order. */
  categories: string[];
  /**
   * Per category: orders in it that are not fully refunded (a 0-total order counts), kept as
   * running counts over all orders, so "ever bought in category X" follows the same rule as the
   * windowed form. Absent on profiles written before it existed (segments then read orderHistory).
   */
  categoryOrders?: Record<string, number>;
  /** Recent orders, oldest first, bounded (see ingest): rolling-window tiers, refunds, segments. */
  orderHistory: OrderSummary[];
  /** Refunds that arrived before their order (with their keys); applied when the order comes. */
  pendingRefunds: Record<string, { amountCents: number; at: string; refunds?: string[] }>;
  nps?: { score: number; at: string };
  /** Every NPS answer, oldest first, the last NPS_ANSWERS_LIMIT (core/kpis.ts): the latest per month counts. */
  npsAnswers?: { score: number; at: string }[];
  points: number;
  tier: Tier;
  tierSince?: string;
  updatedAt: string;
}
