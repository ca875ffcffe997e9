// The feedback policy on DynamoDB (dynalite): the same scenarios as the memory stores, plus the
// item layout that keeps customer ids out of the markers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoFeedbackStore } from '#adapters/dynamo-feedback-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';
import { feedbackScenarios } from '../unit/feedback-scenarios';
import { breakerStoreContract } from '../unit/breaker-store-contract';

let aws: LocalAws;
let tables = 0;
const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });

beforeAll(async () => {
  aws = await startLocalAws('feedback-test');
});
afterAll(() => aws.stop());

const fresh = async () => {
  const tableName = `feedback-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  return tableName;
};

feedbackScenarios('dynamodb (dynalite)', async () => {
  const tableName = await fresh();
  const c = client();
  return { delivery: createDynamoDeliveryStore({ client: c, tableName }), customers: createDynamoStore({ client: c, tableName }), feedback: createDynamoFeedbackStore({ client: c, tableName }) };
});

breakerStoreContract('dynamodb (dynalite)', async () => createDynamoBreakerStore({ client: client(), tableName: await fresh() }));

describe('dynamodb feedback store: item layout', () => {
  it('keeps markers free of the customer id and the run under the customer', async () => {
    const tableName = await fresh();
    const store = createDynamoFeedbackStore({ client: client(), tableName });
    expect(await store.markFeedback('msg-1#Delivery#c-77', 0)).toBe(true);
    expect(await store.markFeedback('msg-1#Delivery#c-77', 0)).toBe(false);
    expect(await store.addSoftBounce('c-77', 'msg-2#Bounce#c-77', 0)).toBe(1);
    expect(await store.addSoftBounce('c-77', 'msg-2#Bounce#c-77', 0)).toBe(1);
    const { Items = [] } = await client().send(new ScanCommand({ TableName: tableName }));
    const keys = Items.map((i) => `${i.pk}|${i.sk}`).sort();
    expect(keys.filter((k) => k.includes('c-77'))).toEqual(['CUST#c-77|SOFTBOUNCE']);
    expect(keys.filter((k) => k.startsWith('FB#'))).toHaveLength(1);
  });

  it('sums the reputation shards of each hour bucket asked for', async () => {
    const store = createDynamoFeedbackStore({ client: client(), tableName: await fresh() });
    await store.addReputation('2026-12-01T08', 0, { sends: 10, bounces: 1, complaints: 0 });
    await store.addReputation('2026-12-01T08', 3, { sends: 5, bounces: 0, complaints: 1 });
    await store.addReputation('2026-12-01T09', 1, { sends: 7, bounces: 0, complaints: 0 });
    expect(await store.readReputation(['2026-12-01T09', '2026-12-01T08', '2026-12-01T07'], 4)).toEqual([
      { sends: 7, bounces: 0, complaints: 0 },
      { sends: 15, bounces: 1, complaints: 1 },
      { sends: 0, bounces: 0, complaints: 0 },
    ]);
  });
});
