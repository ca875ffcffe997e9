// Signed tokens for links that act without a login: one-click unsubscribe (RFC 8058), the
// preference page, double opt-in confirmation. HMAC-SHA256 over the payload, with a key id so keys
// can rotate: new tokens are signed with the current key, old ones verify while their key is kept.
// The keys are handed in (core reads no environment); expiry is checked against a passed-in time.
//
// Format: `<keyId>.<base64url(JSON payload)>.<base64url(HMAC-SHA256(keyId + "." + payload))>`
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export type TokenPurpose = 'unsubscribe' | 'preferences' | 'confirm' | 'click' | 'open' | 'reward';

export interface TokenPayload {
  purpose: TokenPurpose;
  customerId: string;
  /** The topic an unsubscribe applies to; absent means all marketing mail. */
  topic?: string;
  campaignId?: string;
  occurrenceId?: string;
  /** Expiry as an ISO time; absent = no expiry (unsubscribe links must keep working). */
  expiresAt?: string;
  /** confirm: the consent request it confirms (the pending proof's time); a newer request voids it. */
  requestAt?: string;
  /** click: the index of the link in the campaign's stored link table, and the table's content locale. */
  link?: number;
  locale?: string;
  /** click: the recipient's A/B arm (core/experiments.ts), so clicks count per variant. */
  variant?: string;
  /** reward: the referral (its friend's customer id) and the reward this link chooses. */
  referralOf?: string;
  rewardId?: string;
}

export interface SigningKey {
  /** Short id, [A-Za-z0-9_-]{1,32}; stored in the token to pick the key when verifying. */
  id: string;
  /** At least 32 bytes of secret. */
  secret: string | Uint8Array;
}

/**
 * The keys in force: new tokens are signed with `current`; tokens verify with any of `accepted`
 * (current plus the previous keys kept for rotation). Loaded by an adapter (Secrets Manager on
 * AWS), handed to core.
 */
export interface SigningKeyRing {
  current: SigningKey;
  accepted: readonly SigningKey[];
}

export type VerifyResult =
  | { ok: true; payload: TokenPayload; keyId: string }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'wrong-purpose' };

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const PURPOSES: readonly TokenPurpose[] = ['unsubscribe', 'preferences', 'confirm', 'click', 'open', 'reward'];

// A string secret as a KeyObject, made once per key: createHmac converts a string secret on every
// call, and a send signs two to five links per mail. (Byte secrets go as they are: they may change.)
const secretKeys = new WeakMap<SigningKey, { secret: string; key: KeyObject }>();
const secretKeyOf = (key: SigningKey): KeyObject | Uint8Array => {
  if (typeof key.secret !== 'string') return key.secret;
  const known = secretKeys.get(key);
  if (known && known.secret === key.secret) return known.key;
  const made = createSecretKey(Buffer.from(key.secret, 'utf8'));
  secretKeys.set(key, { secret: key.secret, key: made });
  return made;
};

const mac = (key: SigningKey, signed: string): Buffer => createHmac('sha256', secretKeyOf(key)).update(signed).digest();

const checkKey = (key: SigningKey): void => {
  if (!KEY_ID.test(key.id)) throw new Error(`signing key id "${key.id}" must be 1-32 letters, digits, "_" or "-"`);
  const length = typeof key.secret === 'string' ? Buffer.byteLength(key.secret) : key.secret.byteLength;
  if (length < 32) throw new Error(`signing key "${key.id}" is too short: use at least 32 bytes of secret`);
};

const signJson = (json: string, key: SigningKey): string => {
  checkKey(key);
  const signed = `${key.id}.${Buffer.from(json).toString('base64url')}`;
  return `${signed}.${mac(key, signed).toString('base64url')}`;
};

/** Signs a payload with the given (current) key. */
export const signToken = (payload: TokenPayload, key: SigningKey): string => signJson(JSON.stringify(payload), key);

/**
 * signToken for payloads that repeat, such as a customer's preference link or their unsubscribe
 * link of a campaign (each mail of a replay signed them again): a token is a pure function of
 * payload and key, so a map per key (string secrets; at most `limit` tokens, then started
 * afresh) answers a repeat without signing. Not for payloads that never repeat (clicks).
 */
export const createTokenCache = (limit = 100_000): ((payload: TokenPayload, key: SigningKey) => string) => {
  const byKey = new WeakMap<SigningKey, { id: string; secret: string; tokens: Map<string, string> }>();
  return (payload, key) => {
    const json = JSON.stringify(payload);
    if (typeof key.secret !== 'string') return signJson(json, key);
    let held = byKey.get(key);
    if (!held || held.id !== key.id || held.secret !== key.secret) byKey.set(key, (held = { id: key.id, secret: key.secret, tokens: new Map() }));
    let token = held.tokens.get(json);
    if (token === undefined) {
      token = signJson(json, key);
      if (held.tokens.size >= limit) held.tokens.clear();
      held.tokens.set(json, token);
    }
    return token;
  };
};

const isPayload = (value: unknown): value is TokenPayload => {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optionalString = (k: string) => v[k] === undefined || typeof v[k] === 'string';
  return (
    PURPOSES.includes(v.purpose as TokenPurpose) &&
    typeof v.customerId === 'string' &&
    optionalString('topic') &&
    optionalString('campaignId') &&
    optionalString('occurrenceId') &&
    optionalString('expiresAt') &&
    optionalString('requestAt') &&
    optionalString('locale') &&
    optionalString('variant') &&
    optionalString('referralOf') &&
    optionalString('rewardId') &&
    (v.link === undefined || (Number.isInteger(v.link) && (v.link as number) >= 0))
  );
};

/** A short, stable id of a token (kept as proof of which link confirmed); reveals nothing of the key. */
export const tokenId = (token: string): string => createHash('sha256').update(token).digest('base64url').slice(0, 22);

/**
 * Verifies a token against the keys still accepted (current and previous). Never throws on bad
 * input: a forged, truncated or expired token is a value, not an exception.
 */
export const verifyToken = (
  token: string,
  keys: readonly SigningKey[],
  options: { now: Date; purpose?: TokenPurpose },
): VerifyResult => {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [keyId, body, signature] = parts as [string, string, string];
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const expected = mac(key, `${keyId}.${body}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isPayload(payload)) return { ok: false, reason: 'malformed' };
  if (options.purpose && payload.purpose !== options.purpose) return { ok: false, reason: 'wrong-purpose' };
  if (payload.expiresAt !== undefined) {
    const expires = Date.parse(payload.expiresAt);
    if (Number.isNaN(expires) || expires <= options.now.getTime()) return { ok: false, reason: 'expired' };
  }
  return { ok: true, payload, keyId };
};
