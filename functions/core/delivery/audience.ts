// audience (one shard of one occurrence): scans its segment of the profiles page by page,
// evaluates the campaign's audience predicate (compiled once per occurrence and kept warm), and
// queues send work, many recipients per message. A shard continues itself in a new message with
// its cursor before the function would time out, and, with a send rate configured, once it has
// queued what its share of the rate sends in `maxDelaySeconds`: the continuation is delayed by
// that time, so the audience never fills the send queue faster than SES drains it (README "At scale").
//
// Seasonal occurrences do not queue send work: each match becomes a due delivery at its own local
// send time (seasonal.ts), released by tick. Birthday shards read the birthday index for their
// date instead of scanning.
import { readOccurrenceCampaign, recipientDeliveryId, type DeliveryStore, type DueDelivery, type PublishedCampaign } from '#core/delivery-store';
import type { Profile } from '#core/profile';
import type { SeasonalCampaign } from '#core/campaign';
import type { AudienceCompiler, BirthdayIndex, ProfileShardScanner, SendQueue } from './ports';
import { RECIPIENTS_PER_MESSAGE, chunk, type AudienceShard, type SendWorkInput } from './messages';
import { birthdayMonthDaysOn, occasionYearOf, seasonalDelivery } from './seasonal';
import { DEFAULT_SHOP_DELIVERY, type ShopDeliverySettings } from './local-time';

const DAY_MS = 86_400_000;

/** SQS allows a message delay of at most 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

export interface AudienceConfig {
  /** Profiles per scan page. */
  pageSize: number;
  /** Recipients per send message. */
  recipientsPerMessage: number;
  /** Stop and continue in a new message when fewer ms than this remain. */
  continueBelowMs: number;
  /**
   * The account's mail rate (mails/s). Each of an occurrence's shards gets rate / totalSegments;
   * absent: no back-pressure (a local run with an unlimited rate).
   */
  sendRatePerSecond?: number;
  /** Longest delay of a continuation (and so the most send time one hop queues). */
  maxDelaySeconds: number;
}

export const DEFAULT_AUDIENCE_CONFIG: AudienceConfig = {
  pageSize: 1000,
  recipientsPerMessage: RECIPIENTS_PER_MESSAGE,
  continueBelowMs: 10_000,
  maxDelaySeconds: MAX_DELAY_SECONDS,
};

/** Concurrent audience invocations the stack allows by default (the event source's maximum). */
export const DEFAULT_AUDIENCE_CONCURRENCY = 10;

/**
 * Profiles per audience shard. Sized from the scan rate measured in bench/audience.bench.ts
 * (several thousand profiles/s per shard against DynamoDB): 100k profiles scan in well under
 * half of the audience function's 120 s timeout, and continuations cover any slower shard.
 */
export const PROFILES_PER_SHARD = 100_000;
/** DynamoDB allows up to 1,000,000 segments; more than this many messages per tick buys nothing. */
export const MAX_AUDIENCE_SHARDS = 1000;

/** Scan shards for an occurrence over `profileCount` profiles: ceil(count / perShard), 1..max. */
export const audienceShardsFor = (profileCount: number, profilesPerShard = PROFILES_PER_SHARD, maxShards = MAX_AUDIENCE_SHARDS): number => {
  if (!Number.isFinite(profileCount) || profileCount <= 0) return 1;
  return Math.min(maxShards, Math.max(1, Math.ceil(profileCount / profilesPerShard)));
};

/** Back-pressure of one hop: at most `budget` recipients, then wait what they need at the shard's rate. */
export const hopBudget = (config: AudienceConfig, totalSegments: number): { recipients: number; delayFor: (queued: number) => number } | undefined => {
  if (!config.sendRatePerSecond || !Number.isFinite(config.sendRatePerSecond)) return undefined;
  const shareRate = config.sendRatePerSecond / totalSegments;
  return {
    recipients: Math.max(config.recipientsPerMessage, Math.floor(shareRate * config.maxDelaySeconds)),
    delayFor: (queued) => Math.min(config.maxDelaySeconds, Math.ceil(queued / shareRate)),
  };
};

export interface AudienceDeps {
  store: DeliveryStore;
  scanner: ProfileShardScanner;
  sendQueue: SendQueue;
  audienceQueue: { sendBatch(messages: readonly { body: AudienceShard; delaySeconds?: number }[]): Promise<void> };
  compileAudience: AudienceCompiler;
  config: AudienceConfig;
  /** Birthday campaigns read their dates from it; required once a birthday campaign is published. */
  birthdays?: BirthdayIndex;
  /** @default DEFAULT_SHOP_DELIVERY */
  shop?: ShopDeliverySettings;
}

export interface AudienceResult {
  scanned: number;
  matched: number;
  messages: number;
  /** True when the shard continues in a new message from a cursor. */
  continued: boolean;
  /** Why it continued: the function's time ran short, or the hop queued its share of the rate. */
  stoppedBy?: 'time' | 'rate';
  /** The continuation's delay (back-pressure). */
  delaySeconds?: number;
  /** Seasonal: due deliveries stored (matched recipients with a date this year). */
  dueDeliveries?: number;
  /** Seasonal: recipients whose mail follows the shop's default zone (missing or invalid own zone). */
  zoneFallbacks?: string[];
}

type Predicate = (profile: Profile, atEpochMs: number) => boolean;

/** Returns a worker with its own cache of compiled predicates (one per published version). */
export const createAudienceWorker = (deps: AudienceDeps) => {
  const predicates = new Map<string, Predicate>();

  const predicateFor = async (campaignId: string, version: number | undefined): Promise<{ predicate: Predicate; published: PublishedCampaign }> => {
    const published = await readOccurrenceCampaign(deps.store, campaignId, version);
    if (!published) throw new Error(`campaign "${campaignId}" is not published`);
    const cacheKey = `${campaignId}@${published.publishedAt}`;
    let predicate = predicates.get(cacheKey);
    if (!predicate) {
      predicate = deps.compileAudience(published);
      predicates.set(cacheKey, predicate);
    }
    return { predicate, published };
  };

  /** A seasonal match -> its due delivery (or none: no date for them this year, or not in the audience then). */
  const seasonalDue = (campaign: SeasonalCampaign, shard: AudienceShard, scanAtMs: number, predicate: Predicate, result: AudienceResult) => {
    const shop = deps.shop ?? DEFAULT_SHOP_DELIVERY;
    const year = occasionYearOf(shard.occurrenceId);
    // Found already due (a late tick): after the tick that queued this shard, never into a bucket it released.
    const notBefore = shard.notBefore ? Date.parse(shard.notBefore) + 60_000 : -Infinity;
    return (profile: Profile): DueDelivery | undefined => {
      const delivery = seasonalDelivery(campaign, profile, year, shop, shard.birthdayDate);
      // A yearly scan runs before the occasion; a date before it (an exotic country) is not this year's.
      if (!delivery || (shard.birthdayDate === undefined && delivery.dueAt.getTime() < scanAtMs)) return undefined;
      // Birthday segments ("birthday today") are judged at the recipient's send time; yearly ones at the
      // scan. A 29 February birthday moved to 1 March (shop option) is judged on 28 February, the
      // day segments count it on in other years, so the option never loses the mail.
      const movedLeapDay = shard.birthdayDate?.endsWith('-03-01') === true && profile.birthday?.endsWith('02-29') === true;
      const judgeAtMs = shard.birthdayDate === undefined ? scanAtMs : delivery.dueAt.getTime() - (movedLeapDay ? DAY_MS : 0);
      if (!predicate(profile, judgeAtMs)) return undefined;
      if (delivery.zoneWarning) (result.zoneFallbacks ??= []).push(profile.customerId);
      const dueAt = new Date(Math.max(delivery.dueAt.getTime(), notBefore)).toISOString();
      return { deliveryId: recipientDeliveryId(shard.occurrenceId, profile.customerId), dueAt, occurrenceId: shard.occurrenceId, campaignId: shard.campaignId, customerId: profile.customerId };
    };
  };

  const putAll = async (deliveries: DueDelivery[], result: AudienceResult) => {
    await Promise.all(deliveries.map((d) => deps.store.putDueDelivery(d)));
    result.matched += deliveries.length;
    result.dueDeliveries = (result.dueDeliveries ?? 0) + deliveries.length;
  };

  /** A birthday shard: the profiles born on its date's month-days, from the index (no scan). */
  const birthdayShard = async (shard: AudienceShard & { birthdayDate: string }, due: (profile: Profile) => DueDelivery | undefined): Promise<AudienceResult> => {
    if (!deps.birthdays) throw new Error(`occurrence "${shard.occurrenceId}": a birthday campaign needs the birthday index (AudienceDeps.birthdays)`);
    const result: AudienceResult = { scanned: 0, matched: 0, messages: 0, continued: false, dueDeliveries: 0 };
    for (const monthDay of birthdayMonthDaysOn(shard.birthdayDate, (deps.shop ?? DEFAULT_SHOP_DELIVERY).leapDayBirthday)) {
      let cursor: string | undefined;
      do {
        const page = await deps.birthdays.findByBirthday(monthDay, { limit: deps.config.pageSize, ...(cursor ? { cursor } : {}) });
        result.scanned += page.profiles.length;
        await putAll(page.profiles.flatMap((p) => due(p) ?? []), result);
        cursor = page.cursor;
      } while (cursor);
    }
    return result;
  };

  /** `remainingMs` is the Lambda's time left (Infinity locally). */
  return async (shard: AudienceShard, remainingMs: () => number = () => Infinity): Promise<AudienceResult> => {
    const occurrence = await deps.store.getOccurrence(shard.occurrenceId);
    if (!occurrence) throw new Error(`occurrence "${shard.occurrenceId}" does not exist`);
    const { predicate, published } = await predicateFor(shard.campaignId, occurrence.campaignVersion);
    // Segments are evaluated at the scheduled time, so a replay or a late shard picks the same people.
    const atMs = new Date(occurrence.scheduledAt).getTime();
    const result: AudienceResult = { scanned: 0, matched: 0, messages: 0, continued: false };
    const seasonal = published.campaign.kind === 'seasonal' ? seasonalDue(published.campaign, shard, atMs, predicate, result) : undefined;
    if (seasonal && shard.birthdayDate !== undefined) {
      const done = await birthdayShard({ ...shard, birthdayDate: shard.birthdayDate }, seasonal);
      return { ...done, ...(result.zoneFallbacks ? { zoneFallbacks: result.zoneFallbacks } : {}) };
    }
    let pending: string[] = [];
    const flush = async (all: boolean) => {
      const size = deps.config.recipientsPerMessage;
      const cut = all ? pending.length : pending.length - (pending.length % (size * 10));
      if (cut === 0) return;
      const work: SendWorkInput[] = chunk(pending.slice(0, cut), size).map((customerIds) => ({
        occurrenceId: shard.occurrenceId,
        campaignId: shard.campaignId,
        customerIds,
      }));
      await deps.sendQueue.sendBatch(work.map((body) => ({ body })));
      result.messages += work.length;
      pending = pending.slice(cut);
    };
    const budget = hopBudget(deps.config, shard.totalSegments);
    let cursor = shard.cursor;
    do {
      // Never scan more than the hop may still queue: every scanned profile may match.
      const room = budget ? budget.recipients - result.matched : Infinity;
      const limit = Math.max(1, Math.min(deps.config.pageSize, room));
      const page = await deps.scanner.scanShard({ segment: shard.segment, totalSegments: shard.totalSegments, ...(cursor ? { cursor } : {}), limit });
      result.scanned += page.profiles.length;
      if (seasonal) await putAll(page.profiles.flatMap((p) => seasonal(p) ?? []), result);
      else {
        for (const profile of page.profiles) {
          if (predicate(profile, atMs)) {
            pending.push(profile.customerId);
            result.matched++;
          }
        }
      }
      await flush(false);
      cursor = page.cursor;
      const stoppedBy = !cursor ? undefined : budget && result.matched >= budget.recipients ? 'rate' : remainingMs() < deps.config.continueBelowMs ? 'time' : undefined;
      if (cursor && stoppedBy) {
        await flush(true);
        const delaySeconds = budget?.delayFor(result.matched) ?? 0;
        await deps.audienceQueue.sendBatch([{ body: { ...shard, cursor }, ...(delaySeconds > 0 ? { delaySeconds } : {}) }]);
        result.continued = true;
        result.stoppedBy = stoppedBy;
        if (delaySeconds > 0) result.delaySeconds = delaySeconds;
        break;
      }
    } while (cursor);
    await flush(true);
    return result;
  };
};
