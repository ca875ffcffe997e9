import { describe, expect, it } from 'vitest';
import { LoyaltyConfig, defaultLoyaltyConfig, minusMonths, pointsAfterRefund, pointsFor, rollingNetSpend, tierFor } from '#core/loyalty';
import type { OrderSummary } from '#core/profile';

const order = (at: string, totalCents: number, refundedCents = 0): OrderSummary => ({ orderId: at, at, totalCents, refundedCents, categories: [], points: 0 });

describe('loyalty: points', () => {
  it('earns one point per whole 1.00 by default, floored', () => {
    expect(pointsFor({ totalCents: 12_999 }, defaultLoyaltyConfig)).toBe(129);
  });

  it('earns the configured points per currency unit', () => {
    const config = LoyaltyConfig.parse({ pointsPerUnit: 5, minorUnitsPerUnit: 1 });
    expect(pointsFor({ totalCents: 300 }, config)).toBe(1500);
  });

  it('takes points back pro rata from what the order earned, without drift over partial refunds', () => {
    const o = { totalCents: 1000, points: 10, pointsEarned: 10 };
    expect(pointsAfterRefund(o, 333)).toBe(6);
    expect(pointsAfterRefund({ ...o, points: 6 }, 666)).toBe(3);
    expect(pointsAfterRefund(o, 1000)).toBe(0);
  });
});

describe('loyalty: tiers', () => {
  const at = '2026-06-30T12:00:00.000Z';

  it('defaults to silver at 200.00 and gold at 1000.00 net spend within 12 months', () => {
    expect(defaultLoyaltyConfig.tiers).toEqual({ basis: 'rollingNetSpend', months: 12, silverCents: 20_000, goldCents: 100_000 });
    expect(tierFor({ orderHistory: [order('2026-01-01T00:00:00.000Z', 19_999)], points: 0 }, at, defaultLoyaltyConfig)).toBe('bronze');
    expect(tierFor({ orderHistory: [order('2026-01-01T00:00:00.000Z', 20_000)], points: 0 }, at, defaultLoyaltyConfig)).toBe('silver');
    expect(tierFor({ orderHistory: [order('2026-01-01T00:00:00.000Z', 100_000)], points: 0 }, at, defaultLoyaltyConfig)).toBe('gold');
  });

  it('counts only orders inside the rolling window, net of refunds', () => {
    const history = [order('2025-06-29T00:00:00.000Z', 90_000), order('2025-07-01T00:00:00.000Z', 30_000, 15_000), order('2026-06-01T00:00:00.000Z', 10_000)];
    expect(rollingNetSpend(history, at, 12)).toBe(25_000);
    expect(rollingNetSpend([order('2026-07-01T00:00:00.000Z', 5_000)], at, 12)).toBe(5_000);
    expect(tierFor({ orderHistory: history, points: 0 }, at, defaultLoyaltyConfig)).toBe('silver');
  });

  it('ranks on the points balance when configured so', () => {
    const config = LoyaltyConfig.parse({ tiers: { basis: 'points', silverPoints: 100, goldPoints: 500 } });
    expect(tierFor({ orderHistory: [], points: 99 }, at, config)).toBe('bronze');
    expect(tierFor({ orderHistory: [], points: 100 }, at, config)).toBe('silver');
    expect(tierFor({ orderHistory: [], points: 500 }, at, config)).toBe('gold');
  });

  it('rejects a config whose gold threshold is below silver, naming the field', () => {
    const result = LoyaltyConfig.safeParse({ tiers: { basis: 'rollingNetSpend', silverCents: 500, goldCents: 100 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['tiers', 'goldCents']);
  });

  it('subtracts months in UTC, falling back to the last day of a shorter month', () => {
    expect(minusMonths('2026-03-31T10:00:00.000Z', 1)).toBe('2026-02-28T10:00:00.000Z');
    expect(minusMonths('2026-06-30T12:00:00.000Z', 12)).toBe('2025-06-30T12:00:00.000Z');
  });
});
