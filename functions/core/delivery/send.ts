// send (one message = up to 100 recipients of one occurrence): per recipient the send-time
// gates, the frequency cap, the ledger claim, rendering, pacing and SES, then the ledger records
// the result. Exactly once per (occurrence, recipient): see ledger.ts for the state machine and
// why a crash mid-SES-call yields `uncertain`, never a second mail.
import type { Clock } from '#core/clock';
import { readOccurrenceCampaign, type DeliveryStore, type LedgerKey, type PublishedCampaign } from '#core/delivery-store';
import type { Profile } from '#core/profile';
import type { MailRenderer, Mailer, OutgoingMail, ProfileReader, SendQueue, UnsubscribeLinks } from './ports';
import type { SendWork } from './messages';
import type { RateLimiter } from './pacing';
import type { Pool } from './pool';
import type { CapSlots } from './frequency-cap';
import { backoffMs } from './pacing';
import { gateRecipient, type CapClass } from './gates';
import { chooseCapSlot } from './frequency-cap';
import { judgeExisting, LEDGER_RETENTION_MS } from './ledger';
import { addOutcome, type Outcome, type Tally } from './outcomes';

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
}

export const DEFAULT_SEND_CONFIG: Omit<SendConfig, 'from'> = {
  frequencyCap: 3,
  capWindowMs: 7 * 24 * 3600 * 1000,
  leaseMs: 5 * 60_000,
  throttleRetries: 4,
  throttleBaseMs: 100,
  throttleMaxMs: 2_000,
  maxHops: 20,
  campaignCacheMs: 60_000,
};

export interface SendDeps {
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
}

export interface SendWorkResult {
  tally: Tally;
  /** The occurrence was found paused or SES paused sending: the work was parked. */
  paused?: string;
  /** Recipients re-queued (throttled or claimed by a live sender). */
  requeued: number;
}

interface RecipientResult {
  outcome: Outcome;
  /** Re-queue this recipient after this many ms. */
  retryAfterMs?: number;
  /** SES said the account cannot send. */
  pausedReason?: string;
}

/** The SES tag value alphabet is [A-Za-z0-9_-]: base64url carries the ledger key losslessly. */
export const encodeLedgerTag = (key: LedgerKey): string => Buffer.from(JSON.stringify([key.occurrenceId, key.customerId])).toString('base64url');
export const decodeLedgerTag = (value: string): LedgerKey | undefined => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { occurrenceId: parsed[0], customerId: parsed[1] };
    }
  } catch {
    // not one of ours
  }
  return undefined;
};
const tagSafe = (value: string): string => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);

export const createSender = (deps: SendDeps) => {
  const campaigns = new Map<string, { published: PublishedCampaign; loadedAtMs: number }>();
  const nowMs = () => deps.clock.now().getTime();
  const { config, store } = deps;

  const campaignFor = async (campaignId: string, version: number | undefined): Promise<PublishedCampaign> => {
    const cacheKey = `${campaignId}@${version ?? 'current'}`;
    const cached = campaigns.get(cacheKey);
    if (cached && nowMs() - cached.loadedAtMs < config.campaignCacheMs) return cached.published;
    const published = await readOccurrenceCampaign(store, campaignId, version);
    if (!published) throw new Error(`campaign "${campaignId}"${version === undefined ? '' : ` version ${version}`} is not published`);
    campaigns.set(cacheKey, { published, loadedAtMs: nowMs() });
    return published;
  };

  const buildMail = (published: PublishedCampaign, profile: Profile, key: LedgerKey, capClass: CapClass): OutgoingMail => {
    const { campaign } = published;
    const headers: OutgoingMail['headers'] = [];
    let unsubscribeUrl = '';
    if (capClass === 'marketing') {
      unsubscribeUrl = deps.links.url({ customerId: profile.customerId, topic: campaign.topic, campaignId: campaign.id });
      headers.push({ name: 'List-Unsubscribe', value: `<${unsubscribeUrl}>` }, { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
    }
    const rendered = deps.renderer.render({ published, profile, occurrenceId: key.occurrenceId, at: deps.clock.now(), unsubscribeUrl });
    return {
      from: config.from,
      to: profile.email,
      ...(config.replyTo?.length ? { replyTo: config.replyTo } : {}),
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers,
      ...(config.configurationSet ? { configurationSet: config.configurationSet } : {}),
      tags: [
        { name: 'campaign', value: tagSafe(campaign.id) },
        { name: 'occurrence', value: tagSafe(key.occurrenceId) },
        { name: 'ledger', value: encodeLedgerTag(key) },
      ],
    };
  };

  /** Takes (or reuses) a cap slot; false when the customer is at the cap. */
  const takeSlot = async (customerId: string, occurrenceId: string, slots: CapSlots): Promise<boolean> => {
    let current = slots;
    for (let attempt = 0; attempt < 5; attempt++) {
      const choice = chooseCapSlot(current, config.frequencyCap, nowMs(), config.capWindowMs, occurrenceId);
      if (choice.kind === 'already') return true;
      if (choice.kind === 'full') return false;
      if (await store.takeCapSlot(customerId, choice.index, choice.expected, choice.value)) return true;
      current = (await store.getCapSlots([customerId])).get(customerId) ?? [];
    }
    throw new Error(`frequency cap slots of customer ${customerId} kept changing; retry later`);
  };

  const sendOne = async (
    published: PublishedCampaign,
    key: LedgerKey,
    profile: Profile | undefined,
    slots: CapSlots,
    owner: string,
    isPaused: () => string | undefined,
  ): Promise<RecipientResult> => {
    if (!profile) return { outcome: 'missing' };
    const { campaign } = published;
    const capClass: CapClass = campaign.capClass;
    const verdict = gateRecipient(profile, { topic: campaign.topic, capClass });
    if (verdict !== 'ok') return { outcome: verdict };
    if (capClass === 'marketing') {
      const read = chooseCapSlot(slots, config.frequencyCap, nowMs(), config.capWindowMs, key.occurrenceId);
      if (read.kind === 'full') return { outcome: 'capped' };
    }

    const claim = await store.claim(key, owner, nowMs(), config.leaseMs);
    if (!claim.claimed) {
      const judged = judgeExisting(claim.existing, nowMs());
      if (judged.kind === 'done') return { outcome: 'alreadySent' };
      if (judged.kind === 'busy') return { outcome: 'inProgress', retryAfterMs: judged.retryAfterMs };
      if (judged.kind === 'staleSending') {
        // Its sender died between handing the mail to SES and recording the answer.
        const resolved = await store.transition(key, { states: ['sending'], leaseEndedBeforeMs: nowMs() }, { state: 'uncertain', reason: 'sender died during the SES call', atMs: nowMs() });
        return resolved ? { outcome: 'uncertain' } : { outcome: 'inProgress', retryAfterMs: 1000 };
      }
      return { outcome: 'inProgress', retryAfterMs: 1000 };
    }
    const mine = { states: ['claimed'] as const, owner };

    if (capClass === 'marketing' && !(await takeSlot(key.customerId, key.occurrenceId, slots))) {
      await store.transition(key, mine, { state: 'skipped', reason: 'capped', atMs: nowMs() });
      return { outcome: 'capped' };
    }

    let mail: OutgoingMail;
    try {
      mail = buildMail(published, profile, key, capClass);
    } catch (error) {
      await store.transition(key, mine, { state: 'failed', reason: `render: ${(error as Error).message}`.slice(0, 500), atMs: nowMs() });
      return { outcome: 'failed' };
    }

    for (let attempt = 0; ; attempt++) {
      const paused = isPaused();
      if (paused) {
        await store.transition(key, mine, { state: 'claimed', leaseUntilMs: 0, atMs: nowMs() });
        return { outcome: 'held', pausedReason: paused };
      }
      const sending = await store.transition(key, mine, { state: 'sending', leaseUntilMs: nowMs() + config.leaseMs, atMs: nowMs() });
      // Our lease ran out while we waited and another sender took the recipient over.
      if (!sending) return { outcome: 'inProgress' };
      // The token is taken right before the call, so the pacing is what SES sees.
      await deps.limiter.acquire();
      const result = await deps.mailer.send(mail);
      const atMs = nowMs();
      const sendingMine = { states: ['sending'] as const, owner };
      if (result.ok) {
        const recorded = await store.transition(key, sendingMine, { state: 'sent', messageId: result.messageId, atMs });
        // Someone judged our slow call stale and wrote `uncertain`; we know better.
        if (!recorded) await store.transition(key, { states: ['uncertain'] }, { state: 'sent', messageId: result.messageId, atMs });
        return { outcome: 'sent' };
      }
      if (result.kind === 'rejected') {
        await store.transition(key, sendingMine, { state: 'failed', reason: result.reason.slice(0, 500), atMs });
        return { outcome: 'failed' };
      }
      if (result.kind === 'ambiguous') {
        await store.transition(key, sendingMine, { state: 'uncertain', reason: result.reason.slice(0, 500), atMs });
        return { outcome: 'uncertain' };
      }
      if (result.kind === 'paused') {
        await store.transition(key, sendingMine, { state: 'claimed', leaseUntilMs: 0, atMs });
        return { outcome: 'held', pausedReason: result.reason };
      }
      // throttled: SES did not take it. Keep the claim, back off, try again; then re-queue.
      const last = attempt >= config.throttleRetries;
      await store.transition(key, sendingMine, { state: 'claimed', leaseUntilMs: last ? 0 : atMs + config.leaseMs, atMs });
      const wait = backoffMs(attempt, config.throttleBaseMs, config.throttleMaxMs, deps.random);
      if (last) return { outcome: 'retried', retryAfterMs: Math.max(1000, wait) };
      await deps.sleep(wait);
    }
  };

  /** Processes one send message. Throws only when the message should go back to SQS. */
  return async (work: SendWork, messageKey: string): Promise<SendWorkResult> => {
    const tally: Tally = {};
    const occurrence = await store.getOccurrence(work.occurrenceId);
    const published = await campaignFor(work.campaignId, occurrence?.campaignVersion);
    const ids = [...new Set(work.customerIds)];
    if (occurrence?.state === 'paused') {
      await store.holdWork({ ...work, customerIds: ids }, messageKey);
      addOutcome(tally, 'held', ids.length);
      await store.addStats(work.occurrenceId, tally);
      return { tally, paused: occurrence.pausedReason ?? 'paused', requeued: 0 };
    }
    const [profiles, capSlots] = await Promise.all([
      deps.profiles.getProfiles(ids),
      published.campaign.capClass === 'marketing' ? store.getCapSlots(ids) : Promise.resolve(new Map<string, CapSlots>()),
    ]);
    const owner = deps.newOwner();
    let pausedReason: string | undefined;
    const results = await Promise.all(
      ids.map((customerId) =>
        deps.pool.run(async (): Promise<RecipientResult & { customerId: string }> => {
          if (pausedReason) return { customerId, outcome: 'held' };
          const result = await sendOne(published, { occurrenceId: work.occurrenceId, customerId }, profiles.get(customerId), capSlots.get(customerId) ?? [], owner, () => pausedReason);
          if (result.pausedReason) pausedReason ??= result.pausedReason;
          return { customerId, ...result };
        }),
      ),
    );

    const held: string[] = [];
    const retry: { customerId: string; afterMs: number }[] = [];
    for (const result of results) {
      addOutcome(tally, result.outcome);
      if (result.outcome === 'held') held.push(result.customerId);
      else if (result.retryAfterMs !== undefined) retry.push({ customerId: result.customerId, afterMs: result.retryAfterMs });
    }
    if (pausedReason) {
      await store.pauseOccurrence(work.occurrenceId, pausedReason);
      await store.holdWork({ ...work, customerIds: held }, messageKey);
    }
    if (retry.length > 0 && work.hop < config.maxHops) {
      const delaySeconds = Math.min(900, Math.ceil(Math.max(...retry.map((r) => r.afterMs)) / 1000));
      await deps.sendQueue.sendBatch([{ body: { ...work, customerIds: retry.map((r) => r.customerId), hop: work.hop + 1 }, delaySeconds }]);
    }
    await store.addStats(work.occurrenceId, tally);
    if (retry.length > 0 && work.hop >= config.maxHops) {
      // SQS redelivers the message and finally moves it to the DLQ: nothing is silently dropped.
      throw new Error(`occurrence ${work.occurrenceId}: ${retry.length} recipients still throttled or claimed after ${work.hop} hops`);
    }
    return { tally, requeued: retry.length, ...(pausedReason ? { paused: pausedReason } : {}) };
  };
};

export type Sender = ReturnType<typeof createSender>;

/** Marketer's resume: the occurrence runs again and its parked work goes back to the send queue. */
export const resumeOccurrence = async (deps: { store: DeliveryStore; sendQueue: SendQueue }, occurrenceId: string): Promise<number> => {
  await deps.store.setOccurrenceState(occurrenceId, ['paused'], 'running');
  let resumed = 0;
  for (const { key, work } of await deps.store.listHeldWork(occurrenceId)) {
    // Queue first, then remove: a crash in between re-queues work the ledger deduplicates.
    await deps.sendQueue.sendBatch([{ body: { ...work, hop: 0 } }]);
    await deps.store.removeHeldWork(occurrenceId, key);
    resumed += work.customerIds.length;
  }
  return resumed;
};

export { LEDGER_RETENTION_MS };
