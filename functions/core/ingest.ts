// Ingest: how one shop event changes a customer profile. Pure: `applyEvent` takes the current
// profile (or none), the event, the loyalty config and the evaluation time, and returns the next
// profile plus our own events (tier changes, consent given/withdrawn). Idempotency lives in the
// store (event ids); here only the order id guards against the same order under a new event id.
//
// Decisions (also in README):
// - Consent: `marketing: true` sets status 'pending' with the proof until the double opt-in
//   confirms it (another path sets 'confirmed'); an already confirmed consent stays confirmed.
//   `marketing: false` sets 'withdrawn'. A proof older than the one held is ignored (late event).
//   A changed email address needs a new double opt-in: confirmed consent goes back to 'pending'.
// - Orders, refunds or NPS answers for an unknown customer create a placeholder profile
//   (`placeholder: true`, no email, locale "und", time zone "UTC"); CustomerRegistered or
//   CustomerUpdated with an email completes it. Nothing is dropped.
// - A refund whose order is not (yet) known waits in `pendingRefunds` and is applied when the
//   order arrives. Refunds never exceed what is left of the order.
// - Each refund is applied once per (order, refund key), whatever its event id: the key is the
//   shop's `refundId`, or for senders without one refundedAt (UTC) + amountCents (`refundKey`).
//   An order keeps the keys of its last REFUNDS_PER_ORDER_LIMIT refunds.
// - `categoryOrders` counts, per category, the orders that are not fully refunded (the rule
//   segments use for every `orders` condition, with or without a window).
// - `orderHistory` keeps the last ORDER_HISTORY_LIMIT orders within ORDER_HISTORY_MONTHS of the
//   newest one; aggregates (count, net spend, points) are running totals and keep all orders.
// - The tier is recomputed at `at` (default: the later of the event's time and the profile's
//   `updatedAt`, so replays are deterministic and a late event never turns the clock back).
//   Without events a tier does not decay by itself; a periodic re-evaluation can call tierFor.
import { isIanaTimeZone, type ConsentProof, type CustomerRegistered, type CustomerUpdated, type ShopEvent } from '#core/events';
import type { LoyaltyConfig } from '#core/loyalty';
import { minusMonths, pointsAfterRefund, pointsFor, tierFor } from '#core/loyalty';
import { orderCounts, type Consent, type OrderSummary, type Profile, type Tier } from '#core/profile';
import { importedConsent, isProvenConfirmation, predatesWithdrawal } from '#core/consent';
import type { RewardValue } from '#core/rewards';
import type { CouponExpiringEvent, CouponIssuedEvent } from '#core/coupon-events';
import { withRetentionFacts } from '#core/kpis';

export const ORDER_HISTORY_LIMIT = 500;
export const ORDER_HISTORY_MONTHS = 36;
export const CATEGORY_LIMIT = 200;
export const ORDER_CATEGORY_LIMIT = 20;
export const REFUNDS_PER_ORDER_LIMIT = 100;
export const PLACEHOLDER_LOCALE = 'und';
export const PLACEHOLDER_TIME_ZONE = 'UTC';

/** Events of our own, derived from shop events; `id` is derived from the causing event's id. */
export type OwnEvent =
  | { type: 'TierChanged'; id: string; customerId: string; from: Tier; to: Tier; at: string; causeEventId: string }
  | { type: 'ConsentGiven'; id: string; customerId: string; at: string; source: string; causeEventId: string }
  | { type: 'ConsentWithdrawn'; id: string; customerId: string; at: string; source: string; causeEventId: string }
  /** Double opt-in confirmed (track /confirm) or a proven confirmation imported; cause = token id or event id. */
  | { type: 'ConsentConfirmed'; id: string; customerId: string; at: string; source: string; causeEventId: string }
  /** The customer's first order arrived (orders.count went from 0 to 1); `at` is its placedAt. */
  | { type: 'FirstOrderPlaced'; id: string; customerId: string; orderId: string; at: string; causeEventId: string }
  /** Referral program (core/referral-conversion.ts): customerId is the referrer (ReferralCompleted) or the reward's holder. */
  | { type: 'ReferralCompleted'; id: string; customerId: string; friendId: string; code: string; orderId: string; rewardId?: string; at: string; causeEventId: string }
  | { type: 'RewardIssued'; id: string; customerId: string; rewardId: string; referralOf: string; value: RewardValue; couponCode?: string; expiresAt?: string; at: string; causeEventId: string }
  | { type: 'RewardRevoked'; id: string; customerId: string; rewardId: string; referralOf: string; couponCode?: string; reason: string; at: string; causeEventId: string }
  /** A coupon was issued for a mail (core/coupon-events.ts): the shop's checkout learns the code; cause = the occurrence. */
  | CouponIssuedEvent
  /** An unredeemed coupon expires in N days (tick, once a day); cause = the coupon's occurrence. */
  | CouponExpiringEvent;

export interface ApplyResult {
  profile: Profile;
  ownEvents: OwnEvent[];
}

const utc = (iso: string): string => new Date(iso).toISOString();
const later = (a: string | undefined, b: string): boolean => a === undefined || Date.parse(b) >= Date.parse(a);

/** The empty profile a customer starts from, before any event. */
export const emptyProfile = (customerId: string, at: string): Profile => ({
  customerId,
  email: '',
  placeholder: true,
  locale: PLACEHOLDER_LOCALE,
  timeZone: PLACEHOLDER_TIME_ZONE,
  attributes: {},
  consent: { status: 'none' },
  topics: {},
  orders: { count: 0, netSpendCents: 0, refundedCents: 0, averageOrderCents: 0 },
  categories: [],
  categoryOrders: {},
  orderHistory: [],
  pendingRefunds: {},
  points: 0,
  tier: 'bronze',
  updatedAt: at,
});

/** The customer id every shop event carries. */
export const customerIdOf = (event: ShopEvent): string => event.detail.customerId;

/** When the event happened in the shop (the detail's own time where it has one), in UTC. */
export const occurredAt = (event: ShopEvent): string => {
  switch (event.type) {
    case 'OrderPlaced':
      return utc(event.detail.placedAt);
    case 'OrderRefunded':
      return utc(event.detail.refundedAt);
    case 'NpsSubmitted':
      return utc(event.detail.submittedAt);
    default:
      return utc(event.time);
  }
};

/** The default evaluation time: the event's time, but never before the profile's last update. */
const asOf = (current: Profile | undefined, event: ShopEvent): string => {
  const eventTime = utc(event.time);
  return current && current.updatedAt > eventTime ? current.updatedAt : eventTime;
};

const average = (net: number, count: number): number => (count > 0 ? Math.round(net / count) : 0);

const applyConsent = (
  consent: Consent,
  proof: ConsentProof,
  emailChanged: boolean,
  own: (kind: 'ConsentGiven' | 'ConsentWithdrawn' | 'ConsentConfirmed', proof: ConsentProof) => void,
): Consent => {
  const proofAt = utc(proof.at);
  if (consent.proof && !later(utc(consent.proof.at), proofAt)) return consent; // a late, older proof
  if (predatesWithdrawal(consent, proofAt)) return consent; // the customer unsubscribed after it
  if (proof.marketing) {
    if (consent.status === 'confirmed' && !emailChanged) return consent; // already double-opted-in
    if (isProvenConfirmation(proof)) {
      // A list migrated with its proof: confirmed without another opt-in mail.
      own('ConsentConfirmed', proof);
      return importedConsent(proof, proofAt);
    }
    if (consent.status !== 'pending') own('ConsentGiven', proof);
    return { status: 'pending', proof: { ...proof, at: proofAt } };
  }
  if (consent.status === 'pending' || consent.status === 'confirmed') own('ConsentWithdrawn', proof);
  return { status: 'withdrawn', proof: { ...proof, at: proofAt }, withdrawnAt: proofAt };
};

const applyCustomer = (
  profile: Profile,
  detail: CustomerRegistered | CustomerUpdated,
  event: ShopEvent,
  ownEvents: OwnEvent[],
  registered: boolean,
): Profile => {
  const next: Profile = { ...profile };
  const emailChanged = detail.email !== undefined && profile.email !== '' && detail.email.toLowerCase() !== profile.email.toLowerCase();
  if (detail.email !== undefined) {
    next.email = detail.email;
    delete next.placeholder;
  }
  if (detail.firstName !== undefined) next.firstName = detail.firstName;
  if (detail.lastName !== undefined) next.lastName = detail.lastName;
  if (detail.salutation !== undefined) next.salutation = detail.salutation;
  if (detail.formality !== undefined) next.formality = detail.formality;
  if (detail.locale !== undefined) next.locale = detail.locale;
  if (detail.timeZone !== undefined && isIanaTimeZone(detail.timeZone)) {
    next.timeZone = detail.timeZone;
    delete next.timeZoneWarning;
  } else if (detail.timeZone !== undefined) {
    next.timeZoneWarning = `timeZone "${detail.timeZone.slice(0, 100)}" is not an IANA time zone: mail follows the shop's default zone`;
  } else if (registered && next.timeZone === PLACEHOLDER_TIME_ZONE && next.timeZoneWarning === undefined) {
    next.timeZoneWarning = 'no timeZone given: mail follows the shop\'s default zone';
  }
  if (detail.country !== undefined) next.country = detail.country.toUpperCase();
  if (detail.birthday !== undefined) next.birthday = detail.birthday;
  if (detail.referralCode !== undefined) next.referralCode = detail.referralCode;
  if (detail.attributes !== undefined) next.attributes = { ...profile.attributes, ...detail.attributes };
  if (registered && next.registeredAt === undefined) next.registeredAt = utc(event.time);
  let consent = profile.consent;
  if (emailChanged && consent.status === 'confirmed' && !detail.consent) {
    // The confirmation was for the old address: ask the new one again.
    consent = { ...consent, status: 'pending', requestedAt: utc(event.time) };
    delete consent.confirmedAt;
    delete consent.confirmation;
    ownEvents.push({ type: 'ConsentGiven', id: `${event.id}#ConsentGiven`, customerId: profile.customerId, at: utc(event.time), source: consent.proof?.source ?? 'email-change', causeEventId: event.id });
  }
  if (detail.consent) {
    consent = applyConsent(consent, detail.consent, emailChanged, (type, proof) =>
      ownEvents.push({ type, id: `${event.id}#${type}`, customerId: profile.customerId, at: utc(proof.at), source: proof.source, causeEventId: event.id }),
    );
  }
  next.consent = consent;
  return next;
};

const pruneHistory = (history: OrderSummary[]): OrderSummary[] => {
  const newest = history[history.length - 1];
  if (!newest) return history;
  const from = Date.parse(minusMonths(newest.at, ORDER_HISTORY_MONTHS));
  const kept = history.filter((o) => Date.parse(o.at) >= from);
  return kept.length > ORDER_HISTORY_LIMIT ? kept.slice(kept.length - ORDER_HISTORY_LIMIT) : kept;
};

/**
 * The key a refund is applied once under, within its order: the shop's refundId, or (older
 * senders) the refund's UTC time and amount.
 */
export const refundKey = (refund: { refundId?: string | undefined; refundedAt: string; amountCents: number }): string =>
  refund.refundId !== undefined ? `id:${refund.refundId}` : `at:${utc(refund.refundedAt)}:${refund.amountCents}`;

const addKey = (keys: readonly string[] | undefined, key: string): string[] => [...(keys ?? []), key].slice(-REFUNDS_PER_ORDER_LIMIT);

/** The profile's category counts; for a profile from before they existed, counted from its order history. */
const categoryOrdersOf = (profile: Profile): Record<string, number> => {
  if (profile.categoryOrders) return { ...profile.categoryOrders };
  const counts: Record<string, number> = {};
  for (const order of profile.orderHistory) {
    if (!orderCounts(order)) continue;
    for (const c of order.categories) if (profile.categories.includes(c)) counts[c] = (counts[c] ?? 0) + 1;
  }
  return counts;
};

/** `categoryOrders` after an order of these categories started (+1) or stopped (-1) counting. */
const countCategories = (profile: Profile, categories: readonly string[], delta: 1 | -1): Record<string, number> => {
  const counts = categoryOrdersOf(profile);
  for (const c of categories) {
    const next = (counts[c] ?? 0) + delta;
    if (next > 0) counts[c] = next;
    else delete counts[c];
  }
  return counts;
};

/** Takes `amountCents` (clamped to what is left) off one order; returns the order and the deltas. */
const refundOrder = (order: OrderSummary, amountCents: number): { order: OrderSummary; cents: number; points: number } => {
  const cents = Math.min(amountCents, Math.max(0, order.totalCents - order.refundedCents));
  const refundedCents = order.refundedCents + cents;
  const points = pointsAfterRefund(order, refundedCents);
  return { order: { ...order, refundedCents, points }, cents, points: order.points - points };
};

const applyOrder = (profile: Profile, event: Extract<ShopEvent, { type: 'OrderPlaced' }>, config: LoyaltyConfig): Profile => {
  const d = event.detail;
  if (profile.orderHistory.some((o) => o.orderId === d.orderId)) return profile; // same order, new event id
  const at = utc(d.placedAt);
  const categories: string[] = [];
  for (const item of d.items) {
    if (item.category && !categories.includes(item.category) && categories.length < ORDER_CATEGORY_LIMIT) categories.push(item.category);
  }
  const earned = pointsFor(d, config);
  let summary: OrderSummary = { orderId: d.orderId, at, totalCents: d.totalCents, refundedCents: 0, categories, points: earned, pointsEarned: earned };
  if (d.couponCode) summary.couponCode = d.couponCode;
  let refunded = 0;
  let pointsBack = 0;
  const pendingRefunds = { ...profile.pendingRefunds };
  const pending = pendingRefunds[d.orderId];
  if (pending) {
    const r = refundOrder(summary, pending.amountCents);
    summary = pending.refunds ? { ...r.order, refunds: pending.refunds.slice(-REFUNDS_PER_ORDER_LIMIT) } : r.order;
    refunded = r.cents;
    pointsBack = r.points;
    delete pendingRefunds[d.orderId];
  }
  const history = [...profile.orderHistory];
  let index = history.length;
  while (index > 0 && Date.parse(history[index - 1]!.at) > Date.parse(at)) index--;
  history.splice(index, 0, summary);

  const count = profile.orders.count + 1;
  const netSpendCents = profile.orders.netSpendCents + d.totalCents - refunded;
  const orderCategories = [...profile.categories];
  for (const c of categories) if (!orderCategories.includes(c) && orderCategories.length < CATEGORY_LIMIT) orderCategories.push(c);
  const kept = categories.filter((c) => orderCategories.includes(c));
  const orders = {
    ...profile.orders,
    count,
    netSpendCents,
    refundedCents: profile.orders.refundedCents + refunded,
    firstOrderAt: profile.orders.firstOrderAt && profile.orders.firstOrderAt < at ? profile.orders.firstOrderAt : at,
    lastOrderAt: profile.orders.lastOrderAt && profile.orders.lastOrderAt > at ? profile.orders.lastOrderAt : at,
    averageOrderCents: average(netSpendCents, count),
    currency: d.currency,
  };
  return {
    ...profile,
    orders,
    categories: orderCategories,
    categoryOrders: orderCounts(summary) ? countCategories(profile, kept, 1) : categoryOrdersOf(profile),
    orderHistory: pruneHistory(history),
    pendingRefunds,
    points: Math.max(0, profile.points + earned - pointsBack),
  };
};

const applyRefund = (profile: Profile, event: Extract<ShopEvent, { type: 'OrderRefunded' }>): Profile => {
  const d = event.detail;
  const at = utc(d.refundedAt);
  const key = refundKey(d);
  const index = profile.orderHistory.findIndex((o) => o.orderId === d.orderId);
  const order = profile.orderHistory[index];
  if (!order) {
    // The order has not arrived yet: keep the refund until it does.
    const held = profile.pendingRefunds[d.orderId];
    if (held?.refunds?.includes(key)) return profile; // the same refund under a new event id
    const amountCents = (held?.amountCents ?? 0) + d.amountCents;
    const heldAt = held && held.at > at ? held.at : at;
    return { ...profile, pendingRefunds: { ...profile.pendingRefunds, [d.orderId]: { amountCents, at: heldAt, refunds: addKey(held?.refunds, key) } } };
  }
  if (order.refunds?.includes(key)) return profile; // the same refund under a new event id
  const r = refundOrder(order, d.amountCents);
  const history = [...profile.orderHistory];
  history[index] = { ...r.order, refunds: addKey(order.refunds, key) };
  const netSpendCents = profile.orders.netSpendCents - r.cents;
  const stoppedCounting = orderCounts(order) && !orderCounts(r.order);
  return {
    ...profile,
    orderHistory: history,
    ...(stoppedCounting ? { categoryOrders: countCategories(profile, order.categories.filter((c) => profile.categories.includes(c)), -1) } : {}),
    orders: {
      ...profile.orders,
      netSpendCents,
      refundedCents: profile.orders.refundedCents + r.cents,
      averageOrderCents: average(netSpendCents, profile.orders.count),
    },
    points: Math.max(0, profile.points - r.points),
  };
};

/**
 * Applies one shop event to a profile (or to none: the first event of a customer). Pure: the
 * input profile is not changed. `at` is the evaluation time for the tier and `updatedAt`.
 */
export const applyEvent = (current: Profile | undefined, event: ShopEvent, config: LoyaltyConfig, at: string = asOf(current, event)): ApplyResult => {
  const customerId = customerIdOf(event);
  const base = current ?? emptyProfile(customerId, at);
  const ownEvents: OwnEvent[] = [];
  let next: Profile;
  switch (event.type) {
    case 'CustomerRegistered':
      next = applyCustomer(base, event.detail, event, ownEvents, true);
      break;
    case 'CustomerUpdated':
      next = applyCustomer(base, event.detail, event, ownEvents, false);
      break;
    case 'OrderPlaced':
      next = applyOrder(base, event, config);
      if (base.orders.count === 0 && next.orders.count === 1) {
        ownEvents.push({ type: 'FirstOrderPlaced', id: `${event.id}#FirstOrderPlaced`, customerId, orderId: event.detail.orderId, at: utc(event.detail.placedAt), causeEventId: event.id });
      }
      break;
    case 'OrderRefunded':
      next = applyRefund(base, event);
      break;
    case 'NpsSubmitted': {
      const submittedAt = utc(event.detail.submittedAt);
      next = later(base.nps?.at, submittedAt) ? { ...base, nps: { score: event.detail.score, at: submittedAt } } : base;
      break;
    }
  }
  next = withRetentionFacts(base, next, event); // refund dates and NPS answers for the KPIs
  const tier = tierFor(next, at, config);
  if (tier !== base.tier) {
    ownEvents.push({ type: 'TierChanged', id: `${event.id}#TierChanged`, customerId, from: base.tier, to: tier, at, causeEventId: event.id });
    next = { ...next, tier, tierSince: at };
  }
  return { profile: { ...next, updatedAt: at }, ownEvents };
};
