import { describe, expect, it } from 'vitest';
import { createMemoryFunnelStore } from '#adapters/memory-funnel-store';
import { attributeOrder, couponAttribution, decideAttribution, refundAttributedOrder } from '#core/attribution';

const occ = 'spring:2026-03-01T08:00Z';
const clickAt = Date.parse('2026-03-01T09:00:00Z');
const DAY = 86_400_000;
const order = (placedAt: string, orderId = 'o-1') => ({ orderId, customerId: 'c1', placedAt, totalCents: 4590 });

const withClick = async () => {
  const funnels = createMemoryFunnelStore();
  await funnels.putRecentClick('c1', { campaignId: 'spring', occurrenceId: occ, arm: 'a', atMs: clickAt });
  return funnels;
};

describe('attribution: which campaign earned an order', () => {
  it('attributes to the coupon\'s campaign before a newer click', async () => {
    const funnels = await withClick();
    const result = await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'), { campaignId: 'winback', occurrenceId: 'winback:2026-02-20T08:00Z' });
    expect(result.attribution).toMatchObject({ source: 'coupon', campaignId: 'winback', occurrenceId: 'winback:2026-02-20T08:00Z', arm: '-' });
    expect(await funnels.listFunnel('winback')).toMatchObject([{ conversions: 1, revenueCents: 4590 }]);
    expect(await funnels.listFunnel('spring')).toEqual([]);
  });

  it('takes only a redeemed coupon with its campaign and occurrence as a coupon attribution', () => {
    expect(couponAttribution({ outcome: 'redeemed', campaignId: 'winback', occurrenceId: 'winback:x' })).toEqual({ campaignId: 'winback', occurrenceId: 'winback:x' });
    expect(couponAttribution({ outcome: 'expired', campaignId: 'winback', occurrenceId: 'winback:x' })).toBeUndefined();
    expect(couponAttribution({ outcome: 'unknown' })).toBeUndefined();
    expect(couponAttribution(undefined)).toBeUndefined();
  });

  it('takes a coupon order\'s arm from the customer\'s membership of that occurrence', async () => {
    const funnels = createMemoryFunnelStore();
    await funnels.putMembership('c1', { campaignId: 'spring', occurrenceId: occ, arm: 'b', atMs: clickAt }, clickAt + 5 * DAY);
    const result = await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'), { campaignId: 'spring', occurrenceId: occ });
    expect(result.attribution.arm).toBe('b');
  });

  it('attributes to the last click up to exactly 5 days before the order', async () => {
    const funnels = await withClick();
    const result = await attributeOrder({ funnels }, order(new Date(clickAt + 5 * DAY).toISOString()));
    expect(result.attribution).toMatchObject({ source: 'click', campaignId: 'spring', occurrenceId: occ, arm: 'a' });
    expect(await funnels.listFunnel('spring')).toMatchObject([{ arm: 'a', conversions: 1, revenueCents: 4590 }]);
  });

  it('leaves an order unattributed one millisecond after the 5-day window', async () => {
    const funnels = await withClick();
    const result = await attributeOrder({ funnels }, order(new Date(clickAt + 5 * DAY + 1).toISOString()));
    expect(result.attribution.source).toBe('none');
    expect(await funnels.listFunnel('spring')).toEqual([]);
  });

  it('does not attribute to a click after the order was placed', () => {
    const click = { campaignId: 'spring', occurrenceId: occ, arm: 'a', atMs: clickAt };
    expect(decideAttribution(new Date(clickAt - 1).toISOString(), undefined, [click], []).source).toBe('none');
    expect(decideAttribution(new Date(clickAt).toISOString(), undefined, [click], []).source).toBe('click');
  });

  it('attributes to the last click before the order although a newer click arrived before the order event', async () => {
    const funnels = await withClick();
    await funnels.putRecentClick('c1', { campaignId: 'later', occurrenceId: 'later:2026-03-03T08:00Z', arm: '-', atMs: Date.parse('2026-03-03T09:00:00Z') });
    const result = await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'));
    expect(result.attribution).toMatchObject({ source: 'click', campaignId: 'spring' });
  });

  it('follows the configured window', async () => {
    const funnels = await withClick();
    const result = await attributeOrder({ funnels, windowDays: 7 }, order(new Date(clickAt + 6 * DAY).toISOString()));
    expect(result.attribution.source).toBe('click');
  });

  it('leaves an order without coupon or click unattributed', async () => {
    const funnels = createMemoryFunnelStore();
    const result = await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'));
    expect(result.attribution.source).toBe('none');
    expect(result.firstTime).toBe(true);
  });

  it('never attributes an order twice, also when it is redelivered with a coupon or after a new click', async () => {
    const funnels = await withClick();
    await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'));
    await funnels.putRecentClick('c1', { campaignId: 'other', occurrenceId: 'other:2026-03-02T08:00Z', arm: '-', atMs: clickAt + DAY });
    const again = await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'));
    const coupon = await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'), { campaignId: 'other', occurrenceId: 'other:2026-03-02T08:00Z' });
    expect([again.firstTime, coupon.firstTime]).toEqual([false, false]);
    expect(coupon.attribution).toMatchObject({ source: 'click', campaignId: 'spring' });
    expect(await funnels.listFunnel('spring')).toMatchObject([{ conversions: 1, revenueCents: 4590 }]);
    expect(await funnels.listFunnel('other')).toEqual([]);
  });

  it('never marks an order unattributed first and attributed on its replay', async () => {
    const funnels = createMemoryFunnelStore();
    await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'));
    await funnels.putRecentClick('c1', { campaignId: 'spring', occurrenceId: occ, arm: 'a', atMs: Date.parse('2026-03-02T09:00:00Z') });
    expect((await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'))).attribution.source).toBe('none');
    expect(await funnels.listFunnel('spring')).toEqual([]);
  });
});

describe('attribution: refunds and experiment conversions', () => {
  it('takes refunds off the attributed revenue once per refund, keeping the conversion', async () => {
    const funnels = await withClick();
    await attributeOrder({ funnels }, order('2026-03-02T10:00:00Z'));
    expect(await refundAttributedOrder({ funnels }, { orderId: 'o-1', refundKey: 'id:r1', amountCents: 1000 })).toBe(1000);
    expect(await refundAttributedOrder({ funnels }, { orderId: 'o-1', refundKey: 'id:r1', amountCents: 1000 })).toBe(0);
    expect(await funnels.listFunnel('spring')).toMatchObject([{ conversions: 1, revenueCents: 3590 }]);
  });

  it('counts a holdout member\'s first order within the window as a holdout conversion, once', async () => {
    const funnels = createMemoryFunnelStore();
    const heldAt = Date.parse('2026-03-01T08:00:00Z');
    await funnels.putMembership('c1', { campaignId: 'spring', occurrenceId: occ, arm: 'holdout', atMs: heldAt }, heldAt + 5 * DAY);
    const first = await attributeOrder({ funnels }, order('2026-03-03T10:00:00Z', 'o-1'));
    await attributeOrder({ funnels }, order('2026-03-04T10:00:00Z', 'o-2'));
    await attributeOrder({ funnels }, order('2026-03-03T10:00:00Z', 'o-1'));
    expect(first.converted.map((m) => m.arm)).toEqual(['holdout']);
    expect(first.attribution.source).toBe('none');
    expect(await funnels.listFunnel('spring')).toMatchObject([{ arm: 'holdout', converted: 1, convertedRevenueCents: 4590, conversions: 0 }]);
  });

  it('does not count an order before the holdout record or after its window', async () => {
    const funnels = createMemoryFunnelStore();
    const heldAt = Date.parse('2026-03-01T08:00:00Z');
    await funnels.putMembership('c1', { campaignId: 'spring', occurrenceId: occ, arm: 'holdout', atMs: heldAt }, heldAt + 5 * DAY);
    await attributeOrder({ funnels }, order('2026-03-01T07:59:59Z', 'o-1'));
    await attributeOrder({ funnels }, order('2026-03-06T08:00:01Z', 'o-2'));
    expect(await funnels.listFunnel('spring')).toEqual([]);
  });
});
