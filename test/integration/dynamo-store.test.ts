import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { emptyProfile } from '#core/ingest';
import { customerStoreContract } from '../unit/store-contract';

let aws: LocalAws;
let tables = 0;
const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });

beforeAll(async () => {
  aws = await startLocalAws('dynamo-store-test');
});
afterAll(() => aws.stop());

// A fresh table per contract test, so scans see only that test's profiles.
customerStoreContract('dynamodb (dynalite)', async () => {
  const tableName = `contract-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  return createDynamoStore({ client: client(), tableName });
});

describe('dynamodb store: item layout', () => {
  it('keeps the profile under CUST#id/PROFILE with its version and the email and birthday index keys', async () => {
    const store = createDynamoStore({ client: client(), tableName: aws.tableName });
    const profile = { ...emptyProfile('layout-1', '2026-01-01T00:00:00.000Z'), email: 'Mia@Shop.example', birthday: '--07-04' };
    delete profile.placeholder;
    await store.applyAtomically('layout-1', 'e1', () => ({ profile, ownEvents: [] }));
    await store.applyAtomically('layout-1', 'e2', (p) => ({ profile: { ...p!, points: 3 }, ownEvents: [] }));
    const { Item } = await client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CUST#layout-1', sk: 'PROFILE' } }));
    expect(Item).toMatchObject({ version: 2, gsi1pk: 'EMAIL#mia@shop.example', gsi1sk: 'CUST#layout-1', gsi2pk: 'BDAY#07-04', gsi2sk: 'CUST#layout-1' });
    expect(Item?.applied.map((a: { id: string }) => a.id)).toEqual(['e1', 'e2']);
    expect(Item?.profile.points).toBe(3);
  });

  it('stores history items under CUST#id with EV#time#id sort keys', async () => {
    const store = createDynamoStore({ client: client(), tableName: aws.tableName });
    await store.appendEvents('layout-2', [{ eventId: 'e7', origin: 'shop', type: 'NpsSubmitted', at: '2026-02-01T00:00:00.000Z', detail: { score: 9 } }]);
    const { Item } = await client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CUST#layout-2', sk: 'EV#2026-02-01T00:00:00.000Z#e7' } }));
    expect(Item?.detail).toEqual({ score: 9 });
  });

  it('gives rejections a TTL 90 days after receipt', async () => {
    const store = createDynamoStore({ client: client(), tableName: aws.tableName });
    await store.putRejection({ key: 'm-1', receivedAt: '2026-02-01T00:00:00.000Z', reason: '(body): not JSON', body: '{' });
    const { Item } = await client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'REJECT#2026-02-01', sk: 'm-1' } }));
    expect(Item?.expiresAt).toBe(Date.parse('2026-02-01T00:00:00.000Z') / 1000 + 90 * 86_400);
  });
});
