import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { createDynamoClickStore } from '#adapters/dynamo-click-store';
import { createDynamoPersonalData } from '#adapters/dynamo-personal-data';
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

  it('keeps the unique-clicker marker out of a GDPR export\'s clicks, in the partition erase deletes', async () => {
    const occurrenceId = 'nl:2026-04-01T08:00Z';
    const funnels = createDynamoFunnelStore({ client: client(), tableName: aws.tableName });
    const clicks = createDynamoClickStore({ client: client(), tableName: aws.tableName });
    await clicks.recordClick({ occurrenceId, customerId: 'c7', campaignId: 'nl', link: 2, atMs: Date.parse('2026-04-01T09:00:00Z') });
    await funnels.markClicker({ campaignId: 'nl', occurrenceId, arm: '-' }, 'c7', Date.parse('2026-04-01T09:00:00Z'));
    const personal = createDynamoPersonalData({ client: client(), tableName: aws.tableName });
    expect(await personal.clicksOf('c7', [occurrenceId])).toEqual([{ occurrenceId, kind: 'click', link: 2, at: '2026-04-01T09:00:00.000Z' }]);
    await personal.eraseItems('c7', [occurrenceId], []);
    expect(await funnels.markClicker({ campaignId: 'nl', occurrenceId, arm: '-' }, 'c7', Date.parse('2026-04-02T09:00:00Z'))).toBe(true);
  });
});
