import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalDynamo } from '#test/fixtures/local-dynamo';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { CouponSpec } from '#core/campaign';
import { issueCoupon } from '#core/coupons';
import { couponStoreContract } from '../unit/coupon-store-contract';

const local = useLocalDynamo('coupon-store-test');
const client = local.client;

couponStoreContract('dynamodb (dynalite)', async () => createDynamoCouponStore({ client: client(), tableName: await local.freshTable('coupons') }));

describe('dynamodb coupon store: item layout', () => {
  it('keys a coupon by its code, indexes it by campaign and expiry, and expires it a year after', async () => {
    const store = createDynamoCouponStore({ client: client(), tableName: local.aws().tableName });
    const spec = CouponSpec.parse({ value: { type: 'freeShipping' }, validDays: 10 });
    const coupon = await issueCoupon({ store }, { campaignId: 'bday', occurrenceId: 'bday:birthday:2026', customerId: 'c1', spec, at: new Date('2026-05-04T09:00:00Z') });
    const { Item } = await client().send(new GetCommand({ TableName: local.aws().tableName, Key: { pk: `COUPON#${coupon.code}`, sk: 'COUPON' } }));
    expect(Item).toMatchObject({
      entity: 'coupon',
      validUntil: '2026-05-14T09:00:00.000Z',
      gsi1pk: 'COUPONS#bday',
      gsi1sk: `2026-05-14T09:00:00.000Z#${coupon.code}`,
      expiresAt: Math.floor(Date.parse('2027-05-14T09:00:00Z') / 1000),
    });
    expect(Item?.gsi2pk).toBeUndefined();
  });

  it('turns a pooled code\'s item into a coupon when it is handed out', async () => {
    const store = createDynamoCouponStore({ client: client(), tableName: local.aws().tableName });
    await store.addPoolCodes('layout-pool', ['LAYOUT-1']);
    const spec = CouponSpec.parse({ value: { type: 'freeShipping' }, validDays: 10, pool: 'layout-pool' });
    await issueCoupon({ store }, { campaignId: 'bday', occurrenceId: 'bday:birthday:2026', customerId: 'c2', spec, at: new Date('2026-05-04T09:00:00Z') });
    const { Item } = await client().send(new GetCommand({ TableName: local.aws().tableName, Key: { pk: 'COUPON#LAYOUT-1', sk: 'COUPON' } }));
    expect(Item).toMatchObject({ entity: 'coupon', pool: 'layout-pool', customerId: 'c2', gsi1pk: 'COUPONS#bday' });
  });
});
