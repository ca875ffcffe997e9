// Issue 8, points 10 and 11: audience shards follow the profile count, a shard continues from its
// cursor (time or rate budget) without losing or repeating a profile, and its continuations are
// delayed so the send queue never fills faster than the account's rate drains it.
import { describe, expect, it } from 'vitest';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryStore } from '#adapters/memory-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { scanningProfileCounter } from '#adapters/profile-count';
import { audienceShardsFor, createAudienceWorker, DEFAULT_AUDIENCE_CONFIG, MAX_DELAY_SECONDS, PROFILES_PER_SHARD, type AudienceConfig } from '#core/delivery/audience';
import { occurrenceIdFor } from '#core/delivery/occurrence';
import { DEFAULT_TICK_CONFIG, runTick } from '#core/delivery/tick';
import { profilePortsFrom } from '#core/delivery/seams';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import type { Profile } from '#core/profile';
import { makeProfile, publishExampleNewsletter } from './delivery-fixtures';

const CAMPAIGN = 'newsletter-monthly';
const DUE = new Date('2026-12-01T08:00:30.000Z');

/** N profiles in the in-memory customer store; every third one has 0 points. */
const seeded = async (count: number) => {
  const customers = createMemoryStore();
  for (let i = 0; i < count; i++) {
    const profile: Profile = makeProfile(i, { points: i % 3 === 0 ? 0 : 10 });
    await customers.applyAtomically(profile.customerId, `seed-${i}`, () => ({ profile, ownEvents: [] }));
  }
  return customers;
};

const audienceWorld = async (count: number, config: Partial<AudienceConfig>) => {
  const customers = await seeded(count);
  const store = createMemoryDeliveryStore();
  await store.putCampaign(await publishExampleNewsletter({ id: CAMPAIGN }));
  const occurrenceId = occurrenceIdFor(CAMPAIGN, DUE);
  await store.createOccurrence({ occurrenceId, campaignId: CAMPAIGN, scheduledAt: DUE.toISOString(), state: 'running', totalSegments: 3, createdAt: DUE.toISOString(), stats: {} });
  const audienceQueue = new MemoryWorkQueue<AudienceShard>();
  const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
  const work = createAudienceWorker({
    store,
    scanner: profilePortsFrom(customers),
    sendQueue,
    audienceQueue,
    compileAudience: () => (profile) => profile.points > 0,
    config: { ...DEFAULT_AUDIENCE_CONFIG, ...config },
  });
  const shards: AudienceShard[] = [0, 1, 2].map((segment) => ({ occurrenceId, campaignId: CAMPAIGN, segment, totalSegments: 3 }));
  return { work, audienceQueue, sendQueue, shards };
};

const queuedIds = (queue: MemoryWorkQueue<SendWorkInput | SendWork>) => queue.drain().flatMap(({ body }) => body.customerIds);
const expectedIds = (count: number) => Array.from({ length: count }, (_, i) => makeProfile(i).customerId).filter((_, i) => i % 3 !== 0);

describe('audience: continuation', () => {
  it('continues a shard from its cursor when the time runs short, losing and repeating no profile', async () => {
    const { work, audienceQueue, sendQueue, shards } = await audienceWorld(2345, { pageSize: 100 });
    // A Lambda with time for two pages per invocation.
    let pending: AudienceShard[] = shards;
    let invocations = 0;
    while (pending.length > 0) {
      for (const shard of pending) {
        let pages = 0;
        invocations++;
        const result = await work(shard, () => (++pages >= 2 ? 1_000 : 60_000));
        if (result.continued) expect(result.stoppedBy).toBe('time');
      }
      pending = audienceQueue.drain().map((m) => m.body);
    }
    const ids = queuedIds(sendQueue);
    expect(invocations).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expectedIds(2345).sort());
  });
});

describe('audience: back-pressure', () => {
  it('stops a hop once it queued what its share of the rate sends in 900 s, and delays the continuation by that time', async () => {
    // 1 mail/s over 3 shards: a hop may queue 300 recipients, then waits 900 s.
    const { work, audienceQueue, sendQueue, shards } = await audienceWorld(3000, { pageSize: 1000, sendRatePerSecond: 1 });
    const shareRate = 1 / 3;
    let pending = shards.map((body) => ({ body, delaySeconds: 0 }));
    const all: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      for (const { body } of pending) {
        const result = await work(body);
        hops++;
        const queued = queuedIds(sendQueue);
        all.push(...queued);
        expect(queued.length).toBeLessThanOrEqual(Math.floor(shareRate * MAX_DELAY_SECONDS));
        if (result.continued) {
          expect(result.stoppedBy).toBe('rate');
          // The wait covers what this hop queued at the shard's share of the rate.
          expect(result.delaySeconds).toBe(Math.min(MAX_DELAY_SECONDS, Math.ceil(queued.length / shareRate)));
          expect((result.delaySeconds ?? 0) * shareRate).toBeGreaterThanOrEqual(queued.length);
        }
      }
      pending = audienceQueue.drain().map((m) => ({ body: m.body, delaySeconds: m.delaySeconds ?? 0 }));
      for (const message of pending) expect(message.delaySeconds).toBeGreaterThan(0);
    }
    expect(hops).toBeGreaterThan(3);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(expectedIds(3000).sort());
  });

  it('scans a shard to its end in one hop when no rate is configured (a local run)', async () => {
    const { work, audienceQueue, sendQueue, shards } = await audienceWorld(600, { pageSize: 50 });
    for (const shard of shards) expect((await work(shard)).continued).toBe(false);
    expect(audienceQueue.messages).toEqual([]);
    expect(queuedIds(sendQueue).sort()).toEqual(expectedIds(600).sort());
  });
});

describe('audience: shard count', () => {
  it('gives one shard per 100,000 profiles, at least 1 and at most 1000', () => {
    expect(PROFILES_PER_SHARD).toBe(100_000);
    expect([0, 1, 100_000, 100_001, 1_234_567, 10_000_000, 2_000_000_000].map((n) => audienceShardsFor(n))).toEqual([1, 1, 1, 2, 13, 100, 1000]);
  });

  it('fans an occurrence out to as many shards as the profile count asks for', async () => {
    for (const [profiles, shards] of [
      [1_234_567, 13],
      [10_000_000, 100],
    ] as const) {
      const store = createMemoryDeliveryStore();
      await store.putCampaign(await publishExampleNewsletter({ id: CAMPAIGN }));
      const audienceQueue = new MemoryWorkQueue<AudienceShard>();
      const counter = { approximateProfileCount: async () => profiles };
      const result = await runTick({ store, audienceQueue, sendQueue: new MemoryWorkQueue(), config: DEFAULT_TICK_CONFIG, profileCounter: counter }, DUE);
      expect(result.created).toHaveLength(1);
      expect(result.shardsQueued).toBe(shards);
      expect(audienceQueue.messages.map((m) => m.body.totalSegments)).toEqual(Array.from({ length: shards }, () => shards));
      expect((await store.getOccurrence(result.created[0]!))?.totalSegments).toBe(shards);
    }
  });

  it('counts profiles exactly in memory, the twin of the DynamoDB index ItemCount', async () => {
    expect(await scanningProfileCounter(await seeded(2345)).approximateProfileCount()).toBe(2345);
  });
});
