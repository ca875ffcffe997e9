import { describe, expect, it } from 'vitest';
import { createMemoryFunnelStore } from '#adapters/memory-funnel-store';
import { createCampaignOutcomes } from '#core/funnel-report';
import type { Occurrence } from '#core/delivery/occurrence';

const occurrence = (occurrenceId: string) => ({ occurrenceId }) as Occurrence;
const period = { fromMs: 0, toMs: Date.parse('2027-01-01T00:00:00Z') };
const march = 'spring:2026-03-01T08:00Z';
const april = 'spring:2026-04-01T08:00Z';

describe('funnel report: campaign outcomes', () => {
  it('sums attributed conversions and revenue per occurrence over its arms', async () => {
    const funnels = createMemoryFunnelStore();
    await funnels.addCounts({ campaignId: 'spring', occurrenceId: march, arm: 'a' }, { conversions: 2, revenueCents: 9000 });
    await funnels.addCounts({ campaignId: 'spring', occurrenceId: march, arm: 'b' }, { conversions: 1, revenueCents: 1000 });
    await funnels.addCounts({ campaignId: 'spring', occurrenceId: april, arm: 'a' }, { conversions: 5, revenueCents: 5 });
    const result = await createCampaignOutcomes(funnels).outcomesOf('spring', [occurrence(march)], period);
    expect(result.occurrences.get(march)).toMatchObject({ conversions: 3, revenueCents: 10000 });
    expect(result.occurrences.has(april)).toBe(false);
  });

  it('reports each variant against the holdout with the lift in percentage points and its 95 % interval', async () => {
    const funnels = createMemoryFunnelStore();
    // Newcombe's example: 56 of 70 against 48 of 80, split over two occurrences.
    await funnels.addCounts({ campaignId: 'spring', occurrenceId: march, arm: 'a' }, { sent: 40, members: 40, converted: 30, clicks: 12, convertedRevenueCents: 100 });
    await funnels.addCounts({ campaignId: 'spring', occurrenceId: april, arm: 'a' }, { sent: 30, members: 30, converted: 26, clicks: 3 });
    await funnels.addCounts({ campaignId: 'spring', occurrenceId: march, arm: 'holdout' }, { members: 80, converted: 48, convertedRevenueCents: 7 });
    const { variants } = await createCampaignOutcomes(funnels).outcomesOf('spring', [occurrence(march), occurrence(april)], period);
    expect(variants?.map((v) => v.variantId)).toEqual(['a', 'holdout']);
    const a = variants![0]!;
    expect(a).toMatchObject({ holdout: false, assigned: 70, sent: 70, clicked: 15, conversions: 56, revenueCents: 100 });
    expect(a.lift!.percentPoints).toBeCloseTo(20, 10);
    expect(a.lift!.low).toBeCloseTo(5.24, 2);
    expect(a.lift!.high).toBeCloseTo(33.39, 2);
    expect(a.lift!.method).toBe('newcombe-hybrid-score');
    expect(variants![1]).toEqual({ variantId: 'holdout', holdout: true, assigned: 80, sent: 0, clicked: 0, conversions: 48, revenueCents: 7 });
  });

  it('reports a triggered campaign (no occurrences passed) from its totals per arm', async () => {
    const funnels = createMemoryFunnelStore();
    await funnels.addCounts({ campaignId: 'welcome', occurrenceId: 'welcome:c1:once', arm: '-' }, { conversions: 1, revenueCents: 2500 });
    await funnels.addCounts({ campaignId: 'welcome', occurrenceId: 'welcome:c2:once', arm: '-' }, { conversions: 1, revenueCents: 1500 });
    const result = await createCampaignOutcomes(funnels).outcomesOf('welcome', [], period);
    expect(result.total).toEqual({ conversions: 2, revenueCents: 4000 });
    expect(result.occurrences.size).toBe(0);
    expect(result.variants).toBeUndefined();
  });

  it('has no variants for a campaign without an experiment', async () => {
    const funnels = createMemoryFunnelStore();
    await funnels.addCounts({ campaignId: 'spring', occurrenceId: march, arm: '-' }, { conversions: 1, revenueCents: 100, clicks: 4 });
    const result = await createCampaignOutcomes(funnels).outcomesOf('spring', [occurrence(march)], period);
    expect(result.variants).toBeUndefined();
  });
});
