// Per-recipient outcomes of the send path, as values (never exceptions), and their tally per
// occurrence. The stats counters in the store are named after these outcomes.
export const OUTCOMES = [
  'sent',
  'suppressed',
  'noConsent',
  'unsubscribed',
  'capped',
  'missing',
  'alreadySent',
  'inProgress',
  'failed',
  'uncertain',
  'held',
  'retried',
  'deferred',
  'errored',
  'quietHours',
  'cancelled',
  'holdout',
  // From SES feedback events (feedback.ts), counted on the same occurrence.
  'delivered',
  'bounced',
  'complained',
  // From the customer endpoint: a recipient unsubscribed through a campaign's link.
  'optedOut',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * What each outcome means for the marketer:
 * - sent: SES accepted the mail (ledger holds the SES message id).
 * - suppressed / noConsent / unsubscribed / capped: a send-time gate said no.
 * - missing: no profile for the customer id (deleted since the audience was built).
 * - alreadySent: the ledger shows this recipient finished for this occurrence (a redelivery).
 * - inProgress: another sender holds a live claim; the work is re-queued until its lease ends.
 * - failed: SES rejected the mail or rendering failed; permanent, with a reason.
 * - uncertain: a sender died (or the SES call failed ambiguously) after handing the mail to SES
 *   and before recording the answer. Never resent; feedback may later prove it `sent`.
 * - held: the occurrence is paused; the work is parked until it resumes.
 * - retried: throttled beyond the in-process retries; re-queued with a delay, counted once per hop.
 * - deferred: not started because the invocation's time ran out; handed back as a fresh message
 *   (no hop, no receive count), counted once per hand-back.
 * - errored: a store or network error before SES took the mail; re-queued like `retried`.
 * - quietHours: due inside the recipient's quiet hours; stored as a due delivery at the window's
 *   end (core/quiet-hours.ts), counted once per wait.
 * - optedOut: a recipient unsubscribed through the campaign's unsubscribe link; counted per
 *   campaign (the link names the campaign, not the occurrence) on `<campaignId>:unsubscribes`,
 *   which reaches the campaign's stats rollup (the report's funnel).
 * - cancelled: a triggered follow-up whose cause no longer holds at send time (its `when` fails,
 *   its order was refunded, or a newer order made a win-back obsolete; core/triggers.ts).
 * - holdout: in the A/B test's holdout (core/experiments.ts): no mail, recorded once in the ledger
 *   (state `holdout`) and counted once per occurrence; a redelivery finds it `alreadySent`.
 */
export type Tally = Partial<Record<Outcome, number>>;

export const addOutcome = (tally: Tally, outcome: Outcome, n = 1): Tally => {
  tally[outcome] = (tally[outcome] ?? 0) + n;
  return tally;
};

export const mergeTally = (into: Tally, from: Tally): Tally => {
  for (const [outcome, n] of Object.entries(from) as [Outcome, number][]) addOutcome(into, outcome, n);
  return into;
};

export const tallyTotal = (tally: Tally): number => Object.values(tally).reduce((a, b) => a + (b ?? 0), 0);
