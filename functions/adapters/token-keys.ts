// The keys that sign and verify link tokens (core/tokens.ts: unsubscribe, preferences, double
// opt-in), read at run time from one Secrets Manager secret through Powertools Parameters (cached
// for `maxAgeSeconds`), never from a function's environment. The in-memory twin serves tests, the
// local runtime and the CLI. Both the send function (signs) and the customer endpoint (verifies)
// read them through `keySourceFromEnv`.
//
// Secret format (SecretString, JSON, flat):
//   {"current": "k2", "k1": "<secret of k1>", "k2": "<secret of k2>"}
// `current` names the key new tokens are signed with; every other property is a key id
// ([A-Za-z0-9_-]{1,32}) and its secret (at least 32 bytes), all accepted when verifying. Flat, not
// nested, so that CloudFormation can generate the first key itself (GenerateSecretString with
// SecretStringTemplate {"current":"k1"} and GenerateStringKey "k1"): no secret passes through a
// template, a deploy log or an environment variable.
//
// Rotation (README "Key rotation"): 1. add the new key, `current` unchanged; 2. after maxAge
// (every instance has read it), set `current` to the new id. Links signed with the old key keep
// verifying while the old key stays in the secret; remove a key only when its links may break
// (unsubscribe links carry no expiry, so normally never).
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';
import { formatIssues } from '#core/events';
import { envInt } from '#core/delivery/env';
import type { SigningKey, SigningKeyRing } from '#core/tokens';

const KeyId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, "_" or "-"');
const KeySecret = z.string().refine((s) => Buffer.byteLength(s) >= 32, 'must be a secret of at least 32 bytes');

/** The secret's JSON (see the header). */
export const TokenKeySecret = z
  .object({ current: KeyId })
  .catchall(KeySecret)
  .superRefine((value, ctx) => {
    for (const id of Object.keys(value)) {
      if (id !== 'current' && !KeyId.safeParse(id).success) ctx.addIssue({ code: 'custom', path: [id], message: 'key id must be 1-32 letters, digits, "_" or "-"' });
    }
    if (!(value.current in value) || value.current === 'current') {
      ctx.addIssue({ code: 'custom', path: ['current'], message: `names key "${value.current}", which the secret does not hold` });
    }
  });
export type TokenKeySecret = z.infer<typeof TokenKeySecret>;

/** The key ring a secret value describes; throws naming the bad field (never the secret). */
export const parseKeyRing = (value: unknown, source = 'token keys'): SigningKeyRing => {
  const parsed = TokenKeySecret.safeParse(value);
  if (!parsed.success) throw new Error(`${source}: ${formatIssues(parsed.error)}`);
  const { current, ...keys } = parsed.data;
  const accepted: SigningKey[] = Object.entries(keys).map(([id, secret]) => ({ id, secret: secret as string }));
  return { current: accepted.find((k) => k.id === current)!, accepted };
};

/** Where the signing keys come from. `load` may be called per request: implementations cache. */
export interface SigningKeySource {
  load(): Promise<SigningKeyRing>;
}

/** How long a read secret is used before it is read again (Powertools' maxAge). */
export const DEFAULT_KEY_MAX_AGE_SECONDS = 300;

export interface SecretsManagerKeySourceOptions {
  /** The secret's ARN or name. */
  secretId: string;
  /** @default DEFAULT_KEY_MAX_AGE_SECONDS */
  maxAgeSeconds?: number;
  /** A provider of one's own (tests, a shared client); default: a new one with `endpoint`. */
  provider?: SecretsProvider;
  /** A local Secrets Manager endpoint; unset on AWS. */
  endpoint?: string;
}

/** Reads the ring from Secrets Manager (Powertools Parameters, cached for maxAge per instance). */
export const createSecretsManagerKeySource = (options: SecretsManagerKeySourceOptions): SigningKeySource => {
  const provider = options.provider ?? new SecretsProvider(options.endpoint ? { clientConfig: { endpoint: options.endpoint } } : {});
  const maxAge = options.maxAgeSeconds ?? DEFAULT_KEY_MAX_AGE_SECONDS;
  return {
    async load() {
      const value = await provider.get(options.secretId, { maxAge, transform: 'json' });
      return parseKeyRing(value, `token keys secret ${options.secretId}`);
    },
  };
};

/** The in-memory twin: holds a secret value (same format, same checks); `put` replaces it, as an operator would. */
export class MemoryKeySource implements SigningKeySource {
  private value: unknown;

  constructor(value: unknown) {
    this.value = structuredClone(value);
  }

  async load(): Promise<SigningKeyRing> {
    return parseKeyRing(this.value);
  }

  put(value: unknown): void {
    this.value = structuredClone(value);
  }
}

/**
 * A ring for synchronous signers (the send path renders links without awaiting): starts from a
 * loaded ring and, once `refreshSeconds` old, reloads in the background while the ring it has
 * keeps signing (its keys stay accepted during a rotation). A failed reload keeps the old ring
 * and tries again after another period; `onError` hears of it.
 */
export interface LiveKeyRing {
  current(): SigningKeyRing;
}

export const liveKeyRing = async (
  source: SigningKeySource,
  options: { refreshSeconds?: number; now?: () => number; onError?: (error: unknown) => void } = {},
): Promise<LiveKeyRing> => {
  const now = options.now ?? Date.now;
  const periodMs = (options.refreshSeconds ?? DEFAULT_KEY_MAX_AGE_SECONDS) * 1000;
  let ring = await source.load();
  let loadedAt = now();
  let loading = false;
  return {
    current() {
      if (!loading && now() - loadedAt >= periodMs) {
        loading = true;
        source
          .load()
          .then(
            (next) => {
              ring = next;
            },
            (error: unknown) => options.onError?.(error),
          )
          .finally(() => {
            loadedAt = now();
            loading = false;
          });
      }
      return ring;
    },
  };
};

/** The environment a function that reads the keys declares (spread into its config schema). */
export const TokenKeysEnv = {
  /** ARN or name of the token keys secret (format above); set by the stack. */
  TOKEN_KEYS_SECRET: z.string().min(1),
  /** Seconds a read key ring is used before Secrets Manager is asked again. */
  TOKEN_KEYS_MAX_AGE_SECONDS: envInt(DEFAULT_KEY_MAX_AGE_SECONDS, 1, 86_400),
  /** Local Secrets Manager endpoint; unset on AWS. */
  SECRETS_MANAGER_ENDPOINT: z.url().optional(),
};

/** The key source a function's parsed environment describes (send, the customer endpoint). */
export const keySourceFromEnv = (env: { TOKEN_KEYS_SECRET: string; TOKEN_KEYS_MAX_AGE_SECONDS: number; SECRETS_MANAGER_ENDPOINT?: string | undefined }): SigningKeySource =>
  createSecretsManagerKeySource({
    secretId: env.TOKEN_KEYS_SECRET,
    maxAgeSeconds: env.TOKEN_KEYS_MAX_AGE_SECONDS,
    ...(env.SECRETS_MANAGER_ENDPOINT ? { endpoint: env.SECRETS_MANAGER_ENDPOINT } : {}),
  });
