// Token signing keys from Secrets Manager (Powertools Parameters) and the in-memory twin, held to
// one contract; plus the rotation an operator carries out. The real provider runs unchanged;
// aws-sdk-client-mock stands in for Secrets Manager and counts the GetSecretValue calls.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { MemoryKeySource, createSecretsManagerKeySource, liveKeyRing, parseKeyRing, type SigningKeySource } from '#adapters/token-keys';
import { createSignedUnsubscribeLinks } from '#core/delivery/seams';
import { verifyToken } from '#core/tokens';

const K1 = 'k1-secret-k1-secret-k1-secret-k1-secret';
const K2 = 'k2-secret-k2-secret-k2-secret-k2-secret';
const SECRET_ID = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:stammkunde-token-keys-AbCdEf';
const MAX_AGE = 300;

const secretsManager = mockClient(SecretsManagerClient);
beforeEach(() => {
  secretsManager.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-03-01T10:00:00Z'));
});
afterEach(() => vi.useRealTimers());

interface Harness {
  source: SigningKeySource;
  /** What an operator does: put a new secret value; readers see it at the latest after maxAge. */
  put(value: unknown): void;
}

const secretsManagerHarness = (initial: unknown): Harness => {
  const put = (value: unknown) => secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: JSON.stringify(value) });
  put(initial);
  return { source: createSecretsManagerKeySource({ secretId: SECRET_ID, maxAgeSeconds: MAX_AGE, provider: new SecretsProvider() }), put };
};
const memoryHarness = (initial: unknown): Harness => {
  const source = new MemoryKeySource(initial);
  return { source, put: (value) => source.put(value) };
};

const keySourceContract = (name: string, harness: (initial: unknown) => Harness) => {
  describe(`token keys contract: ${name}`, () => {
    it('reads the current key and every accepted key by id', async () => {
      const { source } = harness({ current: 'k2', k1: K1, k2: K2 });
      const ring = await source.load();
      expect(ring.current).toEqual({ id: 'k2', secret: K2 });
      expect(ring.accepted).toEqual([{ id: 'k1', secret: K1 }, { id: 'k2', secret: K2 }]);
    });

    it('sees a new secret value at the latest after maxAge', async () => {
      const { source, put } = harness({ current: 'k1', k1: K1 });
      await source.load();
      put({ current: 'k2', k1: K1, k2: K2 });
      vi.setSystemTime(Date.now() + (MAX_AGE + 1) * 1000);
      expect((await source.load()).current.id).toBe('k2');
    });

    it('rejects a secret whose current key it does not hold, naming the field and not the secret', async () => {
      const { source } = harness({ current: 'k3', k1: K1 });
      const error = await source.load().then(() => undefined, (e: Error) => e);
      expect(error?.message).toMatch(/current: names key "k3", which the secret does not hold/);
      expect(error?.message).not.toContain(K1);
    });

    it('rejects a key shorter than 32 bytes, naming its id', async () => {
      const { source } = harness({ current: 'k1', k1: 'short' });
      await expect(source.load()).rejects.toThrow(/k1: must be a secret of at least 32 bytes/);
    });
  });
};

keySourceContract('secrets manager (Powertools Parameters)', secretsManagerHarness);
keySourceContract('memory', memoryHarness);

describe('token keys: Secrets Manager calls', () => {
  it('asks Secrets Manager once per maxAge for the configured secret', async () => {
    const { source } = secretsManagerHarness({ current: 'k1', k1: K1 });
    await source.load();
    vi.setSystemTime(Date.now() + (MAX_AGE - 1) * 1000);
    await source.load();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: SECRET_ID });
    vi.setSystemTime(Date.now() + 2 * 1000);
    await source.load();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('token keys: rotation', () => {
  const tokenOf = (url: string) => url.slice(url.indexOf('/u/') + 3);
  const link = { customerId: 'c-1', topic: 'newsletter', campaignId: 'spring' };

  it('keeps links signed with the old key working after the new key became current', async () => {
    const { source, put } = secretsManagerHarness({ current: 'k1', k1: K1 });
    let now = Date.parse('2026-03-01T10:00:00Z');
    const live = await liveKeyRing(source, { refreshSeconds: MAX_AGE, now: () => now });
    const links = createSignedUnsubscribeLinks({ baseUrl: 'https://t.shop.example', ring: () => live.current() });
    const oldLink = links.url(link);
    expect(tokenOf(oldLink).startsWith('k1.')).toBe(true);

    // 1. The new key is added; k1 stays current until every reader knows k2.
    put({ current: 'k1', k1: K1, k2: K2 });
    // 2. After maxAge, k2 becomes current.
    now += (MAX_AGE + 1) * 1000;
    vi.setSystemTime(now);
    put({ current: 'k2', k1: K1, k2: K2 });
    links.url(link); // starts the reload; this link is still signed with the ring it had
    await vi.waitFor(() => expect(tokenOf(links.url(link)).startsWith('k2.')).toBe(true));

    const verifier = await source.load();
    const at = new Date(now);
    expect(verifyToken(tokenOf(oldLink), verifier.accepted, { now: at, purpose: 'unsubscribe' })).toMatchObject({ ok: true, keyId: 'k1', payload: { customerId: 'c-1' } });
    expect(verifyToken(tokenOf(links.url(link)), verifier.accepted, { now: at, purpose: 'unsubscribe' })).toMatchObject({ ok: true, keyId: 'k2' });
    // Removing k1 is what would break the old links: they no longer verify.
    expect(verifyToken(tokenOf(oldLink), parseKeyRing({ current: 'k2', k2: K2 }).accepted, { now: at })).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('keeps signing with the loaded keys when a reload fails, and reports the failure', async () => {
    const source = new MemoryKeySource({ current: 'k1', k1: K1 });
    let now = 0;
    const errors: unknown[] = [];
    const live = await liveKeyRing({ load: () => (now > 0 ? Promise.reject(new Error('AccessDenied')) : source.load()) }, { refreshSeconds: 60, now: () => now, onError: (e) => errors.push(e) });
    now = 61_000;
    expect(live.current().current.id).toBe('k1');
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(live.current().current.id).toBe('k1');
  });
});
