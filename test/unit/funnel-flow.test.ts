// The funnel end to end on the twins: a variant's mail, its click through the track app, the
// order through the ingest handler, and what the funnel rows say afterwards.
import { beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { createMemoryFunnelStore } from '#adapters/memory-funnel-store';
import { createSignedLinks, createTemplateMailRenderer } from '#core/delivery/seams';
import { verifyToken } from '#core/tokens';
import { fixedClock } from '#core/clock';
import { defaultLoyaltyConfig } from '#core/loyalty';
import type { PublishedCampaign } from '#core/delivery-store';
import type { ShopInfo } from '#core/render';
import { createTrackApp } from '../../functions/track/app';
import { createIngestHandler } from '../../functions/ingest/handler';
import { exampleShop, makeProfile, publishExampleNewsletter } from './delivery-fixtures';

const key = { id: 'k1', secret: 'funnel-test-secret-funnel-test-secret-1' };
const ring = { current: key, accepted: [key] };
const occurrenceId = 'newsletter-monthly:2026-03-01T08:00Z';
const sentAt = new Date('2026-03-01T08:00:00Z');
const clickedAt = new Date('2026-03-01T10:00:00Z');
let published: PublishedCampaign;
let shop: ShopInfo;
beforeAll(async () => {
  published = await publishExampleNewsletter({
    variants: [
      { id: 'short', weight: 1, subject: { de: 'Kurz: {{ customer.firstName }}', en: 'Short: {{ customer.firstName }}' } },
      { id: 'long', weight: 1 },
    ],
  });
  shop = await exampleShop();
});

const envelope = (id: string, detailType: string, detail: unknown, time: string) => ({ version: '0', id, source: 'shop', 'detail-type': detailType, account: '1', time, region: 'eu-central-1', resources: [], detail });
const sqs = (...bodies: unknown[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body: JSON.stringify(body) })) } as unknown as SQSEvent);
const order = (orderId: string, placedAt: string, totalCents = 4590) =>
  envelope(`ord-${orderId}`, 'OrderPlaced', { orderId, customerId: 'c00001', placedAt, totalCents, currency: 'EUR', items: [{ sku: 's', name: 'Kaffee', quantity: 1, priceCents: totalCents }] }, placedAt);

const setup = async () => {
  const customers = createMemoryStore();
  const campaigns = createMemoryDeliveryStore();
  await campaigns.putCampaign(published);
  const funnels = createMemoryFunnelStore();
  const links = createSignedLinks({ baseUrl: 'https://t.example', ring });
  const renderer = createTemplateMailRenderer({ shop, ...links });
  let now = clickedAt;
  const track = createTrackApp({ customers, campaigns, clicks: createMemoryClickStore(), funnels, keys: () => ring, clock: { now: () => now }, shop });
  const ingest = createIngestHandler({ store: customers, loyalty: defaultLoyaltyConfig, clock: fixedClock('2026-03-10T00:00:00Z'), logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }), funnels });
  return { funnels, renderer, track, ingest, setNow: (d: Date) => (now = d) };
};

const clickHref = (html: string): string => /href="(https:\/\/t\.example\/c\/[^"]+)"/.exec(html)![1]!;

describe('funnels: variant mail, click and order', () => {
  it('signs the variant into the click link and redirects through the variant\'s own link table', async () => {
    const t = await setup();
    const mail = t.renderer.render({ published, profile: makeProfile(1), occurrenceId, at: sentAt, unsubscribeUrl: 'https://t.example/u/x', arm: 'short' });
    expect(mail.subject).toBe('Kurz: Anna');
    const href = clickHref(mail.html);
    const verified = verifyToken(href.split('/c/')[1]!.split('/')[0]!, ring.accepted, { now: clickedAt, purpose: 'click' });
    expect(verified.ok && verified.payload).toMatchObject({ variant: 'short', locale: 'short/de' });
    const res = await t.track.request(href.replace('https://t.example', ''));
    expect(res.status).toBe(302);
  });

  it('redirects the click although the funnel store fails', async () => {
    const t = await setup();
    const failing = { putRecentClick: () => Promise.reject(new Error('throttled')), markClicker: () => Promise.reject(new Error('throttled')), addCounts: () => Promise.reject(new Error('throttled')) };
    const campaigns = createMemoryDeliveryStore();
    await campaigns.putCampaign(published);
    const track = createTrackApp({ customers: createMemoryStore(), campaigns, clicks: createMemoryClickStore(), funnels: failing, keys: () => ring, clock: { now: () => clickedAt }, shop });
    const mail = t.renderer.render({ published, profile: makeProfile(1), occurrenceId, at: sentAt, unsubscribeUrl: 'https://t.example/u/x', arm: 'short' });
    expect((await track.request(clickHref(mail.html).replace('https://t.example', ''))).status).toBe(302);
  });

  it('counts a unique clicker per variant and attributes the order placed within 5 days to that variant', async () => {
    const t = await setup();
    const mail = t.renderer.render({ published, profile: makeProfile(1), occurrenceId, at: sentAt, unsubscribeUrl: 'https://t.example/u/x', arm: 'short' });
    const path = clickHref(mail.html).replace('https://t.example', '');
    await t.track.request(path);
    await t.track.request(path);
    expect(await t.funnels.recentClicks('c00001')).toEqual([{ campaignId: 'newsletter-monthly', occurrenceId, arm: 'short', atMs: clickedAt.getTime() }]);
    const result = await t.ingest(sqs(order('o-1', '2026-03-03T10:00:00Z'), order('o-2', '2026-03-09T10:00:00Z')));
    expect(result.batchItemFailures).toEqual([]);
    // Redelivered under a new event id: still one conversion.
    await t.ingest(sqs({ ...order('o-1', '2026-03-03T10:00:00Z'), id: 'ord-o-1-again' }));
    expect(await t.funnels.listFunnel('newsletter-monthly')).toEqual([
      { campaignId: 'newsletter-monthly', occurrenceId, arm: 'short', sent: 0, clicks: 1, conversions: 1, revenueCents: 4590, members: 0, converted: 0, convertedRevenueCents: 0 },
    ]);
    expect((await t.funnels.getAttribution('o-2'))?.source).toBe('none');
  });

  it('takes a refund of an attributed order off the campaign\'s revenue once', async () => {
    const t = await setup();
    const mail = t.renderer.render({ published, profile: makeProfile(1), occurrenceId, at: sentAt, unsubscribeUrl: 'https://t.example/u/x', arm: 'long' });
    await t.track.request(clickHref(mail.html).replace('https://t.example', ''));
    const refund = envelope('ref-1', 'OrderRefunded', { orderId: 'o-1', customerId: 'c00001', refundId: 'r1', refundedAt: '2026-03-05T10:00:00Z', amountCents: 590 }, '2026-03-05T10:00:00Z');
    await t.ingest(sqs(order('o-1', '2026-03-03T10:00:00Z'), refund));
    await t.ingest(sqs({ ...refund, id: 'ref-1-again' }));
    expect(await t.funnels.listFunnel('newsletter-monthly')).toMatchObject([{ arm: 'long', conversions: 1, revenueCents: 4000 }]);
  });
});
