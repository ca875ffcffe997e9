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

/** A client whose PutItem fails once for the first item `matches` picks (a crash between two writes). */
const failingOnce = (matches: (item: Record<string, unknown>) => boolean) => {
  const c = client();
  let failed = false;
  c.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Item?: Record<string, unknown> };
      if (!failed && input.Item && matches(input.Item)) {
        failed = true;
        throw new Error('injected: connection reset');
      }
      return next(args);
    },
    { step: 'initialize', name: 'failOnce' },
  );
  return c;
};

describe('dynamodb store: crash between writes', () => {
  const bump = (id: string) => (p: ReturnType<typeof emptyProfile> | undefined) => ({ profile: { ...(p ?? emptyProfile(id, '2026-01-01T00:00:00.000Z')), points: (p?.points ?? 0) + 1 }, ownEvents: [] });

  it('keeps an event id a duplicate when its marker could not be written, and puts the marker on the retry', async () => {
    const store = createDynamoStore({ client: failingOnce((item) => item.sk === 'APPLIED#e1'), tableName: aws.tableName });
    await store.applyAtomically('crash-1', 'e1', bump('crash-1'));
    await expect(store.applyAtomically('crash-1', 'e2', bump('crash-1'))).rejects.toThrow(/injected/);
    expect((await store.applyAtomically('crash-1', 'e1', bump('crash-1'))).status).toBe('duplicate');
    expect((await store.applyAtomically('crash-1', 'e2', bump('crash-1'))).status).toBe('applied');
    expect((await store.applyAtomically('crash-1', 'e1', bump('crash-1'))).status).toBe('duplicate');
    expect((await store.getProfile('crash-1'))?.points).toBe(2);
  });

  it('loses no event when the profile write fails after the markers were put: the redelivery applies it once', async () => {
    const store = createDynamoStore({ client: failingOnce((item) => item.sk === 'PROFILE' && item.pk === 'CUST#crash-2' && (item.version as number) === 2), tableName: aws.tableName });
    await store.applyAtomically('crash-2', 'e1', bump('crash-2'));
    await expect(store.applyAtomically('crash-2', 'e2', bump('crash-2'))).rejects.toThrow(/injected/);
    expect((await store.applyAtomically('crash-2', 'e2', bump('crash-2'))).status).toBe('applied');
    expect((await store.applyAtomically('crash-2', 'e2', bump('crash-2'))).status).toBe('duplicate');
    expect((await store.getProfile('crash-2'))?.points).toBe(2);
  });
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
    expect(Item?.applied.map((a: { id: string }) => a.id)).toEqual(['e2']);
    expect(Item?.profile.points).toBe(3);
  });

  it('moves an applied event id from the profile to a marker item with a 90-day TTL when the next event is written', async () => {
    const now = Date.parse('2026-03-01T00:00:00.000Z');
    const store = createDynamoStore({ client: client(), tableName: aws.tableName, now: () => now });
    await store.applyAtomically('layout-3', 'e1', () => ({ profile: emptyProfile('layout-3', '2026-01-01T00:00:00.000Z'), ownEvents: [] }));
    const marker = () => client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CUST#layout-3', sk: 'APPLIED#e1' } }));
    expect((await marker()).Item).toBeUndefined();
    await store.applyAtomically('layout-3', 'e2', (p) => ({ profile: { ...p!, points: 1 }, ownEvents: [] }));
    expect((await marker()).Item).toEqual({ pk: 'CUST#layout-3', sk: 'APPLIED#e1', entity: 'applied', id: 'e1', own: [], expiresAt: now / 1000 + 90 * 86_400 });
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
