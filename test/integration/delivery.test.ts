import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore, type DynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { SesMailer } from '#adapters/ses-mailer';
import { FakeSes } from '#adapters/fake-ses';
import { createTickHandler } from '../../functions/tick/handler';
import { createAudienceHandler } from '../../functions/audience/handler';
import { createSendHandler } from '../../functions/send/handler';
import { DEFAULT_TICK_CONFIG } from '#core/delivery/tick';
import { DEFAULT_AUDIENCE_CONFIG } from '#core/delivery/audience';
import { DEFAULT_SEND_CONFIG, resumeOccurrence } from '#core/delivery/send';
import { createRateLimiter } from '#core/delivery/pacing';
import { createPool } from '#core/delivery/pool';
import { compilePublishedAudience, profilePortsFrom } from '#core/delivery/seams';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import type { Mailer } from '#core/delivery/ports';
import type { Profile } from '#core/profile';
import type { DeliveryStore } from '#core/delivery-store';
import { exampleShop, makeProfile, publishExampleNewsletter, testLinks, testRenderer } from '../unit/delivery-fixtures';
import { faultyWrites } from '../unit/delivery-sim';
import { Logger } from '@aws-lambda-powertools/logger';

const due = new Date('2026-12-01T08:00:30.000Z');
const quiet = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
let aws: LocalAws;
let tableCount = 0;

const sqsEvent = (bodies: unknown[]): SQSEvent =>
  ({ Records: bodies.map((body, i) => ({ messageId: `msg-${++tableCount}-${i}`, body: typeof body === 'string' ? body : JSON.stringify(body) })) }) as SQSEvent;

beforeAll(async () => {
  aws = await startLocalAws('delivery-it');
});
afterAll(() => aws.stop());

interface World {
  store: DynamoDeliveryStore;
  audienceQueue: MemoryWorkQueue<AudienceShard>;
  sendQueue: MemoryWorkQueue<SendWorkInput | SendWork>;
  tick: ReturnType<typeof createTickHandler>;
  audience: ReturnType<typeof createAudienceHandler>;
  send: ReturnType<typeof createSendHandler>;
  drain: () => Promise<{ itemIdentifier: string }[]>;
}

/** The real handlers on dynalite; queues in memory; mail to local SES or a fake. */
const world = async (profiles: Profile[], mailer: Mailer, campaignId = 'newsletter-monthly', from = 'Kaffee Morgenrot <news@shop.example>', wrap?: (store: DeliveryStore) => DeliveryStore): Promise<World> => {
  // A table per scenario: the audience scans the whole table.
  const tableName = `delivery-${campaignId}`;
  await createTable(aws.dynamoEndpoint, tableName);
  const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
  const store = createDynamoDeliveryStore({ client, tableName });
  const customers = createDynamoStore({ client, tableName });
  for (const profile of profiles) await customers.applyAtomically(profile.customerId, `seed-${profile.customerId}`, () => ({ profile, ownEvents: [] }));
  const published = await publishExampleNewsletter({ id: campaignId });
  await store.putCampaign(published);
  const audienceQueue = new MemoryWorkQueue<AudienceShard>();
  const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
  const people = profilePortsFrom(customers);
  let owners = 0;
  const tick = createTickHandler({ store, audienceQueue, sendQueue, config: { ...DEFAULT_TICK_CONFIG, totalSegments: 3 } }, { logger: quiet });
  const audience = createAudienceHandler({ store, scanner: people, sendQueue, audienceQueue, compileAudience: compilePublishedAudience, config: DEFAULT_AUDIENCE_CONFIG }, quiet);
  const send = createSendHandler(
    {
      store: wrap ? wrap(store) : store,
      profiles: people,
      mailer,
      renderer: testRenderer(await exampleShop()),
      links: testLinks(),
      limiter: createRateLimiter({ ratePerSecond: 1000, now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
      pool: createPool(16),
      sendQueue,
      clock: { now: () => due },
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
      random: () => 0.5,
      newOwner: () => `owner-${++owners}`,
      config: { ...DEFAULT_SEND_CONFIG, from, configurationSet: 'stammkunde' },
    },
    quiet,
  );
  const drain = async () => {
    const failures: { itemIdentifier: string }[] = [];
    for (let turn = 0; turn < 20 && (audienceQueue.messages.length || sendQueue.messages.length); turn++) {
      const shards = audienceQueue.drain().map((m) => m.body);
      if (shards.length) failures.push(...(await audience(sqsEvent(shards))).batchItemFailures);
      const works = sendQueue.drain().map((m) => m.body);
      for (let i = 0; i < works.length; i += 10) failures.push(...(await send(sqsEvent(works.slice(i, i + 10)))).batchItemFailures);
    }
    return failures;
  };
  return { store, audienceQueue, sendQueue, tick, audience, send, drain };
};

interface StoredEmail {
  from: string;
  destination: { to: string[] };
  subject: string;
  headers?: { name: string; value: string }[];
}
const sesStore = async (): Promise<StoredEmail[]> => ((await (await fetch(`${aws.sesEndpoint}/store`)).json()) as { emails: StoredEmail[] }).emails;

describe('delivery on dynalite and local SES', () => {
  beforeEach(async () => {
    await fetch(`${aws.sesEndpoint}/clear-store`, { method: 'POST' });
  });

  it('delivers the newsletter once to each of 300 readers with the one-click unsubscribe headers', async () => {
    const profiles = Array.from({ length: 300 }, (_, i) => makeProfile(i + 1000));
    const w = await world(profiles, new SesMailer(createSesClient({ endpoint: aws.sesEndpoint, maxAttempts: 1 })), 'newsletter-a');
    await Promise.all([1, 2, 3, 4, 5].map(() => w.tick({ scheduledTime: due.toISOString() })));
    expect(w.audienceQueue.messages).toHaveLength(3);
    expect(await w.drain()).toEqual([]);
    const emails = await sesStore();
    const to = emails.map((e) => e.destination.to[0]);
    expect(new Set(to).size).toBe(300);
    expect(emails).toHaveLength(300);
    for (const email of emails) {
      expect(email.headers?.find((h) => h.name === 'List-Unsubscribe')?.value).toMatch(/^<https:\/\/shop\.example\/u\/[\w-]+\.[\w-]+\.[\w-]+>$/);
      expect(email.headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
    }
    const [occurrence] = await w.store.listOccurrences('newsletter-a');
    expect(occurrence).toMatchObject({ occurrenceId: 'newsletter-a:2026-12-01T08:00Z', state: 'running', stats: { sent: 300 } });
  });

  it('sends nothing more when every send message is delivered a second time', async () => {
    const profiles = Array.from({ length: 40 }, (_, i) => makeProfile(i + 2000));
    const w = await world(profiles, new SesMailer(createSesClient({ endpoint: aws.sesEndpoint, maxAttempts: 1 })), 'newsletter-b');
    await w.tick({ scheduledTime: due.toISOString() });
    for (const { body } of w.audienceQueue.drain()) await w.audience(sqsEvent([body]));
    const works = w.sendQueue.drain().map((m) => m.body);
    await w.send(sqsEvent(works));
    await w.send(sqsEvent(works));
    expect(await sesStore()).toHaveLength(40);
    expect((await w.store.listOccurrences('newsletter-b'))[0]?.stats).toMatchObject({ sent: 40, alreadySent: 40 });
  });

  it('fails only the poison records of a send batch', async () => {
    const w = await world([makeProfile(3001)], new SesMailer(createSesClient({ endpoint: aws.sesEndpoint, maxAttempts: 1 })), 'newsletter-c');
    await w.tick({ scheduledTime: due.toISOString() });
    const good = { occurrenceId: 'newsletter-c:2026-12-01T08:00Z', campaignId: 'newsletter-c', customerIds: ['c03001'] };
    const event = sqsEvent([good, '{oops', { ...good, customerIds: 'c1' }]);
    const result = await w.send(event);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[1]!.messageId, event.Records[2]!.messageId]);
    expect((await sesStore()).map((e) => e.destination.to[0])).toEqual(['customer3001@example.com']);
  });

  it('resolves a sender that died after SES accepted as uncertain and never sends again', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    ses.beforeAnswer = () => {
      throw new Error('sandbox froze');
    };
    const w = await world([makeProfile(4001)], ses, 'newsletter-d');
    await w.tick({ scheduledTime: due.toISOString() });
    const work = { occurrenceId: 'newsletter-d:2026-12-01T08:00Z', campaignId: 'newsletter-d', customerIds: ['c04001'] };
    // The recipient's error is settled on its own: the record does not fail, the recipient is re-queued.
    expect((await w.send(sqsEvent([work]))).batchItemFailures).toEqual([]);
    expect(w.sendQueue.drain().map((m) => m.body.customerIds)).toEqual([['c04001']]);
    ses.beforeAnswer = undefined;
    const key = { occurrenceId: work.occurrenceId, customerId: 'c04001' };
    expect((await w.store.getLedger(key))?.state).toBe('sending');
    // Lease over: pretend it ended by moving the entry's lease into the past.
    await w.store.transition(key, { states: ['sending'] }, { state: 'sending', leaseUntilMs: 1, atMs: due.getTime() });
    await w.send(sqsEvent([work]));
    expect((await w.store.getLedger(key))?.state).toBe('uncertain');
    expect(ses.accepted).toHaveLength(1);
  });

  it('recovers a claim whose sender died before the SES call once its lease is over', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    const w = await world([makeProfile(5001)], ses, 'newsletter-e');
    const key = { occurrenceId: 'newsletter-e:2026-12-01T08:00Z', customerId: 'c05001' };
    await w.store.claim(key, 'dead', due.getTime() - 600_000, 300_000);
    await w.send(sqsEvent([{ occurrenceId: key.occurrenceId, campaignId: 'newsletter-e', customerIds: ['c05001'] }]));
    expect(await w.store.getLedger(key)).toMatchObject({ state: 'sent', claims: 2, messageId: 'fake-1' });
  });

  it('creates one occurrence when five ticks race on the real table', async () => {
    const w = await world([], new FakeSes({ maxSendRate: 10 }), 'newsletter-f');
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => w.tick({ scheduledTime: due.toISOString() })));
    expect(results.flatMap((r) => r.created)).toEqual(['newsletter-f:2026-12-01T08:00Z']);
    expect(w.audienceQueue.messages).toHaveLength(3);
  });

  it('pauses on a paused SES account without failing records, and delivers everything once after resume', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    ses.failWith = { kind: 'paused', reason: 'SendingPausedException: paused' };
    const profiles = Array.from({ length: 20 }, (_, i) => makeProfile(i + 6000));
    const w = await world(profiles, ses, 'newsletter-g');
    await w.tick({ scheduledTime: due.toISOString() });
    expect(await w.drain()).toEqual([]);
    const [occurrence] = await w.store.listOccurrences('newsletter-g');
    expect(occurrence).toMatchObject({ state: 'paused', pausedReason: 'SendingPausedException: paused' });
    ses.failWith = undefined;
    await resumeOccurrence({ store: w.store, sendQueue: w.sendQueue }, occurrence!.occurrenceId);
    expect(await w.drain()).toEqual([]);
    expect(new Set(ses.accepted.map((a) => a.mail.to)).size).toBe(20);
    expect(ses.accepted).toHaveLength(20);
    expect(await w.store.listHeldWork(occurrence!.occurrenceId)).toEqual([]);
  });

  it('hands SES a sender name with umlauts as RFC 2047 encoded-words', async () => {
    const w = await world([makeProfile(8001)], new SesMailer(createSesClient({ endpoint: aws.sesEndpoint, maxAttempts: 1 })), 'newsletter-i', 'Kaffeerösterei Müller <news@shop.example>');
    await w.tick({ scheduledTime: due.toISOString() });
    expect(await w.drain()).toEqual([]);
    const [email] = await sesStore();
    expect(email?.from).toBe(`=?UTF-8?B?${Buffer.from('Kaffeerösterei Müller').toString('base64')}?= <news@shop.example>`);
  });

  it('sends each mail once on dynalite when every ledger write loses its response and the SDK retries it', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    const profiles = Array.from({ length: 12 }, (_, i) => makeProfile(i + 9000));
    const w = await world(profiles, ses, 'newsletter-j', undefined, (store) => faultyWrites(store));
    await w.tick({ scheduledTime: due.toISOString() });
    expect(await w.drain()).toEqual([]);
    expect(ses.accepted).toHaveLength(12);
    expect((await w.store.listOccurrences('newsletter-j'))[0]?.stats).toEqual({ sent: 12 });
  });

  it('retries through a fake SES that throttles above its rate and loses no mail', async () => {
    const ses = new FakeSes({ maxSendRate: 25 });
    const profiles = Array.from({ length: 50 }, (_, i) => makeProfile(i + 7000));
    const w = await world(profiles, ses, 'newsletter-h');
    await w.tick({ scheduledTime: due.toISOString() });
    for (let i = 0; i < 40 && (w.audienceQueue.messages.length || w.sendQueue.messages.length); i++) {
      await w.drain();
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ses.throttled).toBeGreaterThan(0);
    expect(new Set(ses.accepted.map((a) => a.mail.to)).size).toBe(50);
    expect(ses.accepted).toHaveLength(50);
  });
});
