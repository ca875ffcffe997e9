// tick (every minute): creates due occurrences exactly once and fans their audience out as
// shards; releases due deliveries into the send queue. Idempotent: any number of concurrent or
// repeated ticks for the same minute create each occurrence once.
//
// Catch-up: a persisted watermark holds the instant up to which every due time has been handled.
// Each tick covers (watermark, scheduled time], so a late, retried or skipped tick loses nothing.
// Due times older than the catch-up limit are stored as `missed` with their reason instead of
// being sent a day late; at most `maxOccurrencesPerTick` are handled per tick, the rest next tick.
import type { CampaignSummary, DeliveryStore, DueDelivery } from '#core/delivery-store';
import type { AudienceQueue, SendQueue } from './ports';
import { dueTimes, occurrenceIdFor, type Occurrence } from './occurrence';
import { RECIPIENTS_PER_MESSAGE, chunk, type AudienceShard, type SendWorkInput } from './messages';

export interface TickConfig {
  /** Audience shards per occurrence (DynamoDB parallel scan segments). */
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

export interface TickDeps {
  store: DeliveryStore;
  audienceQueue: AudienceQueue;
  sendQueue: SendQueue;
  config: TickConfig;
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
  /** Campaigns whose schedule could not be evaluated (bad cron): logged, others go on. */
  errors: { campaignId: string; message: string }[];
}

/** Campaign kinds whose occurrences tick makes from a schedule (others: later issues). */
const SCHEDULED_KINDS = new Set(['newsletter']);

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

export const runTick = async (deps: TickDeps, now: Date): Promise<TickResult> => {
  const { config } = deps;
  const stored = await deps.store.getTickWatermark();
  const from = stored ?? new Date(now.getTime() - FIRST_TICK_WINDOW_MS);
  const result: TickResult = { created: [], refanned: [], missed: [], shardsQueued: 0, deliveriesReleased: 0, watermark: from.toISOString(), backlog: false, errors: [] };
  if (from.getTime() >= now.getTime()) return result;

  const due: { summary: CampaignSummary; at: Date }[] = [];
  for (const summary of await deps.store.listCampaigns()) {
    if (summary.status !== 'active' || !summary.schedule || !SCHEDULED_KINDS.has(summary.kind)) continue;
    try {
      for (const at of dueTimes(summary.schedule, from, now, config.maxOccurrencesPerTick)) due.push({ summary, at });
    } catch (error) {
      result.errors.push({ campaignId: summary.campaignId, message: (error as Error).message });
    }
  }
  due.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.summary.campaignId < b.summary.campaignId ? -1 : 1));
  // Bound the work: up to the N-th due time (and everything due at that same instant).
  let until = now.getTime();
  if (due.length > config.maxOccurrencesPerTick) until = due[config.maxOccurrencesPerTick - 1]!.at.getTime();
  const limitAt = now.getTime() - config.catchUpLimitMs;
  let watermark = until;

  for (const { summary, at: scheduledAt } of due) {
    if (scheduledAt.getTime() > until) break;
    const occurrence: Occurrence = {
      occurrenceId: occurrenceIdFor(summary.campaignId, scheduledAt),
      campaignId: summary.campaignId,
      scheduledAt: scheduledAt.toISOString(),
      state: 'created',
      totalSegments: config.totalSegments,
      createdAt: now.toISOString(),
      stats: {},
    };
    if (scheduledAt.getTime() <= limitAt) {
      const missedReason = `due ${occurrence.scheduledAt}, but no tick ran until ${now.toISOString()}: older than the catch-up limit of ${hours(config.catchUpLimitMs)}, not sent`;
      if (await deps.store.createOccurrence({ ...occurrence, state: 'missed', missedReason })) result.missed.push(occurrence.occurrenceId);
      continue;
    }
    if (await deps.store.createOccurrence(occurrence)) {
      result.shardsQueued += await fanOut(deps, occurrence);
      result.created.push(occurrence.occurrenceId);
      continue;
    }
    const existing = await deps.store.getOccurrence(occurrence.occurrenceId);
    if (existing?.state !== 'created') continue;
    if (now.getTime() - new Date(existing.createdAt).getTime() >= config.refanAfterMs) {
      result.shardsQueued += await fanOut(deps, existing);
      result.refanned.push(existing.occurrenceId);
    } else {
      // Another tick is fanning it out (or crashed doing so): keep the watermark before it, so a
      // later tick comes back and re-fans it once refanAfterMs has passed.
      watermark = Math.min(watermark, scheduledAt.getTime() - 1);
    }
  }
  result.deliveriesReleased = await releaseDueDeliveries(deps, new Date(Math.max(from.getTime(), limitAt)), new Date(watermark));
  if (watermark > from.getTime()) await deps.store.advanceTickWatermark(new Date(watermark));
  result.watermark = new Date(Math.max(watermark, from.getTime())).toISOString();
  result.backlog = until < now.getTime();
  return result;
};

/**
 * Moves due deliveries of the minute buckets in (since, now] into the send queue, then removes
 * them (queue first: a crash in between re-queues them, and the ledger drops the duplicate).
 */
export const releaseDueDeliveries = async (deps: TickDeps, since: Date, now: Date): Promise<number> => {
  const due: DueDelivery[] = [];
  for (let t = Math.floor(since.getTime() / 60_000) * 60_000; t <= now.getTime(); t += 60_000) {
    for (const delivery of await deps.store.listDueDeliveries(minuteBucket(new Date(t)))) {
      if (new Date(delivery.dueAt).getTime() <= now.getTime()) due.push(delivery);
    }
  }
  const byOccurrence = new Map<string, DueDelivery[]>();
  for (const delivery of due) byOccurrence.set(delivery.occurrenceId, [...(byOccurrence.get(delivery.occurrenceId) ?? []), delivery]);
  const work: SendWorkInput[] = [];
  for (const [occurrenceId, deliveries] of byOccurrence) {
    for (const part of chunk(deliveries, RECIPIENTS_PER_MESSAGE)) {
      work.push({ occurrenceId, campaignId: part[0]!.campaignId, customerIds: part.map((d) => d.customerId) });
    }
  }
  if (work.length > 0) await deps.sendQueue.sendBatch(work.map((body) => ({ body })));
  for (const delivery of due) await deps.store.removeDueDelivery(delivery);
  return due.length;
};
