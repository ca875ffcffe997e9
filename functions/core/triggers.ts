// Triggered campaigns: which follow-up mails an event asks for, and whether one still holds at
// send time. Pure: campaigns, profile, event and time are passed in; ingest writes what
// `plannedDeliveries` returns as due deliveries, tick releases them, send asks `stillHolds`.
//
// Rules (also in campaigns/README.md):
// - A trigger is a shop event (OrderPlaced, NpsSubmitted, ...), one of our own events
//   (FirstOrderPlaced, TierChanged, ConsentConfirmed, ...) or `noOrderForDays` (win-back). A
//   win-back check is scheduled by each order for its time + N days; at send time it holds only if
//   that order is still the customer's last one, so a newer order makes it obsolete (no scans).
// - Due time = the event's own time (an order's placedAt) + delay, never before now. A follow-up
//   whose due time passed more than STALE_AFTER_MS before ingest saw the event (an old event
//   imported late) is not scheduled.
// - `when` is checked when the event arrives and again at send time, on the profile then.
// - Re-entry is the occurrence id: the send ledger sends one mail per (occurrence, customer), so
//   oncePerCustomer = one occurrence per customer, oncePerOrder = one per order, oncePerDays =
//   one per window of N days. The same event redelivered yields the same ids: scheduled once.
// - A trigger on CouponExpiring keys its occurrence by the expiring coupon (`c.<code>`), whatever
//   `reentry` says: one reminder per coupon (not per customer), and the send path's coupon step
//   shows that coupon instead of issuing one (core/delivery/coupon-step.ts).
// - A follow-up of one order (oncePerOrder) is cancelled at send time when that order was fully
//   refunded meanwhile; a win-back when a newer order arrived.
import type { TriggeredCampaign } from '#core/campaign';
import { recipientDeliveryId, type PublishedCampaign, type DeliveryStore, type DueDelivery } from '#core/delivery-store';
import type { OwnEvent } from '#core/ingest';
import type { ShopEvent } from '#core/events';
import type { Profile } from '#core/profile';
import type { Clock } from '#core/clock';
import { compileRule, type Predicate, type SegmentRule } from '#core/segment';
import { orderCounts } from '#core/profile';
import { CONFIRMATION_CAMPAIGN_ID } from '#core/consent';
import { OWN_EVENT_SOURCE, ROUTED_OWN_EVENTS } from '#core/routes';
import { quietEndFor, type ShopDeliverySettings } from '#core/delivery/local-time';

export const STALE_AFTER_MS = 24 * 3_600_000;

/**
 * The built-in campaigns (double opt-in, the referral program's choice and reward mails): ingest
 * and the customer endpoint ask for each of their mails themselves; no trigger fans them out.
 */
const isSystemCampaign = (campaignId: string): boolean => campaignId === CONFIRMATION_CAMPAIGN_ID || campaignId.startsWith('system_');
const DAY_MS = 86_400_000;

/** An event a trigger can wait for: the shop's or one of ours, with its time and order (if any). */
export interface TriggerCause {
  type: string;
  eventId: string;
  /** When it happened (UTC ISO). */
  at: string;
  orderId?: string;
}

/** The causes in one ingested shop event: the event itself and the own events it produced. */
export const causesOf = (event: ShopEvent, at: string, ownEvents: readonly OwnEvent[]): TriggerCause[] => {
  const orderId = 'orderId' in event.detail ? (event.detail as { orderId: string }).orderId : undefined;
  return [
    { type: event.type, eventId: event.id, at, ...(orderId !== undefined ? { orderId } : {}) },
    ...ownEvents.map((own) => ({ type: own.type, eventId: own.id, at: own.at, ...('orderId' in own ? { orderId: own.orderId } : {}) })),
  ];
};

/**
 * An own event routed back from the bus (routes.ownTriggerEvents) as a trigger cause; undefined
 * for any other envelope. The detail is the OwnEvent as event-bus.ts put it.
 */
export const routedOwnCause = (raw: unknown): { customerId: string; cause: TriggerCause } | undefined => {
  const envelope = raw as { source?: unknown; 'detail-type'?: unknown; detail?: unknown } | null;
  if (envelope?.source !== OWN_EVENT_SOURCE || !(ROUTED_OWN_EVENTS as readonly unknown[]).includes(envelope['detail-type'])) return undefined;
  const detail = envelope.detail as { id?: unknown; customerId?: unknown; at?: unknown } | undefined;
  if (typeof detail?.id !== 'string' || typeof detail.customerId !== 'string' || typeof detail.at !== 'string' || Number.isNaN(Date.parse(detail.at))) return undefined;
  return { customerId: detail.customerId, cause: { type: envelope['detail-type'] as string, eventId: detail.id, at: new Date(detail.at).toISOString() } };
};

/** The delay of a trigger in milliseconds. */
export const delayMs = (delay: { minutes?: number | undefined; hours?: number | undefined; days?: number | undefined }): number =>
  ((delay.days ?? 0) * 24 * 60 + (delay.hours ?? 0) * 60 + (delay.minutes ?? 0)) * 60_000;

/** The code in a CouponExpiring event's id (`CouponExpiring#<code>#<daysLeft>`, core/coupon-events.ts). */
const expiringCode = (eventId: string): string | undefined => /^CouponExpiring#(.+)#\d+$/.exec(eventId)?.[1];

/** The occurrence key of a coupon reminder: the expiring coupon's code. */
const COUPON_KEY = 'c.';

/**
 * The expiring coupon a CouponExpiring-triggered occurrence reminds of; undefined for any other
 * campaign or occurrence.
 */
export const reminderCouponCode = (campaign: PublishedCampaign['campaign'], customerId: string, occurrenceId: string): string | undefined => {
  if (campaign.kind !== 'triggered' || campaign.trigger.event !== 'CouponExpiring') return undefined;
  const prefix = `${triggeredOccurrenceId(campaign.id, customerId, '')}${COUPON_KEY}`;
  return occurrenceId.startsWith(prefix) && occurrenceId.length > prefix.length ? occurrenceId.slice(prefix.length) : undefined;
};

/** The re-entry key of one cause; undefined when the rule cannot apply (oncePerOrder without an order). */
const reentryKey = (campaign: TriggeredCampaign, cause: TriggerCause): string | undefined => {
  const { trigger } = campaign;
  if (cause.type === 'CouponExpiring') {
    const code = expiringCode(cause.eventId);
    return code !== undefined ? `${COUPON_KEY}${code}` : undefined;
  }
  if (trigger.noOrderForDays !== undefined) return cause.orderId !== undefined ? `w.${cause.orderId}` : undefined;
  const reentry = trigger.reentry ?? { type: 'oncePerCustomer' };
  switch (reentry.type) {
    case 'oncePerCustomer':
      return 'once';
    case 'oncePerOrder':
      return cause.orderId !== undefined ? `o.${cause.orderId}` : undefined;
    case 'oncePerDays':
      return `d${reentry.days}.${Math.floor(Date.parse(cause.at) / (reentry.days * DAY_MS))}`;
  }
};

/** The occurrence of one customer's follow-up: campaign first (as every occurrence id), then customer and re-entry key. */
export const triggeredOccurrenceId = (campaignId: string, customerId: string, key: string): string => `${campaignId}:${customerId}:${key}`;

const matches = (trigger: TriggeredCampaign['trigger'], cause: TriggerCause): boolean =>
  trigger.noOrderForDays !== undefined ? cause.type === 'OrderPlaced' && cause.orderId !== undefined : trigger.event === cause.type;

/** Compiled rules, per the object they come from in a published campaign (the cached campaign keeps them alive). */
const predicates = new WeakMap<object, Predicate>();
const holds = (key: object, rule: SegmentRule, published: PublishedCampaign, profile: Profile, atMs: number): boolean => {
  let predicate = predicates.get(key);
  if (!predicate) {
    predicate = compileRule(rule, { segments: new Map(Object.entries(published.segments)) });
    predicates.set(key, predicate);
  }
  return predicate(profile, atMs);
};
const whenHolds = (published: PublishedCampaign, profile: Profile, atMs: number): boolean => {
  const { when } = (published.campaign as TriggeredCampaign).trigger;
  return when === undefined || holds(when, when, published, profile, atMs);
};
/** The campaign's audience (segment or inline rule), as the audience step checks it for newsletters. */
const audienceHolds = (published: PublishedCampaign, profile: Profile, atMs: number): boolean => {
  const { audience } = published.campaign;
  const rule: SegmentRule | undefined = audience.rule ?? (audience.segment !== undefined ? { type: 'segment', segment: audience.segment } : undefined);
  return rule === undefined || holds(audience, rule, published, profile, atMs);
};

/**
 * The due deliveries an ingested event asks for: per active triggered campaign whose trigger
 * matches one of the causes and whose `when` holds on the new profile. Deterministic ids. Marketing
 * mail due inside the recipient's quiet hours (the campaign's window, else the shop's) is due at
 * the window's end; send checks the window again when it goes out.
 */
export const plannedDeliveries = (
  campaigns: readonly PublishedCampaign[],
  profile: Profile,
  causes: readonly TriggerCause[],
  now: Date,
  shop?: ShopDeliverySettings,
): DueDelivery[] => {
  const planned = new Map<string, DueDelivery>();
  for (const published of campaigns) {
    const campaign = published.campaign;
    // The double opt-in mail is asked for per consent request (core/consent.ts), not here.
    if (campaign.kind !== 'triggered' || campaign.status !== 'active' || isSystemCampaign(campaign.id)) continue;
    for (const cause of causes) {
      if (!matches(campaign.trigger, cause)) continue;
      const key = reentryKey(campaign, cause);
      if (key === undefined) continue;
      const wait = campaign.trigger.noOrderForDays !== undefined ? campaign.trigger.noOrderForDays * DAY_MS : 0;
      const dueMs = Date.parse(cause.at) + wait + delayMs(campaign.trigger.delay);
      if (dueMs < now.getTime() - STALE_AFTER_MS) continue;
      if (campaign.trigger.noOrderForDays === undefined && !whenHolds(published, profile, now.getTime())) continue;
      const occurrenceId = triggeredOccurrenceId(campaign.id, profile.customerId, key);
      if (planned.has(occurrenceId)) continue;
      const due = new Date(Math.max(dueMs, now.getTime()));
      planned.set(occurrenceId, {
        deliveryId: occurrenceId,
        // Due inside the recipient's quiet hours: planned for the window's end, where send's gate
        // would put it anyway (one tick and one send message less per follow-up due at night).
        dueAt: (quietEndFor(campaign, profile, due, shop) ?? due).toISOString(),
        occurrenceId,
        campaignId: campaign.id,
        customerId: profile.customerId,
      });
    }
  }
  return [...planned.values()];
};

/**
 * The due deliveries a newer last order made obsolete: per active win-back campaign, the check
 * the previous last order scheduled (as ingest planned it, or as send put it back for quiet
 * hours). Removing them spares a tick and a send each; send's `newerOrder` re-check stays the
 * rule for whatever is not removed (a crash between the order and the removal, an order imported late).
 */
export const obsoleteWinBackIds = (campaigns: readonly PublishedCampaign[], before: Profile | undefined, after: Profile): string[] => {
  const previous = before?.orderHistory.at(-1)?.orderId;
  if (previous === undefined || previous === after.orderHistory.at(-1)?.orderId) return [];
  return campaigns.flatMap(({ campaign }) => {
    if (campaign.kind !== 'triggered' || campaign.status !== 'active' || campaign.trigger.noOrderForDays === undefined) return [];
    const occurrenceId = triggeredOccurrenceId(campaign.id, after.customerId, `w.${previous}`);
    return [occurrenceId, recipientDeliveryId(occurrenceId, after.customerId)];
  });
};

/** Why a follow-up is not sent after all; undefined when it still holds. */
export type Cancellation = 'whenFailed' | 'notInAudience' | 'orderRefunded' | 'newerOrder';

/**
 * Send-time re-check of a triggered campaign's follow-up: its order not fully refunded, for a
 * win-back that its order is still the last one, its `when` and its audience on today's profile.
 */
export const stillHolds = (published: PublishedCampaign, profile: Profile, occurrenceId: string, now: Date): Cancellation | undefined => {
  const campaign = published.campaign;
  if (campaign.kind !== 'triggered' || isSystemCampaign(campaign.id)) return undefined;
  const prefix = `${campaign.id}:${profile.customerId}:`;
  const key = occurrenceId.startsWith(prefix) ? occurrenceId.slice(prefix.length) : '';
  if (key.startsWith('o.')) {
    const order = profile.orderHistory.find((o) => o.orderId === key.slice(2));
    if (order && !orderCounts(order)) return 'orderRefunded';
  }
  if (key.startsWith('w.')) {
    const last = profile.orderHistory[profile.orderHistory.length - 1];
    if (last && last.orderId !== key.slice(2)) return 'newerOrder';
  }
  if (!whenHolds(published, profile, now.getTime())) return 'whenFailed';
  return audienceHolds(published, profile, now.getTime()) ? undefined : 'notInAudience';
};

/**
 * The active triggered campaigns, read once per `ttlMs` per container (listCampaigns names the
 * kinds; only triggered ones are fetched, and a version already held is not fetched again).
 */
export const triggeredCampaignSource = (
  store: Pick<DeliveryStore, 'listCampaigns' | 'getCampaign'>,
  clock: Clock,
  ttlMs = 60_000,
): (() => Promise<PublishedCampaign[]>) => {
  let cached: { atMs: number; campaigns: PublishedCampaign[] } | undefined;
  const held = new Map<string, PublishedCampaign>();
  return async () => {
    const nowMs = clock.now().getTime();
    if (cached && nowMs - cached.atMs < ttlMs) return cached.campaigns;
    const summaries = (await store.listCampaigns()).filter((s) => s.kind === 'triggered' && s.status === 'active' && !isSystemCampaign(s.campaignId));
    const campaigns: PublishedCampaign[] = [];
    for (const summary of summaries) {
      const have = held.get(summary.campaignId);
      const fresh = have && have.publishedAt === summary.publishedAt && have.version === summary.version ? have : await store.getCampaign(summary.campaignId);
      if (!fresh) continue;
      held.set(summary.campaignId, fresh);
      campaigns.push(fresh);
    }
    cached = { atMs: nowMs, campaigns };
    return campaigns;
  };
};
