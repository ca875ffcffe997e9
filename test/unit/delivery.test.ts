import { beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { FakeSes } from '#adapters/fake-ses';
import { dueTimes, occurrenceIdFor } from '#core/delivery/occurrence';
import { chooseCapSlot, capSlotValue } from '#core/delivery/frequency-cap';
import { createRateLimiter } from '#core/delivery/pacing';
import { processRecords } from '#core/delivery/batch';
import { SendWork } from '#core/delivery/messages';
import { decodeLedgerTag, resumeOccurrence } from '#core/delivery/send';
import { verifyToken } from '#core/tokens';
import type { PublishedCampaign } from '#core/delivery-store';
import type { ShopInfo } from '#core/render';
import { createPipeline, exampleShop, makeProfile, publishExampleNewsletter, testSigningKey } from './delivery-fixtures';

// The example newsletter runs at 09:00 Berlin on the 1st: 08:00 UTC on 2026-12-01.
const due = new Date('2026-12-01T08:00:30.000Z');
let published: PublishedCampaign;
let shop: ShopInfo;
beforeAll(async () => {
  published = await publishExampleNewsletter();
  shop = await exampleShop();
});

describe('delivery: occurrences', () => {
  it('finds the cron time in its time zone within the window', () => {
    const times = dueTimes({ type: 'cron', cron: '0 9 1 * *', timeZone: 'Europe/Berlin' }, new Date(due.getTime() - 15 * 60_000), due);
    expect(times.map((t) => t.toISOString())).toEqual(['2026-12-01T08:00:00.000Z']);
  });

  it('finds nothing before the scheduled minute and a once schedule only inside the window', () => {
    expect(dueTimes({ type: 'cron', cron: '0 9 1 * *', timeZone: 'Europe/Berlin' }, new Date('2026-12-01T07:44:00Z'), new Date('2026-12-01T07:59:00Z'))).toEqual([]);
    const lastMinute = new Date(due.getTime() - 60_000);
    expect(dueTimes({ type: 'once', at: '2026-12-01T08:00:00Z' }, lastMinute, due)).toHaveLength(1);
    expect(dueTimes({ type: 'once', at: '2026-12-01T07:00:00Z' }, lastMinute, due)).toHaveLength(0);
  });

  it('creates one occurrence and one fan-out when five ticks run concurrently', async () => {
    const p = await createPipeline({ profiles: [], mailer: new OutboxMailer(), published, shop, now: due, totalSegments: 4 });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => p.tick()));
    expect(results.flatMap((r) => r.created)).toEqual([occurrenceIdFor('newsletter-monthly', new Date('2026-12-01T08:00:00Z'))]);
    expect(p.audienceQueue.messages.map((m) => m.body.segment).sort()).toEqual([0, 1, 2, 3]);
    expect((await p.store.listOccurrences('newsletter-monthly'))[0]?.state).toBe('running');
  });
});

describe('delivery: sending', () => {
  it('sends the newsletter once to each reader with one-click unsubscribe headers and counts the gated', async () => {
    const profiles = Array.from({ length: 120 }, (_, i) => makeProfile(i));
    profiles[0] = makeProfile(0, { suppression: { reason: 'bounce', at: '2026-11-01T00:00:00Z' } });
    profiles[1] = makeProfile(1, { topics: { newsletter: false } });
    profiles[2] = makeProfile(2, { consent: { status: 'pending' } });
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles, mailer, published, shop, now: due });
    await p.tick();
    expect(await p.drain()).toEqual([]);
    const recipients = mailer.sent.map((m) => m.to);
    expect(new Set(recipients).size).toBe(recipients.length);
    expect(recipients).toHaveLength(117);
    const mail = mailer.sent.find((m) => m.to === 'customer5@example.com')!;
    const unsubscribe = mail.headers.find((h) => h.name === 'List-Unsubscribe')!.value;
    expect(unsubscribe).toMatch(/^<https:\/\/shop\.example\/u\/[^>]+>$/);
    const verified = verifyToken(unsubscribe.slice(unsubscribe.indexOf('/u/') + 3, -1), [testSigningKey], { purpose: 'unsubscribe', now: due } as never);
    expect(verified.ok && verified.payload.customerId).toBe('c00005');
    expect(mail.headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
    expect(mail.configurationSet).toBe('stammkunde');
    expect(decodeLedgerTag(mail.tags.find((t) => t.name === 'ledger')!.value)).toEqual({ occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', customerId: 'c00005' });
    const [occurrence] = await p.store.listOccurrences('newsletter-monthly');
    // Audience time already drops the topic-off and unconfirmed readers (segment); the gates catch the rest.
    expect(occurrence?.stats).toMatchObject({ sent: 117, suppressed: 1 });
  });

  it('sends nothing more when a send message is delivered again', async () => {
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles: [makeProfile(1), makeProfile(3)], mailer, published, shop, now: due });
    await p.tick();
    await p.drain();
    const work = SendWork.parse({ occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', campaignId: 'newsletter-monthly', customerIds: ['c00001', 'c00003'] });
    const again = await p.sender(work, 'redelivered');
    expect(again.tally).toEqual({ alreadySent: 2 });
    expect(mailer.sent).toHaveLength(2);
  });

  it('skips a customer who unsubscribed after the audience was built', async () => {
    const mailer = new OutboxMailer();
    const profiles = [makeProfile(1), makeProfile(3)];
    const p = await createPipeline({ profiles, mailer, published, shop, now: due });
    await p.tick();
    for (const { body } of p.audienceQueue.drain()) void body;
    profiles[1] = makeProfile(3, { topics: { newsletter: false } });
    const work = SendWork.parse({ occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', campaignId: 'newsletter-monthly', customerIds: ['c00001', 'c00003'] });
    const result = await p.sender(work, 'm1');
    expect(result.tally).toEqual({ sent: 1, unsubscribed: 1 });
    expect(mailer.sent.map((m) => m.to)).toEqual(['customer1@example.com']);
  });

  it('recovers a claim whose sender died before SES only after its lease', async () => {
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles: [makeProfile(1)], mailer, published, shop, now: due });
    const key = { occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', customerId: 'c00001' };
    await p.store.claim(key, 'dead-sender', due.getTime(), 300_000);
    const work = SendWork.parse({ ...key, campaignId: 'newsletter-monthly', customerIds: ['c00001'] });
    const early = await p.sender(work, 'm1');
    expect(early).toMatchObject({ tally: { inProgress: 1 }, requeued: 1 });
    expect(p.sendQueue.messages[0]?.delaySeconds).toBe(301);
    p.advance(301_000);
    const late = await p.sender(work, 'm2');
    expect(late.tally).toEqual({ sent: 1 });
    expect((await p.store.getLedger(key))?.claims).toBe(2);
    expect(mailer.sent).toHaveLength(1);
  });

  it('never resends when the sender died after SES accepted the mail, and counts it uncertain', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    ses.beforeAnswer = () => {
      throw new Error('Lambda timed out');
    };
    const p = await createPipeline({ profiles: [makeProfile(1)], mailer: ses, published, shop, now: due });
    const key = { occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', customerId: 'c00001' };
    const work = SendWork.parse({ ...key, campaignId: 'newsletter-monthly', customerIds: ['c00001'] });
    // The recipient's error is settled on its own: counted, re-queued, the message does not fail.
    expect(await p.sender(work, 'm1')).toMatchObject({ tally: { errored: 1 }, requeued: 1, failures: [{ customerId: 'c00001', reason: 'Lambda timed out' }] });
    ses.beforeAnswer = undefined;
    expect((await p.sender(work, 'm1')).tally).toEqual({ inProgress: 1 });
    p.advance(301_000);
    expect((await p.sender(work, 'm1')).tally).toEqual({ uncertain: 1 });
    expect((await p.sender(work, 'm1')).tally).toEqual({ alreadySent: 1 });
    expect(ses.accepted).toHaveLength(1);
  });

  it('retries throttled mails until each is accepted once, never losing one', async () => {
    const ses = new FakeSes({ maxSendRate: 20 });
    const profiles = Array.from({ length: 60 }, (_, i) => makeProfile(2 * i + 1));
    const p = await createPipeline({ profiles, mailer: ses, published, shop, now: due, send: { throttleRetries: 2, throttleBaseMs: 200, maxHops: 50 } });
    await p.tick();
    for (let i = 0; i < 40 && (p.audienceQueue.messages.length || p.sendQueue.messages.length); i++) {
      await p.drain(1);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ses.throttled).toBeGreaterThan(0);
    expect(new Set(ses.accepted.map((a) => a.mail.to)).size).toBe(60);
    expect(ses.accepted).toHaveLength(60);
  });

  it('pauses the occurrence when SES pauses sending, holds the work, and sends it once on resume', async () => {
    const ses = new FakeSes({ maxSendRate: 1000 });
    ses.failWith = { kind: 'paused', reason: 'SendingPausedException: sending is paused' };
    const profiles = Array.from({ length: 10 }, (_, i) => makeProfile(2 * i + 1));
    const p = await createPipeline({ profiles, mailer: ses, published, shop, now: due });
    await p.tick();
    expect(await p.drain()).toEqual([]);
    const [occurrence] = await p.store.listOccurrences('newsletter-monthly');
    expect(occurrence).toMatchObject({ state: 'paused', pausedReason: 'SendingPausedException: sending is paused' });
    const callsWhilePaused = ses.calls;
    expect(callsWhilePaused).toBeLessThanOrEqual(10);
    ses.failWith = undefined;
    expect(await resumeOccurrence({ store: p.store, sendQueue: p.sendQueue }, occurrence!.occurrenceId)).toBe(10);
    await p.drain();
    expect(ses.accepted.map((a) => a.mail.to).sort()).toEqual(profiles.map((x) => x.email).sort());
  });

  it('caps a customer who already got the maximum marketing mails this week', async () => {
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles: [makeProfile(1), makeProfile(3)], mailer, published, shop, now: due, send: { frequencyCap: 1 } });
    await p.store.takeCapSlot('c00001', 0, undefined, capSlotValue(due.getTime() - 86_400_000, 'other:2026-11-30T08:00Z'));
    await p.tick();
    await p.drain();
    expect(mailer.sent.map((m) => m.to)).toEqual(['customer3@example.com']);
    expect((await p.store.listOccurrences('newsletter-monthly'))[0]?.stats).toMatchObject({ sent: 1, capped: 1 });
  });
});

describe('delivery: building blocks', () => {
  it('reuses the slot an occurrence holds and takes the oldest expired one otherwise', () => {
    const week = 7 * 86_400_000;
    const now = 10 * week;
    expect(chooseCapSlot([capSlotValue(now - 1000, 'a:1')], 2, now, week, 'a:1')).toEqual({ kind: 'already', index: 0 });
    expect(chooseCapSlot([capSlotValue(now - 1000, 'b:1'), capSlotValue(now - week - 1, 'c:1')], 2, now, week, 'a:1')).toMatchObject({ kind: 'take', index: 1 });
    expect(chooseCapSlot([capSlotValue(now - 1000, 'b:1')], 1, now, week, 'a:1')).toEqual({ kind: 'full', nextFreeAtMs: now - 1000 + week });
  });

  it('lets no 1-second window hold more grants than the rate', async () => {
    let t = 0;
    const limiter = createRateLimiter({ ratePerSecond: 10, now: () => t, sleep: async (ms) => void (t += ms) });
    const grants: number[] = [];
    for (let i = 0; i < 35; i++) {
      await limiter.acquire();
      grants.push(t);
    }
    const maxInWindow = Math.max(...grants.map((g) => grants.filter((h) => h >= g && h < g + 1000).length));
    expect(maxInWindow).toBe(10);
    expect(grants.at(-1)).toBe(3000);
  });

  it('reports only the poison records of a batch, naming the bad field', async () => {
    const handled: string[] = [];
    const good = JSON.stringify({ occurrenceId: 'x:1', campaignId: 'x', customerIds: ['c1'] });
    const result = await processRecords(
      [
        { messageId: '1', body: good },
        { messageId: '2', body: '{not json' },
        { messageId: '3', body: JSON.stringify({ occurrenceId: 'x:1', campaignId: 'x', customerIds: [] }) },
      ],
      SendWork,
      async (work) => void handled.push(work.customerIds[0]!),
    );
    expect(handled).toEqual(['c1']);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '2' }, { itemIdentifier: '3' }]);
    expect(result.failures[1]?.reason).toMatch(/^customerIds: /);
  });
});
