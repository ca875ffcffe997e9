// The retention report at scale: 100,000 customers and a year of their events.
// 1. ingest: the shop events through applyEvent plus the KPI hook (contributionChange into the
//    month counters), in memory: what the counters cost per event;
// 2. report time from the kept counters (what `stammkunde report` and the weekly Lambda do), and,
//    for comparison, from every profile (another --active-days or --time-zone);
// 3. DynamoDB reads of one report against the customer count (dynalite, counted at the client):
//    the month counters of 1k, 10k and 100k customers, written to the table as ingest would
//    leave them, plus 6 campaigns with 12 occurrences each. The reads must not grow.
import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoKpiStore } from '#adapters/dynamo-kpi-store';
import { createDynamoClickCounts, createDynamoClickStore } from '#adapters/dynamo-click-store';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createMemoryKpiStore } from '#adapters/memory-kpi-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { startLocalAws } from '#local/servers';
import type { ShopEvent } from '#core/events';
import { applyEvent, customerIdOf } from '#core/ingest';
import { MonthCalendar, addChanges, changesFromProfiles, contributionChange, kpiShardOf, type KpiScope, type MonthChanges } from '#core/kpis';
import { defaultLoyaltyConfig } from '#core/loyalty';
import type { Profile } from '#core/profile';
import { buildReport, kpiSourceOf } from '#core/report';
import { publishExampleNewsletter } from '../test/unit/delivery-fixtures';

const CUSTOMERS = 100_000;
const SCOPE: KpiScope = { timeZone: 'Europe/Berlin', activeDays: 365 };
const YEAR = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

/** A deterministic year: each customer orders 1-6 times, every 7th refunds an order, every 3rd answers NPS twice. */
function* year(customers: number): Generator<ShopEvent> {
  for (let c = 0; c < customers; c++) {
    const customerId = `cust-${c}`;
    const orders = 1 + ((c * 7919) % 6);
    for (let o = 0; o < orders; o++) {
      const at = new Date(YEAR + (((c * 104_729 + o * 7_777) % 365) * DAY) + (c % 86_400) * 1000).toISOString();
      yield { id: `ord-${c}-${o}`, time: at, type: 'OrderPlaced', detail: { orderId: `o-${c}-${o}`, customerId, placedAt: at, totalCents: 1_000 + ((c * 31 + o * 17) % 9_000), currency: 'EUR', items: [] } };
    }
    if (c % 7 === 0) {
      const at = new Date(YEAR + 300 * DAY + (c % 1000) * 60_000).toISOString();
      yield { id: `ref-${c}`, time: at, type: 'OrderRefunded', detail: { orderId: `o-${c}-0`, customerId, refundedAt: at, amountCents: 100_000 } };
    }
    if (c % 3 === 0) {
      for (const d of [40, 45]) {
        const at = new Date(YEAR + (d + (c % 300)) * DAY).toISOString();
        yield { id: `nps-${c}-${d}`, time: at, type: 'NpsSubmitted', detail: { customerId, score: (c + d) % 11, submittedAt: at } };
      }
    }
  }
}

/** Applies the year in memory (events of a customer in time order) and keeps the month counters per shard. */
const ingestYear = async (customers: number): Promise<{ profiles: Map<string, Profile>; shards: Map<number, MonthChanges>; events: number; seconds: number; hookSeconds: number }> => {
  const calendar = new MonthCalendar(SCOPE.timeZone, SCOPE.activeDays);
  const byCustomer = new Map<string, ShopEvent[]>();
  for (const event of year(customers)) {
    const id = customerIdOf(event);
    const list = byCustomer.get(id) ?? [];
    list.push(event);
    byCustomer.set(id, list);
  }
  const profiles = new Map<string, Profile>();
  const shards = new Map<number, MonthChanges>();
  let events = 0;
  let hook = 0;
  const t0 = performance.now();
  for (const [customerId, list] of byCustomer) {
    list.sort((a, b) => a.time.localeCompare(b.time));
    let profile: Profile | undefined;
    const shard = kpiShardOf(customerId);
    for (const event of list) {
      const next = applyEvent(profile, event, defaultLoyaltyConfig).profile;
      const h0 = performance.now();
      const change = contributionChange(profile, next, calendar);
      if (change.size) shards.set(shard, addChanges(shards.get(shard) ?? new Map(), change));
      hook += performance.now() - h0;
      profile = next;
      events++;
    }
    profiles.set(customerId, profile!);
  }
  return { profiles, shards, events, seconds: (performance.now() - t0) / 1000, hookSeconds: hook / 1000 };
};

/** Counts the DynamoDB calls made through a client (every command the report sends). */
const countCalls = (client: DynamoDBDocumentClient): { calls: Map<string, number> } => {
  const calls = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName ?? 'unknown';
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countReportCalls' },
  );
  return { calls };
};

const campaignIds = ['newsletter', 'easter', 'advent', 'birthday', 'summer', 'autumn'];

export async function run(): Promise<void> {
  const ingest = await ingestYear(CUSTOMERS);
  console.log(`ingest (applyEvent + KPI hook, memory): ${ingest.events.toLocaleString('en')} events of ${CUSTOMERS.toLocaleString('en')} customers in ${ingest.seconds.toFixed(1)} s; the KPI hook ${ingest.hookSeconds.toFixed(1)} s = ${((ingest.hookSeconds / ingest.events) * 1e6).toFixed(0)} µs/event`);

  const memoryKpis = createMemoryKpiStore();
  for (const [shard, changes] of ingest.shards) await memoryKpis.addChanges(SCOPE, shard, changes);
  const deliveries = createMemoryDeliveryStore();
  const clicks = createMemoryClickStore();
  const period = { from: '2025-01-01', to: '2025-12-31', ...SCOPE };
  let t0 = performance.now();
  const report = await buildReport({ kpis: kpiSourceOf({ store: memoryKpis }), funnels: { deliveries, clicks } }, period);
  console.log(`report from the kept counters: ${((performance.now() - t0) / 1000).toFixed(3)} s (12 months; December: ${report.months[11]!.customers} customers, repeat ${report.months[11]!.repeatPurchaseRate!.toFixed(1)} %, active ${report.months[11]!.activeCustomers})`);

  t0 = performance.now();
  async function* all() {
    yield* ingest.profiles.values();
  }
  const scanned = await changesFromProfiles(all(), new MonthCalendar(SCOPE.timeZone, 90));
  console.log(`report from every profile (--active-days 90, no counters kept): ${((performance.now() - t0) / 1000).toFixed(1)} s for ${CUSTOMERS.toLocaleString('en')} profiles (${scanned.size} months)`);

  // DynamoDB reads per report against the customer count.
  const aws = await startLocalAws('report-bench');
  try {
    for (const customers of [1_000, 10_000, CUSTOMERS]) {
      const tableName = `report-${customers}`;
      const { createTable } = await import('#local/servers');
      await createTable(aws.dynamoEndpoint, tableName);
      const writer = createDocumentClient({ endpoint: aws.dynamoEndpoint, region: 'local' });
      const shards = customers === CUSTOMERS ? ingest.shards : (await ingestYear(customers)).shards;
      const kpiWriter = createDynamoKpiStore({ client: writer, tableName });
      for (const [shard, changes] of shards) await kpiWriter.addChanges(SCOPE, shard, changes);
      const store = createDynamoDeliveryStore({ client: writer, tableName });
      const clickWriter = createDynamoClickStore({ client: writer, tableName });
      for (const id of campaignIds) {
        await store.putCampaign(await publishExampleNewsletter({ id }));
        for (let m = 0; m < 12; m++) {
          const scheduledAt = new Date(Date.UTC(2025, m, 1, 8)).toISOString();
          const occurrenceId = `${id}:${scheduledAt.slice(0, 16)}Z`;
          await store.createOccurrence({ occurrenceId, campaignId: id, scheduledAt, state: 'running', totalSegments: 1, createdAt: scheduledAt, stats: {} });
          await store.addStats(occurrenceId, { sent: 100, delivered: 98 });
          await clickWriter.recordClick({ occurrenceId, customerId: 'c1', campaignId: id, link: 0, atMs: 0 });
        }
      }
      writer.destroy();
      const reader = createDocumentClient({ endpoint: aws.dynamoEndpoint, region: 'local' });
      const { calls } = countCalls(reader);
      t0 = performance.now();
      const r = await buildReport(
        { kpis: kpiSourceOf({ store: createDynamoKpiStore({ client: reader, tableName }) }), funnels: { deliveries: createDynamoDeliveryStore({ client: reader, tableName }), clicks: createDynamoClickCounts({ client: reader, tableName }) } },
        period,
      );
      const ms = performance.now() - t0;
      const total = [...calls.values()].reduce((a, b) => a + b, 0);
      console.log(`dynamodb reads per report, ${customers.toLocaleString('en').padStart(7)} customers: ${total} calls (${[...calls].map(([k, v]) => `${k.replace('Command', '')} ${v}`).join(', ')}), ${ms.toFixed(0)} ms on dynalite; December customers ${r.months[11]!.customers}`);
      reader.destroy();
    }
  } finally {
    await aws.stop();
  }
}
