// The feedback items on the single table (core/delivery/feedback.ts FeedbackStore):
//
// | entity          | pk                         | sk            | how                                                        |
// |-----------------|----------------------------|---------------|------------------------------------------------------------|
// | feedback marker | FB#<sha256 of event key>   | FB            | Put attribute_not_exists, TTL 30 days: once per (message id, event type, recipient); hashed, so it holds no customer id |
// | soft-bounce run | CUST#<customerId>          | SOFTBOUNCE    | BatchGet (eventually consistent) per batch of deliveries; Update ADD n, keys (condition: key not in keys); Delete on a delivery that finds a run |
// | reputation      | REPUTATION#<YYYY-MM-DDTHH> | SHARD#<n>     | Update ADD sends, bounces, complaints (one per batch, random shard); BatchGet of the recent hours' shards (breaker); TTL 8 days |
//
// The run lives under the customer's partition, so erase finds it with the customer's items.
import { createHash } from 'node:crypto';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FEEDBACK_MARKER_TTL_DAYS, type FeedbackStore, type ReputationCounts } from '#core/delivery/feedback';
import { chunk } from '#core/delivery/messages';
import type { BreakerState, BreakerStore } from '#core/delivery/breaker';

export const REPUTATION_TTL_DAYS = 8;
const DAY_MS = 86_400_000;

/** The marker's id: a hash, so a marker names no customer (erase need not find it). */
export const feedbackMarkerId = (key: string): string => `FB#${createHash('sha256').update(key).digest('base64url')}`;

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

export interface DynamoFeedbackStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export const createDynamoFeedbackStore = ({ client, tableName }: DynamoFeedbackStoreOptions): FeedbackStore => {
  const runKey = (customerId: string) => ({ pk: `CUST#${customerId}`, sk: 'SOFTBOUNCE' });
  const batchGet = async (keys: Record<string, string>[], consistent: boolean): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    for (const part of chunk(keys, 100)) {
      let pending: Record<string, string>[] = part;
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        if (round > 8) throw new Error(`feedback store: ${pending.length} keys still unprocessed by BatchGetItem`);
        const out: BatchGetCommandOutput = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } } }));
        items.push(...(out.Responses?.[tableName] ?? []));
        pending = (out.UnprocessedKeys?.[tableName]?.Keys as Record<string, string>[] | undefined) ?? [];
      }
    }
    return items;
  };

  return {
    async markFeedback(key, atMs) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: feedbackMarkerId(key), sk: 'FB', entity: 'feedback', expiresAt: Math.floor((atMs + FEEDBACK_MARKER_TTL_DAYS * DAY_MS) / 1000) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async softBounceRuns(customerIds) {
      const items = await batchGet([...new Set(customerIds)].map(runKey), false);
      return new Map(items.filter((i) => Number(i.n ?? 0) > 0).map((i) => [String(i.pk).slice('CUST#'.length), Number(i.n)]));
    },
    async addSoftBounce(customerId, key, atMs) {
      try {
        const out = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: runKey(customerId),
            UpdateExpression: 'ADD n :one, #keys :key SET entity = :entity, lastAt = :at',
            ConditionExpression: 'attribute_not_exists(#keys) OR NOT contains(#keys, :k)',
            ExpressionAttributeNames: { '#keys': 'keys' },
            ExpressionAttributeValues: { ':one': 1, ':key': new Set([key]), ':k': key, ':entity': 'softBounceRun', ':at': new Date(atMs).toISOString() },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return Number(out.Attributes?.n ?? 0);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Counted before (a redelivery): answer the run as it stands.
        const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: runKey(customerId), ConsistentRead: true }));
        return Number(Item?.n ?? 0);
      }
    },
    async clearSoftBounceRun(customerId) {
      await client.send(new DeleteCommand({ TableName: tableName, Key: runKey(customerId) }));
    },
    async addReputation(bucket, shard, counts) {
      const atMs = Date.parse(`${bucket}:00:00Z`);
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `REPUTATION#${bucket}`, sk: `SHARD#${shard}` },
          UpdateExpression: 'ADD sends :s, bounces :b, complaints :c SET entity = :entity, expiresAt = :exp',
          ExpressionAttributeValues: { ':s': counts.sends, ':b': counts.bounces, ':c': counts.complaints, ':entity': 'reputation', ':exp': Math.floor((atMs + REPUTATION_TTL_DAYS * DAY_MS) / 1000) },
        }),
      );
    },
    async readReputation(buckets, shards) {
      const keys = buckets.flatMap((bucket) => Array.from({ length: shards }, (_, s) => ({ pk: `REPUTATION#${bucket}`, sk: `SHARD#${s}` })));
      const items = await batchGet(keys, false);
      const sums = new Map<string, ReputationCounts>(buckets.map((b) => [`REPUTATION#${b}`, { sends: 0, bounces: 0, complaints: 0 }]));
      for (const item of items) {
        const sum = sums.get(String(item.pk));
        if (!sum) continue;
        sum.sends += Number(item.sends ?? 0);
        sum.bounces += Number(item.bounces ?? 0);
        sum.complaints += Number(item.complaints ?? 0);
      }
      return buckets.map((b) => sums.get(`REPUTATION#${b}`)!);
    },
  };
};

// | breaker         | BREAKER                    | STATE         | Get (send: cached per container; feedback per batch; CLI); Put conditional on trippedAt; Update ADD testAdmitted (condition: within budget), ADD test counts |
const BREAKER_KEY = { pk: 'BREAKER', sk: 'STATE' };

export const createDynamoBreakerStore = ({ client, tableName }: DynamoFeedbackStoreOptions): BreakerStore => ({
  async getBreaker() {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: BREAKER_KEY, ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, entity: _e, ...state } = Item;
    return state as BreakerState;
  },
  async putBreaker(state, expectedTrippedAt) {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...BREAKER_KEY, entity: 'breaker', ...state },
          ...(expectedTrippedAt === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk) OR #s = :closed', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':closed': 'closed' } }
            : { ConditionExpression: 'trippedAt = :t', ExpressionAttributeValues: { ':t': expectedTrippedAt } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },
  async admitTest(n, budget, trippedAt) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: BREAKER_KEY,
          UpdateExpression: 'ADD testAdmitted :n',
          ConditionExpression: 'trippedAt = :t AND (attribute_not_exists(testAdmitted) OR testAdmitted <= :room)',
          ExpressionAttributeValues: { ':n': n, ':t': trippedAt, ':room': budget - n },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },
  async addTestOutcomes(counts, trippedAt) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: BREAKER_KEY,
          UpdateExpression: 'SET #test = if_not_exists(#test, :zero)',
          ConditionExpression: 'trippedAt = :t',
          ExpressionAttributeNames: { '#test': 'test' },
          ExpressionAttributeValues: { ':zero': { sends: 0, bounces: 0, complaints: 0 }, ':t': trippedAt },
        }),
      );
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: BREAKER_KEY,
          UpdateExpression: 'ADD #test.sends :s, #test.bounces :b, #test.complaints :c',
          ConditionExpression: 'trippedAt = :t',
          ExpressionAttributeNames: { '#test': 'test' },
          ExpressionAttributeValues: { ':s': counts.sends, ':b': counts.bounces, ':c': counts.complaints, ':t': trippedAt },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  },
});
