// The referral items on the single table (core/referral-store.ts ReferralStore):
//
// | entity           | pk                                 | sk              | how                                                                |
// |------------------|------------------------------------|-----------------|--------------------------------------------------------------------|
// | code -> referrer | REFCODE#<code>                     | REFCODE         | Put attribute_not_exists (a collision answers false); GetItem       |
// | customer -> code | CUST#<customerId>                  | REFERRALCODE    | Put attribute_not_exists; on failure the stored code is read back   |
// | address hash     | REFADDR#<sha256 hex from the shop> | REFADDR         | Update ADD customers (string set, bounded by a size() condition)    |
// | referrer cap     | REFCAP#<referrerId>                | P#<period>      | Update ADD friends, condition contains(friend) or size < cap; TTL   |
// | referral         | REFERRAL#<friendId>                | REFERRAL        | Put attribute_not_exists (one per friend); Put conditional on state |
// | rejection        | REFREJECT                          | <at>#<friendId>#<orderId> | Put attribute_not_exists (once per friend and order); Query |
// | reward coupon    | REFCOUPON#<code>                   | REFCOUPON       | Put; GetItem on an order's coupon code (redemption)                 |
// | stats            | REFSTATS#<campaignId>              | REWARD#<rewardId> | Update ADD counters; Query per campaign                           |
//
// GDPR erase: Get of the customer's code and referral, a filtered Query of the rejections, then
// BatchWriteItem deletes (the GDPR function's grants: GetItem, Query, BatchWriteItem).
//
// The customer's code lives in the customer's partition, so a GDPR erase finds it with the rest.
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk } from '#core/delivery/messages';
import type { IssuedReward, Referral, ReferralStats, StatCounter } from '#core/referral';
import { ADDRESS_CUSTOMERS_LIMIT, type ReferralRejection, type ReferralStore } from '#core/referral-store';
import { queryAll } from './query-all';

export interface DynamoReferralStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** A rejection's sort key starts with its time, but the same (friend, order) must be one item: the marker below guards it. */
const REJECTION_PK = 'REFREJECT';

export const createDynamoReferralStore = ({ client, tableName }: DynamoReferralStoreOptions): ReferralStore => {
  const get = async (pk: string, sk: string): Promise<Record<string, unknown> | undefined> =>
    (await client.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const putNew = async (item: Record<string, unknown>): Promise<boolean> => {
    try {
      await client.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };
  return {
    async codeOf(customerId) {
      return (await get(`CUST#${customerId}`, 'REFERRALCODE'))?.code as string | undefined;
    },
    claimCode: (code, customerId) => putNew({ pk: `REFCODE#${code}`, sk: 'REFCODE', entity: 'referralCode', customerId }),
    async setCodeOf(customerId, code) {
      if (await putNew({ pk: `CUST#${customerId}`, sk: 'REFERRALCODE', entity: 'referralCode', code })) return code;
      const stored = (await get(`CUST#${customerId}`, 'REFERRALCODE'))?.code;
      if (typeof stored !== 'string') throw new Error(`referral store: the code of customer ${customerId} vanished while it was written`);
      return stored;
    },
    async referrerOf(code) {
      return (await get(`REFCODE#${code}`, 'REFCODE'))?.customerId as string | undefined;
    },
    async addAddress(hash, customerId) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `REFADDR#${hash}`, sk: 'REFADDR' },
            UpdateExpression: 'ADD customers :c SET entity = :e',
            ConditionExpression: 'attribute_not_exists(customers) OR contains(customers, :id) OR size(customers) < :limit',
            ExpressionAttributeValues: { ':c': new Set([customerId]), ':id': customerId, ':limit': ADDRESS_CUSTOMERS_LIMIT, ':e': 'referralAddress' },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error; // full: the first customers are kept
      }
    },
    async customersAt(hash) {
      const customers = (await get(`REFADDR#${hash}`, 'REFADDR'))?.customers as Set<string> | undefined;
      return customers ? [...customers] : [];
    },
    async takeCapSlot(referrerId, period, friendId, cap, expiresAtSeconds) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `REFCAP#${referrerId}`, sk: `P#${period}` },
            UpdateExpression: 'ADD friends :f SET expiresAt = :exp, entity = :e',
            ConditionExpression: 'attribute_not_exists(friends) OR contains(friends, :id) OR size(friends) < :cap',
            ExpressionAttributeValues: { ':f': new Set([friendId]), ':id': friendId, ':cap': cap, ':exp': expiresAtSeconds, ':e': 'referralCap' },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async releaseCapSlot(referrerId, period, friendId) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `REFCAP#${referrerId}`, sk: `P#${period}` },
          UpdateExpression: 'DELETE friends :f',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':f': new Set([friendId]) },
        }),
      ).catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
    },
    async createReferral(referral) {
      if (await putNew({ pk: `REFERRAL#${referral.friendId}`, sk: 'REFERRAL', entity: 'referral', state: referral.state, referral })) return { created: true };
      const existing = (await get(`REFERRAL#${referral.friendId}`, 'REFERRAL'))?.referral as Referral | undefined;
      if (!existing) throw new Error(`referral store: the referral of friend ${referral.friendId} vanished while it was written`);
      return { created: false, existing };
    },
    async getReferral(friendId) {
      return (await get(`REFERRAL#${friendId}`, 'REFERRAL'))?.referral as Referral | undefined;
    },
    async updateReferral(referral, from) {
      const names = from.map((_, i) => `:s${i}`);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `REFERRAL#${referral.friendId}`, sk: 'REFERRAL', entity: 'referral', state: referral.state, referral },
            ConditionExpression: `#state IN (${names.join(', ')})`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: Object.fromEntries(from.map((s, i) => [names[i]!, s])),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async putRejection(rejection) {
      // The marker makes a redelivered order's rejection count once; the listing item follows it.
      if (!(await putNew({ pk: `REFREJECT#${rejection.friendId}#${rejection.orderId}`, sk: 'MARKER', entity: 'referralRejectionMarker' }))) return false;
      await client.send(
        new PutCommand({ TableName: tableName, Item: { pk: REJECTION_PK, sk: `${rejection.at}#${rejection.friendId}#${rejection.orderId}`, entity: 'referralRejection', ...rejection } }),
      );
      return true;
    },
    async listRejections(options = {}) {
      const out = await client.send(
        new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': REJECTION_PK }, Limit: options.limit ?? 1000 }),
      );
      return (out.Items ?? []).map((item) => {
        const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
        return rest as ReferralRejection;
      });
    },
    async eraseCustomer(customerId) {
      // Deleted with BatchWriteItem (what the GDPR function may do), so only items read to exist count.
      const keys: { pk: string; sk: string }[] = [];
      let n = 0;
      const code = (await get(`CUST#${customerId}`, 'REFERRALCODE'))?.code;
      if (typeof code === 'string') {
        keys.push({ pk: `CUST#${customerId}`, sk: 'REFERRALCODE' });
        n++;
        if ((await get(`REFCODE#${code}`, 'REFCODE'))?.customerId === customerId) {
          keys.push({ pk: `REFCODE#${code}`, sk: 'REFCODE' });
          n++;
        }
      }
      const referral = (await get(`REFERRAL#${customerId}`, 'REFERRAL'))?.referral as Referral | undefined;
      if (referral) {
        keys.push({ pk: `REFERRAL#${customerId}`, sk: 'REFERRAL' });
        n++;
        // The reward and offer coupons' links to this referral name the friend: they go with it.
        for (const issued of [referral.issued, referral.friendOffer] as (IssuedReward | undefined)[]) {
          if (issued?.kind !== 'coupon' || (await get(`REFCOUPON#${issued.code}`, 'REFCOUPON'))?.friendId !== customerId) continue;
          keys.push({ pk: `REFCOUPON#${issued.code}`, sk: 'REFCOUPON' });
          n++;
        }
      }
      const rejections = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'friendId = :id OR referrerId = :id',
        ExpressionAttributeValues: { ':pk': REJECTION_PK, ':id': customerId },
      });
      for (const item of rejections) {
        keys.push({ pk: item.pk as string, sk: item.sk as string }, { pk: `REFREJECT#${item.friendId as string}#${item.orderId as string}`, sk: 'MARKER' });
        n++;
      }
      for (const part of chunk(keys, 25)) {
        let pending: Record<string, unknown>[] = part.map((Key) => ({ DeleteRequest: { Key } }));
        for (let round = 0; pending.length > 0; round++) {
          if (round > 8) throw new Error(`referral store: ${pending.length} deletes still unprocessed by BatchWriteItem`);
          if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
          const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
          pending = (out.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined) ?? [];
        }
      }
      return n;
    },
    async linkCoupon(code, friendId) {
      await client.send(new PutCommand({ TableName: tableName, Item: { pk: `REFCOUPON#${code}`, sk: 'REFCOUPON', entity: 'referralCoupon', friendId } }));
    },
    async referralOfCoupon(code) {
      return (await get(`REFCOUPON#${code}`, 'REFCOUPON'))?.friendId as string | undefined;
    },
    async addStats(campaignId, rewardId, counts) {
      const entries = Object.entries(counts).filter(([, n]) => n !== undefined && n !== 0);
      if (entries.length === 0) return;
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `REFSTATS#${campaignId}`, sk: `REWARD#${rewardId}` },
          UpdateExpression: `ADD ${entries.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#n${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(entries.map(([, n], i) => [`:v${i}`, n])),
        }),
      );
    },
    async stats(campaignId) {
      const out: ReferralStats = {};
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': `REFSTATS#${campaignId}`, ':r': 'REWARD#' },
      });
      for (const item of items) {
        const { pk: _pk, sk, ...counts } = item;
        out[(sk as string).slice('REWARD#'.length)] = counts as Partial<Record<StatCounter, number>>;
      }
      return out;
    },
  };
};
