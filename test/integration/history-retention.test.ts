// Data minimisation: history events expire by TTL 25 months after they happened; the profile's
// aggregates stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { historyExpiresAt } from '#core/store';
import { readIngestConfig } from '../../functions/ingest/config';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('retention-test');
});
afterAll(() => aws.stop());

describe('history retention', () => {
  it('stamps each history event with a TTL 25 months after it happened', async () => {
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
    await createDynamoStore({ client, tableName: aws.tableName }).appendEvents('c-1', [{ eventId: 'e1', origin: 'shop', type: 'OrderPlaced', at: '2024-01-31T10:00:00.000Z', detail: {} }]);
    const { Item } = await client.send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CUST#c-1', sk: 'EV#2024-01-31T10:00:00.000Z#e1' } }));
    expect(Item?.expiresAt).toBe(Date.parse('2026-03-03T10:00:00.000Z') / 1000);
  });

  it('takes another retention from the store options and HISTORY_RETENTION_MONTHS, and rejects a bad one naming it', async () => {
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
    await createDynamoStore({ client, tableName: aws.tableName, historyRetentionMonths: 12 }).appendEvents('c-2', [{ eventId: 'e1', origin: 'own', type: 'TierChanged', at: '2026-06-15T00:00:00.000Z', detail: {} }]);
    const { Item } = await client.send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CUST#c-2', sk: 'EV#2026-06-15T00:00:00.000Z#e1' } }));
    expect(Item?.expiresAt).toBe(historyExpiresAt('2026-06-15T00:00:00.000Z', 12));
    expect(readIngestConfig({ TABLE_NAME: 't', HISTORY_RETENTION_MONTHS: '13' }).historyRetentionMonths).toBe(13);
    expect(() => readIngestConfig({ TABLE_NAME: 't', HISTORY_RETENTION_MONTHS: '0' })).toThrow(/HISTORY_RETENTION_MONTHS/);
  });
});
