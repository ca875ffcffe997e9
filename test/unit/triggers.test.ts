// Triggered campaigns in core: re-entry, delays, the send-time re-check (refund, newer order, when).
import { describe, expect, it } from 'vitest';
import { TriggeredCampaign } from '#core/campaign';
import type { PublishedCampaign } from '#core/delivery-store';
import { obsoleteWinBackIds, plannedDeliveries, stillHolds, type TriggerCause } from '#core/triggers';
import { aProfile } from '../fixtures/profile';
import { DEFAULT_SHOP_DELIVERY } from '#core/delivery/local-time';

const published = (trigger: unknown): PublishedCampaign => ({
  campaign: TriggeredCampaign.parse({
    kind: 'triggered', id: 'follow-up', name: 'F', status: 'active', topic: 'service', audience: { rule: { type: 'consent', status: 'confirmed' } }, trigger,
    template: { layout: 'greeting', defaultLocale: 'de', content: { de: { subject: 'S', preheader: '', blocks: [{ type: 'text', text: 'T' }] } } },
  }),
  segments: {},
  publishedAt: '2025-01-01T00:00:00.000Z',
});
const order = (orderId: string, at: string, refundedCents = 0) => ({ orderId, at, totalCents: 3000, refundedCents, categories: [], points: 30, pointsEarned: 30 });
const placed = (orderId: string, at: string): TriggerCause => ({ type: 'OrderPlaced', eventId: `e-${orderId}`, at, orderId });
const now = new Date('2025-03-01T12:00:00.000Z');

describe('triggers: planning follow-ups', () => {
  it('adds minutes, hours and days of delay to the event time', () => {
    const [due] = plannedDeliveries([published({ event: 'OrderPlaced', delay: { days: 14, hours: 2, minutes: 5 } })], aProfile(), [placed('o1', '2025-03-01T10:00:00.000Z')], now);
    expect(due?.dueAt).toBe('2025-03-15T12:05:00.000Z');
  });

  it('schedules once per customer by default: every order names the same occurrence', () => {
    const c = [published({ event: 'OrderPlaced' })];
    const a = plannedDeliveries(c, aProfile(), [placed('o1', '2025-03-01T12:00:00.000Z')], now);
    const b = plannedDeliveries(c, aProfile(), [placed('o2', '2025-03-01T12:00:00.000Z')], now);
    expect(a.map((d) => d.occurrenceId)).toEqual(['follow-up:c1:once']);
    expect(b.map((d) => d.occurrenceId)).toEqual(a.map((d) => d.occurrenceId));
  });

  it('schedules once per order with oncePerOrder', () => {
    const c = [published({ event: 'OrderPlaced', reentry: { type: 'oncePerOrder' } })];
    const ids = ['o1', 'o2', 'o1'].flatMap((o) => plannedDeliveries(c, aProfile(), [placed(o, '2025-03-01T12:00:00.000Z')], now).map((d) => d.occurrenceId));
    expect(ids).toEqual(['follow-up:c1:o.o1', 'follow-up:c1:o.o2', 'follow-up:c1:o.o1']);
  });

  it('schedules at most once per window of N days with oncePerDays', () => {
    const c = [published({ event: 'TierChanged', reentry: { type: 'oncePerDays', days: 30 } })];
    const at = (iso: string) => plannedDeliveries(c, aProfile(), [{ type: 'TierChanged', eventId: iso, at: iso }], new Date(iso))[0]!.occurrenceId;
    expect(at('2025-03-01T12:00:00.000Z')).toBe(at('2025-03-05T12:00:00.000Z'));
    expect(at('2025-03-01T12:00:00.000Z')).not.toBe(at('2025-05-01T12:00:00.000Z'));
  });

  it('rejects oncePerOrder on a trigger without an order', () => {
    expect(() => published({ event: 'TierChanged', reentry: { type: 'oncePerOrder' } })).toThrow(/oncePerOrder/);
  });

  it('plans nothing when `when` fails on the profile at the event', () => {
    const c = [published({ event: 'TierChanged', when: { type: 'tier', in: ['gold'] } })];
    expect(plannedDeliveries(c, aProfile({ tier: 'silver' }), [{ type: 'TierChanged', eventId: 'e', at: now.toISOString() }], now)).toEqual([]);
    expect(plannedDeliveries(c, aProfile({ tier: 'gold' }), [{ type: 'TierChanged', eventId: 'e', at: now.toISOString() }], now)).toHaveLength(1);
  });

  it('never schedules before now, and drops a follow-up stale by more than a day', () => {
    const c = [published({ event: 'OrderPlaced', delay: { hours: 1 } })];
    expect(plannedDeliveries(c, aProfile(), [placed('o1', '2025-03-01T10:30:00.000Z')], now)[0]?.dueAt).toBe(now.toISOString());
    expect(plannedDeliveries(c, aProfile(), [placed('o1', '2025-02-20T11:30:00.000Z')], now)).toEqual([]);
  });
});

describe('triggers: quiet hours when planning', () => {
  const withCampaign = (fields: Record<string, unknown>): PublishedCampaign => {
    const base = published({ event: 'OrderPlaced' });
    return { ...base, campaign: TriggeredCampaign.parse({ ...base.campaign, ...fields }) };
  };
  // 22:30 in Berlin (CET), 11:30 in Honolulu, 11:30 next morning in Kiritimati.
  const late = '2025-03-01T21:30:00.000Z';
  const dueAt = (campaign: PublishedCampaign, timeZone: string, shop = DEFAULT_SHOP_DELIVERY) =>
    plannedDeliveries([campaign], aProfile({ timeZone }), [placed('o1', late)], new Date(late), shop)[0]?.dueAt;

  it("plans marketing mail due inside the recipient's quiet hours for the window's end in their zone", () => {
    expect(dueAt(published({ event: 'OrderPlaced' }), 'Europe/Berlin')).toBe('2025-03-02T07:00:00.000Z');
    expect(dueAt(published({ event: 'OrderPlaced' }), 'Pacific/Honolulu')).toBe(late);
    expect(dueAt(published({ event: 'OrderPlaced' }), 'Pacific/Kiritimati')).toBe(late);
  });

  it("follows the campaign's own window over the shop's, and none when it turns them off", () => {
    expect(dueAt(withCampaign({ quietHours: { start: '22:45', end: '06:00' } }), 'Europe/Berlin')).toBe(late);
    expect(dueAt(withCampaign({ quietHours: { start: '22:00', end: '06:30' } }), 'Europe/Berlin')).toBe('2025-03-02T05:30:00.000Z');
    expect(dueAt(withCampaign({ quietHours: false }), 'Europe/Berlin')).toBe(late);
  });

  it('never holds transactional mail, and holds nothing without shop settings or a window of its own', () => {
    expect(dueAt(withCampaign({ capClass: 'transactional', template: { ...published({ event: 'OrderPlaced' }).campaign.template, layout: 'transactional' } }), 'Europe/Berlin')).toBe(late);
    expect(plannedDeliveries([published({ event: 'OrderPlaced' })], aProfile(), [placed('o1', late)], new Date(late))[0]?.dueAt).toBe(late);
  });
});

describe('triggers: send-time re-check', () => {
  const review = published({ event: 'OrderPlaced', delay: { days: 14 }, reentry: { type: 'oncePerOrder' } });

  it('cancels a review request whose order was refunded in full', () => {
    const profile = aProfile({ orderHistory: [order('o1', '2025-02-10T10:00:00.000Z', 3000)] });
    expect(stillHolds(review, profile, 'follow-up:c1:o.o1', now)).toBe('orderRefunded');
  });

  it('keeps a review request whose order was refunded only in part', () => {
    const profile = aProfile({ orderHistory: [order('o1', '2025-02-10T10:00:00.000Z', 1000)] });
    expect(stillHolds(review, profile, 'follow-up:c1:o.o1', now)).toBeUndefined();
  });

  it('cancels a win-back made obsolete by a newer order', () => {
    const winback = published({ noOrderForDays: 120 });
    const [due] = plannedDeliveries([winback], aProfile(), [placed('o1', '2025-01-01T10:00:00.000Z')], new Date('2025-01-01T10:00:00.000Z'));
    expect(due?.dueAt).toBe('2025-05-01T10:00:00.000Z');
    const later = aProfile({ orderHistory: [order('o1', '2025-01-01T10:00:00.000Z'), order('o2', '2025-02-01T10:00:00.000Z')] });
    expect(stillHolds(winback, later, due!.occurrenceId, new Date(due!.dueAt))).toBe('newerOrder');
    const still = aProfile({ orderHistory: [order('o1', '2025-01-01T10:00:00.000Z')] });
    expect(stillHolds(winback, still, due!.occurrenceId, new Date(due!.dueAt))).toBeUndefined();
  });

  it("names the previous last order's win-back check for removal when a newer order arrives", () => {
    const campaigns = [published({ noOrderForDays: 120 }), published({ event: 'OrderPlaced' })];
    const first = aProfile({ orderHistory: [order('o1', '2025-01-01T10:00:00.000Z')] });
    const second = aProfile({ orderHistory: [order('o1', '2025-01-01T10:00:00.000Z'), order('o2', '2025-02-01T10:00:00.000Z')] });
    const [planned] = plannedDeliveries([campaigns[0]!], first, [placed('o1', '2025-01-01T10:00:00.000Z')], new Date('2025-01-01T10:00:00.000Z'));
    // As ingest planned it, and as send's quiet-hours gate may have put it back.
    expect(obsoleteWinBackIds(campaigns, first, second)).toEqual([planned!.deliveryId, `${planned!.deliveryId}#c1`]);
    // Nothing when the order is the first, or an older order came in late (the last one stays).
    expect(obsoleteWinBackIds(campaigns, undefined, first)).toEqual([]);
    expect(obsoleteWinBackIds(campaigns, second, aProfile({ orderHistory: [order('o0', '2024-12-01T10:00:00.000Z'), ...second.orderHistory] }))).toEqual([]);
  });

  it('cancels when the customer left the campaign\'s audience before the send', () => {
    expect(stillHolds(review, aProfile({ consent: { status: 'withdrawn' } }), 'follow-up:c1:o.o1', now)).toBe('notInAudience');
  });

  it('cancels when `when` no longer holds at send time', () => {
    const gold = published({ event: 'TierChanged', when: { type: 'tier', in: ['gold'] } });
    expect(stillHolds(gold, aProfile({ tier: 'silver' }), 'follow-up:c1:once', now)).toBe('whenFailed');
    expect(stillHolds(gold, aProfile({ tier: 'gold' }), 'follow-up:c1:once', now)).toBeUndefined();
  });
});
