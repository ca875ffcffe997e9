import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { funnelStoreContract } from '../unit/funnel-store-contract';

let aws: LocalAws;
let tables = 0;
const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });

beforeAll(async () => {
  aws = await startLocalAws('funnel-store-test');
});
afterAll(() => aws.stop());

funnelStoreContract('dynamodb (dynalite)', async () => {
  const tableName = `funnels-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  return createDynamoFunnelStore({ client: client(), tableName });
});

describe('dynamodb funnel store: item layout', () => {
  it('keeps an arm\'s counters under the campaign and the last click in the customer\'s partition', async () => {
    const store = createDynamoFunnelStore({ client: client(), tableName: aws.tableName });
    await store.addCounts({ campaignId: 'nl', occurrenceId: 'nl:2026-03-01T08:00Z', arm: 'b' }, { sent: 2 });
    await store.putLastClick('c1', { campaignId: 'nl', occurrenceId: 'nl:2026-03-01T08:00Z', arm: 'b', atMs: 1_000_000 });
    const row = await client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CAMPAIGN#nl', sk: 'FUNNEL#2026-03-01T08:00Z#b' } }));
    expect(row.Item?.sent).toBe(2);
    const last = await client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CUST#c1', sk: 'LASTCLICK' } }));
    expect(last.Item?.expiresAt).toBe(1000 + 90 * 86_400);
  });
});
