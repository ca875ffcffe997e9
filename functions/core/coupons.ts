// Coupons: unique single-use codes, issued once per (occurrence, customer), from a generator or a
// shop's imported pool. Pure: the store is a port (adapters/{memory,dynamo}-coupon-store.ts) and
// the randomness is injected. Redemption at ingest lives in core/coupon-redemption.ts.
//
// ## Codes
// Alphabet: 31 symbols, the digits 2-9 and the letters A-Z without O, I and L, so nothing reads
// as 0, 1 or another letter when typed from a phone screen. A code is `<prefix>-<symbols>` (or the
// symbols alone without a prefix).
//
// Length, from the number n of codes expected to live at once (`CouponSpec.expectedCodes`,
// default 100,000). With N = 31^L possible codes:
// - birthday bound: the chance that ANY two of n random codes collide is about n² / (2N);
// - a single new code hits one of n existing ones with chance n / N;
// - a guessed code is a live one with chance n / N as well.
// We take the smallest L >= 8 with n² / (2N) <= 1 % (so over a whole issuance a retry happens in
// at most 1 of 100 runs, and fewer than one code in a million retries):
//   n = 10,000      -> L = 8  (N = 8.5e11; n²/2N = 5.9e-5)
//   n = 100,000     -> L = 8  (n²/2N = 5.9e-3; a guess hits with 1.2e-7)
//   n = 1,000,000   -> L = 10 (N = 8.2e14; n²/2N = 6.1e-4)
//   n = 10,000,000  -> L = 11 (N = 2.5e16; n²/2N = 2.0e-3)
// A collision is never a duplicate: the put is conditional and the next candidate is tried.
//
// ## Idempotency with one conditional write (no transactions)
// The random source is KEYED: the same key always gives the same bytes (HMAC-SHA256 under an
// installation secret made once, CouponStore.codeSecret), unpredictable without the secret. The
// candidate codes of a recipient are the bytes for (occurrence, customer, attempt 0, 1, ...). The
// coupon item is keyed by its code and written with ONE conditional put: "the code is free, or it
// already belongs to this (occurrence, customer)". So:
// - a new coupon costs one write (a collision, rare by the arithmetic above, one more);
// - a redelivery or re-render regenerates the same candidates and its put matches the stored
//   owner: the same code and the first issuance's dates come back, nothing is overwritten;
// - a recipient never holds two codes for one occurrence: attempt k+1 is only tried when the code
//   of attempt k belongs to someone else, and codes are never released.
// Crashes: before the put nothing exists; after it, the redelivery finds the same item (above).
// The only state is the coupon item, so there is no window with half a coupon. Republishing a
// campaign with another prefix or length while an occurrence still sends changes the candidates:
// an occurrence sends the version it started with, so only a triggered follow-up across a
// republish could get a second code (documented, accepted).
//
// ## Pools (codes the shop's platform created, imported as CSV)
// A pool is a numbered list (index 1..size) plus a counter `next`. Handing out a code:
//   1. the recipient's pool claim (occurrence, customer) is read: present -> its code (idempotent);
//   2. the counter is incremented (atomic ADD): index i; i > size -> the pool is exhausted;
//   3. the claim is put conditionally (attribute_not_exists) with the code at index i: if another
//      copy of this delivery won the race, its code is used and i stays unused;
//   4. the coupon item is written for the claim's code (the same conditional put as generated codes).
// Each pooled code is handed out at most once (each index is drawn once by the atomic counter);
// a crash between 2 and 3 leaves one code unused, never a code held twice or a mail without a
// code. A crash between 3 and 4 is healed by the redelivery (step 1 then 4).
import { createHmac } from 'node:crypto';
import type { CouponSpec } from '#core/campaign';
import type { Page } from '#core/store';

export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const MIN_CODE_LENGTH = 8;
export const MAX_CODE_LENGTH = 16;
export const DEFAULT_EXPECTED_CODES = 100_000;
/** The accepted birthday-bound chance that any two codes of one issuance collide. */
export const COLLISION_BUDGET = 0.01;
/** Candidates tried before issuance gives up (each a conditional put): 8 collisions in a row mean a broken source. */
export const MAX_CODE_ATTEMPTS = 8;

/** Smallest length L (>= 8) with n² / (2 · 31^L) <= COLLISION_BUDGET (see the header). */
export const codeLength = (expectedCodes: number = DEFAULT_EXPECTED_CODES): number => {
  const n = Math.max(1, expectedCodes);
  const needed = Math.log((n * n) / (2 * COLLISION_BUDGET)) / Math.log(CODE_ALPHABET.length);
  return Math.min(MAX_CODE_LENGTH, Math.max(MIN_CODE_LENGTH, Math.ceil(needed)));
};

/** The birthday bound for n codes of length L: the chance that any two collide. */
export const collisionChance = (n: number, length: number): number => (n * n) / (2 * CODE_ALPHABET.length ** length);

/**
 * A keyed random source: the same key always gives the same (at least 32) bytes, and nobody
 * without the secret can predict them. Production: `hmacKeyedRandom(store secret)`.
 */
export type KeyedRandom = (key: string) => Uint8Array;

export const hmacKeyedRandom = (secret: string): KeyedRandom => (key) => createHmac('sha256', secret).update(key).digest();

/** Bytes >= 248 (= 8 · 31) are skipped so every symbol is equally likely (no modulo bias). */
const UNBIASED_BELOW = 256 - (256 % CODE_ALPHABET.length);

/** `length` symbols from the keyed source for `key` (more blocks `key#1`, `key#2`… when needed). */
export const codeSymbols = (random: KeyedRandom, key: string, length: number): string => {
  let out = '';
  for (let block = 0; out.length < length; block++) {
    if (block > 64) throw new Error('coupon codes: the random source gives too few usable bytes');
    for (const byte of random(block === 0 ? key : `${key}#${block}`)) {
      if (byte >= UNBIASED_BELOW) continue;
      out += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (out.length === length) break;
    }
  }
  return out;
};

/** The code a recipient's attempt k produces: `<prefix>-<symbols>`. */
export const candidateCode = (
  random: KeyedRandom,
  input: { occurrenceId: string; customerId: string; attempt: number; length: number; prefix?: string },
): string => {
  const symbols = codeSymbols(random, JSON.stringify([input.occurrenceId, input.customerId, input.attempt]), input.length);
  return input.prefix ? `${input.prefix}-${symbols}` : symbols;
};

/** Codes as the shop and the customer type them: upper case, no spaces. */
export const normalizeCode = (code: string): string => code.trim().toUpperCase().replace(/\s+/g, '');

export type CouponValue = CouponSpec['value'];

export interface IssuedCoupon {
  code: string;
  campaignId: string;
  occurrenceId: string;
  customerId: string;
  value: CouponValue;
  minimumOrderCents?: number;
  /** ISO time of the first issuance (a redelivery gets the same). */
  issuedAt: string;
  /** ISO time after which the coupon is no longer redeemable: issuedAt + validDays. */
  expiresAt: string;
  /** Made by the engine, or taken from an imported pool (`pool` names it). */
  source: 'generated' | 'pool';
  pool?: string;
  /** The referral reward this coupon pays out, when it is one. */
  rewardId?: string;
}

/** A coupon as stored, with its redemption once an order used it. */
export interface StoredCoupon extends IssuedCoupon {
  redeemedAt?: string;
  redeemedOrderId?: string;
}

export interface PoolState {
  pool: string;
  /** Codes imported so far. */
  imported: number;
  /** Codes not drawn yet (a drawn code was handed out, or lost to a crash: never handed out twice). */
  remaining: number;
}

/** Storage of coupons and pools (one DynamoDB table; the memory twin). Access patterns: the adapters' headers. */
export interface CouponStore {
  /**
   * Stores the coupon under its code unless the code belongs to another (occurrence, customer):
   * ONE conditional write. Answers the stored coupon (for a repeat, the first issuance's, with its
   * dates and redemption untouched), or undefined when another recipient holds the code. A pooled
   * code (imported, held by nobody yet) is taken by this write.
   */
  putCoupon(coupon: IssuedCoupon): Promise<StoredCoupon | undefined>;
  getCoupon(code: string): Promise<StoredCoupon | undefined>;
  /** The installation's secret for the keyed code source: made once (conditional put), then read. */
  codeSecret(): Promise<string>;

  /** Appends codes to a pool; codes already known (in any pool, or issued) are answered as duplicates. */
  addPoolCodes(pool: string, codes: readonly string[]): Promise<{ added: number; duplicates: string[] }>;
  poolState(pool: string): Promise<PoolState>;
  /** The pooled code claimed for (occurrence, customer), if any. */
  getPoolClaim(occurrenceId: string, customerId: string): Promise<string | undefined>;
  /** Draws the next index (atomic); the code there, or undefined when the pool is exhausted. */
  drawPoolCode(pool: string): Promise<string | undefined>;
  /** Claims `code` for (occurrence, customer) unless a claim exists: answers the claim's code (ours or the earlier one). */
  putPoolClaim(occurrenceId: string, customerId: string, code: string): Promise<string>;
  /**
   * A campaign's issued coupons by expiry (then code), a page at a time (export); `expiringOn` a
   * UTC day ("YYYY-MM-DD"): only those expiring that day (CouponExpiring).
   */
  listCoupons(campaignId: string, options?: { cursor?: string; limit?: number; expiringOn?: string }): Promise<Page<StoredCoupon>>;
  /**
   * GDPR erase: the coupon no longer names its holder. Conditional on `code` being held by
   * (`occurrenceId`, `customerId`): customer and occurrence (a triggered occurrence's id names the
   * customer) become ERASED_HOLDER and the redeeming order's id goes; code, campaign, value,
   * dates and redemption time stay, so the code is never issued or imported again and the
   * redemption stats (kept apart, per campaign) are untouched. The pool claim of the
   * (occurrence, customer) is deleted. False when the coupon was not theirs (nothing changed).
   */
  eraseHolder(code: string, occurrenceId: string, customerId: string): Promise<boolean>;
  /**
   * GDPR erase of a referred friend: the referrer's reward coupon keeps its holder, but its
   * occurrence id (`<campaign>:reward.<friendId>`) names the friend; it becomes `to`. Conditional
   * on the stored occurrence id being `from`; false when it was not.
   */
  renameOccurrence(code: string, from: string, to: string): Promise<boolean>;
  /** GDPR erase: deletes the refused use of `code` by the order when `customerId` made it (its count stays). False when there was none of theirs. */
  eraseRefusedUse(code: string, orderId: string, customerId: string): Promise<boolean>;
}

/** The holder of an erased customer's coupon (customer and occurrence ids alike). */
export const ERASED_HOLDER = 'erased';

export interface CouponDeps {
  store: CouponStore;
  /** The keyed random source; default: HMAC-SHA256 under `store.codeSecret()`. */
  random?: KeyedRandom;
}

export interface IssueCouponInput {
  campaignId: string;
  occurrenceId: string;
  customerId: string;
  spec: CouponSpec;
  /** The send time: issuedAt, and expiresAt = at + validDays. */
  at: Date;
  rewardId?: string;
}

/** The pool a coupon spec draws from has no codes left: the occurrence pauses with this reason. */
export class PoolExhaustedError extends Error {
  readonly pool: string;
  constructor(pool: string, state?: PoolState) {
    super(`coupon pool "${pool}" is exhausted${state ? ` (${state.imported} codes imported, all handed out)` : ''}: import more with "stammkunde coupons import ${pool} <csv>", then resume`);
    this.name = 'PoolExhaustedError';
    this.pool = pool;
  }
}

const DAY_MS = 86_400_000;

/** The shared code of a `unique: false` spec, and the dates a coupon issued at `at` carries. */
const couponFor = (input: IssueCouponInput, code: string, source: IssuedCoupon['source']): IssuedCoupon => {
  const { spec } = input;
  return {
    code,
    campaignId: input.campaignId,
    occurrenceId: input.occurrenceId,
    customerId: input.customerId,
    value: spec.value,
    ...(spec.minimumOrderCents !== undefined ? { minimumOrderCents: spec.minimumOrderCents } : {}),
    issuedAt: input.at.toISOString(),
    expiresAt: new Date(input.at.getTime() + spec.validDays * DAY_MS).toISOString(),
    source,
    ...(source === 'pool' && spec.pool ? { pool: spec.pool } : {}),
    ...(input.rewardId ? { rewardId: input.rewardId } : {}),
  };
};

/** Only what issuance promises (the stored redemption stays in the store). */
export const issued = (stored: StoredCoupon): IssuedCoupon => {
  const { redeemedAt: _r, redeemedOrderId: _o, ...coupon } = stored;
  return coupon;
};

const secretRandoms = new WeakMap<CouponStore, Promise<KeyedRandom>>();
const randomOf = (deps: CouponDeps): Promise<KeyedRandom> => {
  if (deps.random) return Promise.resolve(deps.random);
  let random = secretRandoms.get(deps.store);
  if (!random) {
    random = deps.store.codeSecret().then(hmacKeyedRandom);
    random.catch(() => secretRandoms.delete(deps.store));
    secretRandoms.set(deps.store, random);
  }
  return random;
};

const issuePooled = async (deps: CouponDeps, input: IssueCouponInput, pool: string): Promise<IssuedCoupon> => {
  const { store } = deps;
  let code = await store.getPoolClaim(input.occurrenceId, input.customerId);
  if (code === undefined) {
    const drawn = await store.drawPoolCode(pool);
    if (drawn === undefined) throw new PoolExhaustedError(pool, await store.poolState(pool));
    code = await store.putPoolClaim(input.occurrenceId, input.customerId, drawn);
  }
  const stored = await store.putCoupon(couponFor(input, code, 'pool'));
  if (!stored) throw new Error(`coupon pool "${pool}": code of occurrence ${input.occurrenceId} customer ${input.customerId} is held by another recipient (imported twice?)`);
  return issued(stored);
};

/**
 * The recipient's coupon for an occurrence: issued on the first call, the same one on every later
 * call (redelivery, re-render). One conditional write per new generated coupon (see the header).
 * A `unique: false` spec answers its shared code without storing anything. Throws
 * PoolExhaustedError when the spec's pool has no codes left.
 */
export const issueCoupon = async (deps: CouponDeps, input: IssueCouponInput): Promise<IssuedCoupon> => {
  const { spec } = input;
  if (!spec.unique) return couponFor(input, spec.code ?? '', 'generated');
  if (spec.pool) return issuePooled(deps, input, spec.pool);
  const random = await randomOf(deps);
  const length = codeLength(spec.expectedCodes);
  for (let attempt = 0; attempt < MAX_CODE_ATTEMPTS; attempt++) {
    const code = candidateCode(random, { occurrenceId: input.occurrenceId, customerId: input.customerId, attempt, length, prefix: spec.prefix });
    const stored = await deps.store.putCoupon(couponFor(input, code, 'generated'));
    if (stored) return issued(stored);
  }
  throw new Error(`coupon codes: ${MAX_CODE_ATTEMPTS} candidates for occurrence ${input.occurrenceId} customer ${input.customerId} were all taken; is the random source constant?`);
};
