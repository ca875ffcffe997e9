// The tick's part of the delivery store (watermark, missed occurrences), held to one contract on
// the in-memory twin and on DynamoDB (dynalite): the same answers, the same conditional paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import type { DeliveryStore } from '#core/delivery-store';
import type { Occurrence } from '#core/delivery/occurrence';

let aws: LocalAws;
let tables = 0;
beforeAll(async () => {
  aws = await startLocalAws('tick-store-contract');
});
afterAll(() => aws.stop());

const stores: [string, () => Promise<DeliveryStore>][] = [
  ['memory', async () => createMemoryDeliveryStore()],
  [
    'dynamodb (dynalite)',
    async () => {
      const tableName = `tick-contract-${++tables}`;
      await createTable(aws.dynamoEndpoint, tableName);
      return createDynamoDeliveryStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName });
    },
  ],
];

const missed: Occurrence = {
  occurrenceId: 'news:2026-12-01T08:00Z',
  campaignId: 'news',
  scheduledAt: '2026-12-01T08:00:00.000Z',
  state: 'missed',
  missedReason: 'due 2026-12-01T08:00:00.000Z, first reached by the tick of 2026-12-03T07:00:00.000Z: later than the catch-up limit of 24 h, not sent',
  totalSegments: 8,
  createdAt: '2026-12-03T07:00:00.000Z',
  stats: {},
};

describe.each(stores)('delivery store (%s): tick watermark and missed occurrences', (_name, make) => {
  it('has no watermark before the first tick', async () => {
    expect(await (await make()).getTickWatermark()).toBeUndefined();
  });

  it('moves the watermark forward and answers it to the millisecond', async () => {
    const store = await make();
    expect(await store.advanceTickWatermark(new Date('2026-12-01T08:00:00.000Z'))).toBe(true);
    expect(await store.advanceTickWatermark(new Date('2026-12-01T08:00:59.999Z'))).toBe(true);
    expect(await store.getTickWatermark()).toEqual(new Date('2026-12-01T08:00:59.999Z'));
  });

  it('fails to move the watermark back or to the same instant, and keeps the later one', async () => {
    const store = await make();
    await store.advanceTickWatermark(new Date('2026-12-01T08:05:00Z'));
    expect(await store.advanceTickWatermark(new Date('2026-12-01T08:01:00Z'))).toBe(false);
    expect(await store.advanceTickWatermark(new Date('2026-12-01T08:05:00Z'))).toBe(false);
    expect(await store.getTickWatermark()).toEqual(new Date('2026-12-01T08:05:00Z'));
  });

  it('ends concurrent advances at the latest instant whatever their order', async () => {
    const store = await make();
    const instants = [3, 9, 1, 7, 5].map((m) => new Date(Date.UTC(2026, 11, 1, 8, m)));
    const results = await Promise.all(instants.map((at) => store.advanceTickWatermark(at)));
    expect(results).toContain(true);
    expect(await store.getTickWatermark()).toEqual(new Date(Date.UTC(2026, 11, 1, 8, 9)));
  });

  it('stores a missed occurrence with its reason, visible through get and list', async () => {
    const store = await make();
    expect(await store.createOccurrence(missed)).toBe(true);
    expect(await store.getOccurrence(missed.occurrenceId)).toEqual(missed);
    expect(await store.listOccurrences('news')).toEqual([missed]);
  });

  it('fails to record an occurrence as missed once it exists, and keeps the existing one', async () => {
    const store = await make();
    const running: Occurrence = { ...missed, state: 'running', createdAt: '2026-12-01T08:00:00.000Z' };
    delete running.missedReason;
    await store.createOccurrence(running);
    expect(await store.createOccurrence(missed)).toBe(false);
    expect(await store.getOccurrence(missed.occurrenceId)).toEqual(running);
  });
});
