// audience (one shard of one occurrence): scans its segment of the profiles page by page,
// evaluates the campaign's audience predicate (compiled once per occurrence and kept warm), and
// queues send work, many recipients per message. Continues itself with a cursor before the
// function would time out, so a large shop never needs a longer Lambda.
import { readOccurrenceCampaign, type DeliveryStore } from '#core/delivery-store';
import type { Profile } from '#core/profile';
import type { AudienceCompiler, ProfileShardScanner, SendQueue } from './ports';
import { RECIPIENTS_PER_MESSAGE, chunk, type AudienceShard, type SendWorkInput } from './messages';

export interface AudienceConfig {
  /** Profiles per scan page. */
  pageSize: number;
  /** Recipients per send message. */
  recipientsPerMessage: number;
  /** Stop and continue in a new message when fewer ms than this remain. */
  continueBelowMs: number;
}

export const DEFAULT_AUDIENCE_CONFIG: AudienceConfig = { pageSize: 1000, recipientsPerMessage: RECIPIENTS_PER_MESSAGE, continueBelowMs: 10_000 };

export interface AudienceDeps {
  store: DeliveryStore;
  scanner: ProfileShardScanner;
  sendQueue: SendQueue;
  audienceQueue: { sendBatch(messages: readonly { body: AudienceShard }[]): Promise<void> };
  compileAudience: AudienceCompiler;
  config: AudienceConfig;
}

export interface AudienceResult {
  scanned: number;
  matched: number;
  messages: number;
  /** True when the shard continues in a new message from a cursor. */
  continued: boolean;
}

type Predicate = (profile: Profile, atEpochMs: number) => boolean;

/** Returns a worker with its own cache of compiled predicates (one per published version). */
export const createAudienceWorker = (deps: AudienceDeps) => {
  const predicates = new Map<string, Predicate>();

  const predicateFor = async (campaignId: string, version: number | undefined): Promise<Predicate> => {
    const published = await readOccurrenceCampaign(deps.store, campaignId, version);
    if (!published) throw new Error(`campaign "${campaignId}" is not published`);
    const cacheKey = `${campaignId}@${published.publishedAt}`;
    let predicate = predicates.get(cacheKey);
    if (!predicate) {
      predicate = deps.compileAudience(published);
      predicates.set(cacheKey, predicate);
    }
    return predicate;
  };

  /** `remainingMs` is the Lambda's time left (Infinity locally). */
  return async (shard: AudienceShard, remainingMs: () => number = () => Infinity): Promise<AudienceResult> => {
    const occurrence = await deps.store.getOccurrence(shard.occurrenceId);
    if (!occurrence) throw new Error(`occurrence "${shard.occurrenceId}" does not exist`);
    const predicate = await predicateFor(shard.campaignId, occurrence.campaignVersion);
    // Segments are evaluated at the scheduled time, so a replay or a late shard picks the same people.
    const atMs = new Date(occurrence.scheduledAt).getTime();
    const result: AudienceResult = { scanned: 0, matched: 0, messages: 0, continued: false };
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
    let cursor = shard.cursor;
    do {
      const page = await deps.scanner.scanShard({ segment: shard.segment, totalSegments: shard.totalSegments, cursor, limit: deps.config.pageSize });
      result.scanned += page.profiles.length;
      for (const profile of page.profiles) {
        if (predicate(profile, atMs)) {
          pending.push(profile.customerId);
          result.matched++;
        }
      }
      await flush(false);
      cursor = page.cursor;
      if (cursor && remainingMs() < deps.config.continueBelowMs) {
        await flush(true);
        await deps.audienceQueue.sendBatch([{ body: { ...shard, cursor } }]);
        result.continued = true;
        break;
      }
    } while (cursor);
    await flush(true);
    return result;
  };
};
