// The send path under faults: Lambda deadlines, a recipient's error, lost write responses, the
// daily quota, and the automatic resume of paused occurrences.
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { FakeSes } from '#adapters/fake-ses';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { classifySesError, encodeAddress } from '#adapters/ses-mailer';
import { lazyHandler } from '../../functions/send/handler';
import { SendWork, type SendWorkInput } from '#core/delivery/messages';
import { parkWork, pauseOccurrence, resumeOccurrence, resumePausedOccurrences } from '#core/delivery/resume';
import { sendBatchSize, sendSizing } from '#core/delivery/pacing';
import { DEFAULT_TICK_CONFIG, runTick } from '#core/delivery/tick';
import type { AccountStatus } from '#core/delivery/ports';
import type { PublishedCampaign } from '#core/delivery-store';
import type { ShopInfo } from '#core/render';
import { createPipeline, exampleShop, makeProfile, publishExampleNewsletter } from './delivery-fixtures';
import { createSimSend, faultyWrites } from './delivery-sim';
import { capturingMetrics } from '#test/fixtures/metrics';

const due = new Date('2026-12-01T08:00:30.000Z');
const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
let published: PublishedCampaign;
let shop: ShopInfo;
const publishedCampaign = () => published;
beforeAll(async () => {
  published = await publishExampleNewsletter();
  shop = await exampleShop();
});

/** Readers the example segment selects (odd numbers: confirmed, subscribed). */
const readers = (n: number, from = 1) => Array.from({ length: n }, (_, i) => makeProfile(from + 2 * i));

describe('delivery faults: the Lambda deadline', () => {
  it('strands no recipient as uncertain when a slow rate meets the timeout, and sends each once', async () => {
    // 2 mails/s, 60 s timeout, ten messages of 50 per batch: a batch needs 250 s.
    const sim = await createSimSend({ profiles: readers(300), published, shop, start: due, ratePerSecond: 2, timeoutMs: 60_000, batchSize: 10 });
    await sim.enqueue(readers(300).map((p) => p.customerId));
    await sim.run(100);
    const report = sim.report();
    expect(report).toMatchObject({ sent: 300, lost: 0, duplicates: 0, uncertain: 0, timeouts: 0, redeliveries: 0 });
    expect(report.maxPerSecond).toBeLessThanOrEqual(2);
    expect((await sim.store.getOccurrence(occurrenceId))?.stats.deferred).toBeGreaterThan(0);
  });

  it('hands unstarted recipients back as a fresh message on the same hop', async () => {
    const sim = await createSimSend({ profiles: readers(50), published, shop, start: due, ratePerSecond: 1, timeoutMs: 20_000, batchSize: 1 });
    await sim.enqueue(readers(50).map((p) => p.customerId));
    await sim.invoke();
    // 20 s minus the 10 s margin at 1 mail/s: about ten started, the rest handed back at hop 0.
    expect(sim.ses.accepted.length).toBeGreaterThanOrEqual(9);
    expect(sim.ses.accepted.length).toBeLessThanOrEqual(11);
    expect(sim.queue).toHaveLength(1);
    expect(sim.queue[0]!.body).toMatchObject({ hop: 0 });
    expect(sim.queue[0]!.body.customerIds).toHaveLength(50 - sim.ses.accepted.length);
  });

  it('sizes the send batch so that it fits the timeout at the instance share of the rate', () => {
    expect(sendBatchSize({ ratePerSecond: 14, concurrency: 4, timeoutSeconds: 60, marginSeconds: 10, recipientsPerMessage: 50 })).toBe(3);
    expect(sendBatchSize({ ratePerSecond: 1, concurrency: 4, timeoutSeconds: 60, marginSeconds: 10, recipientsPerMessage: 50 })).toBe(1);
    expect(sendBatchSize({ ratePerSecond: 500, concurrency: 4, timeoutSeconds: 60, marginSeconds: 10, recipientsPerMessage: 50 })).toBe(10);
  });

  it('sizes send instances from the rate: two small ones for slow accounts, more and larger for fast ones', () => {
    expect(sendSizing(1)).toEqual({ concurrency: 2, memoryMb: 512 });
    expect(sendSizing(14)).toEqual({ concurrency: 2, memoryMb: 512 });
    expect(sendSizing(200)).toEqual({ concurrency: 4, memoryMb: 1024 });
    expect(sendSizing(10_000)).toEqual({ concurrency: 50, memoryMb: 1024 });
  });
});

describe('delivery faults: one recipient at a time', () => {
  it('sends the others and re-queues only the recipient whose step threw', async () => {
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles: readers(5), mailer, published, shop, now: due });
    const original = mailer.send.bind(mailer);
    mailer.send = async (mail) => {
      if (mail.to === 'customer3@example.com') throw new Error('socket closed by a bug');
      return original(mail);
    };
    const work = SendWork.parse({ occurrenceId, campaignId: 'newsletter-monthly', customerIds: readers(5).map((x) => x.customerId) });
    const result = await p.sender(work, 'm1');
    expect(result.tally).toEqual({ sent: 4, errored: 1 });
    expect(mailer.sent).toHaveLength(4);
    expect(p.sendQueue.messages.map((m) => m.body.customerIds)).toEqual([['c00003']]);
    expect((await p.store.listOccurrences('newsletter-monthly'))).toEqual([]);
    expect(p.store.occurrences.get(occurrenceId)?.stats).toEqual({ sent: 4, errored: 1 });
  });

  it('resolves lost write responses by reading: every mail once, none left in progress', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    const work = SendWork.parse({ occurrenceId, campaignId: 'newsletter-monthly', customerIds: readers(20).map((x) => x.customerId) });
    const lossy = await createPipeline({ profiles: readers(20), mailer: ses, published, shop, now: due, wrapStore: faultyWrites });
    const result = await lossy.sender(work, 'm1');
    expect(result.tally).toEqual({ sent: 20 });
    expect(ses.accepted).toHaveLength(20);
    for (const reader of readers(20)) expect((await lossy.store.getLedger({ occurrenceId, customerId: reader.customerId }))?.state).toBe('sent');
    // The cap slots were taken once each, by this occurrence.
    expect([...lossy.store.capSlots.values()].every((slots) => slots.filter(Boolean).length === 1)).toBe(true);
  });
});

describe('delivery faults: the daily quota and resuming', () => {
  it('tells a spent daily quota from rate throttling by the SES message', () => {
    expect(classifySesError(Object.assign(new Error('Daily message quota exceeded.'), { name: 'TooManyRequestsException' })).kind).toBe('quota');
    expect(classifySesError(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' })).kind).toBe('throttled');
  });

  it('pauses on a spent quota instead of burning hops, and tick resumes once the quota has room', async () => {
    const profiles = readers(40);
    const sim = await createSimSend({ profiles, published, shop, start: due, ratePerSecond: 10, max24HourSend: 15 });
    await sim.enqueue(profiles.map((p) => p.customerId));
    await sim.run();
    const report = sim.report();
    expect(report).toMatchObject({ sent: 40, lost: 0, duplicates: 0, uncertain: 0 });
    const occurrence = await sim.store.getOccurrence(sim.occurrenceId);
    expect(occurrence?.state).toBe('running');
    expect(occurrence?.stats.held).toBeGreaterThan(0);
    expect(occurrence?.stats.retried ?? 0).toBe(0);
    // Two quota days passed in between: 15 + 15 + 10.
    expect(report.simulatedSeconds).toBeGreaterThan(2 * 86_400);
  });

  it('pauses when GetAccount shows the quota spent although SES said only "throttled"', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    ses.failWith = { kind: 'throttled', reason: 'Throttling: Rate exceeded' };
    const spent = { accountStatus: async (): Promise<AccountStatus> => ({ sendingEnabled: true, enforcementStatus: 'HEALTHY', max24HourSend: 200, sentLast24Hours: 200, maxSendRate: 14 }) };
    const p = await createPipeline({ profiles: readers(3), mailer: ses, published, shop, now: due, send: { throttleRetries: 1, throttleBaseMs: 1 }, account: spent });
    const work = SendWork.parse({ occurrenceId, campaignId: 'newsletter-monthly', customerIds: readers(3).map((x) => x.customerId) });
    const result = await p.sender(work, 'm1');
    expect(result.paused).toMatch(/^DailyQuotaExceeded/);
    expect(result.requeued).toBe(0);
    expect((await p.store.listHeldWork(occurrenceId)).flatMap((h) => h.work.customerIds).sort()).toEqual(['c00001', 'c00003', 'c00005']);
  });

  it('resumes what the account paused once SES can send again, never what a person paused', async () => {
    const store = createMemoryDeliveryStore();
    const sendQueue = new MemoryWorkQueue<SendWorkInput>();
    let status: AccountStatus = { sendingEnabled: false, enforcementStatus: 'HEALTHY', max24HourSend: 100, sentLast24Hours: 0, maxSendRate: 14 };
    const account = { accountStatus: async () => status };
    const clock = { now: () => due };
    await pauseOccurrence({ store, clock }, 'a:1', 'SendingPausedException: paused', 'account');
    await pauseOccurrence({ store, clock }, 'b:1', 'checking the offer text');
    await store.holdWork({ occurrenceId: 'a:1', campaignId: 'a', customerIds: ['c1'], hop: 3 }, 'm1');
    await store.holdWork({ occurrenceId: 'b:1', campaignId: 'b', customerIds: ['c2'], hop: 0 }, 'm2');
    expect(await resumePausedOccurrences({ store, sendQueue, account })).toEqual({ resumed: [], waiting: 1 });
    status = { ...status, sendingEnabled: true, sentLast24Hours: 100 };
    expect((await resumePausedOccurrences({ store, sendQueue, account })).resumed).toEqual([]);
    status = { ...status, sentLast24Hours: 99 };
    expect((await resumePausedOccurrences({ store, sendQueue, account })).resumed).toEqual(['a:1']);
    expect(sendQueue.messages.map((m) => m.body)).toEqual([{ occurrenceId: 'a:1', campaignId: 'a', customerIds: ['c1'], hop: 0 }]);
    expect((await store.listPausedOccurrences()).map((p) => p.occurrenceId)).toEqual(['b:1']);
    expect(await resumeOccurrence({ store, sendQueue }, 'b:1')).toBe(1);
  });

  it('lets every tick resume what the account paused once GetAccount allows sending', async () => {
    const store = createMemoryDeliveryStore();
    const sendQueue = new MemoryWorkQueue<SendWorkInput>();
    const account = { accountStatus: async (): Promise<AccountStatus> => ({ sendingEnabled: true, enforcementStatus: 'PROBATION', max24HourSend: 50_000, sentLast24Hours: 10, maxSendRate: 14 }) };
    await pauseOccurrence({ store, clock: { now: () => due } }, 'a:1', 'DailyQuotaExceeded: spent', 'account');
    await store.holdWork({ occurrenceId: 'a:1', campaignId: 'a', customerIds: ['c1', 'c2'], hop: 0 }, 'm1');
    const result = await runTick({ store, sendQueue, audienceQueue: new MemoryWorkQueue(), account, config: DEFAULT_TICK_CONFIG }, due);
    expect(result.resumed).toEqual(['a:1']);
    expect(sendQueue.messages.map((m) => m.body.customerIds)).toEqual([['c1', 'c2']]);
  });

  it('releases work parked after the resume listed the held work', async () => {
    const store = createMemoryDeliveryStore();
    const sendQueue = new MemoryWorkQueue<SendWorkInput>();
    await pauseOccurrence({ store, clock: { now: () => due } }, 'a:1', 'SendingPausedException: paused', 'account');
    // The resume runs to its end before the slow sender parks its work.
    await resumeOccurrence({ store, sendQueue }, 'a:1');
    expect(await parkWork({ store, sendQueue }, { occurrenceId: 'a:1', campaignId: 'a', customerIds: ['c1'], hop: 0 }, 'late')).toBe('released');
    expect(sendQueue.messages.map((m) => m.body.customerIds)).toEqual([['c1']]);
    expect(await store.listHeldWork('a:1')).toEqual([]);
  });

  it('completes a resume whose state write lost its response', async () => {
    const inner = createMemoryDeliveryStore();
    const store = faultyWrites(inner);
    const sendQueue = new MemoryWorkQueue<SendWorkInput>();
    await inner.createOccurrence({ occurrenceId: 'a:1', campaignId: 'a', scheduledAt: due.toISOString(), state: 'running', totalSegments: 1, createdAt: due.toISOString(), stats: {} });
    await pauseOccurrence({ store, clock: { now: () => due } }, 'a:1', 'paused by hand');
    await store.holdWork({ occurrenceId: 'a:1', campaignId: 'a', customerIds: ['c1'], hop: 0 }, 'm1');
    expect(await resumeOccurrence({ store, sendQueue }, 'a:1')).toBe(1);
    expect((await inner.getOccurrence('a:1'))?.state).toBe('running');
  });
});

describe('delivery faults: start-up, metrics and sender names', () => {
  it('publishes the outcome counts of an invocation as CloudWatch EMF metrics', async () => {
    const { metrics, published } = capturingMetrics('send');
    const profiles = [...readers(3), makeProfile(7, { suppression: { reason: 'bounce', at: '2026-11-01T00:00:00Z' } })];
    const sim = await createSimSend({ profiles, published: publishedCampaign(), shop, start: due, ratePerSecond: 100, metrics });
    await sim.enqueue(profiles.map((p) => p.customerId));
    await sim.invoke();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ sent: 3, suppressed: 1, service: 'send' });
    const emf = published[0]!._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
    expect(emf.CloudWatchMetrics[0]!.Namespace).toBe('Stammkunde');
    expect(emf.CloudWatchMetrics[0]!.Metrics).toEqual(expect.arrayContaining([{ Name: 'sent', Unit: 'Count' }, { Name: 'suppressed', Unit: 'Count' }]));
  });

  it('builds the handler again on the next invocation after a failed start-up', async () => {
    let builds = 0;
    const handler = lazyHandler(async () => {
      builds++;
      if (builds === 1) throw new Error('GetAccount: network down');
      return async () => ({ batchItemFailures: [] });
    });
    await expect(handler({ Records: [] })).rejects.toThrow('GetAccount: network down');
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(builds).toBe(2);
  });

  it('encodes a display name with umlauts as RFC 2047 encoded-words and leaves ASCII names alone', () => {
    const encoded = encodeAddress('Kaffeerösterei Müller & Söhne <news@shop.example>');
    expect(encoded).toMatch(/^(=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)( =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)* <news@shop\.example>$/);
    const words = encoded.slice(0, encoded.indexOf(' <')).split(' ');
    for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
    expect(words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('')).toBe('Kaffeerösterei Müller & Söhne');
    expect(encodeAddress('"Kaffeerösterei" <news@shop.example>')).toBe(`=?UTF-8?B?${Buffer.from('Kaffeerösterei').toString('base64')}?= <news@shop.example>`);
    expect(encodeAddress('Kaffee Morgenrot <news@shop.example>')).toBe('Kaffee Morgenrot <news@shop.example>');
    expect(encodeAddress('news@shop.example')).toBe('news@shop.example');
  });
});
