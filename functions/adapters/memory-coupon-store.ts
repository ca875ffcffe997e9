// The in-memory twin of dynamo-coupon-store.ts: coupons by code, pools as numbered lists with a
// draw counter, pool claims per (occurrence, customer). Held to the same contract
// (test/unit/coupon-store-contract.ts). It counts its writes, as the DynamoDB store's calls would
// be counted, for the coupon bench.
import { randomBytes } from 'node:crypto';
import { ERASED_HOLDER, normalizeCode, type CouponStore, type IssuedCoupon, type PoolState, type StoredCoupon } from '#core/coupons';
import type { CouponStats, RedemptionResult, RedemptionStore } from '#core/coupon-redemption';
import type { Page } from '#core/store';

export interface MemoryCouponStore extends CouponStore, RedemptionStore {
  /** Refused uses as recorded (reason, order, customer). */
  refusedUses(): (RedemptionResult & { orderId: string; customerId: string; at: string })[];
  /** Writes so far (each put, update or conditional write, successful or not). */
  writes(): number;
  /** Every stored coupon (export, tests). */
  all(): StoredCoupon[];
}

/** Coupons are flat but for `value`: two spreads copy them (structuredClone costs more than issuing). */
const copy = <T extends StoredCoupon | (RedemptionResult & object) | CouponStats>(item: T): T => {
  if ('value' in item) return { ...item, value: { ...item.value } };
  if ('refused' in item) return { ...item, refused: { ...item.refused } };
  return { ...item };
};
const page = (items: StoredCoupon[], { cursor, limit = 1000 }: { cursor?: string; limit?: number }): Page<StoredCoupon> => {
  const start = cursor ? Number(cursor) : 0;
  return { items: items.slice(start, start + limit).map(copy), ...(start + limit < items.length ? { cursor: String(start + limit) } : {}) };
};

/** A campaign's codes by expiry day: all of them, one day's (`YYYY-MM-DD`), or the days a shorter prefix (a month) names. */
const codesOf = (days: Map<string, string[]> | undefined, expiringOn: string | undefined): string[] => {
  if (!days) return [];
  if (expiringOn === undefined) return [...days.values()].flat();
  if (expiringOn.length >= 10) return days.get(expiringOn.slice(0, 10)) ?? [];
  return [...days].flatMap(([day, codes]) => (day.startsWith(expiringOn) ? codes : []));
};

export const createMemoryCouponStore = (): MemoryCouponStore => {
  const coupons = new Map<string, StoredCoupon>();
  /**
   * Codes by campaign, then by expiry day (the Dynamo store's campaign index, whose sort key starts
   * with the expiry): the daily CouponExpiring reminder reads one day, not every coupon.
   */
  const byCampaign = new Map<string, Map<string, string[]>>();
  const index = (coupon: StoredCoupon) => {
    let days = byCampaign.get(coupon.campaignId);
    if (!days) byCampaign.set(coupon.campaignId, (days = new Map()));
    const day = coupon.expiresAt.slice(0, 10);
    const codes = days.get(day);
    if (codes) codes.push(coupon.code);
    else days.set(day, [coupon.code]);
  };
  /** Imported codes nobody holds yet, by code: the pool they belong to. */
  const pooled = new Map<string, string>();
  /** `codes` is indexed by draw order; indices drawn while the pool was exhausted stay empty. */
  const pools = new Map<string, { codes: (string | undefined)[]; drawn: number; imported: number }>();
  const claims = new Map<string, string>();
  let secret: string | undefined;
  let writes = 0;
  const refused = new Map<string, RedemptionResult & { orderId: string; customerId: string; at: string }>();
  const stats = new Map<string, CouponStats>();
  const statsOf = (campaignId: string): CouponStats => {
    let entry = stats.get(campaignId);
    if (!entry) stats.set(campaignId, (entry = { campaignId, redeemed: 0, revenueCents: 0, refused: {} }));
    return entry;
  };

  const sameOwner = (a: Pick<IssuedCoupon, 'occurrenceId' | 'customerId'>, b: Pick<IssuedCoupon, 'occurrenceId' | 'customerId'>) =>
    a.occurrenceId === b.occurrenceId && a.customerId === b.customerId;

  return {
    async putCoupon(coupon) {
      writes++;
      const existing = coupons.get(coupon.code);
      if (existing) return sameOwner(existing, coupon) ? copy(existing) : undefined;
      // A code of a pool only goes out as that pool's coupon, and a pool's coupon only with its code.
      if (pooled.get(coupon.code) !== coupon.pool) return undefined;
      pooled.delete(coupon.code);
      coupons.set(coupon.code, copy(coupon));
      index(coupon);
      return copy(coupon);
    },
    async getCoupon(code) {
      const coupon = coupons.get(code);
      return coupon && copy(coupon);
    },
    async codeSecret() {
      if (secret === undefined) {
        writes++;
        secret = randomBytes(32).toString('hex');
      }
      return secret;
    },
    async addPoolCodes(pool, codes) {
      const entry = pools.get(pool) ?? { codes: [], drawn: 0, imported: 0 };
      pools.set(pool, entry);
      // Indices continue after the last drawn one, so codes imported after exhaustion are reached.
      if (entry.drawn > entry.codes.length) entry.codes.length = entry.drawn;
      const duplicates: string[] = [];
      let added = 0;
      for (const code of codes) {
        writes++;
        if (coupons.has(code) || pooled.has(code)) {
          duplicates.push(code);
          continue;
        }
        pooled.set(code, pool);
        entry.codes.push(code);
        entry.imported++;
        added++;
      }
      return { added, duplicates };
    },
    async poolState(pool) {
      const entry = pools.get(pool);
      return { pool, imported: entry?.imported ?? 0, remaining: Math.max(0, (entry?.codes.length ?? 0) - (entry?.drawn ?? 0)) } satisfies PoolState;
    },
    async eraseHolder(code, occurrenceId, customerId) {
      writes++;
      claims.delete(JSON.stringify([occurrenceId, customerId]));
      const coupon = coupons.get(code);
      if (!coupon || !sameOwner(coupon, { occurrenceId, customerId })) return false;
      const { redeemedOrderId: _order, ...rest } = coupon;
      coupons.set(code, { ...rest, customerId: ERASED_HOLDER, occurrenceId: ERASED_HOLDER });
      return true;
    },
    async renameOccurrence(code, from, to) {
      writes++;
      const coupon = coupons.get(code);
      if (coupon?.occurrenceId !== from) return false;
      coupons.set(code, { ...coupon, occurrenceId: to });
      return true;
    },
    async eraseRefusedUse(code, orderId, customerId) {
      writes++;
      const key = JSON.stringify([normalizeCode(code), orderId]);
      if (refused.get(key)?.customerId !== customerId) return false;
      refused.delete(key);
      return true;
    },
    async getPoolClaim(occurrenceId, customerId) {
      return claims.get(JSON.stringify([occurrenceId, customerId]));
    },
    async drawPoolCode(pool) {
      writes++;
      const entry = pools.get(pool) ?? { codes: [], drawn: 0, imported: 0 };
      pools.set(pool, entry);
      entry.drawn++;
      return entry.drawn <= entry.codes.length ? entry.codes[entry.drawn - 1] : undefined;
    },
    async putPoolClaim(occurrenceId, customerId, code) {
      writes++;
      const key = JSON.stringify([occurrenceId, customerId]);
      const existing = claims.get(key);
      if (existing !== undefined) return existing;
      claims.set(key, code);
      return code;
    },
    async markRedeemed(use) {
      writes++;
      const coupon = coupons.get(use.code);
      if (!coupon) return { marked: false };
      const fits = coupon.customerId === use.customerId && coupon.redeemedAt === undefined && Date.parse(use.at) <= Date.parse(coupon.expiresAt);
      if (fits) {
        coupon.redeemedAt = new Date(use.at).toISOString();
        coupon.redeemedOrderId = use.orderId;
      }
      return { marked: fits, coupon: copy(coupon) };
    },
    async recordRefusedUse(use, result) {
      writes++;
      const key = JSON.stringify([use.code, use.orderId]);
      if (refused.has(key)) return false;
      refused.set(key, { ...result, orderId: use.orderId, customerId: use.customerId, at: new Date(use.at).toISOString() });
      return true;
    },
    async countRedemption(campaignId, outcome, revenueCents) {
      writes++;
      const entry = statsOf(campaignId);
      if (outcome === 'redeemed') {
        entry.redeemed++;
        entry.revenueCents += revenueCents;
      } else entry.refused[outcome] = (entry.refused[outcome] ?? 0) + 1;
    },
    async couponStats(campaignId) {
      return copy(statsOf(campaignId));
    },
    async listCoupons(campaignId, options = {}) {
      const { expiringOn } = options;
      const mine = codesOf(byCampaign.get(campaignId), expiringOn)
        .map((code) => coupons.get(code)!)
        .filter((c) => expiringOn === undefined || c.expiresAt.startsWith(expiringOn))
        .sort((a, b) => (`${a.expiresAt}#${a.code}` < `${b.expiresAt}#${b.code}` ? -1 : 1));
      return page(mine, options);
    },
    refusedUses: () => [...refused.values()].map(copy),
    writes: () => writes,
    all: () => [...coupons.values()].map(copy),
  };
};
