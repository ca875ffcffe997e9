// Shared fixtures of the delivery tests and the pipeline benchmark: the shipped example
// newsletter published with its compiled templates, profiles, and the send deps on twins.
import { aProfile } from '#test/fixtures/profile';
import { readFile } from 'node:fs/promises';
import { Campaign } from '#core/campaign';
import { Segment } from '#core/segment';
import type { Profile } from '#core/profile';
import type { PublishedCampaign } from '#core/delivery-store';
import { compileCampaignTemplates, loadShopInfo } from '../../functions/compile/compile-template';
import { createSignedUnsubscribeLinks, createTemplateMailRenderer } from '#core/delivery/seams';
import type { ShopInfo } from '#core/render';

const root = new URL('../../campaigns/', import.meta.url);
const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(new URL(path, root), 'utf8'));

export const publishExampleNewsletter = async (overrides: Partial<Campaign> = {}): Promise<PublishedCampaign> => {
  const campaign = Campaign.parse({ ...(await readJson('newsletter-monthly.json') as object), ...overrides });
  const segment = Segment.parse(await readJson('segments/newsletter-readers.json'));
  return {
    campaign,
    segments: { [segment.id]: segment.rule },
    template: await compileCampaignTemplates(campaign),
    publishedAt: '2026-11-01T00:00:00.000Z',
  };
};

/** A shipped example campaign (campaigns/<file>) published with its compiled templates and every example segment. */
export const publishExample = async (file: string, overrides: Record<string, unknown> = {}): Promise<PublishedCampaign> => {
  const campaign = Campaign.parse({ ...(await readJson(file) as object), ...overrides });
  const segments: Record<string, Segment['rule']> = {};
  for (const name of ['newsletter-readers', 'lapsed-customers']) {
    const segment = Segment.parse(await readJson(`segments/${name}.json`));
    segments[segment.id] = segment.rule;
  }
  return { campaign, segments, template: await compileCampaignTemplates(campaign), publishedAt: '2026-11-01T00:00:00.000Z' };
};

export const exampleShop = (): Promise<ShopInfo> => loadShopInfo();

export const testSigningKey = { id: 'k1', secret: 'test-secret-test-secret-test-secret-0123' };
export const testLinks = () => createSignedUnsubscribeLinks({ baseUrl: 'https://shop.example', ring: { current: testSigningKey, accepted: [testSigningKey] } });
export const testRenderer = (shop: ShopInfo) => createTemplateMailRenderer({ shop });

export const makeProfile = (i: number, overrides: Partial<Profile> = {}): Profile => aProfile({
  customerId: `c${String(i).padStart(5, '0')}`,
  email: `customer${i}@example.com`,
  firstName: i % 2 ? 'Anna' : 'John',
  lastName: i % 2 ? 'Müller' : 'Smith',
  salutation: i % 2 ? 'ms' : 'mr',
  formality: 'formal',
  locale: i % 2 ? 'de-DE' : 'en-GB',
  registeredAt: '2026-01-01T00:00:00.000Z',
  consent: { status: 'confirmed', confirmedAt: '2026-01-02T00:00:00.000Z' },
  orders: { count: 2, netSpendCents: 5000, refundedCents: 0, averageOrderCents: 2500, firstOrderAt: '2026-02-01T00:00:00.000Z', lastOrderAt: '2026-10-01T00:00:00.000Z', currency: 'EUR' },
  points: 120,
  updatedAt: '2026-10-01T00:00:00.000Z',
  ...overrides,
});

/** Profiles from an array behind the two profile ports (A's store does this on DynamoDB). */
export const arrayProfiles = (profiles: Profile[]) => {
  // Positions, not profiles: tests replace a profile in place (an unsubscribe during sending).
  const positions = new Map(profiles.map((p, i) => [p.customerId, i]));
  return {
  async getProfiles(ids: readonly string[]) {
    const out = new Map<string, Profile>();
    for (const id of ids) {
      const profile = profiles[positions.get(id) ?? -1];
      if (profile) out.set(id, profile);
    }
    return out;
  },
  async scanShard({ segment, totalSegments, cursor, limit = 1000 }: { segment: number; totalSegments: number; cursor?: string; limit?: number }) {
    const mine = profiles.filter((_, i) => i % totalSegments === segment);
    const start = cursor ? Number(cursor) : 0;
    const page = mine.slice(start, start + limit);
    return { profiles: page, ...(start + limit < mine.length ? { cursor: String(start + limit) } : {}) };
  },
  };
};

import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { runTick, DEFAULT_TICK_CONFIG } from '#core/delivery/tick';
import { createAudienceWorker, DEFAULT_AUDIENCE_CONFIG } from '#core/delivery/audience';
import { createSender, DEFAULT_SEND_CONFIG, type SendConfig, type SendDeps } from '#core/delivery/send';
import { createRateLimiter } from '#core/delivery/pacing';
import { createPool } from '#core/delivery/pool';
import { compilePublishedAudience } from '#core/delivery/seams';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import { SendWork as SendWorkSchema } from '#core/delivery/messages';
import type { AccountStatusReader, Mailer } from '#core/delivery/ports';
import type { DeliveryStore } from '#core/delivery-store';
import type { BreakerGate } from '#core/delivery/breaker';
import type { CouponSending } from '#core/delivery/coupon-step';

export interface PipelineOptions {
  profiles: Profile[];
  mailer: Mailer;
  published: PublishedCampaign;
  shop: ShopInfo;
  now: Date;
  ratePerSecond?: number;
  send?: Partial<SendConfig>;
  totalSegments?: number;
  /** Wraps the store the sender sees (fault injection). */
  wrapStore?: (store: DeliveryStore) => DeliveryStore;
  account?: AccountStatusReader;
  /** The reputation circuit breaker the sender asks, and tick's question whether it releases. */
  breaker?: BreakerGate;
  breakerReleases?: () => Promise<boolean>;
  /** Coupon issuance for campaigns with a coupon. */
  coupons?: CouponSending;
}

/** The whole delivery path on twins: tick, audience shards, send messages, drained in turns. */
export const createPipeline = async (options: PipelineOptions) => {
  const store = createMemoryDeliveryStore();
  await store.putCampaign(options.published);
  const audienceQueue = new MemoryWorkQueue<AudienceShard>();
  const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
  const people = arrayProfiles(options.profiles);
  let nowMs = options.now.getTime();
  const clock = { now: () => new Date(nowMs) };
  const tickDeps = { store, audienceQueue, sendQueue, config: { ...DEFAULT_TICK_CONFIG, totalSegments: options.totalSegments ?? 4 }, ...(options.breakerReleases ? { breakerReleases: options.breakerReleases } : {}) };
  const audience = createAudienceWorker({ store, scanner: people, sendQueue, audienceQueue, compileAudience: compilePublishedAudience, config: DEFAULT_AUDIENCE_CONFIG });
  let owners = 0;
  const senderDeps: SendDeps = {
    store: options.wrapStore ? options.wrapStore(store) : store,
    ...(options.account ? { account: options.account } : {}),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    ...(options.coupons ? { coupons: options.coupons } : {}),
    profiles: people,
    mailer: options.mailer,
    renderer: testRenderer(options.shop),
    links: testLinks(),
    limiter: createRateLimiter({ ratePerSecond: options.ratePerSecond ?? 1_000_000, now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
    pool: createPool(64),
    sendQueue,
    clock,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
    random: () => 0.5,
    newOwner: () => `owner-${++owners}`,
    config: { ...DEFAULT_SEND_CONFIG, from: 'Shop <news@shop.example>', configurationSet: 'stammkunde', ...options.send },
  };
  const sender = createSender(senderDeps);
  let messageKeys = 0;
  /** Plays up to `turns` rounds of both queues (message delays are not waited for). */
  const drain = async (turns = 50) => {
    const errors: string[] = [];
    for (let turn = 0; turn < turns && (audienceQueue.messages.length || sendQueue.messages.length); turn++) {
      for (const { body } of audienceQueue.drain()) await audience(body);
      await Promise.all(
        sendQueue.drain().map(({ body }) => sender(SendWorkSchema.parse(body), `m${++messageKeys}`).catch((e: Error) => errors.push(e.message))),
      );
    }
    return errors;
  };
  return {
    store,
    audienceQueue,
    sendQueue,
    sender,
    /** The sender's deps (to build the send handler around the same stores). */
    senderDeps,
    advance: (ms: number) => (nowMs += ms),
    clock,
    tick: () => runTick(tickDeps, clock.now()),
    drain,
  };
};
