import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoClickStore } from '#adapters/dynamo-click-store';
import { clickStoreContract } from '../unit/click-store-contract';

let aws: LocalAws;
let tables = 0;
const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });

beforeAll(async () => {
  aws = await startLocalAws('click-store-test');
});
afterAll(() => aws.stop());

clickStoreContract('dynamodb (dynalite)', async () => {
  const tableName = `clicks-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  return createDynamoClickStore({ client: client(), tableName });
});

describe('dynamodb click store: item layout', () => {
  it('adds first clicks to a per-occurrence counter under the campaign', async () => {
    const store = createDynamoClickStore({ client: client(), tableName: aws.tableName });
    await store.recordClick({ occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c1', campaignId: 'nl', link: 4, atMs: 0 });
    await store.recordClick({ occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c1', campaignId: 'nl', link: 4, atMs: 1 });
    await store.recordClick({ occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c2', campaignId: 'nl', link: 4, atMs: 2 });
    const { Item } = await client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CAMPAIGN#nl', sk: 'CLICKS#2026-03-01T08:00Z' } }));
    expect(Item?.link_4).toBe(2);
  });
});
