// Coupons in the send path: one code per recipient and occurrence in the mail, the same on a
// redelivery, CouponIssued before the mail, and a pool that runs dry pausing the occurrence.
import { beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { createSendHandler } from '../../functions/send/handler';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { createMemoryCouponStore } from '#adapters/memory-coupon-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { SendWork } from '#core/delivery/messages';
import { capSlotValue } from '#core/delivery/frequency-cap';
import { resumeOccurrence, resumePausedOccurrences } from '#core/delivery/resume';
import { CODE_ALPHABET, hmacKeyedRandom, issueCoupon } from '#core/coupons';
import type { ShopInfo } from '#core/render';
import type { Profile } from '#core/profile';
import { createPipeline, exampleShop, makeProfile, publishExample } from './delivery-fixtures';
import { capturingMetrics } from '#test/fixtures/metrics';

// winback-discount runs on the 8th of each month at 10:00 Berlin: 09:00 UTC on 2026-12-08.
const due = new Date('2026-12-08T09:00:30.000Z');
const occurrenceId = 'winback-discount:2026-12-08T09:00Z';
const lapsed = (i: number, overrides: Partial<Profile> = {}) =>
  makeProfile(i, { topics: { offers: true }, orders: { count: 2, netSpendCents: 5000, refundedCents: 0, averageOrderCents: 2500, firstOrderAt: '2026-01-01T00:00:00.000Z', lastOrderAt: '2026-06-01T00:00:00.000Z', currency: 'EUR' }, ...overrides });
const codePattern = new RegExp(`WIEDER-[${CODE_ALPHABET}]{8}`, 'g');

let shop: ShopInfo;
beforeAll(async () => {
  shop = await exampleShop();
});

const setup = async (profiles: Profile[], withPool = false) => {
  const published = await publishExample('winback-discount.json', withPool ? { coupon: { value: { type: 'percent', percent: 15 }, validDays: 14, minimumOrderCents: 2500, pool: 'shop-codes' } } : {});
  const store = createMemoryCouponStore();
  const bus = createMemoryEventBus();
  const mailer = new OutboxMailer();
  const p = await createPipeline({ profiles, mailer, published, shop, now: due, coupons: { store, random: hmacKeyedRandom('test'), events: bus } });
  return { p, store, bus, mailer };
};

describe('coupons: discount campaigns in the send path', () => {
  it('sends each lapsed customer a mail with their own code, value, minimum order and expiry in their language', async () => {
    const { p, store, mailer } = await setup([lapsed(1), lapsed(2), lapsed(3), lapsed(4)]);
    await p.tick();
    expect(await p.drain()).toEqual([]);
    expect(mailer.sent).toHaveLength(4);
    const codes = mailer.sent.map((m) => m.couponCode!);
    expect(new Set(codes).size).toBe(4);
    for (const mail of mailer.sent) {
      // Shown once in the box (the button's link carries it as a parameter).
      expect(mail.text.match(new RegExp(`(?<!=)${mail.couponCode}`, 'g'))).toHaveLength(1);
      expect(mail.html).toContain(mail.couponCode);
    }
    const german = mailer.sent.find((m) => m.to === 'customer1@example.com')!;
    expect(german.text).toMatch(/Ihr persönlicher Gutschein\nWIEDER-[A-Z2-9]{8}\n15\s% · Gültig bis 22\. Dezember 2026\nMindestbestellwert: 25,00\s€/);
    const english = mailer.sent.find((m) => m.to === 'customer2@example.com')!;
    expect(english.text).toMatch(/Your personal coupon\nWIEDER-[A-Z2-9]{8}\n15% · Valid until 22 December 2026\nMinimum order: €25\.00/);
    expect(store.all().map((c) => c.customerId).sort()).toEqual(['c00001', 'c00002', 'c00003', 'c00004']);
    expect(store.all().every((c) => c.occurrenceId === occurrenceId && c.expiresAt === '2026-12-22T09:00:30.000Z')).toBe(true);
    expect(german.text.match(codePattern)).toHaveLength(2);
  });

  it('announces each coupon as CouponIssued with code, value, expiry and customer', async () => {
    const { p, bus, mailer } = await setup([lapsed(1), lapsed(2)]);
    await p.tick();
    await p.drain();
    expect(bus.published.map((e) => e.type)).toEqual(['CouponIssued', 'CouponIssued']);
    const event = bus.published.find((e) => e.customerId === 'c00001')!;
    expect(event).toEqual({
      type: 'CouponIssued',
      id: `CouponIssued#${mailer.sent.find((m) => m.to === 'customer1@example.com')!.couponCode}`,
      customerId: 'c00001',
      at: '2026-12-08T09:00:30.000Z',
      causeEventId: occurrenceId,
      code: mailer.sent.find((m) => m.to === 'customer1@example.com')!.couponCode,
      campaignId: 'winback-discount',
      occurrenceId,
      value: { type: 'percent', percent: 15 },
      minimumOrderCents: 2500,
      expiresAt: '2026-12-22T09:00:30.000Z',
      source: 'generated',
    });
  });

  it('gives a recipient whose earlier attempt died after issuing the same code, and no second coupon', async () => {
    const { p, store, mailer } = await setup([lapsed(1)]);
    await p.tick();
    // The earlier attempt issued the code and died before the claim.
    const { campaign } = await publishExample('winback-discount.json');
    if (campaign.kind !== 'discount') throw new Error('winback-discount is a discount campaign');
    const earlier = await issueCoupon({ store, random: hmacKeyedRandom('test') }, { campaignId: 'winback-discount', occurrenceId, customerId: 'c00001', spec: campaign.coupon, at: new Date(due.getTime() - 60_000) });
    await p.drain();
    expect(mailer.sent[0]?.couponCode).toBe(earlier.code);
    expect(store.all()).toHaveLength(1);
    const again = await p.sender(SendWork.parse({ occurrenceId, campaignId: 'winback-discount', customerIds: ['c00001'] }), 'redelivered');
    expect(again.tally).toEqual({ alreadySent: 1 });
    expect(store.all()).toHaveLength(1);
  });

  it('issues no coupon to a recipient a gate stops: the frequency cap, a suppression, the topic switched off', async () => {
    const profiles = [lapsed(1), lapsed(2, { suppression: { reason: 'bounce', at: '2026-11-01T00:00:00Z' } }), lapsed(3, { topics: { offers: false } }), lapsed(4)];
    const published = await publishExample('winback-discount.json');
    const store = createMemoryCouponStore();
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles, mailer, published, shop, now: due, send: { frequencyCap: 1 }, coupons: { store, random: hmacKeyedRandom('test') } });
    await p.store.takeCapSlot('c00004', 0, undefined, capSlotValue(due.getTime() - 86_400_000, 'newsletter-monthly:2026-11-30T08:00Z'));
    await p.tick();
    await p.drain();
    expect(mailer.sent.map((m) => m.to)).toEqual(['customer1@example.com']);
    expect(store.all().map((c) => c.customerId)).toEqual(['c00001']);
    expect((await p.store.getOccurrence(occurrenceId))?.stats).toMatchObject({ sent: 1, capped: 1, suppressed: 1 });
  });

  it('fails a recipient instead of sending the mail without a code when the sender has no coupon store', async () => {
    const published = await publishExample('winback-discount.json');
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles: [lapsed(1)], mailer, published, shop, now: due });
    await p.tick();
    await p.drain();
    expect(mailer.sent).toEqual([]);
    expect((await p.store.getOccurrence(occurrenceId))?.stats).toEqual({ failed: 1 });
  });

  it('pauses the occurrence when the pool runs dry, holds the rest, and sends them after an import and a resume', async () => {
    const profiles = [1, 2, 3, 4, 5].map((i) => lapsed(i));
    const { p, store, mailer } = await setup(profiles, true);
    await store.addPoolCodes('shop-codes', ['SHOP-0001', 'SHOP-0002']);
    await p.tick();
    await p.drain();
    expect(mailer.sent.map((m) => m.couponCode).sort()).toEqual(['SHOP-0001', 'SHOP-0002']);
    const occurrence = await p.store.getOccurrence(occurrenceId);
    expect(occurrence?.state).toBe('paused');
    expect(occurrence?.pausedReason).toMatch(/^coupon pool "shop-codes" is exhausted \(2 codes imported, all handed out\): import more with "stammkunde coupons import shop-codes <csv>", then resume$/);
    expect(occurrence?.stats).toMatchObject({ sent: 2, held: 3 });
    expect(await p.store.listPausedOccurrences()).toEqual([expect.objectContaining({ occurrenceId, cause: 'pool' })]);
    // tick does not resume it by itself (the account can send; the pool is still empty).
    expect((await resumePausedOccurrences({ store: p.store, sendQueue: p.sendQueue })).resumed).toEqual([]);
    await store.addPoolCodes('shop-codes', ['SHOP-0003', 'SHOP-0004', 'SHOP-0005']);
    await resumeOccurrence({ store: p.store, sendQueue: p.sendQueue }, occurrenceId);
    await p.drain();
    expect(mailer.sent.map((m) => m.couponCode).sort()).toEqual(['SHOP-0001', 'SHOP-0002', 'SHOP-0003', 'SHOP-0004', 'SHOP-0005']);
    expect(new Set(mailer.sent.map((m) => m.to)).size).toBe(5);
  });

  it('counts a send message that found the pool empty as CouponPoolExhausted, the metric the stack alarms on', async () => {
    const { p, store } = await setup([lapsed(1), lapsed(2)], true);
    await store.addPoolCodes('shop-codes', ['SHOP-0001']);
    await p.tick();
    const { metrics, published } = capturingMetrics('send');
    const handler = createSendHandler(p.senderDeps, new Logger({ serviceName: 'send', logLevel: 'SILENT' }), metrics);
    const body = JSON.stringify({ occurrenceId, campaignId: 'winback-discount', customerIds: ['c00001', 'c00002'] });
    await handler({ Records: [{ messageId: 'm1', body }] } as unknown as SQSEvent);
    // The recipient that got the last code is held with the rest (the occurrence paused meanwhile); it keeps that code on resume.
    expect(published).toEqual([expect.objectContaining({ CouponPoolExhausted: 1, held: 2, service: 'send' })]);
  });
});
