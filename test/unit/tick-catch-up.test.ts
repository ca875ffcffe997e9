// tick's clock: the scheduled time from Scheduler, the persisted watermark, catch-up after an
// outage of any length up to the limit, `missed` occurrences past it, and the per-tick bound.
import { beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { DEFAULT_TICK_CONFIG, runTick, type TickConfig, type TickDeps } from '#core/delivery/tick';
import type { Schedule } from '#core/campaign';
import type { PublishedCampaign } from '#core/delivery-store';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import { createTickHandler } from '../../functions/tick/handler';
import { readTickConfig } from '../../functions/tick/config';
import { scheduleMinutes } from '#local/replay';
import { publishExampleNewsletter } from './delivery-fixtures';

let base: PublishedCampaign;
beforeAll(async () => {
  base = await publishExampleNewsletter();
});

const HOUR = 3_600_000;
const quiet = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

const setup = async (schedules: Record<string, Schedule>, config: Partial<TickConfig> = {}) => {
  const store = createMemoryDeliveryStore();
  for (const [id, schedule] of Object.entries(schedules)) {
    await store.putCampaign({ ...base, campaign: { ...base.campaign, id, schedule } as PublishedCampaign['campaign'] });
  }
  const deps: TickDeps = {
    store,
    audienceQueue: new MemoryWorkQueue<AudienceShard>(),
    sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>(),
    config: { ...DEFAULT_TICK_CONFIG, totalSegments: 1, ...config },
  };
  return { store, deps, tick: (at: string) => runTick(deps, new Date(at)) };
};

const daily = (hhmm: string): Schedule => ({ type: 'cron', cron: `${Number(hhmm.slice(3))} ${Number(hhmm.slice(0, 2))} * * *`, timeZone: 'UTC' });

describe('tick: configuration', () => {
  const env = { TABLE_NAME: 't', AUDIENCE_QUEUE_URL: 'a', SEND_QUEUE_URL: 's' };
  it('defaults the catch-up limit to 24 hours and the per-tick bound to 100 occurrences', () => {
    expect(readTickConfig(env)).toMatchObject({ CATCH_UP_LIMIT_MINUTES: 1440, MAX_OCCURRENCES_PER_TICK: 100 });
    expect(DEFAULT_TICK_CONFIG).toMatchObject({ catchUpLimitMs: 24 * HOUR, maxOccurrencesPerTick: 100 });
  });

  it('rejects a catch-up limit that is not a positive number of minutes, naming the variable', () => {
    expect(() => readTickConfig({ ...env, CATCH_UP_LIMIT_MINUTES: '0' })).toThrow(/^tick config: CATCH_UP_LIMIT_MINUTES: /);
  });
});

describe('tick: scheduled time', () => {
  it('ticks at the scheduledTime Scheduler sends, not at the time the handler runs', async () => {
    const { deps, store } = await setup({ news: daily('08:00') });
    // Delivered 47 minutes late (Scheduler retries): judges 08:00, not the time it runs.
    const handler = createTickHandler(deps, { now: () => new Date('2026-12-01T08:47:00Z'), logger: quiet });
    await store.advanceTickWatermark(new Date('2026-12-01T07:59:00Z'));
    const result = await handler({ scheduledTime: '2026-12-01T08:00:00Z' });
    expect(result.created).toEqual(['news:2026-12-01T08:00Z']);
    expect(result.watermark).toBe('2026-12-01T08:00:00.000Z');
  });

  it('rejects a scheduledTime that is not a time, naming the field', async () => {
    const { deps } = await setup({});
    const handler = createTickHandler(deps, { logger: quiet });
    await expect(handler({ scheduledTime: 'soon' })).rejects.toThrow(/event\.scheduledTime "soon"/);
  });
});

describe('tick: every minute across the DST nights, as Scheduler runs it', () => {
  it.each([
    ['spring forward', '2026-03-28T22:00:00Z', ['night:2026-03-29T01:00Z']],
    ['fall back', '2026-10-24T21:00:00Z', ['night:2026-10-25T00:30Z']],
  ])('creates the one occurrence of a daily 02:30 Europe/Berlin on the %s night, the same the replay ticks', async (_night, start, expected) => {
    const schedule: Schedule = { type: 'cron', cron: '30 2 * * *', timeZone: 'Europe/Berlin' };
    const { tick } = await setup({ night: schedule });
    const created: string[] = [];
    for (let m = 0; m <= 6 * 60; m++) created.push(...(await tick(new Date(Date.parse(start) + m * 60_000).toISOString())).created);
    expect(created).toEqual(expected);
    const end = new Date(Date.parse(start) + 6 * HOUR);
    expect(scheduleMinutes(schedule, new Date(start), end).map((t) => `night:${new Date(t).toISOString().slice(0, 16)}Z`)).toEqual(expected);
  });
});

describe('tick: watermark and catch-up', () => {
  it('starts with the current minute and keeps the watermark at the last tick', async () => {
    const { tick, store } = await setup({ news: daily('08:00') });
    expect((await tick('2026-12-01T08:00:00Z')).created).toEqual(['news:2026-12-01T08:00Z']);
    expect(await store.getTickWatermark()).toEqual(new Date('2026-12-01T08:00:00Z'));
    expect((await tick('2026-12-01T08:00:00Z')).created).toEqual([]);
  });

  it('catches up an occurrence due during a three-hour outage (the 15-minute lookback lost it)', async () => {
    const { tick } = await setup({ news: daily('08:00') });
    await tick('2026-12-01T06:00:00Z');
    const result = await tick('2026-12-01T09:00:00Z');
    expect(result.created).toEqual(['news:2026-12-01T08:00Z']);
    expect(result.missed).toEqual([]);
  });

  it('records occurrences due before the catch-up limit as missed with the reason, and sends the rest', async () => {
    const { tick, store, deps } = await setup({ news: daily('08:00') }, { catchUpLimitMs: 24 * HOUR });
    await tick('2026-12-01T07:00:00Z');
    const result = await tick('2026-12-03T07:00:00Z');
    expect(result.missed).toEqual(['news:2026-12-01T08:00Z']);
    expect(result.created).toEqual(['news:2026-12-02T08:00Z']);
    const missed = await store.getOccurrence('news:2026-12-01T08:00Z');
    expect(missed).toMatchObject({ state: 'missed', scheduledAt: '2026-12-01T08:00:00.000Z' });
    expect(missed?.missedReason).toBe('due 2026-12-01T08:00:00.000Z, first reached by the tick of 2026-12-03T07:00:00.000Z: later than the catch-up limit of 24 h, not sent');
    expect(deps.audienceQueue instanceof MemoryWorkQueue && deps.audienceQueue.messages.map((m) => m.body.occurrenceId)).toEqual(['news:2026-12-02T08:00Z']);
    expect((await store.listOccurrences('news')).map((o) => o.state).sort()).toEqual(['missed', 'running']);
  });

  it('bounds the work per tick and continues on the next tick until it has caught up, creating each occurrence once', async () => {
    const hourly: Schedule = { type: 'cron', cron: '0 * * * *', timeZone: 'Europe/Berlin' };
    const { tick, store } = await setup({ a: hourly, b: hourly }, { maxOccurrencesPerTick: 5 });
    await tick('2026-12-01T00:00:00Z');
    const runs = [];
    for (let i = 0; i < 20; i++) {
      const result = await tick('2026-12-01T10:00:00Z');
      runs.push(result);
      if (!result.backlog) break;
    }
    // 10 hours x 2 campaigns = 20 occurrences; the 5th due time shares its instant with the 6th, and a cut never splits one instant.
    expect(runs.map((r) => r.created.length)).toEqual([6, 6, 6, 2]);
    expect(runs.map((r) => r.backlog)).toEqual([true, true, true, false]);
    const created = runs.flatMap((r) => r.created);
    expect(new Set(created).size).toBe(20);
    expect((await store.listOccurrences('a')).length).toBe(11); // with the one of the first tick, at 00:00Z
    expect(await store.getTickWatermark()).toEqual(new Date('2026-12-01T10:00:00Z'));
  });

  it('never moves the watermark back when a late tick for an older minute finishes last', async () => {
    const { tick, store } = await setup({ news: daily('08:00') });
    await tick('2026-12-01T08:05:00Z');
    const late = await tick('2026-12-01T08:01:00Z');
    expect(late.created).toEqual([]);
    expect(await store.getTickWatermark()).toEqual(new Date('2026-12-01T08:05:00Z'));
  });

  it('keeps the watermark before an occurrence another tick is still fanning out, and re-fans it once that tick is presumed dead', async () => {
    const { tick, store } = await setup({ news: daily('08:00') }, { refanAfterMs: 2 * 60_000 });
    await tick('2026-12-01T07:59:00Z');
    // A tick created the occurrence at 08:00 and died before its fan-out.
    await store.createOccurrence({ occurrenceId: 'news:2026-12-01T08:00Z', campaignId: 'news', scheduledAt: '2026-12-01T08:00:00.000Z', state: 'created', totalSegments: 1, createdAt: '2026-12-01T08:00:00.000Z', stats: {} });
    const early = await tick('2026-12-01T08:01:00Z');
    expect(early.refanned).toEqual([]);
    expect(await store.getTickWatermark()).toEqual(new Date('2026-12-01T07:59:59.999Z'));
    const later = await tick('2026-12-01T08:02:00Z');
    expect(later.refanned).toEqual(['news:2026-12-01T08:00Z']);
    expect((await store.getOccurrence('news:2026-12-01T08:00Z'))?.state).toBe('running');
    expect(await store.getTickWatermark()).toEqual(new Date('2026-12-01T08:02:00Z'));
  });

  it('reads at most six hours of due-delivery buckets per tick and releases the rest on the next ticks', async () => {
    const { tick, store } = await setup({});
    await tick('2026-12-01T00:00:00Z');
    await store.putDueDelivery({ deliveryId: 'd2', dueAt: '2026-12-01T10:00:00.000Z', occurrenceId: 'flow:y', campaignId: 'flow', customerId: 'c2' });
    const first = await tick('2026-12-01T20:00:00Z');
    expect(first).toMatchObject({ deliveriesReleased: 0, backlog: true, watermark: '2026-12-01T06:00:00.000Z' });
    const second = await tick('2026-12-01T20:00:00Z');
    expect(second).toMatchObject({ deliveriesReleased: 1, backlog: true, watermark: '2026-12-01T12:00:00.000Z' });
    await tick('2026-12-01T20:00:00Z');
    expect(await tick('2026-12-01T20:00:00Z')).toMatchObject({ backlog: false, watermark: '2026-12-01T20:00:00.000Z' });
  });

  it('releases due deliveries of every minute since the watermark after an outage', async () => {
    const { tick, store, deps } = await setup({});
    await tick('2026-12-01T06:00:00Z');
    await store.putDueDelivery({ deliveryId: 'd1', dueAt: '2026-12-01T06:30:00.000Z', occurrenceId: 'flow:x', campaignId: 'flow', customerId: 'c1' });
    const result = await tick('2026-12-01T07:00:00Z');
    expect(result.deliveriesReleased).toBe(1);
    expect((deps.sendQueue as MemoryWorkQueue<SendWorkInput>).messages.map((m) => m.body.customerIds)).toEqual([['c1']]);
  });
});

describe('tick: due deliveries written late', () => {
  it('releases a due delivery whose write landed after the tick that covered its minute', async () => {
    const { store, deps, tick } = await setup({});
    await tick('2026-12-01T08:00:00.000Z');
    await tick('2026-12-01T08:01:00.000Z');
    // An ingest that read its clock at 07:59:50 and wrote after both ticks.
    await store.putDueDelivery({ deliveryId: 'late', dueAt: '2026-12-01T07:59:50.000Z', occurrenceId: 'flow:late', campaignId: 'flow', customerId: 'c1' });
    expect((await tick('2026-12-01T08:02:00.000Z')).deliveriesReleased).toBe(1);
    expect((deps.sendQueue as MemoryWorkQueue<SendWorkInput | SendWork>).drain().map((m) => m.body.customerIds)).toEqual([['c1']]);
  });
});

