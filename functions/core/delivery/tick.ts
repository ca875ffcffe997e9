// tick (every minute): creates due occurrences exactly once and fans their audience out as
// shards; releases due deliveries into the send queue. Idempotent: any number of concurrent or
// repeated ticks for the same minute create each occurrence once.
import type { DeliveryStore, DueDelivery } from '#core/delivery-store';
import type { AudienceQueue, SendQueue } from './ports';
import { dueTimes, occurrenceIdFor, type Occurrence } from './occurrence';
import { RECIPIENTS_PER_MESSAGE, chunk, type AudienceShard, type SendWorkInput } from './messages';

export interface TickConfig {
  /** Audience shards per occurrence (DynamoDB parallel scan segments). */
  totalSegments: number;
  /** How far back due times are still created (catches missed ticks). */
  lookbackMs: number;
  /** An occurrence left in `created` this long lost its fan-out (crash): fan out again. */
  refanAfterMs: number;
}

export const DEFAULT_TICK_CONFIG: TickConfig = { totalSegments: 8, lookbackMs: 15 * 60_000, refanAfterMs: 2 * 60_000 };

export interface TickDeps {
  store: DeliveryStore;
  audienceQueue: AudienceQueue;
  sendQueue: SendQueue;
  config: TickConfig;
}

export interface TickResult {
  created: string[];
  refanned: string[];
  shardsQueued: number;
  deliveriesReleased: number;
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

export const runTick = async (deps: TickDeps, now: Date): Promise<TickResult> => {
  const result: TickResult = { created: [], refanned: [], shardsQueued: 0, deliveriesReleased: 0, errors: [] };
  const campaigns = await deps.store.listCampaigns();
  for (const summary of campaigns) {
    if (summary.status !== 'active' || !summary.schedule || !SCHEDULED_KINDS.has(summary.kind)) continue;
    let times: Date[];
    try {
      times = dueTimes(summary.schedule, now, deps.config.lookbackMs);
    } catch (error) {
      result.errors.push({ campaignId: summary.campaignId, message: (error as Error).message });
      continue;
    }
    for (const scheduledAt of times) {
      const occurrence: Occurrence = {
        occurrenceId: occurrenceIdFor(summary.campaignId, scheduledAt),
        campaignId: summary.campaignId,
        scheduledAt: scheduledAt.toISOString(),
        state: 'created',
        totalSegments: deps.config.totalSegments,
        createdAt: now.toISOString(),
        ...(summary.version !== undefined ? { campaignVersion: summary.version } : {}),
        stats: {},
      };
      if (await deps.store.createOccurrence(occurrence)) {
        result.shardsQueued += await fanOut(deps, occurrence);
        result.created.push(occurrence.occurrenceId);
        continue;
      }
      const existing = await deps.store.getOccurrence(occurrence.occurrenceId);
      if (existing?.state === 'created' && now.getTime() - new Date(existing.createdAt).getTime() >= deps.config.refanAfterMs) {
        result.shardsQueued += await fanOut(deps, existing);
        result.refanned.push(existing.occurrenceId);
      }
    }
  }
  result.deliveriesReleased = await releaseDueDeliveries(deps, now);
  return result;
};

/**
 * Moves due deliveries of the lookback window's minute buckets into the send queue, then removes
 * them (queue first: a crash in between re-queues them, and the ledger drops the duplicate).
 */
export const releaseDueDeliveries = async (deps: TickDeps, now: Date): Promise<number> => {
  const due: DueDelivery[] = [];
  for (let t = now.getTime() - deps.config.lookbackMs + 60_000; t <= now.getTime(); t += 60_000) {
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
