import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { PROFILE_INDEX } from '#adapters/table';
import { DynamoProfileCounter } from '#adapters/profile-count';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { emptyProfile } from '#core/ingest';
import { customerStoreContract } from '../unit/store-contract';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { createAudienceWorker, DEFAULT_AUDIENCE_CONFIG } from '#core/delivery/audience';
import { occurrenceIdFor } from '#core/delivery/occurrence';
import { profilePortsFrom } from '#core/delivery/seams';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import { publishExampleNewsletter } from '../unit/delivery-fixtures';

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

describe('dynamodb store: sparse profiles index', () => {
  /** A table with profiles, their history, a rejection and a due delivery next to each other. */
  const mixedTable = async () => {
    const tableName = `sparse-${++tables}`;
    await createTable(aws.dynamoEndpoint, tableName);
    const store = createDynamoStore({ client: client(), tableName });
    for (let i = 0; i < 7; i++) {
      await store.applyAtomically(`sp-${i}`, 'e1', () => ({ profile: { ...emptyProfile(`sp-${i}`, '2026-01-01T00:00:00.000Z'), points: i }, ownEvents: [] }));
      await store.appendEvents(`sp-${i}`, [{ eventId: `h${i}`, origin: 'shop', type: 'NpsSubmitted', at: '2026-02-01T00:00:00.000Z', detail: { score: i } }]);
    }
    await store.putRejection({ key: 'm-1', receivedAt: '2026-02-01T00:00:00.000Z', reason: '(body): not JSON', body: '{' });
    await client().send(new PutCommand({ TableName: tableName, Item: { pk: 'DUE#d1', sk: 'DUE', entity: 'dueDelivery', gsi3pk: 'DUE#2026-02-01T00:00', gsi3sk: 'x' } }));
    return { tableName, store };
  };

  it('holds profile items only, projected to the profile map and the keys', async () => {
    const { tableName } = await mixedTable();
    const { Items = [] } = await client().send(new ScanCommand({ TableName: tableName, IndexName: PROFILE_INDEX.indexName }));
    expect(Items.map((item) => item.pk).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `CUST#sp-${i}`));
    for (const item of Items) {
      expect(item.sk).toBe('PROFILE');
      expect(Object.keys(item).sort()).toEqual(['pk', 'profile', 'profilepk', 'sk']);
    }
  });

  it('makes the audience scan read no item that is not a profile', async () => {
    const { tableName } = await mixedTable();
    const scans: { input: ScanCommandInput; scanned: number | undefined }[] = [];
    const watched = client();
    watched.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'ScanCommand') {
          scans.push({ input: args.input as ScanCommandInput, scanned: (result.output as { ScannedCount?: number }).ScannedCount });
        }
        return result;
      },
      { step: 'initialize', name: 'countScannedItems' },
    );
    const store = createDynamoStore({ client: watched, tableName });
    const found: string[] = [];
    for (let segment = 0; segment < 2; segment++) found.push(...(await store.scanProfiles(segment, 2)).items.map((p) => p.customerId));
    expect(found.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `sp-${i}`));
    expect(scans.map((s) => s.input.IndexName)).toEqual(['profiles', 'profiles']);
    expect(scans.reduce((sum, s) => sum + (s.scanned ?? 0), 0)).toBe(7);
  });

  it('counts profiles by the ItemCount of the profiles index, not of the whole table', async () => {
    // dynalite reports no index ItemCount (always 0), so the exact DescribeTable answer is mocked here.
    const dynamo = new DynamoDBClient({ region: 'eu-central-1' });
    const mock = mockClient(dynamo);
    mock.on(DescribeTableCommand, { TableName: 'shop' }).resolves({
      Table: {
        ItemCount: 90_000_000,
        GlobalSecondaryIndexes: [
          { IndexName: 'gsi1', ItemCount: 9_000_000 },
          { IndexName: 'profiles', ItemCount: 10_000_000 },
        ],
      },
    });
    expect(await new DynamoProfileCounter(dynamo, 'shop').approximateProfileCount()).toBe(10_000_000);
    expect(mock.commandCalls(DescribeTableCommand)).toHaveLength(1);
  });

  it('finds the profiles index on a table created from the shared definition, and fails naming it on one without', async () => {
    const { tableName } = await mixedTable();
    expect(await new DynamoProfileCounter(client(), tableName).approximateProfileCount()).toBeGreaterThanOrEqual(0);
    const bare = `bare-${++tables}`;
    await new DynamoDBClient({ endpoint: aws.dynamoEndpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }).send(
      new CreateTableCommand({
        TableName: bare,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await expect(new DynamoProfileCounter(client(), bare).approximateProfileCount()).rejects.toThrow(/no "profiles" index/);
  });
});

describe('audience on dynalite: continuation from the sparse index cursor', () => {
  it('resumes each shard where it stopped, with no profile lost or repeated, and delays every continuation', async () => {
    const tableName = `continue-${++tables}`;
    await createTable(aws.dynamoEndpoint, tableName);
    const customers = createDynamoStore({ client: client(), tableName });
    const ids = Array.from({ length: 240 }, (_, i) => `cc-${String(i).padStart(3, '0')}`);
    for (const id of ids) await customers.applyAtomically(id, 'e1', () => ({ profile: emptyProfile(id, '2026-01-01T00:00:00.000Z'), ownEvents: [] }));
    await customers.appendEvents(ids[0]!, [{ eventId: 'h', origin: 'shop', type: 'NpsSubmitted', at: '2026-02-01T00:00:00.000Z', detail: {} }]);
    const store = createMemoryDeliveryStore();
    await store.putCampaign(await publishExampleNewsletter({ id: 'newsletter-monthly' }));
    const due = new Date('2026-12-01T08:00:00.000Z');
    const occurrenceId = occurrenceIdFor('newsletter-monthly', due);
    await store.createOccurrence({ occurrenceId, campaignId: 'newsletter-monthly', scheduledAt: due.toISOString(), state: 'running', totalSegments: 2, createdAt: due.toISOString(), stats: {} });
    const audienceQueue = new MemoryWorkQueue<AudienceShard>();
    const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
    // 0.2 mails/s over 2 shards: 90 recipients per hop, then a 900 s delay.
    const work = createAudienceWorker({
      store,
      scanner: profilePortsFrom(customers),
      sendQueue,
      audienceQueue,
      compileAudience: () => () => true,
      config: { ...DEFAULT_AUDIENCE_CONFIG, pageSize: 40, sendRatePerSecond: 0.2 },
    });
    let pending: { body: AudienceShard; delaySeconds?: number }[] = [0, 1].map((segment) => ({ body: { occurrenceId, campaignId: 'newsletter-monthly', segment, totalSegments: 2 } }));
    let hops = 0;
    while (pending.length > 0) {
      for (const { body } of pending) {
        await work(body);
        hops++;
      }
      pending = audienceQueue.drain();
      for (const message of pending) {
        expect(message.body.cursor).toBeTruthy();
        expect(message.delaySeconds).toBe(900);
      }
    }
    const queued = sendQueue.drain().flatMap((m) => m.body.customerIds);
    expect(hops).toBeGreaterThanOrEqual(3);
    expect(new Set(queued).size).toBe(queued.length);
    expect(queued.sort()).toEqual(ids);
  }, 60_000);
});
