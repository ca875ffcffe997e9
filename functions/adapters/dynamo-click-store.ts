// First clicks per (mail, link) on the single table, for the funnel (track /c/:token):
//
// | entity       | pk                                  | sk          | how                                                     |
// |--------------|-------------------------------------|-------------|---------------------------------------------------------|
// | first click  | CLICK#<occurrenceId>#<customerId>   | LINK#<n>    | Put attribute_not_exists (one per mail and link); TTL    |
// | click counts | CAMPAIGN#<campaignId>               | CLICKS#<occurrence suffix> | UpdateItem ADD link_<n> :1, only after a first click |
// | first open   | CLICK#<occurrenceId>#<customerId>   | OPEN        | Put attribute_not_exists; then ADD opens :1 on the counts (pixel, off by default) |
//
// - report (unique clicks per occurrence): Query pk = CAMPAIGN#<campaignId> AND
//   begins_with(sk, "CLICKS#"), the link_<n> counters summed (one page per campaign).
//
// The first-click item keeps a repeated click (or a scanner following the link twice) out of the
// count; it expires with the send ledger's retention.
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { parseOccurrenceId } from '#core/delivery/occurrence';
import { LEDGER_RETENTION_MS } from '#core/delivery/ledger';
import type { ClickRecorder } from '../track/app';
import type { ClickCounts } from '#core/report';
import { queryAll } from './query-all';

export interface DynamoClickStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export const createDynamoClickStore = ({ client, tableName }: DynamoClickStoreOptions): ClickRecorder => {
  /** The first-time marker, then the counter: a crash in between loses one count, never doubles one. */
  const first = async (occurrenceId: string, customerId: string, campaignId: string, sk: string, counter: string, atMs: number): Promise<boolean> => {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `CLICK#${occurrenceId}#${customerId}`, sk, entity: 'click', at: new Date(atMs).toISOString(), expiresAt: Math.floor((atMs + LEDGER_RETENTION_MS) / 1000) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
    const { suffix } = parseOccurrenceId(occurrenceId);
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `CAMPAIGN#${campaignId}`, sk: `CLICKS#${suffix}` },
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': counter },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    return true;
  };
  return {
    recordClick: ({ occurrenceId, customerId, campaignId, link, atMs }) => first(occurrenceId, customerId, campaignId, `LINK#${link}`, `link_${link}`, atMs),
    recordOpen: ({ occurrenceId, customerId, campaignId, atMs }) => first(occurrenceId, customerId, campaignId, 'OPEN', 'opens', atMs),
  };
};

/** Unique clicks (first clicks per recipient and link) per occurrence of a campaign: one Query. */
export const createDynamoClickCounts = ({ client, tableName }: DynamoClickStoreOptions): ClickCounts => ({
  async uniqueClicks(campaignId) {
    const counts = new Map<string, number>();
    const items = await queryAll(client, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :clicks)',
      ExpressionAttributeValues: { ':pk': `CAMPAIGN#${campaignId}`, ':clicks': 'CLICKS#' },
    });
    for (const item of items) {
      let n = 0;
      for (const [name, value] of Object.entries(item)) if (name.startsWith('link_') && typeof value === 'number') n += value;
      counts.set(`${campaignId}:${(item.sk as string).slice('CLICKS#'.length)}`, n);
    }
    return counts;
  },
});
