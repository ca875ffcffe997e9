// The retention KPIs against a fixture computed by hand (Europe/Berlin, W = 60 days, Jan-Apr 2026):
//
// A: a1 2026-01-10 100.00 (30.00 refunded 2026-02-02), a2 2026-02-15 50.00; NPS 8 on 2026-02-10
// B: b1 2026-01-31 23:30 Berlin 80.00, refunded in full 2026-02-01 00:30 Berlin (still 31 Jan in
//    UTC; the refund event arrives before its order); NPS 9 on 02-25, 5 on 03-02
// C: c1 2026-01-05 60.00 refunded in full 2026-01-20; c2 2026-03-10 40.00
// D: d1 2026-01-15 70.00; returns after W: d2 2026-04-20 20.00
// E: no order; NPS 3 on 02-03, then 10 on 02-20 (the latest in February counts)
// F: f1 2026-04-01 00:30 Berlin (31 March 22:30 UTC, after the DST change) 10.00
//
//        customers repeat rate    activeAtStart retained churn   orders revenue  new  NPS (resp p/pa/d)
// Jan    A B D = 3    0    0      0             0        null    3      25000    3    null (0)
// Feb    A D   = 2    A    50     A B D = 3     A D = 2  33.33   1      -6000    0    66.67 (3: 2/1/0)
// Mar    A C D = 3    A    33.33  A D   = 2     A = 1    50      1       4000    1    -100 (1: 0/0/1)
// Apr    A C D F = 4  A D  50     A C   = 2     C = 1    50      2       3000    1    null (0)
// active at the end of the month: Jan A B D; Feb A D; Mar A C (D's d1 left the window); Apr C D F.
import { describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { createIngestHandler } from '../../functions/ingest/handler';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryKpiStore } from '#adapters/memory-kpi-store';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { MonthCalendar, changesFromProfiles, contributionChange } from '#core/kpis';
import { monthlyKpis } from '#core/report';
import type { Profile } from '#core/profile';
import { applyEvent } from '#core/ingest';
import type { ShopEvent } from '#core/events';
import type { envelope } from '#test/fixtures/retention';
import { EXPECTED, FIXTURE, SCOPE, nps, placed, record } from '#test/fixtures/retention';

const ingestAll = async (bodies: ReturnType<typeof envelope>[], batchSize = 1) => {
  const store = createMemoryStore();
  const kpis = createMemoryKpiStore();
  const ingest = createIngestHandler({ store, loyalty: defaultLoyaltyConfig, logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }), kpis: { store: kpis, calendar: new MonthCalendar(SCOPE.timeZone, SCOPE.activeDays) } });
  for (let i = 0; i < bodies.length; i += batchSize) {
    const result = await ingest({ Records: bodies.slice(i, i + batchSize).map(record) });
    expect(result.batchItemFailures).toEqual([]);
  }
  return { store, kpis };
};

async function* profilesOf(store: ReturnType<typeof createMemoryStore>): AsyncIterable<Profile> {
  let cursor: string | undefined;
  do {
    const page = await store.scanProfiles(0, 1, cursor ? { cursor } : {});
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}

describe('kpis: hand-computed fixture', () => {
  it('matches the fixture month by month from the counters kept at ingest', async () => {
    const { kpis } = await ingestAll(FIXTURE);
    expect(monthlyKpis(await kpis.monthChanges(SCOPE, '2026-04'), '2026-01', '2026-04')).toEqual(EXPECTED);
  });

  it('gives the same months whatever order the events arrive in, and for redelivered events', async () => {
    const shuffled = [...FIXTURE].reverse();
    const { kpis } = await ingestAll([...shuffled, ...FIXTURE.slice(0, 5)], 4);
    expect(monthlyKpis(await kpis.monthChanges(SCOPE, '2026-04'), '2026-01', '2026-04')).toEqual(EXPECTED);
  });

  it('adds an event\'s change at most once: a failed counter write is logged, the redelivery (a duplicate) adds nothing', async () => {
    const store = createMemoryStore();
    const kpis = createMemoryKpiStore();
    let failNext = true;
    const flaky = { ...kpis, monthChanges: kpis.monthChanges, replaceAll: kpis.replaceAll, addChanges: async (...args: Parameters<typeof kpis.addChanges>) => { if (failNext) { failNext = false; throw new Error('ProvisionedThroughputExceededException'); } return kpis.addChanges(...args); } };
    const errors: string[] = [];
    const logger = new Logger({ serviceName: 'ingest', logLevel: 'SILENT' });
    logger.error = ((message: string) => void errors.push(message)) as typeof logger.error;
    const ingest = createIngestHandler({ store, loyalty: defaultLoyaltyConfig, logger, kpis: { store: flaky, calendar: new MonthCalendar(SCOPE.timeZone, SCOPE.activeDays) } });
    const first = placed('A', 'a1', 10_000, '2026-01-10T10:00:00+01:00');
    const second = placed('A', 'a2', 5_000, '2026-02-15T10:00:00+01:00');
    expect((await ingest({ Records: [record(first)] })).batchItemFailures).toEqual([]);
    expect(errors).toEqual(['kpi counters not updated: run stammkunde report --rebuild']);
    expect((await store.getProfile('A'))?.orders.count).toBe(1);
    for (const body of [first, second, second]) expect((await ingest({ Records: [record(body)] })).batchItemFailures).toEqual([]);
    const [jan, feb] = monthlyKpis(await kpis.monthChanges(SCOPE, '2026-02'), '2026-01', '2026-02');
    // a1's change was lost with the failed write (at most once); a2's counted once despite the redelivery.
    expect([jan!.orders, feb!.orders, feb!.revenueCents]).toEqual([0, 1, 5_000]);
    const rebuilt = await changesFromProfiles(profilesOf(store), new MonthCalendar(SCOPE.timeZone, SCOPE.activeDays));
    expect(monthlyKpis(rebuilt, '2026-01', '2026-02').map((m) => [m.orders, m.customers, m.repeatCustomers])).toEqual([[1, 1, 0], [1, 1, 1]]);
  });

  it('computes the same counters from the profiles as ingest kept (the rebuild)', async () => {
    const { store, kpis } = await ingestAll(FIXTURE);
    const rebuilt = await changesFromProfiles(profilesOf(store), new MonthCalendar(SCOPE.timeZone, SCOPE.activeDays));
    expect(monthlyKpis(rebuilt, '2026-01', '2026-04')).toEqual(monthlyKpis(await kpis.monthChanges(SCOPE, '2026-04'), '2026-01', '2026-04'));
  });

  it('counts the Berlin month of an order placed on 1 April 00:30 (31 March in UTC) in April', async () => {
    const { kpis } = await ingestAll([placed('F', 'f1', 1_000, '2026-04-01T00:30:00+02:00')]);
    const months = monthlyKpis(await kpis.monthChanges(SCOPE, '2026-04'), '2026-03', '2026-04');
    expect(months.map((m) => [m.month, m.orders, m.newCustomers])).toEqual([['2026-03', 0, 0], ['2026-04', 1, 1]]);
  });

  it('keeps months in another zone and window apart (UTC, W = 365): the B order and refund fall in January', async () => {
    const bodies = FIXTURE.filter((b) => b.detail.customerId === 'B' && b['detail-type'] !== 'NpsSubmitted');
    const { store } = await ingestAll(bodies);
    const utc = await changesFromProfiles(profilesOf(store), new MonthCalendar('UTC', 365));
    const [jan] = monthlyKpis(utc, '2026-01', '2026-01');
    expect(jan).toMatchObject({ customers: 0, orders: 0, revenueCents: 0, newCustomers: 0 });
  });

  it('changes nothing for events the KPIs do not read (a registration)', () => {
    const calendar = new MonthCalendar(SCOPE.timeZone, SCOPE.activeDays);
    const withOrder = applyEvent(undefined, { id: 'o', time: '2026-01-10T10:00:00Z', type: 'OrderPlaced', detail: { orderId: 'x', customerId: 'Z', placedAt: '2026-01-10T10:00:00Z', totalCents: 100, currency: 'EUR', items: [] } } as ShopEvent, defaultLoyaltyConfig).profile;
    const registered = applyEvent(withOrder, { id: 'r', time: '2026-01-11T10:00:00Z', type: 'CustomerRegistered', detail: { customerId: 'Z', email: 'z@shop.example', locale: 'de-DE' } } as ShopEvent, defaultLoyaltyConfig).profile;
    expect(contributionChange(withOrder, registered, calendar).size).toBe(0);
  });

  it('keeps NPS answers on the profile for 25 months only, and the counters keep the dropped month', async () => {
    const { store, kpis } = await ingestAll([nps('N', 9, '2024-01-10T10:00:00Z'), nps('N', 2, '2026-03-10T10:00:00Z')]);
    expect((await store.getProfile('N'))?.npsAnswers).toEqual([{ score: 2, at: '2026-03-10T10:00:00.000Z' }]);
    const months = monthlyKpis(await kpis.monthChanges(SCOPE, '2026-03'), '2024-01', '2026-03');
    expect([months[0]!.promoters, months[26]!.detractors]).toEqual([1, 1]);
  });

  it('keeps a customer whose old orders left the bounded history counted as a repeat customer', () => {
    const calendar = new MonthCalendar('UTC', 365);
    let profile: Profile | undefined;
    const total = new Map();
    const orders = [['o1', '2020-01-10T10:00:00Z'], ['o2', '2024-06-10T10:00:00Z']] as const;
    for (const [orderId, at] of orders) {
      const next = applyEvent(profile, { id: orderId, time: at, type: 'OrderPlaced', detail: { orderId, customerId: 'P', placedAt: at, totalCents: 100, currency: 'EUR', items: [] } } as ShopEvent, defaultLoyaltyConfig).profile;
      for (const [m, c] of contributionChange(profile, next, calendar)) total.set(m, { ...(total.get(m) ?? {}), ...Object.fromEntries(Object.entries(c).map(([k, v]) => [k, (total.get(m)?.[k] ?? 0) + v])) });
      profile = next;
    }
    expect(profile!.orderHistory.map((o) => o.orderId)).toEqual(['o2']);
    const [june] = monthlyKpis(total, '2024-06', '2024-06');
    expect(june).toMatchObject({ customers: 1, repeatCustomers: 1, repeatPurchaseRate: 100 });
  });
});
