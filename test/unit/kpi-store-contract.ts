// The contract both month-counter stores keep (memory twin in unit tests, DynamoDB on dynalite),
// and the unique-click counts the report reads from both click stores.
import { describe, expect, it } from 'vitest';
import type { KpiScope, KpiStore, MonthChanges } from '#core/kpis';
import type { ClickCounts } from '#core/report';
import type { ClickRecorder } from '../../functions/track/app';

const BERLIN: KpiScope = { timeZone: 'Europe/Berlin', activeDays: 365 };

export const kpiStoreContract = (name: string, make: () => Promise<KpiStore>): void => {
  describe(`kpi store contract: ${name}`, () => {
    it('adds the changes of several shards up per month and counter', async () => {
      const store = await make();
      await store.addChanges(BERLIN, 0, new Map([['2026-01', { customers: 1, orders: 1, revenueCents: 500 }]]));
      await store.addChanges(BERLIN, 3, new Map([['2026-01', { customers: 1, revenueCents: -200 }], ['2026-02', { customers: -1 }]]));
      expect(await store.monthChanges(BERLIN, '2026-12')).toEqual(new Map([['2026-01', { customers: 2, orders: 1, revenueCents: 300 }], ['2026-02', { customers: -1 }]]));
    });

    it('reads months up to the one asked for, from the first', async () => {
      const store = await make();
      await store.addChanges(BERLIN, 1, new Map([['2025-11', { customers: 1 }], ['2026-01', { orders: 2 }], ['2026-02', { orders: 1 }]]));
      expect([...(await store.monthChanges(BERLIN, '2026-01')).keys()].sort()).toEqual(['2025-11', '2026-01']);
    });

    it('keeps scopes (zone and W) apart', async () => {
      const store = await make();
      await store.addChanges(BERLIN, 0, new Map([['2026-01', { customers: 1 }]]));
      await store.addChanges({ timeZone: 'UTC', activeDays: 90 }, 0, new Map([['2026-01', { customers: 5 }]]));
      expect((await store.monthChanges(BERLIN, '2026-01')).get('2026-01')).toEqual({ customers: 1 });
    });

    it('loses no count when 20 writers add to the same month at once', async () => {
      const store = await make();
      await Promise.all(Array.from({ length: 20 }, () => store.addChanges(BERLIN, 2, new Map([['2026-03', { orders: 1, revenueCents: 10 }]]))));
      expect((await store.monthChanges(BERLIN, '2026-03')).get('2026-03')).toEqual({ orders: 20, revenueCents: 200 });
    });

    it('replaces every month of a scope on a rebuild', async () => {
      const store = await make();
      await store.addChanges(BERLIN, 1, new Map([['2026-01', { customers: 7 }], ['2026-02', { orders: 3 }]]));
      const rebuilt: MonthChanges = new Map([['2026-01', { customers: 2 }]]);
      await store.replaceAll(BERLIN, rebuilt);
      expect(await store.monthChanges(BERLIN, '2026-12')).toEqual(rebuilt);
    });
  });
};

export const clickCountsContract = (name: string, make: () => Promise<ClickRecorder & ClickCounts>): void => {
  describe(`click counts contract: ${name}`, () => {
    it('sums first clicks per recipient and link for each occurrence of a campaign', async () => {
      const store = await make();
      const click = { occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c1', campaignId: 'nl', link: 0, atMs: 0 };
      await store.recordClick(click);
      await store.recordClick({ ...click, atMs: 5 });
      await store.recordClick({ ...click, link: 1 });
      await store.recordClick({ ...click, customerId: 'c2' });
      await store.recordClick({ ...click, occurrenceId: 'nl:2026-04-01T08:00Z' });
      await store.recordClick({ ...click, occurrenceId: 'other:2026-03-01T08:00Z', campaignId: 'other' });
      expect(await store.uniqueClicks('nl')).toEqual(new Map([['nl:2026-03-01T08:00Z', 3], ['nl:2026-04-01T08:00Z', 1]]));
    });
  });
};
