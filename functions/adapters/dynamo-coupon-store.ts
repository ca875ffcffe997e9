// CouponStore on the single DynamoDB table: conditional writes only (no transactions; dynalite has
// none). How issuance stays idempotent with one write per coupon: core/coupons.ts. Access patterns:
//
// | entity          | pk                                       | sk         | how it is read / written                                          |
// |-----------------|------------------------------------------|------------|-------------------------------------------------------------------|
// | coupon          | COUPON#<code>                            | COUPON     | UpdateItem if_not_exists, condition "free, or held by this (occurrence, customer)" (issue, 1 write); Get (redeem) |
// |   by campaign   | gsi1pk COUPONS#<campaignId>              | gsi1sk <expiresAt>#<code> | Query (coupons export); begins_with <day> (CouponExpiring, once a day per campaign) |
// | code secret     | COUPONS                                  | SECRET     | Put attribute_not_exists once (32 random bytes); Get              |
// | pool counters   | POOL#<pool>                              | META       | UpdateItem ADD next :1 (draw); SET last, ADD imported (import)    |
// | pool entry      | POOL#<pool>                              | N#<index, 10 digits> | Put (import); Get (draw)                                |
// | pooled code     | COUPON#<code>                            | COUPON     | Put attribute_not_exists with `pool`, no owner (import: duplicates); the issuing write takes it |
// | pool claim      | COUPONFOR#<occurrenceId>#<customerId>    | POOLCLAIM  | Put attribute_not_exists (the code a recipient holds); Get        |
// | redemption      | (the coupon item)                        |            | UpdateItem SET redeemedAt, redeemedOrderId, condition owner + not redeemed + validUntil >= placedAt (ingest) |
// | erased holder   | (the coupon item)                        |            | UpdateItem SET customerId, occurrenceId = erased REMOVE redeemedOrderId, condition owner (GDPR erase); Delete the pool claim |
// | refused use     | COUPONUSE#<code>                         | ORDER#<orderId> | Put attribute_not_exists (outcome, reason; TTL 400 days)      |
// |   (erase)       |                                          |            | Delete condition customerId (GDPR erase: the orders with a couponCode in the customer's events) |
// | coupon stats    | COUPONSTATS#<campaignId or ->            | STATS      | UpdateItem ADD redeemed, revenueCents, refused_<outcome>; Get     |
//
// A coupon item keeps `validUntil` (ISO) for the coupon's expiry and the table's TTL attribute
// `expiresAt` one year after it (stats and export outlive redemption; then the item goes).
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page } from '#core/store';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { ERASED_HOLDER, normalizeCode, type CouponStore, type IssuedCoupon, type StoredCoupon } from '#core/coupons';
import { REDEMPTION_OUTCOMES, type CouponStats, type CouponUse, type RedemptionOutcome, type RedemptionResult, type RedemptionStore } from '#core/coupon-redemption';

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Coupon items leave the table a year after the coupon expired. */
export const COUPON_RETENTION_MS = 365 * 86_400_000;

export const couponKey = (code: string) => ({ pk: `COUPON#${code}`, sk: 'COUPON' });
const poolMetaKey = (pool: string) => ({ pk: `POOL#${pool}`, sk: 'META' });
const poolEntryKey = (pool: string, index: number) => ({ pk: `POOL#${pool}`, sk: `N#${String(index).padStart(10, '0')}` });
const claimKey = (occurrenceId: string, customerId: string) => ({ pk: `COUPONFOR#${occurrenceId}#${customerId}`, sk: 'POOLCLAIM' });
const SECRET_KEY = { pk: 'COUPONS', sk: 'SECRET' };

/**
 * The one index key a coupon item carries: by campaign, sorted by expiry (export; the coupons
 * expiring on a day for CouponExpiring). One GSI only: each one more would cost every issuing
 * write another write unit.
 */
export const couponIndexKeys = (coupon: Pick<IssuedCoupon, 'campaignId' | 'code' | 'expiresAt'>) => ({
  gsi1pk: `COUPONS#${coupon.campaignId}`,
  gsi1sk: `${coupon.expiresAt}#${coupon.code}`,
});

const COUPON_FIELDS = ['code', 'campaignId', 'occurrenceId', 'customerId', 'value', 'minimumOrderCents', 'issuedAt', 'source', 'pool', 'rewardId'] as const;

/** A stored item as a coupon; undefined for a pooled code nobody holds yet. */
export const couponFromItem = (item: Record<string, unknown> | undefined): StoredCoupon | undefined => {
  if (!item || typeof item.customerId !== 'string') return undefined;
  const coupon: Record<string, unknown> = {};
  for (const field of COUPON_FIELDS) if (item[field] !== undefined) coupon[field] = item[field];
  coupon.expiresAt = item.validUntil;
  if (item.redeemedAt !== undefined) coupon.redeemedAt = item.redeemedAt;
  if (item.redeemedOrderId !== undefined) coupon.redeemedOrderId = item.redeemedOrderId;
  return coupon as unknown as StoredCoupon;
};

export interface DynamoCouponStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Refused uses are kept 400 days (a year of stats questions and then some). */
const REFUSED_USE_TTL_SECONDS = 400 * 86_400;
const statsKey = (campaignId: string) => ({ pk: `COUPONSTATS#${campaignId}`, sk: 'STATS' });

export class DynamoCouponStore implements CouponStore, RedemptionStore {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly table: string;
  private secret: string | undefined;

  constructor(options: DynamoCouponStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
  }

  async putCoupon(coupon: IssuedCoupon): Promise<StoredCoupon | undefined> {
    const values: Record<string, unknown> = {
      ...Object.fromEntries(COUPON_FIELDS.filter((f) => coupon[f] !== undefined).map((f) => [f, coupon[f]])),
      validUntil: coupon.expiresAt,
      expiresAt: Math.floor((Date.parse(coupon.expiresAt) + COUPON_RETENTION_MS) / 1000),
      ...couponIndexKeys(coupon),
    };
    const names: Record<string, string> = { '#pool': 'pool', '#occ': 'occurrenceId', '#cust': 'customerId' };
    const attributeValues: Record<string, unknown> = { ':occ': coupon.occurrenceId, ':cust': coupon.customerId };
    // Every attribute only if not there yet: a repeat by the same owner changes nothing, a pooled
    // code (pk, pool) gets its owner and dates.
    const sets = Object.entries(values).map(([name, value], i) => {
      names[`#a${i}`] = name;
      attributeValues[`:a${i}`] = value;
      return `#a${i} = if_not_exists(#a${i}, :a${i})`;
    });
    // A pooled code's item ('pooledCode') becomes a coupon; a repeat writes the same value.
    sets.push('entity = :entity');
    attributeValues[':entity'] = 'coupon';
    let free = 'attribute_not_exists(#pool)';
    if (coupon.pool !== undefined) {
      attributeValues[':pool'] = coupon.pool;
      free = '#pool = :pool';
    }
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: couponKey(coupon.code),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `(attribute_not_exists(#cust) AND ${free}) OR (#occ = :occ AND #cust = :cust)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: attributeValues,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return couponFromItem(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async markRedeemed(use: CouponUse): Promise<{ marked: boolean; coupon?: StoredCoupon }> {
    const at = new Date(use.at).toISOString();
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: couponKey(use.code),
          UpdateExpression: 'SET redeemedAt = :at, redeemedOrderId = :order',
          ConditionExpression: '#cust = :cust AND validUntil >= :at AND attribute_not_exists(redeemedAt)',
          ExpressionAttributeNames: { '#cust': 'customerId' },
          ExpressionAttributeValues: { ':at': at, ':order': use.orderId, ':cust': use.customerId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const coupon = couponFromItem(Attributes);
      return { marked: true, ...(coupon ? { coupon } : {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const coupon = await this.getCoupon(use.code);
      return { marked: false, ...(coupon ? { coupon } : {}) };
    }
  }

  async recordRefusedUse(use: CouponUse, result: RedemptionResult): Promise<boolean> {
    const atMs = Date.parse(use.at);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `COUPONUSE#${use.code}`,
            sk: `ORDER#${use.orderId}`,
            entity: 'refusedCouponUse',
            customerId: use.customerId,
            at: new Date(atMs).toISOString(),
            outcome: result.outcome,
            ...(result.reason ? { reason: result.reason } : {}),
            ...(result.campaignId ? { campaignId: result.campaignId, occurrenceId: result.occurrenceId } : {}),
            expiresAt: Math.floor(atMs / 1000) + REFUSED_USE_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async countRedemption(campaignId: string, outcome: RedemptionOutcome, revenueCents: number): Promise<void> {
    const redeemed = outcome === 'redeemed';
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: statsKey(campaignId),
        UpdateExpression: redeemed ? 'SET entity = :entity ADD redeemed :one, revenueCents :revenue' : 'SET entity = :entity ADD #refused :one',
        ...(redeemed ? {} : { ExpressionAttributeNames: { '#refused': `refused_${outcome}` } }),
        ExpressionAttributeValues: { ':entity': 'couponStats', ':one': 1, ...(redeemed ? { ':revenue': revenueCents } : {}) },
      }),
    );
  }

  async couponStats(campaignId: string): Promise<CouponStats> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: statsKey(campaignId), ConsistentRead: true }));
    const refused: CouponStats['refused'] = {};
    for (const outcome of REDEMPTION_OUTCOMES) {
      if (outcome !== 'redeemed' && Item?.[`refused_${outcome}`] !== undefined) refused[outcome] = Number(Item[`refused_${outcome}`]);
    }
    return { campaignId, redeemed: Number(Item?.redeemed ?? 0), revenueCents: Number(Item?.revenueCents ?? 0), refused };
  }

  async listCoupons(campaignId: string, options: { cursor?: string; limit?: number; expiringOn?: string } = {}): Promise<Page<StoredCoupon>> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: options.expiringOn === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND begins_with(gsi1sk, :day)',
        ExpressionAttributeValues: { ':pk': `COUPONS#${campaignId}`, ...(options.expiringOn === undefined ? {} : { ':day': options.expiringOn }) },
        Limit: options.limit ?? 1000,
        ...(options.cursor ? { ExclusiveStartKey: JSON.parse(Buffer.from(options.cursor, 'base64url').toString('utf8')) as Record<string, unknown> } : {}),
      }),
    );
    const items = (Items ?? []).map((item) => couponFromItem(item)).filter((c): c is StoredCoupon => c !== undefined);
    return { items, ...(LastEvaluatedKey ? { cursor: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url') } : {}) };
  }

  async getCoupon(code: string): Promise<StoredCoupon | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: couponKey(code), ConsistentRead: true }));
    return couponFromItem(Item);
  }

  async codeSecret(): Promise<string> {
    if (this.secret !== undefined) return this.secret;
    const read = async () => (await this.client.send(new GetCommand({ TableName: this.table, Key: SECRET_KEY, ConsistentRead: true }))).Item?.secret as string | undefined;
    let secret = await read();
    if (secret === undefined) {
      try {
        await this.client.send(new PutCommand({ TableName: this.table, Item: { ...SECRET_KEY, entity: 'couponSecret', secret: randomBytes(32).toString('hex') }, ConditionExpression: 'attribute_not_exists(pk)' }));
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      secret = await read();
    }
    if (secret === undefined) throw new Error('coupon code secret: written but not readable');
    this.secret = secret;
    return secret;
  }

  private async poolMeta(pool: string): Promise<{ last: number; next: number; imported: number }> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: poolMetaKey(pool), ConsistentRead: true }));
    return { last: Number(Item?.last ?? 0), next: Number(Item?.next ?? 0), imported: Number(Item?.imported ?? 0) };
  }

  async addPoolCodes(pool: string, codes: readonly string[]): Promise<{ added: number; duplicates: string[] }> {
    const duplicates: string[] = [];
    const fresh: string[] = [];
    for (const code of codes) {
      try {
        await this.client.send(new PutCommand({ TableName: this.table, Item: { ...couponKey(code), entity: 'pooledCode', pool }, ConditionExpression: 'attribute_not_exists(pk)' }));
        fresh.push(code);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        duplicates.push(code);
      }
    }
    if (fresh.length === 0) return { added: 0, duplicates };
    // Entries go after the last index and after every index drawn (drawn past the end while
    // exhausted), then `last` moves; a draw sees an index <= last only once its entry exists.
    const meta = await this.poolMeta(pool);
    const base = Math.max(meta.last, meta.next);
    for (const [i, code] of fresh.entries()) {
      await this.client.send(new PutCommand({ TableName: this.table, Item: { ...poolEntryKey(pool, base + i + 1), entity: 'poolEntry', code } }));
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: poolMetaKey(pool),
          UpdateExpression: 'SET #last = :last, entity = :entity ADD imported :n',
          ConditionExpression: '(attribute_not_exists(#last) OR #last = :oldLast) AND (attribute_not_exists(#next) OR #next <= :base)',
          ExpressionAttributeNames: { '#last': 'last', '#next': 'next' },
          ExpressionAttributeValues: { ':last': base + fresh.length, ':oldLast': meta.last, ':base': base, ':n': fresh.length, ':entity': 'poolMeta' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new Error(`coupon pool "${pool}" changed during the import (another import, or codes drawn past its end); run the import again: codes already imported are reported as duplicates`);
    }
    return { added: fresh.length, duplicates };
  }

  async poolState(pool: string) {
    const meta = await this.poolMeta(pool);
    return { pool, imported: meta.imported, remaining: Math.max(0, meta.last - meta.next) };
  }

  /** Sends a conditional write: true when it was made, false when its condition failed. */
  private async conditional(command: UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async eraseHolder(code: string, occurrenceId: string, customerId: string): Promise<boolean> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: claimKey(occurrenceId, customerId) }));
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: couponKey(code),
        UpdateExpression: 'SET customerId = :erased, occurrenceId = :erased REMOVE redeemedOrderId',
        ConditionExpression: 'customerId = :c AND occurrenceId = :o',
        ExpressionAttributeValues: { ':erased': ERASED_HOLDER, ':c': customerId, ':o': occurrenceId },
      }),
    );
  }

  async renameOccurrence(code: string, from: string, to: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: couponKey(code),
        UpdateExpression: 'SET occurrenceId = :to',
        ConditionExpression: 'occurrenceId = :from',
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    );
  }

  async eraseRefusedUse(code: string, orderId: string, customerId: string): Promise<boolean> {
    return this.conditional(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: `COUPONUSE#${normalizeCode(code)}`, sk: `ORDER#${orderId}` },
        ConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
      }),
    );
  }

  async getPoolClaim(occurrenceId: string, customerId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: claimKey(occurrenceId, customerId), ConsistentRead: true }));
    return Item?.code as string | undefined;
  }

  async drawPoolCode(pool: string): Promise<string | undefined> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: poolMetaKey(pool),
        UpdateExpression: 'ADD #next :one',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const index = Number(Attributes?.next);
    if (!(index <= Number(Attributes?.last ?? 0))) return undefined;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: poolEntryKey(pool, index), ConsistentRead: true }));
    if (typeof Item?.code !== 'string') throw new Error(`coupon pool "${pool}": entry ${index} is missing`);
    return Item.code;
  }

  async putPoolClaim(occurrenceId: string, customerId: string, code: string): Promise<string> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.table, Item: { ...claimKey(occurrenceId, customerId), entity: 'poolClaim', code }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return code;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getPoolClaim(occurrenceId, customerId);
      if (existing === undefined) throw new Error(`coupon pool claim of ${occurrenceId} / ${customerId}: exists but not readable`);
      return existing;
    }
  }
}

export const createDynamoCouponStore = (options: DynamoCouponStoreOptions): DynamoCouponStore => new DynamoCouponStore(options);
