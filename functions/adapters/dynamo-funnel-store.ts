// FunnelStore on the single DynamoDB table: conditional writes and ADD counters (no transactions).
//
// | entity        | pk                           | sk                          | how                                                        |
// |---------------|------------------------------|-----------------------------|------------------------------------------------------------|
// | funnel row    | CAMPAIGN#<campaignId>        | FUNNEL#<occ suffix>#<arm>   | UpdateItem ADD counters (send once per message, track, ingest); Query begins_with FUNNEL# (report) |
// | funnel total  | CAMPAIGN#<campaignId>        | FUNNELTOTAL#<arm>           | the same ADD beside each row; Query begins_with FUNNELTOTAL# (report: triggered campaigns) |
// | clicker       | CLICK#<occurrenceId>#<cust>  | CLICKER                     | Put attribute_not_exists (one unique clicker per mail); TTL as the ledger |
// | recent clicks | CUST#<customerId>            | LASTCLICK                   | the 5 newest clicks: Get, then Put conditional on `version`; Get at ingest; TTL 90 days after the newest |
// | arm member    | CUST#<customerId>            | ARM#<occurrenceId>          | Put attribute_not_exists (send: sent or held out); Query begins_with ARM# at ingest; Update SET convertedOrder if absent; TTL end of window |
// | attribution   | ORDER#<orderId>              | ATTRIBUTION                 | Put attribute_not_exists (ingest, once per order); Get + Update with condition on refundedCents (refunds) |
//
// Customer-keyed items live in the customer's partition, so GDPR erase (which deletes the whole
// CUST#<id> partition) removes them with the profile.
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { parseOccurrenceId } from '#core/delivery/occurrence';
import { LEDGER_RETENTION_MS } from '#core/delivery/ledger';
import { FUNNEL_COUNTERS, withRecentClick, type ArmMembership, type ArmTotals, type CampaignClick, type FunnelCounts, type FunnelKey, type FunnelRow, type FunnelStore, type OrderAttribution } from '#core/funnel-store';
import { queryAll } from './query-all';

export interface DynamoFunnelStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** The last-click item outlives any attribution window (at most 90 days, core/attribution.ts). */
const LAST_CLICK_TTL_MS = 90 * 24 * 3600 * 1000;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';

const seconds = (ms: number) => Math.floor(ms / 1000);

export const createDynamoFunnelStore = ({ client, tableName }: DynamoFunnelStoreOptions): FunnelStore => {
  const conditional = async (command: PutCommand | UpdateCommand): Promise<boolean> => {
    try {
      if (command instanceof PutCommand) await client.send(command);
      else await client.send(command);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };
  /** Every item of a partition whose sort key starts with `prefix`, page after page. */
  const queryPrefix = (pk: string, prefix: string, consistent = false): Promise<Record<string, unknown>[]> =>
    queryAll(client, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ...(consistent ? { ConsistentRead: true } : {}),
    });
  const countsOf = (item: Record<string, unknown>): FunnelCounts => Object.fromEntries(FUNNEL_COUNTERS.map((name) => [name, Number(item[name] ?? 0)])) as unknown as FunnelCounts;
  const rowKey = (key: FunnelKey) => ({ pk: `CAMPAIGN#${key.campaignId}`, sk: `FUNNEL#${parseOccurrenceId(key.occurrenceId).suffix}#${key.arm}` });
  const click = (item: Record<string, unknown>): CampaignClick => ({
    campaignId: String(item.campaignId),
    occurrenceId: String(item.occurrenceId),
    arm: String(item.arm),
    atMs: Number(item.atMs),
  });

  return {
    async addCounts(key, counts) {
      const entries = FUNNEL_COUNTERS.filter((name) => (counts[name] ?? 0) !== 0);
      if (entries.length === 0) return;
      // The occurrence's row and the campaign's total of the arm (which names no occurrence).
      const add = (Key: { pk: string; sk: string }, occurrenceId?: string) =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key,
            UpdateExpression: `SET entity = :entity, campaignId = :cid, ${occurrenceId ? 'occurrenceId = :occ, ' : ''}arm = :arm ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(entries.map((name, i) => [`#c${i}`, name])),
            ExpressionAttributeValues: {
              ':entity': occurrenceId ? 'funnel' : 'funnelTotal',
              ':cid': key.campaignId,
              ...(occurrenceId ? { ':occ': occurrenceId } : {}),
              ':arm': key.arm,
              ...Object.fromEntries(entries.map((name, i) => [`:c${i}`, counts[name]])),
            },
          }),
        );
      const row = rowKey(key);
      await Promise.all([add(row, key.occurrenceId), add({ pk: row.pk, sk: `FUNNELTOTAL#${key.arm}` })]);
    },

    async campaignTotals(campaignId) {
      return (await queryPrefix(`CAMPAIGN#${campaignId}`, 'FUNNELTOTAL#'))
        .map((item): ArmTotals => ({ campaignId, arm: String(item.arm), ...countsOf(item) }))
        .sort((a, b) => (a.arm < b.arm ? -1 : 1));
    },

    async listFunnel(campaignId) {
      return (await queryPrefix(`CAMPAIGN#${campaignId}`, 'FUNNEL#'))
        .map((item): FunnelRow => ({ campaignId, occurrenceId: String(item.occurrenceId), arm: String(item.arm), ...countsOf(item) }))
        .sort((a, b) => (a.occurrenceId === b.occurrenceId ? (a.arm < b.arm ? -1 : 1) : a.occurrenceId < b.occurrenceId ? -1 : 1));
    },

    markClicker: (key, customerId, atMs) =>
      conditional(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `CLICK#${key.occurrenceId}#${customerId}`, sk: 'CLICKER', entity: 'clicker', arm: key.arm, expiresAt: seconds(atMs + LEDGER_RETENTION_MS) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),

    async putRecentClick(customerId, recent) {
      // Read, then write conditional on the version read: a concurrent click makes us read again.
      const key = { pk: `CUST#${customerId}`, sk: 'LASTCLICK' };
      for (let attempt = 0; attempt < 10; attempt++) {
        const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
        const next = withRecentClick(((Item?.clicks as Record<string, unknown>[] | undefined) ?? []).map(click), recent);
        if (!next) return false;
        const version = Item ? Number(Item.version ?? 0) : undefined;
        const written = await conditional(
          new PutCommand({
            TableName: tableName,
            Item: { ...key, entity: 'recentClicks', clicks: next, version: (version ?? 0) + 1, expiresAt: seconds(next[0]!.atMs + LAST_CLICK_TTL_MS) },
            ...(version === undefined ? { ConditionExpression: 'attribute_not_exists(pk)' } : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }),
          }),
        );
        if (written) return true;
      }
      throw new Error(`recent clicks of customer ${customerId} kept changing; retry later`);
    },

    async recentClicks(customerId) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `CUST#${customerId}`, sk: 'LASTCLICK' }, ConsistentRead: true }));
      return ((Item?.clicks as Record<string, unknown>[] | undefined) ?? []).map(click);
    },

    async putMembership(customerId, membership, expiresAtMs) {
      await conditional(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `CUST#${customerId}`, sk: `ARM#${membership.occurrenceId}`, entity: 'armMember', ...membership, expiresAt: seconds(expiresAtMs) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async membershipsOf(customerId) {
      return (await queryPrefix(`CUST#${customerId}`, 'ARM#', true)).map((item): ArmMembership => click(item)).sort((a, b) => a.atMs - b.atMs);
    },

    markConverted: (customerId, occurrenceId, orderId) =>
      conditional(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `CUST#${customerId}`, sk: `ARM#${occurrenceId}` },
          UpdateExpression: 'SET convertedOrder = :order',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(convertedOrder)',
          ExpressionAttributeValues: { ':order': orderId },
        }),
      ),

    claimAttribution: (attribution) =>
      conditional(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `ORDER#${attribution.orderId}`, sk: 'ATTRIBUTION', entity: 'attribution', ...attribution, refundKeys: [] },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),

    async getAttribution(orderId) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `ORDER#${orderId}`, sk: 'ATTRIBUTION' }, ConsistentRead: true }));
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, entity: _entity, refundKeys: _keys, ...attribution } = Item;
      return attribution as OrderAttribution;
    },

    async refundAttribution(orderId, refundKey, amountCents) {
      // Read, then write conditional on the amount read: a concurrent refund makes us read again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `ORDER#${orderId}`, sk: 'ATTRIBUTION' }, ConsistentRead: true }));
        if (!Item || Item.source === 'none' || (Item.refundKeys as string[] | undefined)?.includes(refundKey)) return 0;
        const before = Number(Item.refundedCents ?? 0);
        const cents = Math.max(0, Math.min(amountCents, Number(Item.totalCents) - before));
        const written = await conditional(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `ORDER#${orderId}`, sk: 'ATTRIBUTION' },
            UpdateExpression: 'SET refundedCents = :after, refundKeys = list_append(refundKeys, :keys)',
            ConditionExpression: 'refundedCents = :before AND NOT contains(refundKeys, :key)',
            ExpressionAttributeValues: { ':after': before + cents, ':keys': [refundKey], ':before': before, ':key': refundKey },
          }),
        );
        if (written) return cents;
      }
      throw new Error(`attribution of order ${orderId} kept changing during a refund; retry later`);
    },
  };
};
