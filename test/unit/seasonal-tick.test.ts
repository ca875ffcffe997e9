// What tick prepares for seasonal campaigns, and that a tick with nothing due does no
// per-customer work (core/delivery/seasonal.ts, tick.ts).
import { describe, expect, it } from 'vitest';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { Campaign } from '#core/campaign';
import { runTick, DEFAULT_TICK_CONFIG } from '#core/delivery/tick';
import { scanInstant, seasonalDueTimes } from '#core/delivery/seasonal';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import type { DeliveryStore } from '#core/delivery-store';
import { createMemoryStore } from '#adapters/memory-store';
import { createAudienceWorker, DEFAULT_AUDIENCE_CONFIG } from '#core/delivery/audience';
import { compilePublishedAudience, profilePortsFrom } from '#core/delivery/seams';
import { DEFAULT_SHOP_DELIVERY } from '#core/delivery/local-time';
import { aProfile } from '#test/fixtures/profile';

const seasonal = (id: string, occasion: unknown) =>
  Campaign.parse({
    kind: 'seasonal',
    id,
    name: id,
    status: 'active',
    topic: 'greetings',
    audience: { rule: { type: 'consent', status: 'confirmed' } },
    occasion,
    template: { layout: 'greeting', defaultLocale: 'de', content: { de: { subject: 'Hallo', preheader: '', blocks: [{ type: 'text', text: 'Hallo' }] } } },
  });

describe('seasonal: what tick prepares', () => {
  it('prepares each local birthday date at 00:00Z of the day before, in the occasion-year of that date', () => {
    const due = seasonalDueTimes('birthday', { type: 'birthday' }, new Date('2026-12-29T12:00:00Z'), new Date('2027-01-01T12:00:00Z'), 'DE');
    expect(due.map((d) => [d.at.toISOString(), d.birthdayDate, d.occurrenceId])).toEqual([
      ['2026-12-30T00:00:00.000Z', '2026-12-31', 'birthday:2026'],
      ['2026-12-31T00:00:00.000Z', '2027-01-01', 'birthday:2027'],
      ['2027-01-01T00:00:00.000Z', '2027-01-02', 'birthday:2027'],
    ]);
  });

  it('scans a yearly occasion two days before its earliest date anywhere', () => {
    expect(scanInstant({ type: 'easter', offsetDays: 0 }, 2027, 'DE')?.toISOString()).toBe('2027-03-26T00:00:00.000Z');
    // Mothering Sunday (UK, 7 March 2027) comes before the second Sunday of May.
    expect(scanInstant({ type: 'mothersDay' }, 2027, 'DE')?.toISOString()).toBe('2027-03-05T00:00:00.000Z');
    const due = seasonalDueTimes('easter', { type: 'easter', offsetDays: 0 }, new Date('2027-03-25T23:59:00Z'), new Date('2027-03-26T00:00:00Z'), 'DE');
    expect(due.map((d) => d.occurrenceId)).toEqual(['easter:2027']);
  });

  it('creates the occasion-year once however often tick runs over the same time', async () => {
    const store = createMemoryDeliveryStore();
    const published = { campaign: seasonal('easter', { type: 'easter', offsetDays: 0 }), segments: {}, publishedAt: '2027-01-01T00:00:00.000Z' };
    await store.putCampaign(published);
    const audienceQueue = new MemoryWorkQueue<AudienceShard>();
    const deps = { store, audienceQueue, sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>(), config: { ...DEFAULT_TICK_CONFIG, totalSegments: 2 } };
    const first = await runTick(deps, new Date('2027-03-26T00:00:00Z'));
    const again = await runTick(deps, new Date('2027-03-26T00:00:00Z'));
    expect(first.created).toEqual(['easter:2027']);
    expect(again.created).toEqual([]);
    expect(audienceQueue.drain().map((m) => m.body.occurrenceId)).toEqual(['easter:2027', 'easter:2027']);
  });

  it('does no per-customer work on a tick with nothing due: the same few store calls whatever the audience', async () => {
    const calls: string[] = [];
    const base = createMemoryDeliveryStore();
    await base.putCampaign({ campaign: seasonal('birthday', { type: 'birthday' }), segments: {}, publishedAt: '2027-01-01T00:00:00.000Z' });
    await base.putCampaign({ campaign: seasonal('easter', { type: 'easter', offsetDays: 0 }), segments: {}, publishedAt: '2027-01-01T00:00:00.000Z' });
    await base.advanceTickWatermark(new Date('2027-06-03T13:36:00Z'));
    const store = new Proxy(base, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? (...args: unknown[]) => (calls.push(String(key)), (value as (...a: unknown[]) => unknown).apply(target, args)) : value;
      },
    }) as DeliveryStore;
    const audienceQueue = new MemoryWorkQueue<AudienceShard>();
    const result = await runTick({ store, audienceQueue, sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>(), config: DEFAULT_TICK_CONFIG }, new Date('2027-06-03T13:37:00Z'));
    expect(result.created).toEqual([]);
    expect(audienceQueue.messages).toHaveLength(0);
    // One question for the next non-empty due bucket from five minutes behind the watermark (late
    // writes) to now, and no bucket read when there is none (it was one read per minute).
    expect(calls.sort()).toEqual(['advanceTickWatermark', 'getTickWatermark', 'listCampaigns', 'listPausedOccurrences', 'nextDueBucket']);
  });
});

describe('seasonal: birthdays from the birthday index', () => {
  const leapling = aProfile({ customerId: 'leap', email: 'leap@example.com', timeZone: 'Europe/Berlin', birthday: '2000-02-29', consent: { status: 'confirmed', confirmedAt: '2026-01-01T00:00:00.000Z' } });
  const birthdayCampaign = () =>
    ({ ...seasonal('birthday', { type: 'birthday' }), audience: { rule: { type: 'all', rules: [{ type: 'consent', status: 'confirmed' }, { type: 'birthday', withinDays: 0 }] } } }) as Campaign;

  const dueFor = async (birthdayDate: string, leapDayBirthday: 'feb28' | 'mar1') => {
    const customers = createMemoryStore();
    await customers.applyAtomically('leap', 'seed', () => ({ profile: leapling, ownEvents: [] }));
    const store = createMemoryDeliveryStore();
    await store.putCampaign({ campaign: Campaign.parse(birthdayCampaign()), segments: {}, publishedAt: '2027-01-01T00:00:00.000Z' });
    await store.createOccurrence({ occurrenceId: 'birthday:2027', campaignId: 'birthday', scheduledAt: '2027-01-01T00:00:00.000Z', state: 'running', totalSegments: 1, createdAt: '2027-01-01T00:00:00.000Z', stats: {} });
    const people = profilePortsFrom(customers);
    const work = createAudienceWorker({
      store,
      scanner: people,
      birthdays: people,
      shop: { ...DEFAULT_SHOP_DELIVERY, leapDayBirthday },
      sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>(),
      audienceQueue: new MemoryWorkQueue<AudienceShard>(),
      compileAudience: compilePublishedAudience,
      config: DEFAULT_AUDIENCE_CONFIG,
    });
    await work({ occurrenceId: 'birthday:2027', campaignId: 'birthday', segment: 0, totalSegments: 1, birthdayDate });
    const day = `${birthdayDate}T08:00`;
    return (await store.listDueDeliveries(day)).items.map((d) => d.dueAt);
  };

  it('puts a 29 February birthday on 28 February 2027 at the local send time', async () => {
    expect(await dueFor('2027-02-28', 'feb28')).toEqual(['2027-02-28T08:00:00.000Z']);
  });

  it('puts it on 1 March with the shop option, even with a "birthday today" audience rule', async () => {
    expect(await dueFor('2027-03-01', 'mar1')).toEqual(['2027-03-01T08:00:00.000Z']);
    expect(await dueFor('2027-03-01', 'feb28')).toEqual([]);
  });
});
