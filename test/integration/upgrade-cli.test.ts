// `stammkunde upgrade` against dynalite: due deliveries written before tick looked them up through
// the gsi1 due-hour key are never released until the upgrade gives them that key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { DEFAULT_TICK_CONFIG, releaseDueDeliveries } from '#core/delivery/tick';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import type { DueDelivery } from '#core/delivery-store';
import { runUpgrade } from '#cli/commands/upgrade';

let aws: LocalAws;
let tables = 0;
beforeAll(async () => {
  aws = await startLocalAws('upgrade-cli');
});
afterAll(() => aws.stop());

const NOW = new Date('2026-12-01T08:00:30.000Z');
const SINCE = new Date(NOW.getTime() - 15 * 60_000);
const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });

const fresh = async () => {
  const tableName = `upgrade-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  const store = createDynamoDeliveryStore({ client: client(), tableName });
  const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
  const deps = { store, sendQueue, audienceQueue: new MemoryWorkQueue<AudienceShard>(), config: DEFAULT_TICK_CONFIG };
  return { tableName, store, sendQueue, deps };
};

/** A due delivery as putDueDelivery wrote it before nextDueBucket: the gsi3 minute key only. */
const putOldShape = async (tableName: string, delivery: DueDelivery, extra: Record<string, unknown> = {}): Promise<void> => {
  const bucket = delivery.dueAt.slice(0, 16);
  await client().send(
    new PutCommand({
      TableName: tableName,
      Item: { pk: `DUE#${delivery.deliveryId}`, sk: 'DUE', entity: 'dueDelivery', ...delivery, gsi3pk: `DUE#${bucket}`, gsi3sk: `${delivery.dueAt}#${delivery.deliveryId}`, ...extra },
    }),
  );
};

const due = (i: number, dueAt = '2026-12-01T07:59:10.000Z'): DueDelivery => ({ deliveryId: `old${i}`, dueAt, occurrenceId: 'welcome:2026-12-01T07:00Z', campaignId: 'welcome', customerId: `c${i}` });

describe('stammkunde upgrade on dynalite', () => {
  it('gives old-shape due deliveries the due-hour key, after which tick releases them (and not before)', async () => {
    const { tableName, store, sendQueue, deps } = await fresh();
    // 20 due in the next hours, 10 already due (two hours ago: behind tick's window).
    const ahead = Array.from({ length: 20 }, (_, i) => due(i, new Date(NOW.getTime() + 120_000 + i * 600_000).toISOString()));
    const overdue = Array.from({ length: 10 }, (_, i) => due(20 + i, new Date(NOW.getTime() - 2 * 3_600_000 + i * 1000).toISOString()));
    for (const d of [...ahead, ...overdue]) await putOldShape(tableName, d);
    const current = { ...due(99), dueAt: '2026-12-01T08:00:10.000Z', deliveryId: 'new1', customerId: 'c99' };
    await store.putDueDelivery(current);
    const END = new Date(NOW.getTime() + 4 * 3_600_000);

    // Before the upgrade tick sees only the delivery written with the new shape.
    expect(await releaseDueDeliveries(deps, SINCE, NOW)).toBe(1);
    sendQueue.drain();
    expect(await releaseDueDeliveries(deps, NOW, END)).toBe(0);

    expect(await runUpgrade({ table: tableName }, { documentClient: client() }, NOW)).toEqual({
      exitCode: 0,
      lines: [`table ${tableName}:`, 'due deliveries: 30 without the due-hour index key; 30 given it (10 already due: sent by the next tick), 0 released or keyed meanwhile'],
    });
    const item = (await client().send(new GetCommand({ TableName: tableName, Key: { pk: 'DUE#old1', sk: 'DUE' } }))).Item!;
    expect([item.gsi1pk, item.gsi1sk]).toEqual(['DUEHOUR#2026-12-01T08', '2026-12-01T08:12#old1']);

    // The next tick (window from a few minutes behind its watermark) sends the overdue ones.
    expect(await releaseDueDeliveries(deps, new Date(NOW.getTime() - 5 * 60_000), new Date(NOW.getTime() + 60_000))).toBe(10);
    expect(sendQueue.drain().flatMap((m) => m.body.customerIds).sort()).toEqual(overdue.map((d) => d.customerId).sort());
    expect(await releaseDueDeliveries(deps, NOW, END)).toBe(20);
    expect(sendQueue.drain().flatMap((m) => m.body.customerIds).sort()).toEqual(ahead.map((d) => d.customerId).sort());
  }, 60_000);

  it('is idempotent and pages through a scan larger than one page', async () => {
    const { tableName, store } = await fresh();
    for (let i = 0; i < 12; i++) await putOldShape(tableName, due(i));
    expect(await store.backfillDueIndex(NOW, { pageSize: 5 })).toEqual({ found: 12, updated: 12, late: 12, skipped: 0, unreadable: [] });
    expect(await store.backfillDueIndex(NOW, { pageSize: 5 })).toEqual({ found: 0, updated: 0, late: 0, skipped: 0, unreadable: [] });
    expect((await runUpgrade({ table: tableName }, { documentClient: client() }, NOW)).lines).toEqual([`table ${tableName}:`, 'due deliveries: all carry the due-hour index key, nothing to do']);
  }, 60_000);

  it('fails naming a due delivery whose dueAt is no date, and keys the rest', async () => {
    const { tableName } = await fresh();
    await putOldShape(tableName, due(1));
    await putOldShape(tableName, due(2), { dueAt: 'soon' });
    expect(await runUpgrade({ table: tableName }, { documentClient: client() }, NOW)).toEqual({
      exitCode: 1,
      lines: [
        `table ${tableName}:`,
        'due deliveries: 2 without the due-hour index key; 1 given it (1 already due: sent by the next tick), 0 released or keyed meanwhile',
        'due deliveries left as they are, their dueAt is no date: old2',
      ],
    });
  }, 60_000);
});
