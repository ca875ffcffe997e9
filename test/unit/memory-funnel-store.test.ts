import { describe, expect, it } from 'vitest';
import { createMemoryFunnelStore } from '#adapters/memory-funnel-store';
import { funnelStoreContract } from './funnel-store-contract';

funnelStoreContract('memory', async () => createMemoryFunnelStore());

describe('memory funnel store: GDPR erase', () => {
  it('forgets the customer\'s last click, memberships and unique-clicker marks, as the partition delete does', async () => {
    const store = createMemoryFunnelStore();
    const key = { campaignId: 'nl', occurrenceId: 'nl:2026-03-01T08:00Z', arm: 'a' };
    await store.putRecentClick('c1', { ...key, atMs: 1 });
    await store.putMembership('c1', { ...key, atMs: 1 }, 10);
    await store.markClicker(key, 'c1');
    await store.markConverted('c1', key.occurrenceId, 'o-1');
    expect(store.eraseCustomer('c1', [key.occurrenceId])).toBe(3);
    expect(await store.recentClicks('c1')).toEqual([]);
    expect(await store.membershipsOf('c1')).toEqual([]);
    expect(await store.markClicker(key, 'c1')).toBe(true);
  });
});
