// The contract both funnel stores keep (memory twin in unit tests, DynamoDB on dynalite).
import { describe, expect, it } from 'vitest';
import type { FunnelStore, OrderAttribution } from '../../functions/core/funnel-store';

export const funnelStoreContract = (name: string, make: () => Promise<FunnelStore>): void => {
  describe(`funnel store contract: ${name}`, () => {
    const key = { campaignId: 'spring', occurrenceId: 'spring:2026-03-01T08:00Z', arm: 'a' };
    const at = Date.parse('2026-03-01T09:00:00Z');
    const attribution: OrderAttribution = {
      orderId: 'o-1', source: 'click', campaignId: 'spring', occurrenceId: key.occurrenceId, arm: 'a', placedAt: '2026-03-02T10:00:00.000Z', totalCents: 5000, refundedCents: 0,
    };

    it('adds counters per occurrence and arm and lists a campaign\'s rows in order', async () => {
      const store = await make();
      await store.addCounts(key, { sent: 2, conversions: 1, revenueCents: 4590 });
      await store.addCounts(key, { sent: 1, revenueCents: -590 });
      await store.addCounts({ ...key, arm: 'holdout' }, { members: 3, converted: 1, convertedRevenueCents: 100 });
      await store.addCounts({ ...key, campaignId: 'other' }, { sent: 9 });
      expect(await store.listFunnel('spring')).toEqual([
        { ...key, sent: 3, clicks: 0, conversions: 1, revenueCents: 4000, members: 0, converted: 0, convertedRevenueCents: 0 },
        { ...key, arm: 'holdout', sent: 0, clicks: 0, conversions: 0, revenueCents: 0, members: 3, converted: 1, convertedRevenueCents: 100 },
      ]);
    });

    it('keeps a campaign\'s total per arm over its occurrences', async () => {
      const store = await make();
      await store.addCounts(key, { sent: 2, conversions: 1 });
      await store.addCounts({ ...key, occurrenceId: 'spring:c1:once' }, { sent: 1, revenueCents: 300 });
      await store.addCounts({ ...key, arm: 'holdout' }, { members: 4 });
      await store.addCounts({ ...key, campaignId: 'other' }, { sent: 9 });
      expect(await store.campaignTotals('spring')).toEqual([
        { campaignId: 'spring', arm: 'a', sent: 3, clicks: 0, conversions: 1, revenueCents: 300, members: 0, converted: 0, convertedRevenueCents: 0 },
        { campaignId: 'spring', arm: 'holdout', sent: 0, clicks: 0, conversions: 0, revenueCents: 0, members: 4, converted: 0, convertedRevenueCents: 0 },
      ]);
      expect((await store.listFunnel('spring')).map((row) => row.occurrenceId)).toEqual([key.occurrenceId, key.occurrenceId, 'spring:c1:once']);
    });

    it('counts a recipient as a clicker of a mail once', async () => {
      const store = await make();
      expect(await store.markClicker(key, 'c1', at)).toBe(true);
      expect(await store.markClicker(key, 'c1', at + 1)).toBe(false);
      expect(await store.markClicker(key, 'c2', at)).toBe(true);
    });

    it('keeps a customer\'s five newest clicks, newest first, whatever order they arrive in', async () => {
      const store = await make();
      const click = (minutes: number) => ({ campaignId: 'spring', occurrenceId: key.occurrenceId, arm: 'a', atMs: at + minutes * 60_000 });
      for (const minutes of [3, 1, 6, 2, 5]) expect(await store.putRecentClick('c1', click(minutes))).toBe(true);
      expect(await store.putRecentClick('c1', click(3))).toBe(false);
      expect(await store.putRecentClick('c1', click(4))).toBe(true);
      expect(await store.putRecentClick('c1', click(0))).toBe(false);
      expect((await store.recentClicks('c1')).map((c) => (c.atMs - at) / 60_000)).toEqual([6, 5, 4, 3, 2]);
      expect(await store.recentClicks('c2')).toEqual([]);
    });

    it('loses no click when five arrive at once', async () => {
      const store = await make();
      await Promise.all([1, 2, 3, 4, 5].map((minutes) => store.putRecentClick('c3', { campaignId: 'spring', occurrenceId: key.occurrenceId, arm: 'a', atMs: at + minutes })));
      expect((await store.recentClicks('c3')).map((c) => c.atMs - at)).toEqual([5, 4, 3, 2, 1]);
    });

    it('records memberships once and converts each member once', async () => {
      const store = await make();
      const member = { campaignId: 'spring', occurrenceId: key.occurrenceId, arm: 'holdout', atMs: at };
      await store.putMembership('c1', member, at + 5 * 86_400_000);
      await store.putMembership('c1', { ...member, arm: 'a' }, at + 5 * 86_400_000);
      await store.putMembership('c1', { ...member, occurrenceId: 'spring:2026-02-01T08:00Z', atMs: at - 86_400_000 }, at);
      expect(await store.membershipsOf('c1')).toEqual([{ ...member, occurrenceId: 'spring:2026-02-01T08:00Z', atMs: at - 86_400_000 }, member]);
      expect(await store.markConverted('c1', key.occurrenceId, 'o-1')).toBe(true);
      expect(await store.markConverted('c1', key.occurrenceId, 'o-2')).toBe(false);
      expect(await store.markConverted('c9', key.occurrenceId, 'o-3')).toBe(false);
    });

    it('attributes an order once, also when five copies race', async () => {
      const store = await make();
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => store.claimAttribution({ ...attribution, campaignId: `c${i}` })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.getAttribution('o-1'))?.campaignId).toBe(`c${results.indexOf(true)}`);
      expect(await store.getAttribution('o-2')).toBeUndefined();
    });

    it('takes each refund off the attributed revenue once, clamped to the order total', async () => {
      const store = await make();
      await store.claimAttribution(attribution);
      expect(await store.refundAttribution('o-1', 'id:r1', 3000)).toBe(3000);
      expect(await store.refundAttribution('o-1', 'id:r1', 3000)).toBe(0);
      expect(await store.refundAttribution('o-1', 'id:r2', 3000)).toBe(2000);
      expect((await store.getAttribution('o-1'))?.refundedCents).toBe(5000);
      expect(await store.refundAttribution('o-404', 'id:r1', 100)).toBe(0);
      await store.claimAttribution({ ...attribution, orderId: 'o-none', source: 'none' });
      expect(await store.refundAttribution('o-none', 'id:r1', 100)).toBe(0);
    });
  });
};
