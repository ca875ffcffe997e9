// One recipient of a send message, top to bottom: gate -> render -> cap slot -> turn (pause,
// deadline, rate token) -> claim -> SES -> record. Nothing is written to the ledger before the
// rate token is in hand and the invocation has time for one SES call and its recording, so a
// Lambda that times out never leaves a recipient in `sending` that SES did not see.
import { recipientDeliveryId, type LedgerKey, type PauseCause, type PublishedCampaign } from '#core/delivery-store';
import type { Profile } from '#core/profile';
import type { MailResult, OutgoingMail, Deadline } from './ports';
import type { SendDeps } from './send';
import type { Outcome } from './outcomes';
import { quotaExhausted } from './ports';
import { gateRecipient, type CapClass } from './gates';
import { chooseCapSlot, type CapSlots } from './frequency-cap';
import { composeMail, type ComposeDeps } from './compose';
import { judgeExisting, type LedgerEntry } from './ledger';
import { claimForSending, transitionSure } from './ledger-writes';
import { backoffMs } from './pacing';
import { quietEndFor } from './local-time';
import { stillHolds } from '#core/triggers';
import { issueRecipientCoupon } from './coupon-step';
import { HOLDOUT_ARM, type Arm } from '#core/experiments';
import { armOf, holdOut, recordSentMember } from './experiment';
import type { IssuedCoupon } from '#core/coupons';

export interface RecipientResult {
  outcome: Outcome;
  /** Re-queue this recipient after this many ms. */
  retryAfterMs?: number;
  /** SES said the account cannot send (paused, or the daily quota is spent). */
  pausedReason?: string;
  /** Why the mail failed for good (render error, SES rejection), for the log. */
  failure?: string;
  /** Who pauses the occurrence for pausedReason (default: the account; "pool": a coupon pool ran dry). */
  pauseCause?: PauseCause;
  /** The recipient's arm of the campaign's A/B test (core/experiments.ts), when it runs one. */
  arm?: Arm;
}

/** What the recipients of one send message share. */
export interface MessageRun {
  deps: SendDeps;
  published: PublishedCampaign;
  occurrenceId: string;
  /** Claim owner: unique per processed message. */
  owner: string;
  deadline: Deadline;
  /** Set by the first recipient SES refused for the account: the others are held, not sent. */
  pausedReason?: string;
  /** GetAccount asked once per message when throttling might be the daily quota. */
  quotaSpent?: Promise<boolean>;
  /** composeMail's deps, merged once per message (spreading them per recipient was 2 % of a replay). */
  compose?: ComposeDeps;
}

const nowMs = (run: MessageRun) => run.deps.clock.now().getTime();

/** Step "gate": profile exists, suppression, consent, topic, and a cap read without writing. */
const gate = (run: MessageRun, profile: Profile | undefined, slots: CapSlots): RecipientResult | undefined => {
  if (!profile) return { outcome: 'missing' };
  const { campaign } = run.published;
  const verdict = gateRecipient(profile, { topic: campaign.topic, capClass: campaign.capClass });
  if (verdict !== 'ok') return { outcome: verdict };
  // A triggered follow-up is re-checked on today's profile: `when`, refund, newer order.
  const cancelled = stillHolds(run.published, profile, run.occurrenceId, run.deps.clock.now());
  if (cancelled) return { outcome: 'cancelled' };
  const { config } = run.deps;
  if (campaign.capClass === 'marketing' && chooseCapSlot(slots, config.frequencyCap, nowMs(run), config.capWindowMs, run.occurrenceId).kind === 'full') {
    return { outcome: 'capped' };
  }
  return undefined;
};

/**
 * Step "quiet hours": marketing mail due inside the recipient's local quiet window (the
 * campaign's, else the shop's) waits for the window's end as a due delivery, which tick releases
 * into this same path. Transactional mail is exempt (the customer waits for it).
 */
const waitQuietHours = async (run: MessageRun, profile: Profile): Promise<RecipientResult | undefined> => {
  const { campaign } = run.published;
  // Without shop settings (a bare sender in a unit test) only a campaign's own window applies.
  const until = quietEndFor(campaign, profile, run.deps.clock.now(), run.deps.config.shop);
  if (!until) return undefined;
  await run.deps.store.putDueDelivery({
    deliveryId: recipientDeliveryId(run.occurrenceId, profile.customerId),
    dueAt: until.toISOString(),
    occurrenceId: run.occurrenceId,
    campaignId: campaign.id,
    customerId: profile.customerId,
  });
  return { outcome: 'quietHours' };
};

/**
 * Step "cap slot": takes (or reuses) a slot; false when the customer is at the cap. A slot write
 * whose answer was lost shows up on the re-read as a slot this occurrence already holds.
 */
const takeCapSlot = async (run: MessageRun, customerId: string, slots: CapSlots): Promise<boolean> => {
  const { config, store } = run.deps;
  let current = slots;
  for (let attempt = 0; attempt < 5; attempt++) {
    const choice = chooseCapSlot(current, config.frequencyCap, nowMs(run), config.capWindowMs, run.occurrenceId);
    if (choice.kind === 'already') return true;
    if (choice.kind === 'full') return false;
    if (await store.takeCapSlot(customerId, choice.index, choice.expected, choice.value)) return true;
    current = (await store.getCapSlots([customerId])).get(customerId) ?? [];
  }
  throw new Error(`frequency cap slots of customer ${customerId} kept changing; retry later`);
};

/** Step "turn": held when paused, deferred when time is short, else waits for a rate token. */
const waitTurn = async (run: MessageRun): Promise<RecipientResult | undefined> => {
  const { deps } = run;
  const late = () => run.deadline.remainingMs() < deps.config.deadlineMarginMs;
  if (run.pausedReason) return { outcome: 'held', pausedReason: run.pausedReason };
  if (late()) return { outcome: 'deferred' };
  await deps.limiter.acquire();
  // The wait for the token may have used up the time, or another recipient saw SES pause.
  if (run.pausedReason) return { outcome: 'held', pausedReason: run.pausedReason };
  if (late()) return { outcome: 'deferred' };
  return undefined;
};

/** Step "claim" lost: what the entry that beat us means for this recipient. */
const judgeLostClaim = async (run: MessageRun, key: LedgerKey, existing: LedgerEntry): Promise<RecipientResult> => {
  const now = nowMs(run);
  const judged = judgeExisting(existing, now);
  if (judged.kind === 'done') return { outcome: 'alreadySent' };
  if (judged.kind === 'busy') return { outcome: 'inProgress', retryAfterMs: judged.retryAfterMs };
  if (judged.kind === 'staleSending') {
    // Its sender died between handing the mail to SES and recording the answer.
    const resolved = await transitionSure(run.deps.store, key, { states: ['sending'], leaseEndedBeforeMs: now }, { state: 'uncertain', reason: 'sender died during the SES call', atMs: now });
    return resolved ? { outcome: 'uncertain' } : { outcome: 'inProgress', retryAfterMs: 1000 };
  }
  return { outcome: 'inProgress', retryAfterMs: 1000 };
};

/** Is a throttling answer really the spent daily quota? GetAccount decides, once per message. */
const quotaSpent = (run: MessageRun): Promise<boolean> => {
  const account = run.deps.account;
  if (!account) return Promise.resolve(false);
  run.quotaSpent ??= account.accountStatus().then(quotaExhausted, () => false);
  return run.quotaSpent;
};

type Recorded = RecipientResult | 'again';

/** Step "record": the SES answer into the ledger; `again` when throttled with retries left. */
const record = async (run: MessageRun, key: LedgerKey, result: MailResult, attempt: number): Promise<Recorded> => {
  const { store, config } = run.deps;
  const atMs = nowMs(run);
  const mine = { states: ['sending'] as const, owner: run.owner };
  if (result.ok) {
    const recorded = await transitionSure(store, key, mine, { state: 'sent', messageId: result.messageId, atMs });
    // Someone judged our slow call stale and wrote `uncertain`; we know better.
    if (!recorded) await transitionSure(store, key, { states: ['uncertain'] }, { state: 'sent', messageId: result.messageId, atMs });
    return { outcome: 'sent' };
  }
  if (result.kind === 'rejected') {
    await transitionSure(store, key, mine, { state: 'failed', reason: result.reason.slice(0, 500), atMs });
    return { outcome: 'failed', failure: result.reason };
  }
  if (result.kind === 'ambiguous') {
    await transitionSure(store, key, mine, { state: 'uncertain', reason: result.reason.slice(0, 500), atMs });
    return { outcome: 'uncertain' };
  }
  // SES did not take the mail: release the claim at once (lease 0) so nothing waits on it.
  await transitionSure(store, key, mine, { state: 'claimed', leaseUntilMs: 0, atMs });
  if (result.kind === 'paused' || result.kind === 'quota') return { outcome: 'held', pausedReason: result.reason };
  const last = attempt >= config.throttleRetries;
  if (!last) return 'again';
  if (await quotaSpent(run)) return { outcome: 'held', pausedReason: `DailyQuotaExceeded: the 24-hour sending quota is spent (${result.reason})` };
  return { outcome: 'retried', retryAfterMs: Math.max(1000, backoffMs(attempt, config.throttleBaseMs, config.throttleMaxMs, run.deps.random)) };
};

export const sendRecipient = async (run: MessageRun, customerId: string, profile: Profile | undefined, slots: CapSlots): Promise<RecipientResult> => {
  const { deps } = run;
  const key: LedgerKey = { occurrenceId: run.occurrenceId, customerId };
  const gated = gate(run, profile, slots);
  if (gated || !profile) return gated ?? { outcome: 'missing' };
  const quiet = await waitQuietHours(run, profile);
  if (quiet) return quiet;
  const capClass: CapClass = run.published.campaign.capClass;
  // A/B test: the holdout is recorded instead of mailed (and gets no coupon); a variant is rendered and tagged.
  const arm = armOf(run.published, customerId);
  if (arm === HOLDOUT_ARM) return { ...(await holdOut(deps, run.published, key, run.owner, nowMs(run))), arm };
  const { coupon, stop } = await issueRecipientCoupon(run, profile);
  if (stop) return arm === undefined ? stop : { ...stop, arm };
  const result = await sendMail(run, key, profile, slots, capClass, { coupon, arm });
  if (arm !== undefined && result.outcome === 'sent') {
    try {
      await recordSentMember(deps, run.published, key, arm, nowMs(run));
    } catch (error) {
      // The mail is out: a lost membership costs this member's conversion count, never the mail.
      return { ...result, arm, failure: `membership: ${(error as Error).message}`.slice(0, 500) };
    }
  }
  return arm === undefined ? result : { ...result, arm };
};

const sendMail = async (run: MessageRun, key: LedgerKey, profile: Profile, slots: CapSlots, capClass: CapClass, extras: { coupon: IssuedCoupon | undefined; arm: Arm | undefined }): Promise<RecipientResult> => {
  const { deps } = run;
  const { customerId } = key;
  // Step "offer": the referral link and reward (core/delivery/referral-offer.ts), before render.
  const offer = deps.offers ? await deps.offers(run.published, profile, run.occurrenceId, deps.clock.now()) : undefined;
  if (offer?.cancelled) return { outcome: 'cancelled' };
  let mail: OutgoingMail;
  try {
    mail = composeMail((run.compose ??= { ...deps, ...deps.config }), run.published, profile, key, capClass, { ...extras, offer });
  } catch (error) {
    return { outcome: 'failed', failure: `render: ${(error as Error).message}`.slice(0, 500) };
  }
  if (capClass === 'marketing' && !(await takeCapSlot(run, customerId, slots))) return { outcome: 'capped' };

  for (let attempt = 0; ; attempt++) {
    const notNow = await waitTurn(run);
    if (notNow) return notNow;
    const claim = await claimForSending(deps.store, key, run.owner, nowMs(run), deps.config.leaseMs);
    if (!claim.claimed) return judgeLostClaim(run, key, claim.existing);
    const recorded = await record(run, key, await deps.mailer.send(mail), attempt);
    if (recorded !== 'again') return recorded;
    await deps.sleep(backoffMs(attempt, deps.config.throttleBaseMs, deps.config.throttleMaxMs, deps.random));
  }
};
