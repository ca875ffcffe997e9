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
import { minuteBucket, SCHEDULED_KINDS } from './schedule-keys';
import { dueTimes, occurrenceIdFor, type Occurrence } from './occurrence';
import { RECIPIENTS_PER_MESSAGE, chunk, type AudienceShard, type SendWorkInput } from './messages';
import { audienceShardsFor } from './audience';
import { seasonalDueTimes } from './seasonal';
import { DEFAULT_SHOP_DELIVERY, type ShopDeliverySettings } from './local-time';
import { remindExpiringCoupons, type CouponReminderDeps } from '#core/coupon-reminders';

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
/** How far behind the watermark tick still looks for due deliveries written late (clock skew, slow writers). */
export const RELEASE_OVERLAP_MS = 5 * 60_000;

export interface TickDeps {
  store: DeliveryStore;
  audienceQueue: AudienceQueue;
  sendQueue: SendQueue;
  config: TickConfig;
  /** When given, an occurrence gets audienceShardsFor(profile count) shards instead of config.totalSegments. */
  profileCounter?: ProfileCounter;
  /** SES GetAccount: lets tick resume occurrences the account paused (send's resume.ts). */
  account?: AccountStatusReader;
  /** The shop's default country bounds when country-dependent occasions are scanned. @default DEFAULT_SHOP_DELIVERY */
  shop?: ShopDeliverySettings;
  /** Whether the reputation circuit breaker lets its paused occurrences run again (breaker.ts breakerReleases). */
  breakerReleases?: () => Promise<boolean>;
  /** CouponExpiring for the unredeemed coupons N days before their expiry, once per UTC day crossed (core/coupon-reminders.ts). */
  couponReminders?: CouponReminderDeps;
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
  /** CouponExpiring events put for the days this tick crossed. */
  couponsExpiring?: number;
  /** Campaigns whose schedule could not be evaluated (bad cron): logged, others go on. */
  errors: { campaignId: string; message: string }[];
}

const fanOut = async (deps: TickDeps, occurrence: Occurrence, now: Date): Promise<number> => {
  const shards: AudienceShard[] = [];
  for (let segment = 0; segment < occurrence.totalSegments; segment++) {
    // notBefore: a seasonal mail found already due goes out after this tick, never into a released bucket.
    shards.push({ occurrenceId: occurrence.occurrenceId, campaignId: occurrence.campaignId, segment, totalSegments: occurrence.totalSegments, notBefore: now.toISOString() });
  }
  // Queue first, then mark running: a crash in between leaves `created`, which a later tick repairs.
  await deps.audienceQueue.sendBatch(shards.map((body) => ({ body })));
  await deps.store.setOccurrenceState(occurrence.occurrenceId, ['created'], 'running');
  return shards.length;
};


const hours = (ms: number): string => `${+(ms / 3_600_000).toFixed(2)} h`;

interface DueTime {
  summary: CampaignSummary;
  at: Date;
  /** Seasonal: the occasion-year's id ("easter:2027"); schedules derive it from `at`. */
  occurrenceId?: string;
  /** Birthday campaigns: the local date whose birthdays this due time prepares. */
  birthdayDate?: string;
}

/** Due times of every scheduled campaign in (from, now], oldest first (at most `limit` each). */
const collectDueTimes = async (deps: TickDeps, from: Date, now: Date, errors: TickResult['errors']): Promise<DueTime[]> => {
  const due: DueTime[] = [];
  for (const summary of await deps.store.listCampaigns()) {
    // A paused campaign's due times are recorded `missed` (visible, with the reason), not sent
    // later on resume; drafts and archived campaigns have no occurrences.
    if ((summary.status !== 'active' && summary.status !== 'paused') || !SCHEDULED_KINDS.has(summary.kind)) continue;
    try {
      if (summary.kind === 'seasonal' && summary.occasion) {
        for (const d of seasonalDueTimes(summary.campaignId, summary.occasion, from, now, (deps.shop ?? DEFAULT_SHOP_DELIVERY).country)) due.push({ summary, ...d });
        continue;
      }
      if (!summary.schedule) continue;
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
const handleDueTime = async (deps: TickDeps, { summary, at, occurrenceId, birthdayDate }: DueTime, now: Date, result: TickResult, totalSegments: () => Promise<number>): Promise<boolean> => {
  if (birthdayDate !== undefined && occurrenceId !== undefined) return handleBirthdayDay(deps, summary, at, occurrenceId, birthdayDate, now, result);
  const occurrence: Occurrence = {
    occurrenceId: occurrenceId ?? occurrenceIdFor(summary.campaignId, at),
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
    result.shardsQueued += await fanOut(deps, occurrence, now);
    result.created.push(occurrence.occurrenceId);
    return true;
  }
  const existing = await deps.store.getOccurrence(occurrence.occurrenceId);
  if (existing?.state !== 'created') return true;
  if (now.getTime() - new Date(existing.createdAt).getTime() < deps.config.refanAfterMs) return false;
  result.shardsQueued += await fanOut(deps, existing, now);
  result.refanned.push(existing.occurrenceId);
  return true;
};

/**
 * A birthday campaign's local date: the occasion-year's occurrence is made on its first day
 * (state running, one shard per date), then one audience message per date asks the birthday
 * index for that date's month-days. Dates first reached past the catch-up limit are `missed`
 * (listed, not sent a week late). Repeating it is harmless: due deliveries are keyed by
 * (occurrence, customer) and the ledger sends each recipient once.
 */
const handleBirthdayDay = async (deps: TickDeps, summary: CampaignSummary, at: Date, occurrenceId: string, birthdayDate: string, now: Date, result: TickResult): Promise<boolean> => {
  if (summary.status === 'paused' || at.getTime() <= now.getTime() - deps.config.catchUpLimitMs) {
    result.missed.push(`${occurrenceId}@${birthdayDate}`);
    return true;
  }
  const occurrence: Occurrence = {
    occurrenceId,
    campaignId: summary.campaignId,
    scheduledAt: at.toISOString(),
    state: 'running',
    totalSegments: 1,
    createdAt: now.toISOString(),
    // No campaignVersion: the year's birthdays follow the campaign as currently published.
    stats: {},
  };
  if (await deps.store.createOccurrence(occurrence)) result.created.push(occurrenceId);
  await deps.audienceQueue.sendBatch([{ body: { occurrenceId, campaignId: summary.campaignId, segment: 0, totalSegments: 1, birthdayDate, notBefore: now.toISOString() } }]);
  result.shardsQueued += 1;
  return true;
};

/**
 * One tick at `now` (the scheduled time): handles every due time in (watermark, now], at most
 * `maxOccurrencesPerTick` of them (never splitting one instant), then moves the watermark forward.
 */
export { minuteBucket, SCHEDULED_KINDS };

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
  // Due deliveries: only the non-empty buckets are read (the store names them), at most
  // MAX_RELEASE_WINDOW_MS of them per tick.
  // The release window reaches RELEASE_OVERLAP_MS behind the watermark: a due delivery whose write
  // landed just after an earlier tick read its minute bucket is still found (releasing removes it,
  // and the ledger drops a second copy, so reading a bucket twice sends nothing twice).
  const releaseFrom = Math.max(from.getTime() - RELEASE_OVERLAP_MS, now.getTime() - deps.config.catchUpLimitMs);
  const releaseStart = Math.max(from.getTime(), now.getTime() - deps.config.catchUpLimitMs);
  const releaseCapped = watermark > releaseStart + MAX_RELEASE_WINDOW_MS;
  if (releaseCapped) watermark = releaseStart + MAX_RELEASE_WINDOW_MS;
  result.deliveriesReleased = await releaseDueDeliveries(deps, new Date(releaseFrom), new Date(watermark));
  result.resumed = (await resumePausedOccurrences(deps)).resumed;
  if (deps.couponReminders) result.couponsExpiring = await remindExpiringCoupons(deps.couponReminders, from, new Date(watermark), async () => (await deps.store.listCampaigns()).map((c) => c.campaignId));
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
  const last = minuteBucket(now);
  // Only the buckets that hold something: most minutes hold nothing (a replay's tick after a
  // day's gap covers 1,440 of them), and the store names the next non-empty one directly.
  for (let from = minuteBucket(since); ; ) {
    const bucket = await deps.store.nextDueBucket(from, last);
    if (bucket === undefined) break;
    from = minuteBucket(new Date(Date.parse(`${bucket}Z`) + 60_000));
    let cursor: string | undefined;
    do {
      const page = await deps.store.listDueDeliveries(bucket, { limit: DUE_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      if (page.items.length === 0 && !page.cursor) break;
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
