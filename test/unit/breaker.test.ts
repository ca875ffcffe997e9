import { beforeAll, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { createMemoryBreakerStore, createMemoryFeedbackStore } from '#adapters/memory-feedback-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryStore } from '#adapters/memory-store';
import {
  BREAKER_PAUSE_REASON,
  DEFAULT_BREAKER_CONFIG,
  breakerMode,
  breakerReleases,
  cachedBreaker,
  checkReputation,
  judgeWindow,
  liftBreaker,
  parseBreakerConfig,
  tripped,
  type BreakerConfig,
} from '#core/delivery/breaker';
import { suppressionsFrom } from '#core/delivery/feedback';
import type { PublishedCampaign } from '#core/delivery-store';
import type { ShopInfo } from '#core/render';
import { breakerCheck, createFeedbackHandler } from '../../functions/feedback/handler';
import { createPipeline, exampleShop, makeProfile, publishExampleNewsletter } from './delivery-fixtures';
import { sesEvent, sqsBatch } from './ses-events';
import { breakerStoreContract } from './breaker-store-contract';

breakerStoreContract('memory', async () => createMemoryBreakerStore());

const config: BreakerConfig = DEFAULT_BREAKER_CONFIG;
const now = new Date('2026-12-01T08:30:00Z');
const quiet = new Logger({ serviceName: 'feedback', logLevel: 'SILENT' });

describe('breaker: judging the window', () => {
  it('trips above a 4% bounce rate over at least 500 mails', () => {
    expect(judgeWindow([{ sends: 500, bounces: 21, complaints: 0 }], config)).toBe('bounce rate 4.20% (21 of 500 mails) above 4.00% over the last 500 mails');
    expect(judgeWindow([{ sends: 500, bounces: 20, complaints: 0 }], config)).toBeUndefined();
  });

  it('trips above a 0.08% complaint rate', () => {
    expect(judgeWindow([{ sends: 1000, bounces: 0, complaints: 1 }], config)).toMatch(/^complaint rate 0\.100% \(1 of 1000 mails\) above 0\.080%/);
    expect(judgeWindow([{ sends: 2000, bounces: 0, complaints: 1 }], config)).toBeUndefined();
  });

  it('judges nothing below 500 mails, however bad', () => {
    expect(judgeWindow([{ sends: 499, bounces: 499, complaints: 0 }], config)).toBeUndefined();
  });

  it('stops at the newest hours that cover 500 mails', () => {
    // The newest 600 mails are clean; an older bad hour is not part of "the last 500".
    expect(judgeWindow([{ sends: 600, bounces: 5, complaints: 0 }, { sends: 1000, bounces: 900, complaints: 0 }], config)).toBeUndefined();
  });

  it('reads its limits from BREAKER_CONFIG and rejects limits at or above SES review thresholds', () => {
    expect(parseBreakerConfig('{"maxBounceRate":0.03,"coolDownMinutes":60}')).toMatchObject({ maxBounceRate: 0.03, coolDownMinutes: 60, minSends: 500 });
    expect(() => parseBreakerConfig('{"maxBounceRate":0.05}')).toThrow(/maxBounceRate 0.05: must be above 0 and below SES's 0.05/);
    expect(() => parseBreakerConfig('{"minSends":100}')).toThrow(/minSends 100: must be a whole number of at least 500/);
    expect(() => parseBreakerConfig('{"minSend":600}')).toThrow(/^BREAKER_CONFIG\./);
  });
});

describe('breaker: tripping through feedback', () => {
  it('trips when a batch of permanent bounces pushes the rate over the limit, with its reason stored', async () => {
    const feedback = createMemoryFeedbackStore();
    const breaker = createMemoryBreakerStore();
    const customers = createMemoryStore();
    await feedback.addReputation('2026-12-01T08', 1, { sends: 480, bounces: 0, complaints: 0 });
    const handler = createFeedbackHandler(
      { store: createMemoryDeliveryStore(), suppressions: suppressionsFrom(customers), feedback },
      { logger: quiet, shard: () => 0, afterBatch: breakerCheck({ breaker, feedback }, config, quiet) },
    );
    const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
    const bounces = Array.from({ length: 21 }, (_, i) => sesEvent('bounce-permanent', { occurrenceId, customerId: `c${i}` }, { time: '2026-12-01T08:20:00Z' }));
    await handler(sqsBatch(bounces) as unknown as SQSEvent);
    const state = await breaker.getBreaker();
    expect(state).toMatchObject({ state: 'tripped', reason: 'bounce rate 4.19% (21 of 501 mails) above 4.00% over the last 501 mails', trippedAt: '2026-12-01T08:20:00.000Z' });
    expect(breakerMode(state, now)).toBe('tripped');
  });

  it('keeps a batch handled when the breaker check fails', async () => {
    const feedback = createMemoryFeedbackStore();
    const handler = createFeedbackHandler(
      { store: createMemoryDeliveryStore(), suppressions: suppressionsFrom(createMemoryStore()), feedback },
      { logger: quiet, afterBatch: async () => Promise.reject(new Error('breaker store unavailable')) },
    );
    const event = sesEvent('delivery', { occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', customerId: 'c1' });
    expect(await handler(sqsBatch([event]) as unknown as SQSEvent)).toEqual({ batchItemFailures: [] });
  });

  it('does not read the window for a batch without bounces or complaints', async () => {
    const breaker = createMemoryBreakerStore();
    let reads = 0;
    await checkReputation({ breaker, readWindow: async () => (reads++, []) }, { sends: 100, bounces: 0, complaints: 0 }, config, now);
    expect(reads).toBe(0);
  });
});

describe('breaker: the send path and resuming', () => {
  let published: PublishedCampaign;
  let shop: ShopInfo;
  const due = new Date('2026-12-01T08:00:30.000Z');
  const profiles = Array.from({ length: 150 }, (_, i) => makeProfile(i));

  beforeAll(async () => {
    published = await publishExampleNewsletter();
    shop = await exampleShop();
  });

  const setup = async (breakerConfig: BreakerConfig = config, campaign = published) => {
    const breaker = createMemoryBreakerStore();
    const mailer = new OutboxMailer();
    let clockMs = due.getTime();
    const at = () => new Date(clockMs);
    const p = await createPipeline({
      profiles,
      mailer,
      published: campaign,
      shop,
      now: due,
      breaker: cachedBreaker(breaker, breakerConfig, at, 0),
      breakerReleases: () => breakerReleases(breaker, breakerConfig, at()),
    });
    const advance = (ms: number) => {
      clockMs += ms;
      p.advance(ms);
    };
    return { ...p, breaker, mailer, advance, at };
  };

  it('holds marketing mail while tripped: the occurrence pauses with the breaker as its reason', async () => {
    const t = await setup();
    await t.breaker.putBreaker(tripped('bounce rate 5%', due, config), undefined);
    await t.tick();
    expect(await t.drain()).toEqual([]);
    expect(t.mailer.sent).toHaveLength(0);
    const [occurrence] = await t.store.listOccurrences('newsletter-monthly');
    expect(occurrence).toMatchObject({ state: 'paused', pausedReason: BREAKER_PAUSE_REASON });
    expect((await t.store.listPausedOccurrences())[0]?.cause).toBe('breaker');
  });

  it('lets transactional mail through while tripped', async () => {
    const transactional = { ...published, campaign: { ...published.campaign, capClass: 'transactional' as const } };
    const t = await setup(config, transactional);
    await t.breaker.putBreaker(tripped('bounce rate 5%', due, config), undefined);
    await t.tick();
    await t.drain();
    expect(t.mailer.sent.length).toBeGreaterThan(0);
  });

  it('sends the held mail after a person lifts the breaker and the next tick', async () => {
    const t = await setup();
    await t.breaker.putBreaker(tripped('bounce rate 5%', due, config), undefined);
    await t.tick();
    await t.drain();
    const before = t.mailer.sent.length;
    expect(await liftBreaker(t.breaker, t.at())).toBe(true);
    expect(await liftBreaker(t.breaker, t.at())).toBe(false);
    t.advance(60_000);
    const tick = await t.tick();
    expect(tick.resumed).toHaveLength(1);
    await t.drain();
    expect(before).toBe(0);
    expect(t.mailer.sent.length).toBe(new Set(t.mailer.sent.map((m) => m.to)).size);
    expect(t.mailer.sent.length).toBeGreaterThan(100);
    expect(await t.breaker.getBreaker()).toMatchObject({ state: 'closed', liftedBy: 'person' });
  });

  it('keeps holding during the cool-down, then sends only the test batch', async () => {
    const small = { ...config, coolDownMinutes: 60, testBatch: 50 };
    const t = await setup(small);
    await t.breaker.putBreaker(tripped('bounce rate 5%', due, small), undefined);
    await t.tick();
    await t.drain();
    t.advance(30 * 60_000);
    expect((await t.tick()).resumed ?? []).toHaveLength(0);
    t.advance(31 * 60_000);
    expect((await t.tick()).resumed).toHaveLength(1);
    await t.drain();
    const sent = t.mailer.sent.length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(50);
    expect((await t.store.listOccurrences('newsletter-monthly'))[0]?.state).toBe('paused');
  });

  it('lifts itself after a clean test batch and trips again after a bad one', async () => {
    const small = { ...config, coolDownMinutes: 60, testBatch: 50 };
    const breaker = createMemoryBreakerStore();
    const start = tripped('bounce rate 5%', due, small);
    await breaker.putBreaker(start, undefined);
    const later = new Date(due.getTime() + 61 * 60_000);
    const readWindow = async () => [];
    expect(await checkReputation({ breaker, readWindow }, { sends: 30, bounces: 0, complaints: 0 }, small, later)).toBeUndefined();
    expect(await checkReputation({ breaker, readWindow }, { sends: 20, bounces: 0, complaints: 0 }, small, later)).toMatchObject({ state: 'closed', liftedBy: 'test batch' });

    const again = createMemoryBreakerStore();
    await again.putBreaker(start, undefined);
    const verdict = await checkReputation({ breaker: again, readWindow }, { sends: 50, bounces: 5, complaints: 0 }, small, later);
    expect(verdict).toMatchObject({ state: 'tripped', reason: 'test batch after the cool-down: bounce rate 10.00% (5 of 50 mails) above 4.00%' });
  });

  it('reads the breaker once per cache period, not per message', async () => {
    const breaker = createMemoryBreakerStore();
    let reads = 0;
    const counting = { ...breaker, getBreaker: () => (reads++, breaker.getBreaker()) };
    const gate = cachedBreaker(counting, config, () => now, 60_000);
    for (let i = 0; i < 20; i++) expect(await gate.holds(50)).toBe(false);
    expect(reads).toBe(1);
  });
});
