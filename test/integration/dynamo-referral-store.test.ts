import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalDynamo } from '#test/fixtures/local-dynamo';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import { referralStoreContract } from '../unit/referral-store-contract';
import { Logger } from '@aws-lambda-powertools/logger';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { referralCodeFor, rewardCouponIssuer } from '#core/referral-program';
import { RewardCatalog } from '#core/rewards';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { createIngestHandler } from '../../functions/ingest/handler';
import { sqs } from '../unit/referral-fixtures';

const local = useLocalDynamo('referral-store-test');
const client = local.client;

referralStoreContract('dynamodb (dynalite)', async () => createDynamoReferralStore({ client: client(), tableName: await local.freshTable('referrals') }));

describe('dynamodb referral store: item layout', () => {
  it('keeps the customer\'s own code in the customer\'s partition, where a GDPR erase finds it', async () => {
    const store = createDynamoReferralStore({ client: client(), tableName: local.aws().tableName });
    await store.setCodeOf('anna', 'ABCD2345');
    const { Item } = await client().send(new GetCommand({ TableName: local.aws().tableName, Key: { pk: 'CUST#anna', sk: 'REFERRALCODE' } }));
    expect(Item?.code).toBe('ABCD2345');
  });
});

describe('referral program on DynamoDB: conversion through the ingest handler', () => {
  it('converts a friend\'s first order with a coupon reward, rejects a self-referral by email, and counts both', async () => {
    const tableName = await local.freshTable('referrals');
    const c = client();
    const customers = createDynamoStore({ client: c, tableName });
    const referrals = createDynamoReferralStore({ client: c, tableName });
    const coupons = createDynamoCouponStore({ client: c, tableName });
    const catalog = RewardCatalog.parse({
      kind: 'rewardCatalog', id: 'r', name: 'R', mode: 'rotate', rotateEvery: 'month', timeZone: 'Europe/Berlin', defaultLocale: 'de',
      rewards: [{ id: 'five-euro', label: { de: '5 €' }, value: { type: 'amount', amountCents: 500, currency: 'EUR' }, for: 'referrer' }],
    });
    const clock = { now: () => new Date('2026-03-02T12:00:00Z') };
    const deps = { referrals, customers, clock, program: async () => ({ campaignId: 'referral-friends', catalog }), issueCoupon: rewardCouponIssuer({ store: coupons }) };
    const ingest = createIngestHandler({ store: customers, loyalty: defaultLoyaltyConfig, clock, referralProgram: deps, logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }) });
    const send = async (id: string, type: string, detail: Record<string, unknown>) => {
      const result = await ingest({ Records: [sqs({ version: '0', id, source: 'shop', 'detail-type': type, time: '2026-03-02T10:00:00Z', detail })] });
      expect(result.batchItemFailures).toEqual([]);
    };
    const order = (customerId: string, orderId: string, referralCode: string) => ({ orderId, customerId, placedAt: '2026-03-02T10:00:00Z', totalCents: 3_000, currency: 'EUR', items: [], referralCode });
    const code = await referralCodeFor(deps, 'anna');
    await send('r1', 'CustomerRegistered', { customerId: 'anna', email: 'anna.berg@gmail.com', locale: 'de-DE' });
    await send('r2', 'CustomerRegistered', { customerId: 'ben', email: 'ben@example.com', locale: 'de-DE' });
    await send('r3', 'CustomerRegistered', { customerId: 'anna2', email: 'AnnaBerg+2@googlemail.com', locale: 'de-DE' });
    await send('o1', 'OrderPlaced', order('ben', 'b1', code));
    await send('o1', 'OrderPlaced', order('ben', 'b1', code)); // redelivered
    await send('o2', 'OrderPlaced', order('anna2', 'x1', code));
    const referral = await referrals.getReferral('ben');
    expect(referral).toMatchObject({ referrerId: 'anna', state: 'issued', issued: { kind: 'coupon', rewardId: 'five-euro' } });
    const issued = referral?.issued?.kind === 'coupon' ? referral.issued.code : '';
    expect(await coupons.getCoupon(issued)).toMatchObject({ customerId: 'anna', value: { type: 'amount', amountCents: 500 } });
    expect((await referrals.listRejections()).map((r) => [r.friendId, r.reason, r.detail])).toEqual([['anna2', 'selfReferral', 'same normalized email']]);
    expect(await referrals.stats('referral-friends')).toEqual({ 'five-euro': { conversions: 1, issued: 1 }, '-': { 'rejected.selfReferral': 1 } });
  });
});
