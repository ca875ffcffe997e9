// The in-memory twin of dynamo-referral-store.ts (unit tests, replay, benchmarks): same
// conditional semantics, copies in and out so callers never share stored objects.
import { deepCopy } from './deep-copy';
import type { Referral, ReferralState, ReferralStats } from '#core/referral';
import { ADDRESS_CUSTOMERS_LIMIT, type ReferralRejection, type ReferralStore } from '#core/referral-store';

export const createMemoryReferralStore = (): ReferralStore => {
  const codes = new Map<string, string>();
  const ownCodes = new Map<string, string>();
  const addresses = new Map<string, string[]>();
  const caps = new Map<string, Set<string>>();
  const referrals = new Map<string, Referral>();
  const rejections = new Map<string, ReferralRejection>();
  const coupons = new Map<string, string>();
  const stats = new Map<string, ReferralStats>();
  return {
    codeOf: async (customerId) => ownCodes.get(customerId),
    async claimCode(code, customerId) {
      if (codes.has(code)) return false;
      codes.set(code, customerId);
      return true;
    },
    async setCodeOf(customerId, code) {
      const existing = ownCodes.get(customerId);
      if (existing !== undefined) return existing;
      ownCodes.set(customerId, code);
      return code;
    },
    referrerOf: async (code) => codes.get(code),
    async addAddress(hash, customerId) {
      const known = addresses.get(hash) ?? [];
      if (!known.includes(customerId) && known.length < ADDRESS_CUSTOMERS_LIMIT) addresses.set(hash, [...known, customerId]);
    },
    customersAt: async (hash) => [...(addresses.get(hash) ?? [])],
    async takeCapSlot(referrerId, period, friendId, cap) {
      const key = JSON.stringify([referrerId, period]);
      const friends = caps.get(key) ?? new Set<string>();
      if (friends.has(friendId)) return true;
      if (friends.size >= cap) return false;
      friends.add(friendId);
      caps.set(key, friends);
      return true;
    },
    async releaseCapSlot(referrerId, period, friendId) {
      caps.get(JSON.stringify([referrerId, period]))?.delete(friendId);
    },
    async createReferral(referral) {
      const existing = referrals.get(referral.friendId);
      if (existing) return { created: false, existing: deepCopy(existing) };
      referrals.set(referral.friendId, deepCopy(referral));
      return { created: true };
    },
    getReferral: async (friendId) => {
      const r = referrals.get(friendId);
      return r ? deepCopy(r) : undefined;
    },
    async updateReferral(referral, from: readonly ReferralState[]) {
      const current = referrals.get(referral.friendId);
      if (!current || !from.includes(current.state)) return false;
      referrals.set(referral.friendId, deepCopy(referral));
      return true;
    },
    async putRejection(rejection) {
      const key = JSON.stringify([rejection.friendId, rejection.orderId]);
      if (rejections.has(key)) return false;
      rejections.set(key, { ...rejection });
      return true;
    },
    listRejections: async (options = {}) => [...rejections.values()].slice(0, options.limit ?? 1000).map((r) => ({ ...r })),
    async eraseCustomer(customerId) {
      let n = 0;
      const code = ownCodes.get(customerId);
      if (code !== undefined && ownCodes.delete(customerId)) n++;
      if (code !== undefined && codes.get(code) === customerId && codes.delete(code)) n++;
      // The reward and offer coupons' links to this referral name the friend: they go with it.
      const referral = referrals.get(customerId);
      for (const issued of [referral?.issued, referral?.friendOffer]) if (issued?.kind === 'coupon' && coupons.get(issued.code) === customerId && coupons.delete(issued.code)) n++;
      if (referrals.delete(customerId)) n++;
      for (const [key, r] of [...rejections]) if ((r.friendId === customerId || r.referrerId === customerId) && rejections.delete(key)) n++;
      return n;
    },
    async linkCoupon(code, friendId) {
      coupons.set(code, friendId);
    },
    referralOfCoupon: async (code) => coupons.get(code),
    async addStats(campaignId, rewardId, counts) {
      const campaign = stats.get(campaignId) ?? {};
      const row = (campaign[rewardId] ??= {});
      for (const [name, n] of Object.entries(counts) as [keyof typeof row, number][]) row[name] = (row[name] ?? 0) + n;
      stats.set(campaignId, campaign);
    },
    stats: async (campaignId) => deepCopy(stats.get(campaignId) ?? {}),
  };
};
