import { describe, expect, it } from 'vitest';
import { createTokenCache, signToken, verifyToken } from '#core/tokens';
import type { SigningKey, TokenPayload } from '#core/tokens';

const current: SigningKey = { id: 'k2026b', secret: 'a'.repeat(16) + 'current-secret-bytes-1234567890' };
const previous: SigningKey = { id: 'k2026a', secret: 'b'.repeat(16) + 'previous-secret-bytes-123456789' };
const now = new Date('2026-11-02T08:00:00Z');
const payload: TokenPayload = { purpose: 'unsubscribe', customerId: 'c-42', topic: 'newsletter', campaignId: 'november' };

describe('tokens: signed unsubscribe tokens', () => {
  it('verifies a token it signed and returns the payload and key id', () => {
    const token = signToken(payload, current);
    expect(token.startsWith('k2026b.')).toBe(true);
    expect(verifyToken(token, [current], { now, purpose: 'unsubscribe' })).toEqual({ ok: true, payload, keyId: 'k2026b' });
  });

  it('is URL-safe', () => {
    expect(signToken(payload, current)).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it('keeps verifying tokens of a previous key after rotation', () => {
    const old = signToken(payload, previous);
    expect(verifyToken(old, [current, previous], { now }).ok).toBe(true);
    expect(verifyToken(old, [current], { now })).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('rejects a token whose payload was changed', () => {
    const [kid, , sig] = signToken(payload, current).split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, customerId: 'c-43' })).toString('base64url');
    expect(verifyToken(`${kid}.${forged}.${sig}`, [current], { now })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a token signed with another secret under the same key id', () => {
    const token = signToken(payload, { id: current.id, secret: 'c'.repeat(40) });
    expect(verifyToken(token, [current], { now })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('signs with a key whose secret changed in place under its new secret, and byte secrets as their string form', () => {
    const key: SigningKey = { id: 'k1', secret: 'x'.repeat(40) };
    const first = signToken(payload, key);
    key.secret = 'y'.repeat(40);
    const second = signToken(payload, key);
    expect(second).not.toBe(first);
    expect(verifyToken(second, [{ id: 'k1', secret: 'y'.repeat(40) }], { now }).ok).toBe(true);
    expect(signToken(payload, { id: 'k1', secret: new TextEncoder().encode('y'.repeat(40)) })).toBe(second);
  });

  it('rejects a token used for another purpose', () => {
    const token = signToken({ ...payload, purpose: 'preferences' }, current);
    expect(verifyToken(token, [current], { now, purpose: 'unsubscribe' })).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  it('rejects an expired token at and after its expiry, not before', () => {
    const token = signToken({ ...payload, purpose: 'confirm', expiresAt: '2026-11-02T08:00:00Z' }, current);
    expect(verifyToken(token, [current], { now: new Date('2026-11-02T07:59:59Z') }).ok).toBe(true);
    expect(verifyToken(token, [current], { now })).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects malformed tokens without throwing', () => {
    for (const bad of ['', 'abc', 'a.b', 'k2026b..', 'k2026b.!!!.???', 'x.y.z.w']) {
      expect(verifyToken(bad, [current], { now }).ok).toBe(false);
    }
  });

  it('answers a repeated payload from the token cache with the token signToken gives, signing it once per key and secret', () => {
    const sign = createTokenCache(2);
    const key: SigningKey = { id: 'k1', secret: 'x'.repeat(40) };
    const first = sign(payload, key);
    expect(first).toBe(signToken(payload, key));
    const signed: string[] = [];
    const counting: SigningKey = { ...key, get id() { signed.push('read'); return 'k1'; } };
    sign(payload, counting);
    const reads = signed.length;
    expect(sign(payload, counting)).toBe(first);
    expect(signed.length - reads).toBeLessThan(reads); // a hit reads the id only to compare it
    // A changed secret, a byte secret and a payload without its topic are signed anew.
    key.secret = 'y'.repeat(40);
    expect(sign(payload, key)).toBe(signToken(payload, key));
    expect(sign(payload, key)).not.toBe(first);
    expect(sign(payload, { id: 'k1', secret: new TextEncoder().encode('y'.repeat(40)) })).toBe(signToken(payload, key));
    expect(sign({ ...payload, topic: undefined }, key)).toBe(signToken({ ...payload, topic: undefined }, key));
    // Past its limit the cache starts afresh and still answers correctly.
    for (const customerId of ['c-1', 'c-2', 'c-3']) expect(sign({ ...payload, customerId }, key)).toBe(signToken({ ...payload, customerId }, key));
    expect(() => sign(payload, { id: 'k1', secret: 'short' })).toThrow(/at least 32 bytes/);
  });

  it('rejects short secrets and bad key ids when signing', () => {
    expect(() => signToken(payload, { id: 'k1', secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => signToken(payload, { id: 'bad.id', secret: 'x'.repeat(32) })).toThrow(/key id/);
  });
});
