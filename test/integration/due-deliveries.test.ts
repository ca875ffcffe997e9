// Issue 8, point 12: tick releases thousands of due deliveries page by page, grouped by occurrence
// in one pass and removed in batches, on the DynamoDB store (dynalite) and its in-memory twin alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { DEFAULT_TICK_CONFIG, releaseDueDeliveries } from '#core/delivery/tick';
import { RECIPIENTS_PER_MESSAGE, type AudienceShard, type SendWork, type SendWorkInput } from '#core/delivery/messages';
import type { DeliveryStore, DueDelivery } from '#core/delivery-store';

let aws: LocalAws;
let tables = 0;
beforeAll(async () => {
  aws = await startLocalAws('due-deliveries');
});
afterAll(() => aws.stop());

const NOW = new Date('2026-12-01T08:00:30.000Z');
const SINCE = new Date(NOW.getTime() - 15 * 60_000);
const DUE_COUNT = 2500;

/** 2,500 deliveries due in the last two minutes over 3 occurrences, and 10 due later this minute. */
const deliveries = (): { due: DueDelivery[]; later: DueDelivery[] } => {
  const due = Array.from({ length: DUE_COUNT }, (_, i) => ({
    deliveryId: `d${i}`,
    dueAt: new Date(NOW.getTime() - 90_000 + (i % 90) * 1000).toISOString(),
    occurrenceId: `welcome#2026-12-01T0${i % 3}:00`,
    campaignId: 'welcome',
    customerId: `c${i}`,
  }));
  const later = Array.from({ length: 10 }, (_, i) => ({ deliveryId: `l${i}`, dueAt: '2026-12-01T08:00:45.000Z', occurrenceId: 'welcome#later', campaignId: 'welcome', customerId: `l${i}` }));
  return { due, later };
};

interface Calls {
  batchWrites: number;
  deletes: number;
}

const stores: [string, () => Promise<{ store: DeliveryStore; calls?: Calls }>][] = [
  ['memory', async () => ({ store: createMemoryDeliveryStore() })],
  [
    'dynamodb (dynalite)',
    async () => {
      const tableName = `due-${++tables}`;
      await createTable(aws.dynamoEndpoint, tableName);
      const calls: Calls = { batchWrites: 0, deletes: 0 };
      const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (/^BatchWrite(Item)?Command$/.test(context.commandName ?? '')) calls.batchWrites++;
          if (/^Delete(Item)?Command$/.test(context.commandName ?? '')) calls.deletes++;
          return next(args);
        },
        { step: 'initialize', name: 'countWrites' },
      );
      return { store: createDynamoDeliveryStore({ client, tableName }), calls };
    },
  ],
];

describe.each(stores)('due deliveries on %s', (_name, make) => {
  it('releases thousands of due deliveries once each, one occurrence per message, in batched removals', async () => {
    const { store, calls } = await make();
    const { due, later } = deliveries();
    const all = [...due, ...later];
    for (let i = 0; i < all.length; i += 40) await Promise.all(all.slice(i, i + 40).map((d) => store.putDueDelivery(d)));
    const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
    const deps = { store, sendQueue, audienceQueue: new MemoryWorkQueue<AudienceShard>(), config: DEFAULT_TICK_CONFIG };

    expect(await releaseDueDeliveries(deps, SINCE, NOW)).toBe(DUE_COUNT);

    const messages = sendQueue.drain().map((m) => m.body);
    const released = messages.flatMap((m) => m.customerIds.map((customerId) => `${m.occurrenceId}/${customerId}`));
    expect(released.sort()).toEqual(due.map((d) => `${d.occurrenceId}/${d.customerId}`).sort());
    for (const message of messages) expect(message.customerIds.length).toBeLessThanOrEqual(RECIPIENTS_PER_MESSAGE);
    // Pages of 1000 grouped by occurrence: at most one part-filled message per occurrence and page.
    expect(messages.length).toBeLessThanOrEqual(Math.ceil(DUE_COUNT / RECIPIENTS_PER_MESSAGE) + 3 * Math.ceil(DUE_COUNT / 1000));
    if (calls) {
      expect(calls.deletes).toBe(0);
      expect(calls.batchWrites).toBeGreaterThanOrEqual(Math.ceil(DUE_COUNT / 25));
      expect(calls.batchWrites).toBeLessThanOrEqual(Math.ceil(DUE_COUNT / 25) + 3);
    }
    // Released ones are gone; the ones due later this minute wait for the next tick.
    expect(await releaseDueDeliveries(deps, SINCE, NOW)).toBe(0);
    const bucket = await store.listDueDeliveries('2026-12-01T08:00');
    expect(bucket.items.map((d) => d.deliveryId).sort()).toEqual(later.map((d) => d.deliveryId).sort());
    expect(await releaseDueDeliveries(deps, SINCE, new Date('2026-12-01T08:00:50.000Z'))).toBe(10);
  }, 60_000);

  it('lists a bucket a page at a time in due order, skipping none when listed ones are removed between pages', async () => {
    const { store } = await make();
    const { due } = deliveries();
    const bucket = '2026-12-01T07:59';
    const inBucket = due.filter((d) => d.dueAt.startsWith(bucket)).slice(0, 230);
    for (const d of inBucket) await store.putDueDelivery(d);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listDueDeliveries(bucket, { limit: 50, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((d) => d.deliveryId));
      await store.removeDueDeliveries(page.items);
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(5);
    expect(seen.sort()).toEqual(inBucket.map((d) => d.deliveryId).sort());
    expect((await store.listDueDeliveries(bucket)).items).toEqual([]);
  }, 60_000);
});
