import { describe, expect, it } from 'vitest';
import { createMemoryCouponStore } from '#adapters/memory-coupon-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { CouponSpec } from '#core/campaign';
import { issueCoupon } from '#core/coupons';
import { redeemCoupon } from '#core/coupon-redemption';
import { midnightsCrossed, remindExpiringCoupons } from '#core/coupon-reminders';
import { DEFAULT_TICK_CONFIG, runTick } from '#core/delivery/tick';
import { routedOwnCause } from '#core/triggers';
import { publishExample } from './delivery-fixtures';

const spec = CouponSpec.parse({ value: { type: 'percent', percent: 10 }, validDays: 14 });
const issue = (store: ReturnType<typeof createMemoryCouponStore>, customerId: string, at: string) =>
  issueCoupon({ store }, { campaignId: 'winback', occurrenceId: 'winback:2026-05-01T08:00Z', customerId, spec, at: new Date(at) });

describe('coupons: CouponExpiring', () => {
  it('counts the UTC midnights a tick crossed, at most a week of them', () => {
    expect(midnightsCrossed(new Date('2026-05-12T23:59:00Z'), new Date('2026-05-13T00:00:00Z')).map((d) => d.toISOString())).toEqual(['2026-05-13T00:00:00.000Z']);
    expect(midnightsCrossed(new Date('2026-05-13T00:00:00Z'), new Date('2026-05-13T23:59:00Z'))).toEqual([]);
    expect(midnightsCrossed(new Date('2026-01-01T12:00:00Z'), new Date('2026-03-01T00:00:00Z'))).toHaveLength(7);
  });

  it('announces the unredeemed coupons expiring N days after the midnight, once per coupon and N', async () => {
    const store = createMemoryCouponStore();
    const bus = createMemoryEventBus();
    // Issued on 2 May: expire on 16 May. Three days before: the midnight of 13 May.
    const a = await issue(store, 'c1', '2026-05-02T08:00:00Z');
    const b = await issue(store, 'c2', '2026-05-02T20:00:00Z');
    await issue(store, 'c3', '2026-05-03T08:00:00Z');
    await redeemCoupon(store, { couponCode: b.code, customerId: 'c2', orderId: 'o1', at: '2026-05-05T10:00:00Z', totalCents: 1000 });
    expect(await remindExpiringCoupons({ coupons: store, events: bus }, new Date('2026-05-12T23:59:00Z'), new Date('2026-05-13T00:00:00Z'), async () => ['winback', 'other'])).toBe(1);
    expect(bus.published).toEqual([
      expect.objectContaining({ type: 'CouponExpiring', id: `CouponExpiring#${a.code}#3`, customerId: 'c1', code: a.code, at: '2026-05-13T00:00:00.000Z', expiresAt: '2026-05-16T08:00:00.000Z', daysLeft: 3, campaignId: 'winback' }),
    ]);
  });

  it('announces from tick once for the day it crosses, whatever the minutes before and after', async () => {
    const coupons = createMemoryCouponStore();
    const bus = createMemoryEventBus();
    await issue(coupons, 'c1', '2026-05-02T08:00:00Z');
    const store = createMemoryDeliveryStore();
    await store.putCampaign(await publishExample('winback-discount.json', { id: 'winback' }));
    const deps = { store, audienceQueue: new MemoryWorkQueue(), sendQueue: new MemoryWorkQueue(), config: DEFAULT_TICK_CONFIG, couponReminders: { coupons, events: bus } };
    for (const minute of ['2026-05-12T23:58:00Z', '2026-05-12T23:59:00Z', '2026-05-13T00:00:00Z', '2026-05-13T00:01:00Z']) await runTick(deps, new Date(minute));
    expect(bus.published.map((e) => e.type)).toEqual(['CouponExpiring']);
  });

  it('routes CouponExpiring from the bus back into ingest as the cause of triggered campaigns', () => {
    const envelope = { source: 'stammkunde', 'detail-type': 'CouponExpiring', detail: { id: 'CouponExpiring#X#3', customerId: 'c1', at: '2026-05-13T00:00:00.000Z' } };
    expect(routedOwnCause(envelope)).toEqual({ customerId: 'c1', cause: { type: 'CouponExpiring', eventId: 'CouponExpiring#X#3', at: '2026-05-13T00:00:00.000Z' } });
  });
});
