// tick (every minute): creates due occurrences exactly once and fans their audience out as
// shards; releases due deliveries into the send queue. Idempotent: any number of concurrent or
// repeated ticks for the same minute create each occurrence once.
//
// Catch-up: a persisted watermark holds the instant up to which every due time has been handled.
// Each tick covers (watermark, scheduled time], so a late, retried or skipped tick loses nothing.
// Due times older than the catch-up limit are stored as `missed` with their reason instead of
// being sent a day late; at most `maxOccurrencesPerTick` are handled per tick, the rest next tick.
import type { CampaignSummary, DeliveryStore, DueDelivery } from '#core/delivery-store';
import type { AccountStatusReader, AudienceQueue, ProfileCounter, SendQueue } from './ports';
import { resumePausedOccurrences } from './resume';
import { dueTimes, occurrenceIdFor, type Occurrence } from './occurrence';
import { RECIPIENTS_PER_MESSAGE, chunk, type AudienceShard, type SendWorkInput } from './messages';
import { audienceShardsFor } from './audience';

export interface TickConfig {
  /** Audience shards per occurrence (DynamoDB parallel scan segments) when no profile counter is given. */
  totalSegments: number;
  /** A due time older than this when a tick first reaches it is recorded `missed`, not sent. */
  catchUpLimitMs: number;
  /** Bound on occurrences (created or missed) per tick; the rest continue on the next tick. */
  maxOccurrencesPerTick: number;
  /** An occurrence left in `created` this long lost its fan-out (crash): fan out again. */
  refanAfterMs: number;
}

export const DEFAULT_TICK_CONFIG: TickConfig = {
  totalSegments: 8,
  catchUpLimitMs: 24 * 60 * 60_000,
  maxOccurrencesPerTick: 100,
  refanAfterMs: 2 * 60_000,
};

/** The window of the very first tick (no watermark stored yet). */
const FIRST_TICK_WINDOW_MS = 60_000;

/** Most minute buckets of due deliveries one tick reads (a longer catch-up continues next tick). */
export const MAX_RELEASE_WINDOW_MS = 6 * 60 * 60_000;

export interface TickDeps {
  store: DeliveryStore;
  audienceQueue: AudienceQueue;
  sendQueue: SendQueue;
  config: TickConfig;
  /** When given, an occurrence gets audienceShardsFor(profile count) shards instead of config.totalSegments. */
  profileCounter?: ProfileCounter;
  /** SES GetAccount: lets tick resume occurrences the account paused (send's resume.ts). */
  account?: AccountStatusReader;
  /** Whether the reputation circuit breaker lets its paused occurrences run again (breaker.ts breakerReleases). */
  breakerReleases?: () => Promise<boolean>;
}

export interface TickResult {
  created: string[];
  refanned: string[];
  /** Due past the catch-up limit: stored as `missed` with the reason, never sent. */
  missed: string[];
  shardsQueued: number;
  deliveriesReleased: number;
  /** The watermark after this tick (ISO): every due time up to it is handled. */
  watermark: string;
  /** True when the per-tick bound left due times before `now` for the next tick. */
  backlog: boolean;
  /** Occurrences resumed because the account can send again. */
  resumed?: string[];
  /** Campaigns whose schedule could not be evaluated (bad cron): logged, others go on. */
  errors: { campaignId: string; message: string }[];
}

/** Campaign kinds whose occurrences tick makes from a schedule (others: later issues). */
export const SCHEDULED_KINDS = new Set(['newsletter']);

const fanOut = async (deps: TickDeps, occurrence: Occurrence): Promise<number> => {
  const shards: AudienceShard[] = [];
  for (let segment = 0; segment < occurrence.totalSegments; segment++) {
    shards.push({ occurrenceId: occurrence.occurrenceId, campaignId: occurrence.campaignId, segment, totalSegments: occurrence.totalSegments });
  }
  // Queue first, then mark running: a crash in between leaves `created`, which a later tick repairs.
  await deps.audienceQueue.sendBatch(shards.map((body) => ({ body })));
  await deps.store.setOccurrenceState(occurrence.occurrenceId, ['created'], 'running');
  return shards.length;
};

export const minuteBucket = (at: Date): string => at.toISOString().slice(0, 16);

const hours = (ms: number): string => `${+(ms / 3_600_000).toFixed(2)} h`;

interface DueTime {
  summary: CampaignSummary;
  at: Date;
}

/** Due times of every scheduled campaign in (from, now], oldest first (at most `limit` each). */
const collectDueTimes = async (deps: TickDeps, from: Date, now: Date, errors: TickResult['errors']): Promise<DueTime[]> => {
  const due: DueTime[] = [];
  for (const summary of await deps.store.listCampaigns()) {
    // A paused campaign's due times are recorded `missed` (visible, with the reason), not sent
    // later on resume; drafts and archived campaigns have no occurrences.
    if ((summary.status !== 'active' && summary.status !== 'paused') || !summary.schedule || !SCHEDULED_KINDS.has(summary.kind)) continue;
    try {
      for (const at of dueTimes(summary.schedule, from, now, deps.config.maxOccurrencesPerTick)) due.push({ summary, at });
    } catch (error) {
      errors.push({ campaignId: summary.campaignId, message: (error as Error).message });
    }
  }
  return due.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.summary.campaignId < b.summary.campaignId ? -1 : 1));
};

/**
 * Creates (and fans out) one due occurrence, records it `missed` past the catch-up limit, or
 * re-fans one whose fan-out a crashed tick left behind. Returns false when another tick may still
 * be fanning it out: the watermark must then stay before it.
 */
const handleDueTime = async (deps: TickDeps, { summary, at }: DueTime, now: Date, result: TickResult, totalSegments: () => Promise<number>): Promise<boolean> => {
  const occurrence: Occurrence = {
    occurrenceId: occurrenceIdFor(summary.campaignId, at),
    campaignId: summary.campaignId,
    scheduledAt: at.toISOString(),
    state: 'created',
    totalSegments: summary.status === 'paused' || at.getTime() <= now.getTime() - deps.config.catchUpLimitMs ? deps.config.totalSegments : await totalSegments(),
    createdAt: now.toISOString(),
    ...(summary.version !== undefined ? { campaignVersion: summary.version } : {}),
    stats: {},
  };
  const missedReason =
    summary.status === 'paused'
      ? `due ${occurrence.scheduledAt} while the campaign was paused: not sent`
      : at.getTime() <= now.getTime() - deps.config.catchUpLimitMs
        ? `due ${occurrence.scheduledAt}, first reached by the tick of ${now.toISOString()}: later than the catch-up limit of ${hours(deps.config.catchUpLimitMs)}, not sent`
        : undefined;
  if (missedReason !== undefined) {
    if (await deps.store.createOccurrence({ ...occurrence, state: 'missed', missedReason })) result.missed.push(occurrence.occurrenceId);
    return true;
  }
  if (await deps.store.createOccurrence(occurrence)) {
    result.shardsQueued += await fanOut(deps, occurrence);
    result.created.push(occurrence.occurrenceId);
    return true;
  }
  const existing = await deps.store.getOccurrence(occurrence.occurrenceId);
  if (existing?.state !== 'created') return true;
  if (now.getTime() - new Date(existing.createdAt).getTime() < deps.config.refanAfterMs) return false;
  result.shardsQueued += await fanOut(deps, existing);
  result.refanned.push(existing.occurrenceId);
  return true;
};

/**
 * One tick at `now` (the scheduled time): handles every due time in (watermark, now], at most
 * `maxOccurrencesPerTick` of them (never splitting one instant), then moves the watermark forward.
 */
export const runTick = async (deps: TickDeps, now: Date): Promise<TickResult> => {
  const from = (await deps.store.getTickWatermark()) ?? new Date(now.getTime() - FIRST_TICK_WINDOW_MS);
  const result: TickResult = { created: [], refanned: [], missed: [], shardsQueued: 0, deliveriesReleased: 0, watermark: from.toISOString(), backlog: false, errors: [] };
  if (from.getTime() >= now.getTime()) return result;

  const due = await collectDueTimes(deps, from, now, result.errors);
  const bound = deps.config.maxOccurrencesPerTick;
  const until = due.length > bound ? due[bound - 1]!.at.getTime() : now.getTime();
  let watermark = until;
  // Counted once per tick, and only when an occurrence is due.
  let segments: Promise<number> | undefined;
  const totalSegments = () =>
    (segments ??= deps.profileCounter
      ? deps.profileCounter.approximateProfileCount().then((count) => audienceShardsFor(count))
      : Promise.resolve(deps.config.totalSegments));
  for (const dueTime of due) {
    if (dueTime.at.getTime() > until) break;
    // Kept before an occurrence another tick may still be fanning out: a later tick comes back
    // and re-fans it once refanAfterMs has passed.
    if (!(await handleDueTime(deps, dueTime, now, result, totalSegments))) watermark = Math.min(watermark, dueTime.at.getTime() - 1);
  }
  // Due deliveries: one bucket query per minute, so at most MAX_RELEASE_WINDOW_MS of them per tick.
  const releaseFrom = Math.max(from.getTime(), now.getTime() - deps.config.catchUpLimitMs);
  const releaseCapped = watermark > releaseFrom + MAX_RELEASE_WINDOW_MS;
  if (releaseCapped) watermark = releaseFrom + MAX_RELEASE_WINDOW_MS;
  result.deliveriesReleased = await releaseDueDeliveries(deps, new Date(releaseFrom), new Date(watermark));
  result.resumed = (await resumePausedOccurrences(deps)).resumed;
  if (watermark > from.getTime()) await deps.store.advanceTickWatermark(new Date(watermark));
  result.watermark = new Date(Math.max(watermark, from.getTime())).toISOString();
  result.backlog = until < now.getTime() || releaseCapped;
  return result;
};

/** Due deliveries read per store page while releasing. */
export const DUE_PAGE_SIZE = 1000;

/**
 * Moves due deliveries of the minute buckets in (since, now] into the send queue, then removes
 * them (queue first: a crash in between re-queues them, and the ledger drops the duplicate).
 * Page by page: grouping is linear and removals are batched, so memory stays one page.
 */
export const releaseDueDeliveries = async (deps: TickDeps, since: Date, now: Date): Promise<number> => {
  let released = 0;
  for (let t = Math.floor(since.getTime() / 60_000) * 60_000; t <= now.getTime(); t += 60_000) {
    const bucket = minuteBucket(new Date(t));
    let cursor: string | undefined;
    do {
      const page = await deps.store.listDueDeliveries(bucket, { limit: DUE_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      const due = page.items.filter((delivery) => new Date(delivery.dueAt).getTime() <= now.getTime());
      const byOccurrence = new Map<string, DueDelivery[]>();
      for (const delivery of due) {
        const group = byOccurrence.get(delivery.occurrenceId);
        if (group) group.push(delivery);
        else byOccurrence.set(delivery.occurrenceId, [delivery]);
      }
      const work: SendWorkInput[] = [];
      for (const [occurrenceId, deliveries] of byOccurrence) {
        for (const part of chunk(deliveries, RECIPIENTS_PER_MESSAGE)) {
          work.push({ occurrenceId, campaignId: part[0]!.campaignId, customerIds: part.map((d) => d.customerId) });
        }
      }
      if (work.length > 0) await deps.sendQueue.sendBatch(work.map((body) => ({ body })));
      if (due.length > 0) await deps.store.removeDueDeliveries(due);
      released += due.length;
      cursor = page.cursor;
    } while (cursor);
  }
  return released;
};
