// send (one message = up to 100 recipients of one occurrence). Read top to bottom:
//   1. load: the campaign (cached), the occurrence (paused? park the work), profiles and cap slots;
//   2. each recipient through recipient.ts (gate, render, cap slot, turn, claim, SES, record),
//      every one settled on its own: one recipient's error never fails the others;
//   3. sort the outcomes: park what a pause held, hand back what the deadline left unstarted,
//      re-queue what was throttled, busy or errored, and add the tally once.
// Exactly once per (occurrence, recipient): see ledger.ts for the state machine and
// ledger-writes.ts for how a lost write response is resolved.
import type { Clock } from '#core/clock';
import { readOccurrenceCampaign, recipientDeliveryId, type CampaignHold, type DeliveryStore, type PauseCause, type PublishedCampaign } from '#core/delivery-store';
import type { AccountStatusReader, Deadline, MailRenderer, Mailer, OfferStep, ProfileReader, SendQueue, UnsubscribeLinks } from './ports';
import type { SendWork } from './messages';
import type { RateLimiter } from './pacing';
import type { Pool } from './pool';
import type { CapSlots } from './frequency-cap';
import { NO_DEADLINE } from './ports';
import { LEDGER_RETENTION_MS } from './ledger';
import { addOutcome, type Tally } from './outcomes';
import { sendRecipient, type MessageRun, type RecipientResult } from './recipient';
import { parkWork } from './resume';
import type { ShopDeliverySettings } from './local-time';
import { BREAKER_PAUSE_REASON, type BreakerGate } from './breaker';
import type { CouponSending } from './coupon-step';
import { addArmCounts, type ExperimentDeps } from './experiment';

export interface SendConfig {
  from: string;
  replyTo?: string[];
  configurationSet?: string;
  /** Marketing mails per customer per capWindowMs. */
  frequencyCap: number;
  capWindowMs: number;
  /** How long a claim is respected; must exceed the send function's timeout. */
  leaseMs: number;
  /** SES throttling answers retried in-process before the recipient is re-queued. */
  throttleRetries: number;
  throttleBaseMs: number;
  throttleMaxMs: number;
  /** Re-queue hops before a message is failed to its DLQ instead. */
  maxHops: number;
  /** How long campaign definitions are cached (a republish is seen after this). */
  campaignCacheMs: number;
  /**
   * No recipient is started with less time left in the invocation: covers one SES call (its
   * request timeout) plus recording the answer and handing back the rest.
   */
  deadlineMarginMs: number;
  /** Default zone and quiet hours for the quiet-hours gate; absent: only a campaign's own `quietHours` applies. */
  shop?: ShopDeliverySettings;
}

/** How long mail of a paused campaign without an occurrence record waits before it is checked again. */
export const HOLD_RECHECK_MS = 3_600_000;

export const DEFAULT_SEND_CONFIG: Omit<SendConfig, 'from'> = {
  frequencyCap: 3,
  capWindowMs: 7 * 24 * 3600 * 1000,
  leaseMs: 5 * 60_000,
  throttleRetries: 4,
  throttleBaseMs: 100,
  throttleMaxMs: 2_000,
  maxHops: 20,
  campaignCacheMs: 60_000,
  deadlineMarginMs: 10_000,
};

export interface SendDeps extends ExperimentDeps {
  store: DeliveryStore;
  profiles: ProfileReader;
  mailer: Mailer;
  renderer: MailRenderer;
  links: UnsubscribeLinks;
  limiter: RateLimiter;
  /** Bounds SES calls in flight across all messages of an invocation. */
  pool: Pool;
  sendQueue: SendQueue;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** A fresh unique id per processed message: the claim owner. */
  newOwner: () => string;
  config: SendConfig;
  /** SES GetAccount: tells a spent daily quota from rate throttling. */
  account?: AccountStatusReader;
  /** The reputation circuit breaker (cached per container); marketing work waits while it holds. */
  breaker?: BreakerGate;
  /** Step "offer" (referral link and reward); without it referral mails render without them. */
  offers?: OfferStep;
  /** Coupon issuance for campaigns with a coupon (core/delivery/coupon-step.ts); without it their mail fails. */
  coupons?: CouponSending;
}

export interface SendWorkResult {
  tally: Tally;
  /** The occurrence was found paused or SES paused sending: the work was parked. */
  paused?: string;
  /** Who paused it in this message ("pool": a coupon pool ran dry; absent: the account). */
  pauseCause?: PauseCause;
  /** Recipients re-queued (throttled, claimed by a live sender, or errored). */
  requeued: number;
  /** Recipients handed back unstarted because the invocation's time ran out. */
  deferred: number;
  /** Recipients whose mail failed for good or whose step threw, with the reason (no addresses). */
  failures: { customerId: string; reason: string }[];
}

/** The outcomes of a message's recipients, sorted by what happens to them next. */
interface Sorted {
  tally: Tally;
  held: string[];
  deferred: string[];
  retry: { customerId: string; afterMs: number }[];
  failures: { customerId: string; reason: string }[];
  pausedReason?: string;
  pauseCause?: PauseCause;
}

const ERROR_RETRY_MS = 5_000;

const sortOutcomes = (ids: readonly string[], settled: PromiseSettledResult<RecipientResult>[]): Sorted => {
  const sorted: Sorted = { tally: {}, held: [], deferred: [], retry: [], failures: [] };
  settled.forEach((s, i) => {
    const customerId = ids[i] as string;
    const result: RecipientResult = s.status === 'fulfilled' ? s.value : { outcome: 'errored', retryAfterMs: ERROR_RETRY_MS, failure: String((s.reason as Error)?.message ?? s.reason) };
    addOutcome(sorted.tally, result.outcome);
    if (result.failure) sorted.failures.push({ customerId, reason: result.failure.slice(0, 500) });
    if (result.pausedReason) sorted.pausedReason ??= result.pausedReason;
    // The recipient that found the reason names the cause; those held after it carry only the reason.
    if (result.pauseCause) sorted.pauseCause ??= result.pauseCause;
    if (result.outcome === 'held') sorted.held.push(customerId);
    else if (result.outcome === 'deferred') sorted.deferred.push(customerId);
    else if (result.retryAfterMs !== undefined) sorted.retry.push({ customerId, afterMs: result.retryAfterMs });
  });
  return sorted;
};

export const createSender = (deps: SendDeps) => {
  const campaigns = new Map<string, { published: PublishedCampaign; loadedAtMs: number }>();
  const nowMs = () => deps.clock.now().getTime();
  const { config, store } = deps;

  /** Campaign holds (paused/archived) from the catalog, read at most once per campaignCacheMs. */
  let holds: { atMs: number; byId: Map<string, CampaignHold | undefined> } | undefined;
  const holdOf = async (campaignId: string): Promise<CampaignHold | undefined> => {
    if (!holds || nowMs() - holds.atMs >= config.campaignCacheMs) {
      holds = { atMs: nowMs(), byId: new Map((await store.listCampaigns()).map((summary) => [summary.campaignId, summary.hold])) };
    }
    return holds.byId.get(campaignId);
  };

  const campaignFor = async (campaignId: string, version: number | undefined): Promise<PublishedCampaign> => {
    const cacheKey = `${campaignId}@${version ?? 'current'}`;
    const cached = campaigns.get(cacheKey);
    if (cached && nowMs() - cached.loadedAtMs < config.campaignCacheMs) return cached.published;
    const published = await readOccurrenceCampaign(store, campaignId, version);
    if (!published) throw new Error(`campaign "${campaignId}"${version === undefined ? '' : ` version ${version}`} is not published`);
    campaigns.set(cacheKey, { published, loadedAtMs: nowMs() });
    return published;
  };

  /**
   * Processes one send message within `deadline`. Throws only when the message should go back to
   * SQS (recipients still not done after maxHops, or a queue/store failure around the message).
   */
  return async (work: SendWork, messageKey: string, deadline: Deadline = NO_DEADLINE): Promise<SendWorkResult> => {
    // 1. load
    const occurrence = await store.getOccurrence(work.occurrenceId);
    const published = await campaignFor(work.campaignId, occurrence?.campaignVersion);
    const ids = [...new Set(work.customerIds)];
    if (occurrence?.state === 'paused') {
      const tally = addOutcome({}, 'held', ids.length);
      await parkWork(deps, { ...work, customerIds: ids }, messageKey);
      await store.addStats(work.occurrenceId, tally);
      return { tally, paused: occurrence.pausedReason ?? 'paused', requeued: 0, deferred: 0, failures: [] };
    }
    // A paused or archived campaign: its scheduled occurrences are paused with it (campaign-control.ts);
    // mail of occurrences without a record of their own (triggered follow-ups, confirmation mails)
    // is caught here. Paused: each recipient waits an hour as a due delivery and is checked again
    // (no marker per follow-up). Archived: the campaign is retired, its pending mail is dropped, counted.
    const hold = await holdOf(work.campaignId);
    if (hold && occurrence === undefined) {
      const tally: Tally = {};
      if (hold === 'archived') addOutcome(tally, 'cancelled', ids.length);
      else {
        const dueAt = new Date(nowMs() + HOLD_RECHECK_MS).toISOString();
        for (const customerId of ids) {
          await store.putDueDelivery({ deliveryId: recipientDeliveryId(work.occurrenceId, customerId), dueAt, occurrenceId: work.occurrenceId, campaignId: work.campaignId, customerId });
        }
        addOutcome(tally, 'held', ids.length);
      }
      await store.addStats(work.occurrenceId, tally);
      return { tally, paused: `campaign ${hold}`, requeued: 0, deferred: 0, failures: [] };
    }
    // The reputation circuit breaker holds marketing only; transactional mail keeps flowing.
    if (deps.breaker && published.campaign.capClass === 'marketing' && (await deps.breaker.holds(ids.length))) {
      await store.pauseOccurrence(work.occurrenceId, BREAKER_PAUSE_REASON, 'breaker', nowMs());
      const tally = addOutcome({}, 'held', ids.length);
      await parkWork(deps, { ...work, customerIds: ids }, messageKey);
      await store.addStats(work.occurrenceId, tally);
      return { tally, paused: BREAKER_PAUSE_REASON, requeued: 0, deferred: 0, failures: [] };
    }
    const [profiles, capSlots] = await Promise.all([
      deps.profiles.getProfiles(ids),
      published.campaign.capClass === 'marketing' ? store.getCapSlots(ids) : Promise.resolve(new Map<string, CapSlots>()),
    ]);

    // 2. every recipient, each settled on its own
    const run: MessageRun = { deps, published, occurrenceId: work.occurrenceId, owner: deps.newOwner(), deadline };
    const settled = await Promise.allSettled(
      ids.map((customerId) =>
        deps.pool.run(async (): Promise<RecipientResult> => {
          const result = await sendRecipient(run, customerId, profiles.get(customerId), capSlots.get(customerId) ?? []);
          if (result.pausedReason) run.pausedReason ??= result.pausedReason;
          return result;
        }),
      ),
    );

    // 3. what happens next to each
    const { tally, held, deferred, retry, failures, pausedReason, pauseCause } = sortOutcomes(ids, settled);
    if (pausedReason) {
      await store.pauseOccurrence(work.occurrenceId, pausedReason, pauseCause ?? 'account', nowMs());
      if (held.length > 0) await parkWork(deps, { ...work, customerIds: held }, messageKey);
    }
    // Unstarted for lack of time: a fresh message, the same hop (no receive count, no hop burnt).
    if (deferred.length > 0) await deps.sendQueue.sendBatch([{ body: { ...work, customerIds: deferred } }]);
    if (retry.length > 0 && work.hop < config.maxHops) {
      const delaySeconds = Math.min(900, Math.ceil(Math.max(...retry.map((r) => r.afterMs)) / 1000));
      await deps.sendQueue.sendBatch([{ body: { ...work, customerIds: retry.map((r) => r.customerId), hop: work.hop + 1 }, delaySeconds }]);
    }
    await store.addStats(work.occurrenceId, tally);
    // The A/B arms' counters, after the stats: a failure here is reported, never resends or recounts.
    await addArmCounts(deps, published, work.occurrenceId, settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))).catch((error: unknown) =>
      failures.push({ customerId: '-', reason: `arm counters not added: ${(error as Error).message}`.slice(0, 500) }),
    );
    if (retry.length > 0 && work.hop >= config.maxHops) {
      // SQS redelivers the message and finally moves it to the DLQ: nothing is silently dropped.
      throw new Error(`occurrence ${work.occurrenceId}: ${retry.length} recipients still throttled, claimed or failing after ${work.hop} hops`);
    }
    return { tally, requeued: retry.length, deferred: deferred.length, failures, ...(pausedReason ? { paused: pausedReason, ...(pauseCause ? { pauseCause } : {}) } : {}) };
  };
};

export type Sender = ReturnType<typeof createSender>;

export { encodeLedgerTag, decodeLedgerTag } from './compose';
export { pauseOccurrence, resumeOccurrence, resumePausedOccurrences } from './resume';
export { LEDGER_RETENTION_MS };
