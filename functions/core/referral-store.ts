// The referral store PORT: codes (customer <-> code), shipping-address hashes, the referrer cap
// per period, one referral per friend, stored rejections, coupon -> referral for redemption,
// and the stats counters. Implemented by adapters/dynamo-referral-store.ts (conditional writes,
// no transactions) and adapters/memory-referral-store.ts; test/unit/referral-store-contract.ts
// holds both to the same behaviour.
import type { RejectionReason, Referral, ReferralState, ReferralStats, StatCounter } from '#core/referral';

/** A conversion that failed a fraud check, kept with its reason. */
export interface ReferralRejection {
  /** The friend's order: a redelivered order counts once. */
  friendId: string;
  orderId: string;
  code: string;
  referrerId?: string;
  campaignId: string;
  reason: RejectionReason;
  detail: string;
  at: string;
}

export interface ReferralStore {
  /** The customer's own code, if one was made. */
  codeOf(customerId: string): Promise<string | undefined>;
  /** Conditional put code -> customer: false when the code belongs to someone (a collision). */
  claimCode(code: string, customerId: string): Promise<boolean>;
  /** Conditional put customer -> code; answers the code in force (another writer's when it won). */
  setCodeOf(customerId: string, code: string): Promise<string>;
  /** The customer who owns a code. */
  referrerOf(code: string): Promise<string | undefined>;

  /** Remembers that a customer ordered to this shipping-address hash (bounded set per hash). */
  addAddress(hash: string, customerId: string): Promise<void>;
  /** The customers known at this shipping-address hash. */
  customersAt(hash: string): Promise<string[]>;

  /**
   * Counts `friendId` against the referrer's cap in `period`: true when it was counted now or
   * before (idempotent), false when `cap` friends are counted already.
   */
  takeCapSlot(referrerId: string, period: string, friendId: string, cap: number, expiresAtSeconds: number): Promise<boolean>;
  /** Gives a slot back (the conversion was rejected after the slot was taken). */
  releaseCapSlot(referrerId: string, period: string, friendId: string): Promise<void>;

  /** Conditional put per friend: the existing referral when the friend was referred before. */
  createReferral(referral: Referral): Promise<{ created: true } | { created: false; existing: Referral }>;
  getReferral(friendId: string): Promise<Referral | undefined>;
  /** Conditional on the stored state being one of `from`: replaces the referral; false when it was not. */
  updateReferral(referral: Referral, from: readonly ReferralState[]): Promise<boolean>;

  /** Keeps a rejection once per (friend, order): true only the first time (count it then). */
  putRejection(rejection: ReferralRejection): Promise<boolean>;
  listRejections(options?: { limit?: number }): Promise<ReferralRejection[]>;

  /** The referral a reward coupon belongs to (written when the coupon is issued). */
  linkCoupon(code: string, friendId: string): Promise<void>;
  referralOfCoupon(code: string): Promise<string | undefined>;

  /**
   * GDPR erase: the customer's code (both directions), the referral that brought them, and the
   * rejections naming them as friend or referrer. Referrals they made stay (they are the friends'),
   * as do the counters (no customer in them). Answers how many items went.
   */
  eraseCustomer(customerId: string): Promise<number>;

  /** Atomic ADD of counters under (campaign, reward). */
  addStats(campaignId: string, rewardId: string, counts: Partial<Record<StatCounter, number>>): Promise<void>;
  stats(campaignId: string): Promise<ReferralStats>;
}

/** Customers kept per shipping-address hash: enough to catch a self-referral, bounded for the item size. */
export const ADDRESS_CUSTOMERS_LIMIT = 50;
