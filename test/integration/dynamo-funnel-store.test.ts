import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalDynamo } from '#test/fixtures/local-dynamo';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { createDynamoClickStore } from '#adapters/dynamo-click-store';
import { createDynamoPersonalData } from '#adapters/dynamo-personal-data';
import { createDynamoStore } from '#adapters/dynamo-store';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { fixedClock } from '#core/clock';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { recordCampaignClick } from '#core/attribution';
import { createIngestHandler } from '../../functions/ingest/handler';
import { funnelStoreContract } from '../unit/funnel-store-contract';

const local = useLocalDynamo('funnel-store-test');
const client = local.client;

funnelStoreContract('dynamodb (dynalite)', async () => createDynamoFunnelStore({ client: client(), tableName: await local.freshTable('funnels') }));

describe('dynamodb funnel store: item layout', () => {
  it('keeps an arm\'s counters under the campaign and the last click in the customer\'s partition', async () => {
    const store = createDynamoFunnelStore({ client: client(), tableName: local.aws().tableName });
    await store.addCounts({ campaignId: 'nl', occurrenceId: 'nl:2026-03-01T08:00Z', arm: 'b' }, { sent: 2 });
    await store.putRecentClick('c1', { campaignId: 'nl', occurrenceId: 'nl:2026-03-01T08:00Z', arm: 'b', atMs: 1_000_000 });
    const row = await client().send(new GetCommand({ TableName: local.aws().tableName, Key: { pk: 'CAMPAIGN#nl', sk: 'FUNNEL#2026-03-01T08:00Z#b' } }));
    expect(row.Item?.sent).toBe(2);
    const last = await client().send(new GetCommand({ TableName: local.aws().tableName, Key: { pk: 'CUST#c1', sk: 'LASTCLICK' } }));
    expect(last.Item?.expiresAt).toBe(1000 + 90 * 86_400);
  });

  it('keeps the unique-clicker marker out of a GDPR export\'s clicks, in the partition erase deletes', async () => {
    const occurrenceId = 'nl:2026-04-01T08:00Z';
    const funnels = createDynamoFunnelStore({ client: client(), tableName: local.aws().tableName });
    const clicks = createDynamoClickStore({ client: client(), tableName: local.aws().tableName });
    await clicks.recordClick({ occurrenceId, customerId: 'c7', campaignId: 'nl', link: 2, atMs: Date.parse('2026-04-01T09:00:00Z') });
    await funnels.markClicker({ campaignId: 'nl', occurrenceId, arm: '-' }, 'c7', Date.parse('2026-04-01T09:00:00Z'));
    const personal = createDynamoPersonalData({ client: client(), tableName: local.aws().tableName });
    expect(await personal.clicksOf('c7', [occurrenceId])).toEqual([{ occurrenceId, kind: 'click', link: 2, at: '2026-04-01T09:00:00.000Z' }]);
    await personal.eraseItems('c7', [occurrenceId], []);
    expect(await funnels.markClicker({ campaignId: 'nl', occurrenceId, arm: '-' }, 'c7', Date.parse('2026-04-02T09:00:00Z'))).toBe(true);
  });

  it('attributes a clicked order once through the ingest handler, also when it is delivered twice', async () => {
    const funnels = createDynamoFunnelStore({ client: client(), tableName: local.aws().tableName });
    const occurrenceId = 'nl:2026-05-01T08:00Z';
    await recordCampaignClick(funnels, { customerId: 'c-ord', campaignId: 'nl', occurrenceId, arm: '-', atMs: Date.parse('2026-05-01T10:00:00Z') });
    const ingest = createIngestHandler({
      store: createDynamoStore({ client: client(), tableName: local.aws().tableName }),
      loyalty: defaultLoyaltyConfig,
      clock: fixedClock('2026-05-03T00:00:00Z'),
      logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }),
      funnels,
    });
    const detail = { orderId: 'o-77', customerId: 'c-ord', placedAt: '2026-05-02T10:00:00Z', totalCents: 3000, currency: 'EUR', items: [{ sku: 's', name: 'Kaffee', quantity: 1, priceCents: 3000 }] };
    const envelope = (id: string) => ({ version: '0', id, source: 'shop', 'detail-type': 'OrderPlaced', account: '1', time: detail.placedAt, region: 'eu-central-1', resources: [], detail });
    const batch = (...ids: string[]) => ({ Records: ids.map((id) => ({ messageId: id, body: JSON.stringify(envelope(id)) })) }) as unknown as SQSEvent;
    expect((await ingest(batch('ev-1'))).batchItemFailures).toEqual([]);
    expect((await ingest(batch('ev-1', 'ev-2'))).batchItemFailures).toEqual([]);
    expect(await funnels.getAttribution('o-77')).toMatchObject({ source: 'click', campaignId: 'nl', occurrenceId });
    expect(await funnels.listFunnel('nl')).toContainEqual({ campaignId: 'nl', occurrenceId, arm: '-', sent: 0, clicks: 1, conversions: 1, revenueCents: 3000, members: 0, converted: 0, convertedRevenueCents: 0 });
  });
});
