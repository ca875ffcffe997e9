import { describe, expect, it } from 'vitest';
import { normalizeEmail, referralCodeCandidate, REFERRAL_CODE_ALPHABET, normalizeReferralCode } from '#core/referral';
import { chooseReward, referralCodeFor } from '#core/referral-program';
import { catalogOf, referralHarness } from './referral-fixtures';

describe('referral: codes', () => {
  it('makes 8-character codes from an alphabet without 0, O, 1, I or L', () => {
    expect(REFERRAL_CODE_ALPHABET).not.toMatch(/[0O1IL]/);
    for (let i = 0; i < 200; i++) expect(referralCodeCandidate(`c${i}`, 0)).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
  });

  it('gives a customer the same code every time, made on first need', async () => {
    const h = referralHarness();
    expect(await h.referrals.codeOf('anna')).toBeUndefined();
    const code = await h.codeOf('anna');
    expect(await h.codeOf('anna')).toBe(code);
    expect(await h.referrals.referrerOf(code)).toBe('anna');
  });

  it('tries the next candidate when a code is taken by someone else', async () => {
    const h = referralHarness();
    await h.referrals.claimCode(referralCodeCandidate('anna', 0), 'intruder');
    const code = await referralCodeFor(h.deps, 'anna');
    expect(code).toBe(referralCodeCandidate('anna', 1));
    expect(await h.referrals.referrerOf(code)).toBe('anna');
  });

  it('reads a typed code in lower case with dashes, and refuses other letters', () => {
    expect(normalizeReferralCode(' abcd-2345 ')).toBe('ABCD2345');
    expect(normalizeReferralCode('ABCD0345')).toBeUndefined();
    expect(normalizeReferralCode('ABC')).toBeUndefined();
  });
});

describe('referral: email normalization', () => {
  it('treats Gmail dots, +tags, case and googlemail.com as one mailbox', () => {
    expect(normalizeEmail('Anna.Berg+shop@GoogleMail.com')).toBe('annaberg@gmail.com');
    expect(normalizeEmail('a.n.n.a.berg@gmail.com')).toBe(normalizeEmail('annaberg+x@googlemail.com'));
  });

  it('keeps dots for other providers but drops their +tags', () => {
    expect(normalizeEmail('anna.berg+x@web.de')).toBe('anna.berg@web.de');
    expect(normalizeEmail('anna.berg@web.de')).not.toBe(normalizeEmail('annaberg@web.de'));
  });
});

describe('referral: conversion at ingest', () => {
  it('completes a referral on the friend\'s first order: ReferralCompleted, points to the referrer, the gift to the friend', async () => {
    const h = referralHarness();
    await h.register('anna');
    await h.order('anna', 'a1', '2026-02-01T10:00:00Z');
    const code = await h.codeOf('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    const referral = await h.referrals.getReferral('ben');
    expect(referral).toMatchObject({ referrerId: 'anna', state: 'issued', rewardId: 'hundred-points', issued: { kind: 'points', points: 100 }, friendOffer: { kind: 'gift', sku: 'MUG-1' } });
    expect(h.bus.published.filter((e) => e.type !== 'FirstOrderPlaced' && e.type !== 'TierChanged').map((e) => [e.type, e.customerId])).toEqual([
      ['ReferralCompleted', 'anna'],
      ['RewardIssued', 'anna'],
      ['RewardIssued', 'ben'],
    ]);
    const anna = await h.customers.getProfile('anna');
    const points = (await h.customers.getProfile('ben'))!.points; // ben earned his own order points only
    expect(anna!.points - points).toBe(100);
    expect(await h.referrals.stats('referral-friends')).toEqual({ 'hundred-points': { conversions: 1, issued: 1 } });
    expect((await h.customers.listEvents('anna')).items.map((e) => e.type)).toContain('ReferralCompleted');
  });

  it('uses the profile\'s referral code when the order has none', async () => {
    const h = referralHarness();
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben', 'ben@shop.example', { referralCode: code });
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z');
    expect((await h.referrals.getReferral('ben'))?.referrerId).toBe('anna');
  });

  it('issues once when the same order arrives again under a new event id or the same one', async () => {
    const h = referralHarness();
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code }, 'same');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code }, 'same');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code }, 'other');
    expect((await h.customers.getProfile('anna'))!.points).toBe(100);
    expect(await h.referrals.stats('referral-friends')).toEqual({ 'hundred-points': { conversions: 1, issued: 1 } });
  });

  it('locks the reward current at the friend\'s first order, whatever rotates later', async () => {
    const catalog = catalogOf({
      rotateEvery: 'day',
      rewards: [
        { id: 'p100', label: { de: '100' }, value: { type: 'points', points: 100 } },
        { id: 'p200', label: { de: '200' }, value: { type: 'points', points: 200 } },
      ],
    });
    const h = referralHarness(catalog);
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    h.setNow('2026-03-09T10:00:00Z'); // ingest sees the order a week late: the order's day counts
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    const { currentReward } = await import('#core/rewards');
    const atOrder = currentReward(catalog, Date.parse('2026-03-02T10:00:00Z'))!.id;
    expect(currentReward(catalog, Date.parse('2026-03-03T10:00:00Z'))!.id).not.toBe(atOrder);
    expect((await h.referrals.getReferral('ben'))?.rewardId).toBe(atOrder);
  });
});

describe('referral: fraud checks', () => {
  const rejected = async (h: ReturnType<typeof referralHarness>) => (await h.referrals.listRejections()).map((r) => [r.reason, r.detail]);

  it('rejects a self-referral by the same customer id', async () => {
    const h = referralHarness();
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.order('anna', 'a1', '2026-03-02T10:00:00Z', { referralCode: code });
    expect(await rejected(h)).toEqual([['selfReferral', 'same customer id']]);
    expect(await h.referrals.getReferral('anna')).toBeUndefined();
  });

  it('rejects a self-referral by the same Gmail mailbox written another way', async () => {
    const h = referralHarness();
    const code = await h.codeOf('anna');
    await h.register('anna', 'anna.berg@gmail.com');
    await h.register('anna2', 'AnnaBerg+deals@googlemail.com');
    await h.order('anna2', 'x1', '2026-03-02T10:00:00Z', { referralCode: code });
    expect(await rejected(h)).toEqual([['selfReferral', 'same normalized email']]);
    expect((await h.customers.getProfile('anna'))!.points).toBe(0);
  });

  it('rejects a self-referral to the referrer\'s shipping address', async () => {
    const h = referralHarness();
    const code = await h.codeOf('anna');
    const home = 'a'.repeat(64);
    await h.register('anna');
    await h.order('anna', 'a1', '2026-02-01T10:00:00Z', { shippingAddressHash: home });
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code, shippingAddressHash: home });
    expect(await rejected(h)).toEqual([['selfReferral', 'same shipping address']]);
  });

  it('rejects a friend who had ordered before the referral', async () => {
    const h = referralHarness();
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-02-01T10:00:00Z');
    await h.order('ben', 'b2', '2026-03-02T10:00:00Z', { referralCode: code });
    expect(await rejected(h)).toEqual([['alreadyCustomer', 'the friend had ordered before']]);
  });

  it('rejects a friend already referred by someone else', async () => {
    const h = referralHarness();
    const anna = await h.codeOf('anna');
    const carl = await h.codeOf('carl');
    await h.register('anna');
    await h.register('carl');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: anna });
    // A second "first order" of ben cannot happen; a shop re-sending ben under carl's code can:
    await h.referrals.releaseCapSlot('carl', '2026-03', 'ben');
    const { referralStep } = await import('#core/referral-program');
    const profile = (await h.customers.getProfile('ben'))!;
    const event = { id: 'late', time: '2026-03-03T10:00:00Z', type: 'OrderPlaced' as const, detail: { orderId: 'b9', customerId: 'ben', placedAt: '2026-03-03T10:00:00Z', totalCents: 100, currency: 'EUR', items: [], referralCode: carl } };
    const result = await referralStep(h.deps, event, profile, [{ type: 'FirstOrderPlaced', id: 'x', customerId: 'ben', orderId: 'b9', at: event.time, causeEventId: 'late' }]);
    expect(result).toMatchObject({ kind: 'rejected', reason: 'alreadyReferred' });
    expect((await h.referrals.getReferral('ben'))?.referrerId).toBe('anna');
  });

  it('rejects conversions past the referrer\'s cap per period and counts them by reason', async () => {
    const h = referralHarness(catalogOf({ program: { referrerCap: { count: 2, per: 'month' } } }));
    const code = await h.codeOf('anna');
    await h.register('anna');
    for (const friend of ['f1', 'f2', 'f3']) {
      await h.register(friend);
      await h.order(friend, `${friend}-o`, '2026-03-02T10:00:00Z', { referralCode: code });
    }
    await h.register('f4');
    await h.order('f4', 'f4-o', '2026-04-02T10:00:00Z', { referralCode: code }); // a new month
    expect((await rejected(h)).map(([reason]) => reason)).toEqual(['referrerCap']);
    expect((await h.referrals.getReferral('f4'))?.state).toBe('issued');
    expect((await h.referrals.stats('referral-friends'))['-']).toEqual({ 'rejected.referrerCap': 1 });
  });

  it('rejects an unknown code and counts a redelivered rejection once', async () => {
    const h = referralHarness();
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: 'NOPE2345' }, 'same');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: 'NOPE2345' }, 'same');
    expect(await rejected(h)).toEqual([['unknownCode', 'no customer has this code']]);
    expect((await h.referrals.stats('referral-friends'))['-']).toEqual({ 'rejected.unknownCode': 1 });
  });
});

describe('referral: refunds', () => {
  it('revokes points not yet redeemed when the friend\'s first order is fully refunded within the window', async () => {
    const h = referralHarness(catalogOf({ program: { refundWindowDays: 14 } }));
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    expect((await h.customers.getProfile('anna'))!.points).toBe(100);
    await h.send('OrderRefunded', { orderId: 'b1', customerId: 'ben', refundedAt: '2026-03-10T10:00:00Z', amountCents: 4_000 });
    expect((await h.referrals.getReferral('ben'))).toMatchObject({ state: 'revoked', revokeReason: "friend's order fully refunded" });
    expect((await h.customers.getProfile('anna'))!.points).toBe(0);
    expect(h.bus.published.map((e) => e.type)).toContain('RewardRevoked');
    expect((await h.referrals.stats('referral-friends'))['hundred-points']).toMatchObject({ revoked: 1 });
  });

  it('keeps the reward after a partial refund or a full refund after the window', async () => {
    const h = referralHarness(catalogOf({ program: { refundWindowDays: 14 } }));
    const code = await h.codeOf('anna');
    await h.register('anna');
    for (const f of ['ben', 'cleo']) await h.register(f);
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    await h.order('cleo', 'c1', '2026-03-02T10:00:00Z', { referralCode: code });
    await h.send('OrderRefunded', { orderId: 'b1', customerId: 'ben', refundedAt: '2026-03-05T10:00:00Z', amountCents: 1_000 });
    await h.send('OrderRefunded', { orderId: 'c1', customerId: 'cleo', refundedAt: '2026-03-20T10:00:00Z', amountCents: 4_000 });
    expect((await h.referrals.getReferral('ben'))?.state).toBe('issued');
    expect((await h.referrals.getReferral('cleo'))?.state).toBe('issued');
  });
});

describe('referral: selectable rewards', () => {
  const selectable = () =>
    catalogOf({
      mode: 'selectable',
      rotateEvery: undefined,
      defaultReward: 'p50',
      program: { choiceDays: 7 },
      rewards: [
        { id: 'p100', label: { de: '100 Punkte' }, value: { type: 'points', points: 100 } },
        { id: 'p50', label: { de: '50 Punkte' }, value: { type: 'points', points: 50 } },
        { id: 'summer', label: { de: 'Sommer' }, value: { type: 'points', points: 500 }, validity: { months: [7] } },
      ],
    });

  it('asks the referrer to choose among the rewards valid at the friend\'s order, and plans the default for N days later', async () => {
    const h = referralHarness(selectable());
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    expect(await h.referrals.getReferral('ben')).toMatchObject({ state: 'choosing', options: ['p100', 'p50'], defaultRewardId: 'p50', choiceDueAt: '2026-03-09T10:00:00.000Z' });
    expect(h.due.map((d) => [d.campaignId, d.customerId, d.dueAt])).toEqual([
      ['system_referral-choice', 'anna', '2026-03-01T08:00:00.000Z'],
      ['system_referral-reward', 'anna', '2026-03-09T10:00:00.000Z'],
    ]);
  });

  it('takes the first choice and answers later ones with it', async () => {
    const h = referralHarness(selectable());
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    expect(await chooseReward(h.deps, 'ben', 'p100', 'customer')).toMatchObject({ kind: 'chosen', referral: { rewardId: 'p100', state: 'issued', chosenBy: 'customer' } });
    expect(await chooseReward(h.deps, 'ben', 'p50', 'customer')).toMatchObject({ kind: 'already', referral: { rewardId: 'p100' } });
    expect(await chooseReward(h.deps, 'ben', undefined, 'default')).toMatchObject({ kind: 'already', referral: { rewardId: 'p100' } });
    expect((await h.customers.getProfile('anna'))!.points).toBe(100);
  });

  it('lets one of two simultaneous choices win', async () => {
    const h = referralHarness(selectable());
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    const results = await Promise.all([chooseReward(h.deps, 'ben', 'p100', 'customer'), chooseReward(h.deps, 'ben', 'p50', 'customer')]);
    expect(results.map((r) => r.kind).sort()).toEqual(['already', 'chosen']);
    expect([100, 50]).toContain((await h.customers.getProfile('anna'))!.points);
  });

  it('rejects a reward that was not among the options', async () => {
    const h = referralHarness(selectable());
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    expect(await chooseReward(h.deps, 'ben', 'summer', 'customer')).toEqual({ kind: 'invalid' });
    expect((await h.referrals.getReferral('ben'))?.state).toBe('choosing');
  });

  it('issues the documented default when no choice came', async () => {
    const h = referralHarness(selectable());
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    expect(await chooseReward(h.deps, 'ben', undefined, 'default')).toMatchObject({ kind: 'chosen', referral: { rewardId: 'p50', chosenBy: 'default', state: 'issued' } });
  });
});

describe('referral: coupon rewards', () => {
  const couponCatalog = () =>
    catalogOf({
      program: { refundWindowDays: 30 },
      rewards: [
        { id: 'ten-percent', label: { de: '10 %' }, value: { type: 'percent', percent: 10 }, for: 'both', validDays: 60 },
      ],
    });
  const withCoupons = async () => {
    const { createMemoryCouponStore } = await import('#adapters/memory-coupon-store');
    const { rewardCouponIssuer } = await import('#core/referral-program');
    const store = createMemoryCouponStore();
    const h = referralHarness(couponCatalog(), { issueCoupon: rewardCouponIssuer({ store }) });
    return { h, store };
  };

  it('issues a unique coupon to the referrer and the friend through the coupon store, with CouponIssued for the checkout', async () => {
    const { h, store } = await withCoupons();
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    const referral = (await h.referrals.getReferral('ben'))!;
    expect(referral.issued).toMatchObject({ kind: 'coupon', rewardId: 'ten-percent', expiresAt: '2026-04-30T08:00:00.000Z' }); // issued at ingest (08:00) + 60 days
    expect(referral.friendOffer).toMatchObject({ kind: 'coupon', rewardId: 'ten-percent' });
    const codes = [referral.issued, referral.friendOffer].map((r) => (r?.kind === 'coupon' ? r.code : ''));
    expect(new Set(codes).size).toBe(2);
    expect(await store.getCoupon(codes[0]!)).toMatchObject({ customerId: 'anna', campaignId: 'referral-friends' });
    expect(await store.getCoupon(codes[1]!)).toMatchObject({ customerId: 'ben' });
    expect(h.bus.published.filter((e) => e.type === 'CouponIssued').map((e) => e.customerId).sort()).toEqual(['anna', 'ben']);
  });

  it('counts the referrer\'s coupon redeemed when the referrer orders with it', async () => {
    const { h } = await withCoupons();
    const code = await h.codeOf('anna');
    await h.register('anna');
    await h.register('ben');
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    const issued = (await h.referrals.getReferral('ben'))!.issued;
    await h.order('anna', 'a1', '2026-03-05T10:00:00Z', { couponCode: issued?.kind === 'coupon' ? issued.code.toLowerCase() : '' });
    expect((await h.referrals.getReferral('ben'))?.redeemedAt).toBe('2026-03-05T10:00:00.000Z');
    expect((await h.referrals.stats('referral-friends'))['ten-percent']).toMatchObject({ issued: 1, redeemed: 1 });
  });

  it('revokes an unredeemed coupon after the friend\'s full refund, and keeps a redeemed one', async () => {
    const { h } = await withCoupons();
    const code = await h.codeOf('anna');
    await h.register('anna');
    for (const f of ['ben', 'cleo']) await h.register(f);
    await h.order('ben', 'b1', '2026-03-02T10:00:00Z', { referralCode: code });
    await h.order('cleo', 'c1', '2026-03-02T11:00:00Z', { referralCode: code });
    const cleos = (await h.referrals.getReferral('cleo'))!.issued;
    await h.order('anna', 'a1', '2026-03-04T10:00:00Z', { couponCode: cleos?.kind === 'coupon' ? cleos.code : '' });
    await h.send('OrderRefunded', { orderId: 'b1', customerId: 'ben', refundedAt: '2026-03-10T10:00:00Z', amountCents: 4_000 });
    await h.send('OrderRefunded', { orderId: 'c1', customerId: 'cleo', refundedAt: '2026-03-10T10:00:00Z', amountCents: 4_000 });
    expect((await h.referrals.getReferral('ben'))?.state).toBe('revoked');
    expect((await h.referrals.getReferral('cleo'))?.state).toBe('issued');
    const revoked = h.bus.published.filter((e) => e.type === 'RewardRevoked');
    const bens = (await h.referrals.getReferral('ben'))!.issued;
    expect(revoked.map((e) => [e.customerId, 'couponCode' in e ? e.couponCode : undefined])).toEqual([['anna', bens?.kind === 'coupon' ? bens.code : 'x']]);
  });
});
