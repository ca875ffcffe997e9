// The ledger's conditional writes as the send path makes them. A conditional write whose response
// is lost (timeout, reset) is retried by the SDK; the retry then fails its own condition although
// the first attempt landed. So a failed condition is resolved by reading the entry: when it
// already holds our target state, with our owner and our timestamp, the write succeeded.
import type { DeliveryStore, LedgerCondition, LedgerKey, LedgerPatch } from '#core/delivery-store';
import type { LedgerEntry } from './ledger';

/** The entry is the one our claim would have written (same owner, same instant, same state). */
export const isOurClaim = (entry: LedgerEntry, owner: string, nowMs: number, as: 'claimed' | 'sending'): boolean =>
  entry.owner === owner && entry.claimedAtMs === nowMs && entry.state === as;

/** The entry holds what our transition would have written. */
export const holdsPatch = (entry: LedgerEntry | undefined, patch: LedgerPatch, owner: string | undefined): boolean =>
  entry !== undefined &&
  entry.state === patch.state &&
  entry.updatedAtMs === patch.atMs &&
  (owner === undefined || entry.owner === owner) &&
  (patch.messageId === undefined || entry.messageId === patch.messageId) &&
  (patch.leaseUntilMs === undefined || entry.leaseUntilMs === patch.leaseUntilMs);

export type SendClaim = { claimed: true } | { claimed: false; existing: LedgerEntry };

/** One conditional write: no entry (or a released `claimed` one) -> `sending`, ours. */
export const claimForSending = async (store: DeliveryStore, key: LedgerKey, owner: string, nowMs: number, leaseMs: number): Promise<SendClaim> => {
  let result;
  try {
    result = await store.claim(key, owner, nowMs, leaseMs, 'sending');
  } catch (error) {
    // The write may have landed before the error (timeout after the SDK's retries): read it.
    const entry = await store.getLedger(key);
    if (entry && isOurClaim(entry, owner, nowMs, 'sending')) return { claimed: true };
    throw error;
  }
  if (result.claimed || isOurClaim(result.existing, owner, nowMs, 'sending')) return { claimed: true };
  return result;
};

/**
 * A transition that is true when it landed, also when its answer was lost (resolved by reading),
 * and retried `attempts` times when the store throws (the read resolves a write that landed).
 */
export const transitionSure = async (store: DeliveryStore, key: LedgerKey, condition: LedgerCondition, patch: LedgerPatch, attempts = 3): Promise<boolean> => {
  for (let attempt = 1; ; attempt++) {
    try {
      if (await store.transition(key, condition, patch)) return true;
      return holdsPatch(await store.getLedger(key), patch, condition.owner);
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
};
