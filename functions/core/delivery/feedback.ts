// feedback: SES events (configuration set -> default bus -> feedback queue) back into the engine.
// The policy (README "Feedback policy"):
// - a permanent bounce suppresses the customer; so does a "Transient" bounce whose diagnostic or
//   status is a 5.x.x permanent failure (mailbox providers answer 550 5.1.1 behind a 4xx
//   greylisting layer, and SES then labels it Transient);
// - transient bounces suppress after `softBounceLimit` (5) in a row; a delivery resets the run;
// - a complaint suppresses and unsubscribes from all marketing (consent.ts changePreferences,
//   the same change as the customer's own "unsubscribe from all");
// - "Send" proves a mail left: an `uncertain`/`sending` ledger entry becomes `sent`. The entry is
//   read first, so the usual case (send already recorded `sent`) writes nothing;
// - every event is handled once per (SES message id, event type, recipient): the effects are
//   idempotent on their own (suppression per key, the run's remembered keys), and a feedback
//   marker, written after them, guards the counts, so a redelivery counts nothing twice.
// Counts are returned as values and added per batch (addFeedbackCounts), not per mail.
import * as z from 'zod';
import type { DeliveryStore } from '#core/delivery-store';
import type { Profile, Suppression } from '#core/profile';
import type { CustomerEventRecord, CustomerStore } from '#core/store';
import type { OwnEvent } from '#core/ingest';
import { changePreferences } from '#core/consent';
import { decodeLedgerTag } from './compose';
import { describeIssues } from './messages';
import { mergeTally, type Tally } from './outcomes';

const Recipient = z.object({ emailAddress: z.string().optional(), status: z.string().optional(), diagnosticCode: z.string().optional() });

export const SesEventDetail = z.object({
  eventType: z.string(),
  mail: z.object({
    messageId: z.string(),
    timestamp: z.string().optional(),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
  bounce: z.object({ bounceType: z.string(), bounceSubType: z.string().optional(), bouncedRecipients: z.array(Recipient).default([]) }).optional(),
  complaint: z.object({ complaintFeedbackType: z.string().optional() }).optional(),
});
export type SesEventDetail = z.infer<typeof SesEventDetail>;

/** An EventBridge envelope as the feedback queue carries it (the rule's SQS target sends the event). */
export const SesEnvelope = z.object({ id: z.string().min(1), time: z.string().optional(), detail: z.unknown() });

export interface FeedbackPolicy {
  /** Transient bounces in a row that suppress (a delivery resets the run). */
  softBounceLimit: number;
}
export const DEFAULT_FEEDBACK_POLICY: FeedbackPolicy = { softBounceLimit: 5 };

/**
 * Records per feedback invocation: the queue's event source gathers up to this many within its
 * batching window (infra), so a busy campaign costs one invocation per 100 SES events.
 */
export const FEEDBACK_BATCH_SIZE = 100;

/** How long a feedback marker is kept: SES publishes an event within hours; SQS keeps it 14 days. */
export const FEEDBACK_MARKER_TTL_DAYS = 30;

/** Counts the circuit breaker judges (reputation.ts): mails with a final outcome, bounces, complaints. */
export interface ReputationCounts {
  sends: number;
  bounces: number;
  complaints: number;
}

/** The feedback items beside the ledger (adapters/dynamo-feedback-store.ts, memory-feedback-store.ts). */
export interface FeedbackStore {
  /** Records an event key once (TTL FEEDBACK_MARKER_TTL_DAYS); false when it was recorded before. */
  markFeedback(key: string, atMs: number): Promise<boolean>;
  /** Soft-bounce runs of these customers; customers without a run are absent. One batched read. */
  softBounceRuns(customerIds: readonly string[]): Promise<Map<string, number>>;
  /** Adds one transient bounce to the run, once per key; answers the run's length. */
  addSoftBounce(customerId: string, key: string, atMs: number): Promise<number>;
  clearSoftBounceRun(customerId: string): Promise<void>;
  /** Adds counts to one shard of an hour bucket (`YYYY-MM-DDTHH`): a hot counter spread over shards. */
  addReputation(bucket: string, shard: number, counts: ReputationCounts): Promise<void>;
  /** Per bucket, the counts summed over its shards (missing buckets count zero), in the order asked. */
  readReputation(buckets: readonly string[], shards: number): Promise<ReputationCounts[]>;
}

/** Marks a customer suppressed, once per key; a complaint also withdraws marketing consent. */
export interface SuppressionWriter {
  suppress(customerId: string, suppression: Suppression, key: string): Promise<void>;
}

export interface FeedbackDeps {
  store: Pick<DeliveryStore, 'getLedger' | 'transition' | 'addStats'>;
  suppressions: SuppressionWriter;
  feedback: FeedbackStore;
  policy?: FeedbackPolicy;
}

export type BounceClass = 'permanent' | 'transient';

/** A 5.x.x enhanced status code (RFC 3463): a permanent failure, whatever SES calls the bounce. */
const PERMANENT_STATUS = /(^|[^\d.])5\.\d{1,3}\.\d{1,3}(?![\d.])/;

export const classifyBounce = (bounce: NonNullable<SesEventDetail['bounce']>): BounceClass => {
  if (bounce.bounceType === 'Permanent') return 'permanent';
  const permanent = bounce.bouncedRecipients.some((r) => PERMANENT_STATUS.test(r.status ?? '') || PERMANENT_STATUS.test(r.diagnosticCode ?? ''));
  return permanent ? 'permanent' : 'transient';
};

export type FeedbackResult =
  | { handled: false; reason: string }
  | {
      handled: true;
      key: string;
      customerId: string;
      occurrenceId: string;
      /** Stats to add to the occurrence (empty when the event was counted before). */
      tally: Tally;
      reputation: ReputationCounts;
      suppressed: boolean;
      softBounceRun?: number;
      /** True when this exact event was handled before (a redelivery). */
      duplicate: boolean;
    };

const ZERO: ReputationCounts = { sends: 0, bounces: 0, complaints: 0 };

/** The idempotency key of one SES event: (message id, event type, recipient). */
export const feedbackKey = (messageId: string, eventType: string, customerId: string): string => `${messageId}#${eventType}#${customerId}`;

/**
 * Applies one SES event's effects (suppression, the soft-bounce run, the ledger) and answers the
 * counts it adds. Throws on store errors (the record is retried, then dead-lettered).
 */
export const handleSesEvent = async (deps: FeedbackDeps, detail: unknown, at: Date, runs?: Map<string, number>): Promise<FeedbackResult> => {
  const parsed = SesEventDetail.safeParse(detail);
  if (!parsed.success) return { handled: false, reason: `detail.${describeIssues(parsed.error)}` };
  const { eventType, mail, bounce } = parsed.data;
  const ledger = mail.tags.ledger?.[0] ? decodeLedgerTag(mail.tags.ledger[0]) : undefined;
  // Mails without our ledger tag (other senders on the account) are not ours to judge.
  if (!ledger) return { handled: false, reason: 'no ledger tag' };
  const policy = deps.policy ?? DEFAULT_FEEDBACK_POLICY;
  const { customerId, occurrenceId } = ledger;
  const key = feedbackKey(mail.messageId, eventType, customerId);
  const atIso = at.toISOString();
  const atMs = at.getTime();
  const tally: Tally = {};
  let reputation = ZERO;
  let suppressed = false;
  let softBounceRun: number | undefined;
  let counted = true;

  if (eventType === 'Send') {
    // Read before writing: send normally recorded `sent` already, and a refused conditional write
    // is billed like a write. Only a `sending`/`uncertain` entry (a sender died) is settled.
    const entry = await deps.store.getLedger(ledger);
    if (entry && (entry.state === 'sending' || entry.state === 'uncertain')) {
      await deps.store.transition(ledger, { states: ['sending', 'uncertain'] }, { state: 'sent', messageId: mail.messageId, atMs });
    }
    return { handled: true, key, customerId, occurrenceId, tally, reputation, suppressed, duplicate: false };
  }
  if (eventType === 'Delivery') {
    const run = runs ? (runs.get(customerId) ?? 0) : ((await deps.feedback.softBounceRuns([customerId])).get(customerId) ?? 0);
    if (run > 0) await deps.feedback.clearSoftBounceRun(customerId);
    tally.delivered = 1;
    reputation = { sends: 1, bounces: 0, complaints: 0 };
  } else if (eventType === 'Bounce' && bounce) {
    tally.bounced = 1;
    reputation = { sends: 1, bounces: 1, complaints: 0 };
    if (classifyBounce(bounce) === 'permanent') {
      await deps.suppressions.suppress(customerId, { reason: 'bounce', at: atIso }, key);
      suppressed = true;
    } else {
      softBounceRun = await deps.feedback.addSoftBounce(customerId, key, atMs);
      if (softBounceRun >= policy.softBounceLimit) {
        await deps.suppressions.suppress(customerId, { reason: 'bounce', at: atIso }, key);
        suppressed = true;
      }
    }
  } else if (eventType === 'Complaint') {
    tally.complained = 1;
    reputation = { sends: 0, bounces: 0, complaints: 1 };
    await deps.suppressions.suppress(customerId, { reason: 'complaint', at: atIso }, key);
    suppressed = true;
  } else if (eventType === 'Reject') {
    tally.failed = 1;
  } else {
    // DeliveryDelay, Open, Click, Rendering Failure, Subscription: nothing to act on or count.
    counted = false;
  }
  // The marker comes after the effects (each idempotent itself): a crash in between redoes the
  // effects and counts once; a redelivery after the marker counts nothing.
  const fresh = counted ? await deps.feedback.markFeedback(key, atMs) : false;
  const result = { handled: true as const, key, customerId, occurrenceId, suppressed, duplicate: counted && !fresh, ...(softBounceRun !== undefined ? { softBounceRun } : {}) };
  return fresh ? { ...result, tally, reputation } : { ...result, tally: {}, reputation: ZERO };
};

/** Counts of a batch: stats per occurrence and the reputation sum. */
export interface FeedbackCounts {
  stats: Map<string, Tally>;
  reputation: ReputationCounts;
}

export const collectCounts = (results: readonly FeedbackResult[]): FeedbackCounts => {
  const stats = new Map<string, Tally>();
  const reputation = { ...ZERO };
  for (const r of results) {
    if (!r.handled) continue;
    if (Object.keys(r.tally).length) stats.set(r.occurrenceId, mergeTally(stats.get(r.occurrenceId) ?? {}, r.tally));
    reputation.sends += r.reputation.sends;
    reputation.bounces += r.reputation.bounces;
    reputation.complaints += r.reputation.complaints;
  }
  return { stats, reputation };
};

/** The hour bucket reputation counts go to. */
export const reputationBucket = (at: Date): string => at.toISOString().slice(0, 13);

/**
 * Adds a batch's counts: one stats write per occurrence in the batch and one reputation write to a
 * shard (`shard` picks it: the caller passes a random one), instead of a write per mail.
 */
export const addFeedbackCounts = async (deps: Pick<FeedbackDeps, 'store' | 'feedback'>, counts: FeedbackCounts, at: Date, shard: number): Promise<void> => {
  await Promise.all([...counts.stats].map(([occurrenceId, tally]) => deps.store.addStats(occurrenceId, tally)));
  const { sends, bounces, complaints } = counts.reputation;
  if (sends + bounces + complaints > 0) await deps.feedback.addReputation(reputationBucket(at), shard, counts.reputation);
};

/** The Delivery recipients of a batch, for one batched read of their soft-bounce runs. */
export const deliveryRecipients = (details: readonly unknown[]): string[] => {
  const ids = new Set<string>();
  for (const detail of details) {
    const parsed = SesEventDetail.safeParse(detail);
    if (!parsed.success || parsed.data.eventType !== 'Delivery') continue;
    const tag = parsed.data.mail.tags.ledger?.[0];
    const key = tag ? decodeLedgerTag(tag) : undefined;
    if (key) ids.add(key.customerId);
  }
  return [...ids];
};

/** The profile change of a suppression: a complaint also unsubscribes from all marketing. */
export const suppressProfile = (current: Profile, suppression: Suppression, key: string): { profile: Profile; ownEvents: OwnEvent[] } | undefined => {
  let profile = current;
  const ownEvents: OwnEvent[] = [];
  // A complaint outranks an earlier bounce (it is the stronger signal, and erase keeps it).
  if (!profile.suppression || (suppression.reason === 'complaint' && profile.suppression.reason !== 'complaint')) profile = { ...profile, suppression, updatedAt: suppression.at };
  if (suppression.reason === 'complaint') {
    const change = changePreferences(profile, { kind: 'all' }, new Date(suppression.at), 'complaint', `ses:${key}`);
    if (change) {
      profile = change.profile;
      ownEvents.push(...change.ownEvents);
    }
  }
  return profile === current ? undefined : { profile, ownEvents };
};

/** SuppressionWriter over the CustomerStore: idempotent per key; own events go to the history. */
export const suppressionsFrom = (store: Pick<CustomerStore, 'applyAtomically' | 'appendEvents'>): SuppressionWriter => ({
  async suppress(customerId, suppression, key) {
    const outcome = await store.applyAtomically(customerId, `ses:${key}`, (current) => (current ? suppressProfile(current, suppression, key) : undefined));
    // A suppression is never dropped quietly: a refused write fails the feedback record (retried, then its DLQ).
    if (outcome.status === 'rejected') throw new Error(`suppression of customer ${customerId} not stored: ${outcome.reason}`);
    const own = outcome.status === 'applied' || outcome.status === 'duplicate' ? outcome.ownEvents : [];
    if (own.length) {
      const records: CustomerEventRecord[] = own.map((e) => ({ eventId: e.id, origin: 'own', type: e.type, at: e.at, detail: e }));
      await store.appendEvents(customerId, records);
    }
  },
});
