import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalDynamo } from '#test/fixtures/local-dynamo';
import { createDynamoClickStore } from '#adapters/dynamo-click-store';
import { clickStoreContract } from '../unit/click-store-contract';

const local = useLocalDynamo('click-store-test');
const client = local.client;

clickStoreContract('dynamodb (dynalite)', async () => createDynamoClickStore({ client: client(), tableName: await local.freshTable('clicks') }));

describe('dynamodb click store: item layout', () => {
  it('adds first clicks to a per-occurrence counter under the campaign', async () => {
    const store = createDynamoClickStore({ client: client(), tableName: local.aws().tableName });
    await store.recordClick({ occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c1', campaignId: 'nl', link: 4, atMs: 0 });
    await store.recordClick({ occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c1', campaignId: 'nl', link: 4, atMs: 1 });
    await store.recordClick({ occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c2', campaignId: 'nl', link: 4, atMs: 2 });
    const { Item } = await client().send(new GetCommand({ TableName: local.aws().tableName, Key: { pk: 'CAMPAIGN#nl', sk: 'CLICKS#2026-03-01T08:00Z' } }));
    expect(Item?.link_4).toBe(2);
  });
});
