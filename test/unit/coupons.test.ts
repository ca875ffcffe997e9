import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, candidateCode, codeLength, codeSymbols, collisionChance, hmacKeyedRandom, issueCoupon, type KeyedRandom } from '#core/coupons';
import { CouponSpec } from '#core/campaign';
import { createMemoryCouponStore } from '#adapters/memory-coupon-store';

describe('coupons: codes', () => {
  it('uses 31 symbols without 0, O, 1, I or L', () => {
    expect(CODE_ALPHABET).toHaveLength(31);
    expect(new Set(CODE_ALPHABET).size).toBe(31);
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it('chooses the length from the number of codes by the birthday bound', () => {
    expect([1, 10_000, 100_000, 1_000_000, 10_000_000].map((n) => codeLength(n))).toEqual([8, 8, 8, 10, 11]);
    for (const n of [10_000, 100_000, 1_000_000, 10_000_000]) expect(collisionChance(n, codeLength(n))).toBeLessThanOrEqual(0.01);
    expect(collisionChance(1_000_000, 9)).toBeGreaterThan(0.01);
  });

  it('gives the same code for the same key and another for another attempt', () => {
    const random = hmacKeyedRandom('secret-1');
    const a = candidateCode(random, { occurrenceId: 'o', customerId: 'c', attempt: 0, length: 8, prefix: 'X' });
    expect(candidateCode(random, { occurrenceId: 'o', customerId: 'c', attempt: 0, length: 8, prefix: 'X' })).toBe(a);
    expect(candidateCode(random, { occurrenceId: 'o', customerId: 'c', attempt: 1, length: 8, prefix: 'X' })).not.toBe(a);
    expect(candidateCode(hmacKeyedRandom('secret-2'), { occurrenceId: 'o', customerId: 'c', attempt: 0, length: 8, prefix: 'X' })).not.toBe(a);
  });

  it('skips bytes that would bias the symbols and draws more blocks when needed', () => {
    // A source that only ever answers biased bytes, then usable ones from the second block on.
    const random: KeyedRandom = (key) => (key.includes('#') ? Uint8Array.from([0, 1, 30, 31]) : Uint8Array.from([248, 255, 250]));
    expect(codeSymbols(random, 'k', 6)).toBe('23Z223');
  });

  it('makes 1,000,000 distinct codes at the length chosen for a million', () => {
    // A fixed secret keeps the test deterministic (a random one would fail once in ~1,600 runs: 6.1e-4).
    const random = hmacKeyedRandom('a fixed secret of the uniqueness test, 32+ bytes');
    const length = codeLength(1_000_000);
    const codes = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) codes.add(candidateCode(random, { occurrenceId: 'discount:2026-05-01T08:00Z', customerId: `c${i}`, attempt: 0, length }));
    expect(codes.size).toBe(1_000_000);
    for (const code of [...codes].slice(0, 1000)) expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{10}$`));
  });

  it('spreads the symbols evenly (no modulo bias)', () => {
    const random = hmacKeyedRandom('even');
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) for (const s of codeSymbols(random, `k${i}`, 10)) counts.set(s, (counts.get(s) ?? 0) + 1);
    const expected = 100_000 / 31;
    for (const symbol of CODE_ALPHABET) expect(Math.abs((counts.get(symbol) ?? 0) - expected) / expected).toBeLessThan(0.08);
  });
});

describe('coupons: issuance', () => {
  it('answers the shared code of a non-unique spec without storing it', async () => {
    const store = createMemoryCouponStore();
    const spec = CouponSpec.parse({ value: { type: 'percent', percent: 10 }, validDays: 7, unique: false, code: 'SUMMER10' });
    const coupon = await issueCoupon({ store }, { campaignId: 'summer', occurrenceId: 'summer:x', customerId: 'c1', spec, at: new Date('2026-06-01T00:00:00Z') });
    expect(coupon.code).toBe('SUMMER10');
    expect(store.all()).toEqual([]);
  });

  it('costs one write per new generated coupon and one per repeat', async () => {
    const store = createMemoryCouponStore();
    const spec = CouponSpec.parse({ value: { type: 'percent', percent: 10 }, validDays: 7 });
    const deps = { store, random: hmacKeyedRandom('s') };
    for (let i = 0; i < 100; i++) await issueCoupon(deps, { campaignId: 'd', occurrenceId: 'd:x', customerId: `c${i}`, spec, at: new Date('2026-06-01T00:00:00Z') });
    expect(store.writes()).toBe(100);
  });

  it('fails naming the recipient when every candidate is taken', async () => {
    const store = createMemoryCouponStore();
    const spec = CouponSpec.parse({ value: { type: 'percent', percent: 10 }, validDays: 7 });
    const constant: KeyedRandom = () => new Uint8Array(32);
    const at = new Date('2026-06-01T00:00:00Z');
    await issueCoupon({ store, random: constant }, { campaignId: 'd', occurrenceId: 'd:x', customerId: 'c1', spec, at });
    await expect(issueCoupon({ store, random: constant }, { campaignId: 'd', occurrenceId: 'd:x', customerId: 'c2', spec, at })).rejects.toThrow(/customer c2 were all taken/);
  });
});
