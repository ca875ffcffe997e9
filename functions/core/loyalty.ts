// Loyalty: points per order and the bronze/silver/gold tier, as pure functions of a profile and
// the shop's LoyaltyConfig. Tiers rest either on net spend in a rolling window (default: silver
// from 200.00, gold from 1000.00 within 12 months) or on the points balance.
import * as z from 'zod';
import type { OrderSummary, Profile, Tier } from '#core/profile';

export const SpendTiers = z
  .object({
    basis: z.literal('rollingNetSpend'),
    /** Window length in months, ending at the evaluation time. */
    months: z.number().int().min(1).max(36).default(12),
    silverCents: z.number().int().nonnegative().default(20_000),
    goldCents: z.number().int().nonnegative().default(100_000),
  })
  .refine((t) => t.goldCents >= t.silverCents, { message: 'goldCents must be at least silverCents', path: ['goldCents'] });

export const PointTiers = z
  .object({
    basis: z.literal('points'),
    silverPoints: z.number().int().nonnegative(),
    goldPoints: z.number().int().nonnegative(),
  })
  .refine((t) => t.goldPoints >= t.silverPoints, { message: 'goldPoints must be at least silverPoints', path: ['goldPoints'] });

export const LoyaltyConfig = z.object({
  /** Points per whole currency unit (1 = one point per 1.00). Fractions are floored per order. */
  pointsPerUnit: z.number().nonnegative().default(1),
  /** Minor units per currency unit (100 for EUR/USD, 1 for JPY). */
  minorUnitsPerUnit: z.number().int().positive().default(100),
  tiers: z.discriminatedUnion('basis', [SpendTiers, PointTiers]).default({
    basis: 'rollingNetSpend',
    months: 12,
    silverCents: 20_000,
    goldCents: 100_000,
  }),
});
export type LoyaltyConfig = z.infer<typeof LoyaltyConfig>;

/** The defaults: 1 point per 1.00, silver at 200.00 and gold at 1000.00 net spend in 12 months. */
export const defaultLoyaltyConfig: LoyaltyConfig = LoyaltyConfig.parse({});

/** Points an order of this total earns (floored; never negative). */
export const pointsFor = (order: { totalCents: number }, config: LoyaltyConfig): number =>
  Math.max(0, Math.floor((order.totalCents * config.pointsPerUnit) / config.minorUnitsPerUnit));

/**
 * Points an order still holds after `refundedCents` of it were refunded: pro rata of what it
 * earned, computed from the original figures so repeated partial refunds do not drift.
 */
export const pointsAfterRefund = (order: Pick<OrderSummary, 'totalCents' | 'points' | 'pointsEarned'>, refundedCents: number): number => {
  const earned = order.pointsEarned ?? order.points;
  if (order.totalCents <= 0) return 0;
  const kept = Math.max(0, order.totalCents - refundedCents);
  return Math.floor((earned * kept) / order.totalCents);
};

/** `iso` minus whole months, in UTC (the 31st falls back to the month's last day). */
export const minusMonths = (iso: string, months: number): string => {
  const date = new Date(iso);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.toISOString();
};

/**
 * Net spend (totals minus refunds) of orders placed after `at` minus `months`. Orders stamped
 * after `at` count too: they are real, and a late event with an older time must not demote.
 */
export const rollingNetSpend = (history: readonly OrderSummary[], at: string, months: number): number => {
  const from = Date.parse(minusMonths(at, months));
  let sum = 0;
  for (const order of history) {
    if (Date.parse(order.at) > from) sum += Math.max(0, order.totalCents - order.refundedCents);
  }
  return sum;
};

/** The tier the profile holds at `at` under the config. */
export const tierFor = (profile: Pick<Profile, 'orderHistory' | 'points'>, at: string, config: LoyaltyConfig): Tier => {
  const tiers = config.tiers;
  if (tiers.basis === 'points') {
    if (profile.points >= tiers.goldPoints) return 'gold';
    return profile.points >= tiers.silverPoints ? 'silver' : 'bronze';
  }
  const spend = rollingNetSpend(profile.orderHistory, at, tiers.months);
  if (spend >= tiers.goldCents) return 'gold';
  return spend >= tiers.silverCents ? 'silver' : 'bronze';
};
