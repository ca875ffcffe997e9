// The send ledger's state machine: one entry per (occurrence, recipient). Pure rules over an
// entry and `now`; the stores apply them as conditional writes (no transactions).
//
//   (none) --claim as sending (token in hand, time left)--> sending --SES accepted--> sent (final)
//                  sending --SES throttled/paused/quota--> claimed (released, lease 0)
//                  claimed (lease ended) --claim as sending (any sender)--> sending
//                  sending --SES rejected--> failed                                 (final)
//                  sending --ambiguous error, or lease expired--> uncertain         (final; never resent)
//                  uncertain/sending --SES "Send" event (feedback)--> sent
//   (none) --claim as holdout (an A/B test's holdout, core/experiments.ts)--> holdout (final; no mail)
//
// The send path claims straight into `sending`, right before its SES call, and only once it holds
// a rate token and the invocation has time left for the call and its recording (recipient.ts).
// So a crash or timeout before that point leaves no entry and the redelivery simply sends. A
// crash while `sending` may have happened after SES accepted the mail, and since SendEmail has no
// idempotency key the only rule that never sends twice is to never resend it. That window is one
// SES call long; its victims are counted as `uncertain`, and the feedback handler turns them into
// `sent` when SES reports the send. (`claim` as `claimed` remains for callers that reserve first.)
export type LedgerState = 'claimed' | 'sending' | 'sent' | 'failed' | 'uncertain' | 'holdout';

/** The states a claim writes: a reservation, a send about to happen, or a held-out recipient recorded. */
export type ClaimAs = 'claimed' | 'sending' | 'holdout';

export interface LedgerEntry {
  occurrenceId: string;
  customerId: string;
  state: LedgerState;
  /** Invocation-unique id of the sender holding the claim. */
  owner: string;
  /** Until when the owner's claim is respected (epoch ms). */
  leaseUntilMs: number;
  claimedAtMs: number;
  updatedAtMs: number;
  /** How often the entry was claimed (1 unless a sender died). */
  claims: number;
  messageId?: string;
  reason?: string;
}

export const FINAL_STATES: readonly LedgerState[] = ['sent', 'failed', 'uncertain', 'holdout'];

/** Ledger entries outlive every redelivery of their occurrence, then DynamoDB TTL removes them. */
export const LEDGER_RETENTION_MS = 35 * 24 * 3600 * 1000;

export type ExistingVerdict =
  | { kind: 'done' }
  | { kind: 'claimable' }
  | { kind: 'busy'; retryAfterMs: number }
  | { kind: 'staleSending' };

/** What a sender whose claim failed should do about the entry that beat it. */
export const judgeExisting = (entry: LedgerEntry, nowMs: number): ExistingVerdict => {
  if (FINAL_STATES.includes(entry.state)) return { kind: 'done' };
  const live = entry.leaseUntilMs >= nowMs;
  if (entry.state === 'claimed') return live ? { kind: 'busy', retryAfterMs: entry.leaseUntilMs - nowMs + 1 } : { kind: 'claimable' };
  // sending
  return live ? { kind: 'busy', retryAfterMs: entry.leaseUntilMs - nowMs + 1 } : { kind: 'staleSending' };
};
