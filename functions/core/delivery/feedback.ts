// feedback: SES events (through the configuration set's EventBridge destination) back into the
// engine. A permanent bounce or a complaint suppresses the customer; "Send" proves a mail left,
// which turns an `uncertain` ledger entry into `sent`; outcomes count on the occurrence.
import * as z from 'zod';
import type { DeliveryStore } from '#core/delivery-store';
import type { Suppression } from '#core/profile';
import type { CustomerStore } from '#core/store';
import { decodeLedgerTag } from './send';
import { describeIssues } from './messages';
import type { Tally } from './outcomes';

export const SesEventDetail = z.object({
  eventType: z.string(),
  mail: z.object({
    messageId: z.string(),
    timestamp: z.string().optional(),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
  bounce: z.object({ bounceType: z.string() }).optional(),
});
export type SesEventDetail = z.infer<typeof SesEventDetail>;

/** Marks a customer suppressed, once per event id (A's CustomerStore.applyAtomically behind it). */
export interface SuppressionWriter {
  suppress(customerId: string, suppression: Suppression, eventId: string): Promise<void>;
}

export interface FeedbackDeps {
  store: DeliveryStore;
  suppressions: SuppressionWriter;
}

export type FeedbackResult = { handled: false; reason: string } | { handled: true; customerId: string; occurrenceId: string; tally: Tally; suppressed: boolean };

export const handleSesEvent = async (deps: FeedbackDeps, eventId: string, detail: unknown, at: Date): Promise<FeedbackResult> => {
  const parsed = SesEventDetail.safeParse(detail);
  if (!parsed.success) return { handled: false, reason: `detail.${describeIssues(parsed.error)}` };
  const { eventType, mail, bounce } = parsed.data;
  const key = mail.tags.ledger?.[0] ? decodeLedgerTag(mail.tags.ledger[0]) : undefined;
  // Mails without our ledger tag (other senders on the account) are not ours to judge.
  if (!key) return { handled: false, reason: 'no ledger tag' };
  const tally: Tally = {};
  let suppressed = false;
  const atIso = at.toISOString();
  if (eventType === 'Send') {
    await deps.store.transition(key, { states: ['sending', 'uncertain'] }, { state: 'sent', messageId: mail.messageId, atMs: at.getTime() });
  } else if (eventType === 'Delivery') {
    tally.delivered = 1;
  } else if (eventType === 'Bounce') {
    tally.bounced = 1;
    if (bounce?.bounceType === 'Permanent') {
      await deps.suppressions.suppress(key.customerId, { reason: 'bounce', at: atIso }, eventId);
      suppressed = true;
    }
  } else if (eventType === 'Complaint') {
    tally.complained = 1;
    await deps.suppressions.suppress(key.customerId, { reason: 'complaint', at: atIso }, eventId);
    suppressed = true;
  }
  if (Object.keys(tally).length) await deps.store.addStats(key.occurrenceId, tally);
  return { handled: true, customerId: key.customerId, occurrenceId: key.occurrenceId, tally, suppressed };
};

/** SuppressionWriter over A's CustomerStore: idempotent per SES event id, keeps an existing suppression. */
export const suppressionsFrom = (store: Pick<CustomerStore, 'applyAtomically'>): SuppressionWriter => ({
  async suppress(customerId, suppression, eventId) {
    const outcome = await store.applyAtomically(customerId, `ses-${eventId}`, (current) =>
      current && !current.suppression ? { profile: { ...current, suppression }, ownEvents: [] } : undefined,
    );
    // A suppression is never dropped quietly: a refused write fails the feedback record (retried, then its DLQ).
    if (outcome.status === 'rejected') throw new Error(`suppression of customer ${customerId} not stored: ${outcome.reason}`);
  },
});
