// The CouponStore contract, one suite for both stores: memory (test/unit/memory-coupon-store.test.ts)
// and DynamoDB on dynalite (test/integration/dynamo-coupon-store.test.ts), driven through
// issueCoupon where that is how the send path uses the store.
import { describe, expect, it } from 'vitest';
import { CouponSpec } from '#core/campaign';
import { redeemCoupon, type RedemptionStore } from '#core/coupon-redemption';
import { CODE_ALPHABET, ERASED_HOLDER, PoolExhaustedError, hmacKeyedRandom, issueCoupon, type CouponStore, type IssuedCoupon, type KeyedRandom } from '#core/coupons';

const AT = new Date('2026-05-04T09:00:00.000Z');
const spec = (patch: Record<string, unknown> = {}): CouponSpec =>
  CouponSpec.parse({ value: { type: 'percent', percent: 15 }, validDays: 30, minimumOrderCents: 2500, prefix: 'WB', ...patch });
const input = (customerId: string, patch: Partial<Parameters<typeof issueCoupon>[1]> = {}) => ({
  campaignId: 'winback',
  occurrenceId: 'winback:2026-05-04T09:00Z',
  customerId,
  spec: spec(),
  at: AT,
  ...patch,
});
/** Every recipient's first candidate is the same code: attempt 0 always collides after the first. */
const collidingRandom: KeyedRandom = (key) => {
  const attempt = (JSON.parse(key.split('#')[0]!) as [string, string, number])[2];
  return hmacKeyedRandom('fixed')(String(attempt));
};

export const couponStoreContract = (name: string, createStore: () => Promise<CouponStore & RedemptionStore>): void => {
  describe(`coupon store contract: ${name}`, () => {
    it('issues a code of the unambiguous alphabet with the prefix, value, minimum order and expiry', async () => {
      const store = await createStore();
      const coupon = await issueCoupon({ store }, input('c1'));
      expect(coupon.code).toMatch(new RegExp(`^WB-[${CODE_ALPHABET}]{8}$`));
      expect(coupon.code).not.toMatch(/[01OIL]/);
      expect(coupon).toMatchObject({
        campaignId: 'winback',
        occurrenceId: 'winback:2026-05-04T09:00Z',
        customerId: 'c1',
        value: { type: 'percent', percent: 15 },
        minimumOrderCents: 2500,
        issuedAt: '2026-05-04T09:00:00.000Z',
        expiresAt: '2026-06-03T09:00:00.000Z',
        source: 'generated',
      });
      expect(await store.getCoupon(coupon.code)).toEqual(coupon);
    });

    it('gives a redelivery the same code with the first issuance dates', async () => {
      const store = await createStore();
      const first = await issueCoupon({ store }, input('c1'));
      const again = await issueCoupon({ store }, input('c1', { at: new Date(AT.getTime() + 3_600_000) }));
      expect(again).toEqual(first);
    });

    it('gives other recipients and other occurrences their own codes', async () => {
      const store = await createStore();
      const a = await issueCoupon({ store }, input('c1'));
      const b = await issueCoupon({ store }, input('c2'));
      const c = await issueCoupon({ store }, input('c1', { occurrenceId: 'winback:2026-06-04T09:00Z' }));
      expect(new Set([a.code, b.code, c.code]).size).toBe(3);
    });

    it('retries a colliding code with the next candidate, and a redelivery finds that one again', async () => {
      const store = await createStore();
      const deps = { store, random: collidingRandom };
      const a = await issueCoupon(deps, input('c1'));
      const b = await issueCoupon(deps, input('c2'));
      expect(b.code).not.toBe(a.code);
      expect((await issueCoupon(deps, input('c2'))).code).toBe(b.code);
      expect((await store.getCoupon(a.code))?.customerId).toBe('c1');
    });

    it('issues one code when five copies of a delivery ask at once', async () => {
      const store = await createStore();
      const coupons = await Promise.all(Array.from({ length: 5 }, () => issueCoupon({ store }, input('c7'))));
      expect(new Set(coupons.map((c) => c.code)).size).toBe(1);
    });

    it('never overwrites a stored coupon: a put by another owner is refused, by the same owner answers the stored one', async () => {
      const store = await createStore();
      const coupon = await issueCoupon({ store }, input('c1'));
      expect(await store.putCoupon({ ...coupon, customerId: 'c2' })).toBeUndefined();
      expect(await store.putCoupon({ ...coupon, issuedAt: '2030-01-01T00:00:00.000Z' })).toEqual(coupon);
    });

    it('keeps its code secret once made', async () => {
      const store = await createStore();
      const secret = await store.codeSecret();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(await store.codeSecret()).toBe(secret);
    });

    it('carries the referral reward id when one is given', async () => {
      const store = await createStore();
      const coupon = await issueCoupon({ store }, input('c1', { rewardId: 'coffee-10' }));
      expect((await store.getCoupon(coupon.code))?.rewardId).toBe('coffee-10');
    });

    describe('pools', () => {
      const pooled = (customerId: string, patch: Partial<Parameters<typeof issueCoupon>[1]> = {}) => input(customerId, { spec: spec({ pool: 'shopify-may' }), ...patch });

      it('hands out each imported code once, and the same one on redelivery', async () => {
        const store = await createStore();
        expect(await store.addPoolCodes('shopify-may', ['SHOP-A1', 'SHOP-A2', 'SHOP-A3'])).toEqual({ added: 3, duplicates: [] });
        const issued = [];
        for (const customer of ['c1', 'c2', 'c3']) issued.push(await issueCoupon({ store }, pooled(customer)));
        expect(issued.map((c) => c.code).sort()).toEqual(['SHOP-A1', 'SHOP-A2', 'SHOP-A3']);
        expect(issued.every((c) => c.source === 'pool' && c.pool === 'shopify-may')).toBe(true);
        expect((await issueCoupon({ store }, pooled('c2'))).code).toBe(issued[1]!.code);
        expect(await store.poolState('shopify-may')).toEqual({ pool: 'shopify-may', imported: 3, remaining: 0 });
      });

      it('fails with PoolExhaustedError once the pool is empty, and hands out codes imported afterwards', async () => {
        const store = await createStore();
        await store.addPoolCodes('shopify-may', ['SHOP-B1']);
        await issueCoupon({ store }, pooled('c1'));
        await expect(issueCoupon({ store }, pooled('c2'))).rejects.toBeInstanceOf(PoolExhaustedError);
        await expect(issueCoupon({ store }, pooled('c3'))).rejects.toThrow(/coupon pool "shopify-may" is exhausted \(1 codes imported/);
        await store.addPoolCodes('shopify-may', ['SHOP-B2']);
        expect((await issueCoupon({ store }, pooled('c2'))).code).toBe('SHOP-B2');
      });

      it('answers codes imported twice or already issued as duplicates', async () => {
        const store = await createStore();
        const generated = await issueCoupon({ store }, input('c1'));
        await store.addPoolCodes('shopify-may', ['SHOP-C1']);
        expect(await store.addPoolCodes('other-pool', ['SHOP-C1', generated.code, 'SHOP-C2'])).toEqual({ added: 1, duplicates: ['SHOP-C1', generated.code] });
      });

      it('gives one pooled code to five copies of a delivery asking at once', async () => {
        const store = await createStore();
        await store.addPoolCodes('shopify-may', ['SHOP-D1', 'SHOP-D2', 'SHOP-D3', 'SHOP-D4', 'SHOP-D5']);
        const coupons = await Promise.all(Array.from({ length: 5 }, () => issueCoupon({ store }, pooled('c9'))));
        expect(new Set(coupons.map((c) => c.code)).size).toBe(1);
        const held = [];
        for (const code of ['SHOP-D1', 'SHOP-D2', 'SHOP-D3', 'SHOP-D4', 'SHOP-D5']) if ((await store.getCoupon(code))?.customerId === 'c9') held.push(code);
        expect(held).toEqual([coupons[0]!.code]);
      });

      it('never hands a pooled code out as a generated one, nor a code outside the pool as pooled', async () => {
        const store = await createStore();
        await store.addPoolCodes('shopify-may', ['WB-AAAAAAAA']);
        const base = (await issueCoupon({ store }, input('c1'))) as IssuedCoupon;
        expect(await store.putCoupon({ ...base, code: 'WB-AAAAAAAA' })).toBeUndefined();
        expect(await store.putCoupon({ ...base, code: 'NOT-IMPORTED', source: 'pool', pool: 'shopify-may' })).toBeUndefined();
        expect(await store.getCoupon('WB-AAAAAAAA')).toBeUndefined();
      });
    });

    it('lists a campaign\'s coupons by expiry, all or those expiring on a day, in pages', async () => {
      const store = await createStore();
      const issued = [];
      for (let i = 0; i < 5; i++) issued.push(await issueCoupon({ store }, input(`c${i}`, { at: new Date(AT.getTime() + i * 1000) })));
      await issueCoupon({ store }, input('c9', { campaignId: 'other', occurrenceId: 'other:x' }));
      const first = await store.listCoupons('winback', { limit: 3 });
      const second = await store.listCoupons('winback', { limit: 3, ...(first.cursor ? { cursor: first.cursor } : {}) });
      expect([...first.items, ...second.items].map((c) => c.customerId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      expect(second.cursor).toBeUndefined();
      const expiring = await store.listCoupons('winback', { expiringOn: '2026-06-03' });
      expect(expiring.items.map((c) => c.customerId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      expect((await store.listCoupons('winback', { expiringOn: '2026-06-04' })).items).toEqual([]);
    });

    describe('redemption', () => {
      const order = (code: string, patch: Record<string, unknown> = {}) => ({ couponCode: code, customerId: 'c1', orderId: 'o-1', at: '2026-05-10T12:00:00+02:00', totalCents: 4590, ...patch });

      it('redeems a coupon once for its customer and adds the order to its campaign\'s revenue', async () => {
        const store = await createStore();
        const { code } = await issueCoupon({ store }, input('c1'));
        expect(await redeemCoupon(store, order(code))).toEqual({ outcome: 'redeemed', code, campaignId: 'winback', occurrenceId: 'winback:2026-05-04T09:00Z' });
        expect(await store.getCoupon(code)).toMatchObject({ redeemedAt: '2026-05-10T10:00:00.000Z', redeemedOrderId: 'o-1' });
        expect(await store.couponStats('winback')).toEqual({ campaignId: 'winback', redeemed: 1, revenueCents: 4590, refused: {} });
      });

      it('answers the same order again (a redelivery) as redeemed without counting it twice', async () => {
        const store = await createStore();
        const { code } = await issueCoupon({ store }, input('c1'));
        await redeemCoupon(store, order(code));
        expect((await redeemCoupon(store, order(code))).outcome).toBe('redeemed');
        expect(await store.couponStats('winback')).toMatchObject({ redeemed: 1, revenueCents: 4590 });
      });

      it('refuses a second use by another order, naming the first', async () => {
        const store = await createStore();
        const { code } = await issueCoupon({ store }, input('c1'));
        await redeemCoupon(store, order(code));
        const second = await redeemCoupon(store, order(code, { orderId: 'o-2' }));
        expect(second).toEqual({ outcome: 'alreadyRedeemed', code, campaignId: 'winback', occurrenceId: 'winback:2026-05-04T09:00Z', reason: `coupon ${code} was redeemed by order o-1 at 2026-05-10T10:00:00.000Z` });
        await redeemCoupon(store, order(code, { orderId: 'o-2' }));
        expect(await store.couponStats('winback')).toEqual({ campaignId: 'winback', redeemed: 1, revenueCents: 4590, refused: { alreadyRedeemed: 1 } });
      });

      it('refuses an expired coupon and leaves it unredeemed', async () => {
        const store = await createStore();
        const { code } = await issueCoupon({ store }, input('c1'));
        const late = await redeemCoupon(store, order(code, { at: '2026-06-03T09:00:00.001Z' }));
        expect(late).toMatchObject({ outcome: 'expired', campaignId: 'winback', reason: `coupon ${code} expired at 2026-06-03T09:00:00.000Z, the order was placed at 2026-06-03T09:00:00.001Z` });
        expect((await store.getCoupon(code))?.redeemedAt).toBeUndefined();
        expect((await redeemCoupon(store, order(code, { orderId: 'o-3', at: '2026-06-03T09:00:00.000Z' }))).outcome).toBe('redeemed');
      });

      it('refuses another customer\'s code', async () => {
        const store = await createStore();
        const { code } = await issueCoupon({ store }, input('c1'));
        expect(await redeemCoupon(store, order(code, { customerId: 'c2' }))).toMatchObject({ outcome: 'otherCustomer', campaignId: 'winback', reason: `coupon ${code} was issued to another customer` });
        expect((await store.getCoupon(code))?.redeemedAt).toBeUndefined();
      });

      it('records an unknown code, counted under no campaign, once per order', async () => {
        const store = await createStore();
        expect(await redeemCoupon(store, order(' welcome10 '))).toEqual({ outcome: 'unknown', code: 'WELCOME10', reason: 'no coupon was issued with code WELCOME10' });
        await redeemCoupon(store, order('WELCOME10'));
        await redeemCoupon(store, order('WELCOME10', { orderId: 'o-9' }));
        expect(await store.couponStats('-')).toEqual({ campaignId: '-', redeemed: 0, revenueCents: 0, refused: { unknown: 2 } });
      });

      it('redeems once when five copies of an order arrive at once', async () => {
        const store = await createStore();
        const { code } = await issueCoupon({ store }, input('c1'));
        const results = await Promise.all(Array.from({ length: 5 }, () => redeemCoupon(store, order(code))));
        expect(results.every((r) => r.outcome === 'redeemed')).toBe(true);
        expect((await store.couponStats('winback')).redeemed).toBe(1);
      });
    });

    describe('GDPR erase', () => {
      const use = (store: RedemptionStore, code: string, customerId: string, orderId: string) =>
        redeemCoupon(store, { couponCode: code, customerId, orderId, at: '2026-05-10T09:00:00.000Z', totalCents: 4000 });

      it('anonymises the holder\'s coupon: code, value, dates and redemption time stay, customer, occurrence, order and pool claim go', async () => {
        const store = await createStore();
        await store.addPoolCodes('shopify-may', ['MAY-0001']);
        const generated = await issueCoupon({ store }, input('c1'));
        const pooled = await issueCoupon({ store }, input('c1', { occurrenceId: 'winback:c1:first', spec: spec({ pool: 'shopify-may' }) }));
        const other = await issueCoupon({ store }, input('c2'));
        await use(store, generated.code, 'c1', 'o-1');
        const statsBefore = await store.couponStats('winback');

        expect(await store.eraseHolder(generated.code, generated.occurrenceId, 'c1')).toBe(true);
        expect(await store.eraseHolder(pooled.code, 'winback:c1:first', 'c1')).toBe(true);
        expect(await store.getCoupon(generated.code)).toEqual({ ...generated, customerId: ERASED_HOLDER, occurrenceId: ERASED_HOLDER, redeemedAt: '2026-05-10T09:00:00.000Z' });
        expect(await store.getCoupon(pooled.code)).toMatchObject({ code: 'MAY-0001', customerId: ERASED_HOLDER, occurrenceId: ERASED_HOLDER, source: 'pool' });
        expect(await store.getPoolClaim('winback:c1:first', 'c1')).toBeUndefined();
        expect(await store.getCoupon(other.code)).toEqual(other);
        expect(await store.couponStats('winback')).toEqual(statsBefore);
        // Idempotent, and never another customer's coupon.
        expect(await store.eraseHolder(generated.code, generated.occurrenceId, 'c1')).toBe(false);
        expect(await store.eraseHolder(other.code, other.occurrenceId, 'c1')).toBe(false);
        expect(await store.getCoupon(other.code)).toEqual(other);
        // The erased customer's old code no longer redeems for them.
        expect((await use(store, generated.code, 'c1', 'o-5')).outcome).toBe('otherCustomer');
      });

      it('renames a coupon\'s occurrence only from the stored one, keeping its holder', async () => {
        const store = await createStore();
        const reward = await issueCoupon({ store }, input('c2', { occurrenceId: 'referral:reward.c1' }));
        expect(await store.renameOccurrence(reward.code, 'referral:reward.c9', 'referral:reward.erased')).toBe(false);
        expect(await store.renameOccurrence(reward.code, 'referral:reward.c1', 'referral:reward.erased')).toBe(true);
        expect(await store.getCoupon(reward.code)).toEqual({ ...reward, occurrenceId: 'referral:reward.erased' });
        expect((await use(store, reward.code, 'c2', 'o-1')).outcome).toBe('redeemed');
      });

      it('deletes the customer\'s refused use of a code, not another customer\'s; the counts stay', async () => {
        const store = await createStore();
        const other = await issueCoupon({ store }, input('c2'));
        expect((await use(store, other.code, 'c1', 'o-7')).outcome).toBe('otherCustomer');
        expect((await use(store, 'NOPE-1', 'c3', 'o-8')).outcome).toBe('unknown');
        expect(await store.eraseRefusedUse(other.code, 'o-7', 'c3')).toBe(false);
        expect(await store.eraseRefusedUse(other.code.toLowerCase(), 'o-7', 'c1')).toBe(true);
        expect(await store.eraseRefusedUse(other.code, 'o-7', 'c1')).toBe(false);
        expect(await store.eraseRefusedUse('NOPE-1', 'o-8', 'c1')).toBe(false);
        expect(await store.eraseRefusedUse('nope-1', 'o-8', 'c3')).toBe(true);
        expect((await store.couponStats('winback')).refused).toEqual({ otherCustomer: 1 });
      });
    });
  });
};
