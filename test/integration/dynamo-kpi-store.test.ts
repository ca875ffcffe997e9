import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoKpiStore } from '#adapters/dynamo-kpi-store';
import { createDynamoClickCounts, createDynamoClickStore } from '#adapters/dynamo-click-store';
import { clickCountsContract, kpiStoreContract } from '../unit/kpi-store-contract';

let aws: LocalAws;
let tables = 0;
const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });
const freshTable = async () => {
  const tableName = `kpis-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  return tableName;
};

beforeAll(async () => {
  aws = await startLocalAws('kpi-store-test');
});
afterAll(() => aws.stop());

kpiStoreContract('dynamodb (dynalite)', async () => createDynamoKpiStore({ client: client(), tableName: await freshTable() }));
clickCountsContract('dynamodb (dynalite)', async () => {
  const tableName = await freshTable();
  return { ...createDynamoClickStore({ client: client(), tableName }), ...createDynamoClickCounts({ client: client(), tableName }) };
});

describe('dynamodb kpi store: item layout', () => {
  it('keeps one item per scope, month and shard with the counters as top-level numbers', async () => {
    const tableName = await freshTable();
    const store = createDynamoKpiStore({ client: client(), tableName });
    await store.addChanges({ timeZone: 'Europe/Berlin', activeDays: 365 }, 2, new Map([['2026-01', { customers: 1, revenueCents: 990 }]]));
    const { Items = [] } = await client().send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'KPI#Europe/Berlin#365' } }));
    expect(Items).toEqual([{ pk: 'KPI#Europe/Berlin#365', sk: 'MONTH#2026-01#2', entity: 'kpiMonth', month: '2026-01', customers: 1, revenueCents: 990 }]);
  });
});
