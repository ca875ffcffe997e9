// The contract both referral stores keep (memory twin in unit tests, DynamoDB on dynalite).
import { describe, expect, it } from 'vitest';
import type { Referral } from '#core/referral';
import type { ReferralStore } from '#core/referral-store';

const referral = (friendId: string, over: Partial<Referral> = {}): Referral => ({
  friendId,
  referrerId: 'anna',
  code: 'ABCD2345',
  orderId: `o-${friendId}`,
  orderAt: '2026-03-02T10:00:00.000Z',
  campaignId: 'referral-friends',
  catalogId: 'referral-rewards',
  state: 'choosing',
  options: ['ten-percent', 'five-euro'],
  ...over,
});

export const referralStoreContract = (name: string, make: () => Promise<ReferralStore>): void => {
  describe(`referral store contract: ${name}`, () => {
    it('gives a code to one customer only: a second claim is a collision', async () => {
      const store = await make();
      expect(await store.claimCode('ABCD2345', 'anna')).toBe(true);
      expect(await store.claimCode('ABCD2345', 'ben')).toBe(false);
      expect(await store.referrerOf('ABCD2345')).toBe('anna');
      expect(await store.referrerOf('ZZZZ2345')).toBeUndefined();
    });

    it('keeps the first code of a customer when two writers race', async () => {
      const store = await make();
      const [a, b] = await Promise.all([store.setCodeOf('anna', 'AAAA2345'), store.setCodeOf('anna', 'BBBB2345')]);
      expect(a).toBe(b);
      expect(await store.codeOf('anna')).toBe(a);
      expect(await store.codeOf('ben')).toBeUndefined();
    });

    it('answers the customers seen at a shipping-address hash', async () => {
      const store = await make();
      await store.addAddress('h1', 'anna');
      await store.addAddress('h1', 'anna');
      await store.addAddress('h1', 'ben');
      expect((await store.customersAt('h1')).sort()).toEqual(['anna', 'ben']);
      expect(await store.customersAt('h2')).toEqual([]);
    });

    it('counts a friend against the cap once and refuses the one past it', async () => {
      const store = await make();
      expect(await store.takeCapSlot('anna', '2026-03', 'f1', 2, 0)).toBe(true);
      expect(await store.takeCapSlot('anna', '2026-03', 'f1', 2, 0)).toBe(true);
      expect(await store.takeCapSlot('anna', '2026-03', 'f2', 2, 0)).toBe(true);
      expect(await store.takeCapSlot('anna', '2026-03', 'f3', 2, 0)).toBe(false);
      expect(await store.takeCapSlot('anna', '2026-04', 'f3', 2, 0)).toBe(true);
      await store.releaseCapSlot('anna', '2026-03', 'f2');
      expect(await store.takeCapSlot('anna', '2026-03', 'f3', 2, 0)).toBe(true);
    });

    it('lets one of five concurrent friends past a cap of one', async () => {
      const store = await make();
      const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((f) => store.takeCapSlot('ben', '2026-03', f, 1, 0)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps one referral per friend and answers the existing one to a second', async () => {
      const store = await make();
      expect(await store.createReferral(referral('f1'))).toEqual({ created: true });
      const second = await store.createReferral(referral('f1', { referrerId: 'ben' }));
      expect(second.created).toBe(false);
      expect(second.created === false && second.existing.referrerId).toBe('anna');
      expect((await store.getReferral('f1'))?.referrerId).toBe('anna');
    });

    it('updates a referral only from the expected state (the first choice wins)', async () => {
      const store = await make();
      await store.createReferral(referral('f2'));
      expect(await store.updateReferral(referral('f2', { state: 'issued', rewardId: 'five-euro' }), ['choosing'])).toBe(true);
      expect(await store.updateReferral(referral('f2', { state: 'issued', rewardId: 'ten-percent' }), ['choosing'])).toBe(false);
      expect((await store.getReferral('f2'))?.rewardId).toBe('five-euro');
      expect(await store.updateReferral(referral('nobody', { state: 'issued' }), ['choosing'])).toBe(false);
    });

    it('keeps a rejection once per friend and order, with its reason', async () => {
      const store = await make();
      const rejection = { friendId: 'f9', orderId: 'o9', code: 'ABCD2345', referrerId: 'anna', campaignId: 'referral-friends', reason: 'selfReferral' as const, detail: 'same normalized email', at: '2026-03-02T10:00:00.000Z' };
      expect(await store.putRejection(rejection)).toBe(true);
      expect(await store.putRejection({ ...rejection, at: '2026-03-02T11:00:00.000Z' })).toBe(false);
      expect(await store.listRejections()).toEqual([rejection]);
    });

    it('erases a customer\'s code, the referral that brought them and the rejections naming them', async () => {
      const store = await make();
      await store.claimCode('ABCD2345', 'anna');
      await store.setCodeOf('anna', 'ABCD2345');
      await store.createReferral(referral('anna', { referrerId: 'carl' }));
      await store.createReferral(referral('ben', { referrerId: 'anna' }));
      const rejection = { orderId: 'o1', code: 'ABCD2345', campaignId: 'referral-friends', reason: 'selfReferral' as const, detail: 'same customer id', at: '2026-03-02T10:00:00.000Z' };
      await store.putRejection({ ...rejection, friendId: 'anna', referrerId: 'anna' });
      await store.putRejection({ ...rejection, friendId: 'dora', referrerId: 'eve', orderId: 'o2' });
      expect(await store.eraseCustomer('anna')).toBe(4);
      expect(await store.codeOf('anna')).toBeUndefined();
      expect(await store.referrerOf('ABCD2345')).toBeUndefined();
      expect(await store.getReferral('anna')).toBeUndefined();
      expect((await store.getReferral('ben'))?.referrerId).toBe('anna');
      expect((await store.listRejections()).map((r) => r.friendId)).toEqual(['dora']);
      expect(await store.putRejection({ ...rejection, friendId: 'anna', referrerId: 'anna' })).toBe(true);
    });

    it('erases the links of the erased friend\'s reward and offer coupons to their referral, not other referrals\' links', async () => {
      const store = await make();
      const coupon = (code: string) => ({ kind: 'coupon' as const, rewardId: 'ten-percent', code, expiresAt: '2026-04-01T00:00:00.000Z' });
      await store.createReferral(referral('anna', { referrerId: 'carl', state: 'issued', issued: coupon('REF-AAAA2222'), friendOffer: coupon('REF-BBBB3333') }));
      await store.createReferral(referral('ben', { referrerId: 'carl', state: 'issued', issued: coupon('REF-CCCC4444') }));
      for (const [code, friend] of [['REF-AAAA2222', 'anna'], ['REF-BBBB3333', 'anna'], ['REF-CCCC4444', 'ben']] as const) await store.linkCoupon(code, friend);
      expect(await store.eraseCustomer('anna')).toBe(3);
      expect(await store.referralOfCoupon('REF-AAAA2222')).toBeUndefined();
      expect(await store.referralOfCoupon('REF-BBBB3333')).toBeUndefined();
      expect(await store.referralOfCoupon('REF-CCCC4444')).toBe('ben');
    });

    it('finds the referral of a reward coupon', async () => {
      const store = await make();
      await store.linkCoupon('REF-7KQ2', 'f1');
      expect(await store.referralOfCoupon('REF-7KQ2')).toBe('f1');
      expect(await store.referralOfCoupon('OTHER')).toBeUndefined();
    });

    it('adds stats per campaign and reward', async () => {
      const store = await make();
      await store.addStats('referral-friends', 'ten-percent', { conversions: 1, issued: 1 });
      await store.addStats('referral-friends', 'ten-percent', { conversions: 1, redeemed: 1 });
      await store.addStats('referral-friends', '-', { 'rejected.selfReferral': 1, clicks: 3 });
      await store.addStats('other', 'x', { clicks: 1 });
      expect(await store.stats('referral-friends')).toEqual({
        'ten-percent': { conversions: 2, issued: 1, redeemed: 1 },
        '-': { 'rejected.selfReferral': 1, clicks: 3 },
      });
    });
  });
};
