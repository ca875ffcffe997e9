// The referral program's rules, pure: referral codes (alphabet, candidates), the email
// normalization behind the self-referral check, the fraud checks a conversion passes, the reward
// a conversion locks, the choice of a selectable reward (first choice wins, a default after N
// days), and the stats counters. Time is passed in; the store port is core/referral-store.ts and
// the ingest step that uses all of this is core/referral-conversion.ts.
//
// Decisions (also in README "Referral program"):
// - A code is 8 characters of REFERRAL_CODE_ALPHABET (no 0/O, 1/I/L), derived from the customer id
//   and an attempt number (sha256), so replays give the same codes; the store claims it with a
//   conditional put and the next attempt is tried on a collision.
// - The reward is LOCKED when the friend's first order is placed (its `placedAt`): a rotating
//   catalog's reward current then, or for a selectable catalog the rewards valid then as the
//   options; what rotates later changes nothing for that referral.
// - Self-referral: same customer id, same normalized email (lower case; +tags dropped; Gmail and
//   googlemail.com: dots dropped and the domain unified), or the same shipping-address hash.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Profile } from '#core/profile';
import { availableRewards, currentReward, type Reward, type RewardCatalog } from '#core/rewards';

/** No 0/O, 1/I/L: what a customer reads off a phone or a printed card cannot be mistaken. */
export const REFERRAL_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const REFERRAL_CODE_LENGTH = 8;
/** Claims tried before giving up (31^8 = 8.5e11 codes: a second attempt is already rare). */
export const REFERRAL_CODE_ATTEMPTS = 8;

/**
 * The code tried at `attempt` for a customer: sha256(salt, customer id, attempt) mapped onto the
 * alphabet. Deterministic, so a replay or the demo shop knows a referrer's code (attempt 0).
 */
export const referralCodeCandidate = (customerId: string, attempt: number, salt = ''): string => {
  const digest = createHash('sha256').update(`${salt}\u0000${customerId}\u0000${attempt}`).digest();
  let code = '';
  for (let i = 0; i < REFERRAL_CODE_LENGTH; i++) code += REFERRAL_CODE_ALPHABET[digest[i]! % REFERRAL_CODE_ALPHABET.length];
  return code;
};

/** A code as a customer may type it (lower case, spaces, dashes) in its stored form, or undefined when it cannot be one. */
export const normalizeReferralCode = (raw: string): string | undefined => {
  const code = raw.trim().toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== REFERRAL_CODE_LENGTH) return undefined;
  for (const ch of code) if (!REFERRAL_CODE_ALPHABET.includes(ch)) return undefined;
  return code;
};

/**
 * The mailbox an address delivers to, for comparing two customers: lower case, `+tag` dropped,
 * and for Gmail (gmail.com, googlemail.com) the dots of the local part dropped and the domain
 * unified. Other providers' dots are significant and kept.
 */
export const normalizeEmail = (email: string): string => {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at <= 0) return lower;
  let local = lower.slice(0, at);
  let domain = lower.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (domain === 'gmail.com') local = local.replace(/\./g, '');
  return `${local}@${domain}`;
};

export const rejectionReasons = ['unknownCode', 'selfReferral', 'alreadyCustomer', 'alreadyReferred', 'referrerCap'] as const;
export type RejectionReason = (typeof rejectionReasons)[number];

export interface Verdict {
  ok: boolean;
  reason?: RejectionReason;
  /** What matched, for the stored rejection (never an address). */
  detail?: string;
}

export interface ConversionFacts {
  friendId: string;
  referrerId: string;
  /** The friend's profile after the order (email may be empty for a placeholder). */
  friend: Pick<Profile, 'email'>;
  referrer: Pick<Profile, 'email'> | undefined;
  /** Whether the order is the friend's first (orders.count went 0 -> 1). */
  firstOrder: boolean;
  /** The customers known at the order's shipping-address hash (the referrer's earlier orders among them). */
  addressCustomers: readonly string[];
}

/** The checks that need no write: self-referral and an earlier customer. Order matters: the first that fails is the reason. */
export const checkConversion = (facts: ConversionFacts): Verdict => {
  if (facts.friendId === facts.referrerId) return { ok: false, reason: 'selfReferral', detail: 'same customer id' };
  const friendEmail = facts.friend.email ? normalizeEmail(facts.friend.email) : '';
  const referrerEmail = facts.referrer?.email ? normalizeEmail(facts.referrer.email) : '';
  if (friendEmail !== '' && friendEmail === referrerEmail) return { ok: false, reason: 'selfReferral', detail: 'same normalized email' };
  if (facts.addressCustomers.includes(facts.referrerId)) return { ok: false, reason: 'selfReferral', detail: 'same shipping address' };
  if (!facts.firstOrder) return { ok: false, reason: 'alreadyCustomer', detail: 'the friend had ordered before' };
  return { ok: true };
};

/** The referral program's limits (catalog `program`, with defaults). */
export interface ProgramRules {
  cap: { count: number; per: 'day' | 'week' | 'month' | 'year' };
  refundWindowDays: number;
  choiceDays: number;
}

export const DEFAULT_PROGRAM_RULES: ProgramRules = { cap: { count: 10, per: 'month' }, refundWindowDays: 30, choiceDays: 14 };

export const programRules = (catalog: RewardCatalog): ProgramRules => ({
  cap: catalog.program?.referrerCap ?? DEFAULT_PROGRAM_RULES.cap,
  refundWindowDays: catalog.program?.refundWindowDays ?? DEFAULT_PROGRAM_RULES.refundWindowDays,
  choiceDays: catalog.program?.choiceDays ?? DEFAULT_PROGRAM_RULES.choiceDays,
});

/** The cap period containing `at`, in the catalog's zone: "2026-11-30", "2026-W49", "2026-11", "2026". */
export const capPeriod = (catalog: RewardCatalog, at: number): string => {
  const local = DateTime.fromMillis(at, { zone: catalog.timeZone });
  switch (programRules(catalog).cap.per) {
    case 'day':
      return local.toISODate() ?? '';
    case 'week':
      return `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
    case 'month':
      return local.toFormat('yyyy-MM');
    case 'year':
      return String(local.year);
  }
};

/** What a conversion locks, at the friend's first order. */
export type LockedReward =
  | { mode: 'rotate'; rewardId: string }
  | { mode: 'selectable'; options: string[]; defaultRewardId: string; choiceDueAt: string }
  | { mode: 'none' };

/**
 * The referrer's reward locked at `at` (the friend's first order): the rotating catalog's current
 * reward, or the selectable catalog's valid rewards with the default issued after `choiceDays`:
 * the catalog's `defaultReward` when it is among them, else the first of them.
 */
export const lockReward = (catalog: RewardCatalog, at: number): LockedReward => {
  if (catalog.mode === 'rotate') {
    const reward = currentReward(catalog, at, 'referrer');
    return reward ? { mode: 'rotate', rewardId: reward.id } : { mode: 'none' };
  }
  const options = availableRewards(catalog, at, 'referrer').map((r) => r.id);
  if (options.length === 0) return { mode: 'none' };
  const defaultRewardId = catalog.defaultReward !== undefined && options.includes(catalog.defaultReward) ? catalog.defaultReward : options[0]!;
  return { mode: 'selectable', options, defaultRewardId, choiceDueAt: new Date(at + programRules(catalog).choiceDays * 86_400_000).toISOString() };
};

/** The friend's offer at `at`: a rotating catalog's current friend reward, else the first valid one. */
export const friendOffer = (catalog: RewardCatalog, at: number): Reward | undefined =>
  catalog.mode === 'rotate' ? currentReward(catalog, at, 'friend') : availableRewards(catalog, at, 'friend')[0];

export const rewardById = (catalog: RewardCatalog, id: string): Reward | undefined => catalog.rewards.find((r) => r.id === id);

/** What was handed out for a reward. */
export type IssuedReward =
  | { kind: 'coupon'; rewardId: string; code: string; expiresAt: string }
  | { kind: 'points'; rewardId: string; points: number }
  | { kind: 'gift'; rewardId: string; sku: string };

/**
 * choosing (selectable: waiting for the referrer's choice) -> pending (reward known, not yet
 * handed out) -> issued; any of them -> revoked (the friend's order was fully refunded in time).
 */
export type ReferralState = 'choosing' | 'pending' | 'issued' | 'revoked';

/** One completed referral, keyed by the friend (a friend is referred once). */
export interface Referral {
  friendId: string;
  referrerId: string;
  code: string;
  /** The friend's first order: the lock time is its placedAt. */
  orderId: string;
  orderAt: string;
  campaignId: string;
  catalogId: string;
  state: ReferralState;
  /** The locked (rotate) or chosen (selectable) reward. */
  rewardId?: string;
  /** Selectable: the rewards valid at the lock, the default and when it is issued. */
  options?: string[];
  defaultRewardId?: string;
  choiceDueAt?: string;
  chosenBy?: 'customer' | 'default';
  chosenAt?: string;
  issued?: IssuedReward;
  friendOffer?: IssuedReward;
  redeemedAt?: string;
  revokedAt?: string;
  revokeReason?: string;
}

export type ChoiceOutcome = { kind: 'chosen'; referral: Referral } | { kind: 'already'; referral: Referral } | { kind: 'invalid' };

/**
 * A choice applied to a referral: the first wins (state `choosing` -> `issued` with the reward),
 * later ones answer the choice made. A reward that was not among the locked options is invalid.
 */
export const applyChoice = (referral: Referral, rewardId: string, by: 'customer' | 'default', at: Date): ChoiceOutcome => {
  if (referral.state !== 'choosing') return { kind: 'already', referral };
  if (!(referral.options ?? []).includes(rewardId)) return { kind: 'invalid' };
  return { kind: 'chosen', referral: { ...referral, rewardId, chosenBy: by, chosenAt: at.toISOString() } };
};

/** A full refund of the friend's order within the window revokes a reward not yet redeemed. */
export const revokesReward = (referral: Referral, refundedAt: string, fullyRefunded: boolean, rules: Pick<ProgramRules, 'refundWindowDays'>): boolean => {
  if (!fullyRefunded || referral.state === 'revoked' || referral.redeemedAt !== undefined) return false;
  return Date.parse(refundedAt) - Date.parse(referral.orderAt) <= rules.refundWindowDays * 86_400_000;
};

export const statCounters = ['invitations', 'clicks', 'conversions', 'issued', 'redeemed', 'revoked'] as const;
export type StatCounter = (typeof statCounters)[number] | `rejected.${RejectionReason}`;
/** Per campaign, per reward id ("-" where no reward is known, such as a rejection or a click). */
export type ReferralStats = Record<string, Partial<Record<StatCounter, number>>>;
export const NO_REWARD = '-';
