// GDPR export and erasure on DynamoDB (dynalite): a customer who got a newsletter, clicked, sent a
// rejected event and complained is exported with everything, then erased; a scan of the whole
// table afterwards finds neither their email, their name nor their customer id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { createRuntime, type Runtime, type SentMail } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoClickStore } from '#adapters/dynamo-click-store';
import { createDynamoPersonalData, hashEmail } from '#adapters/dynamo-personal-data';
import { suppressionsFrom } from '#core/delivery/feedback';
import { encodeLedgerTag } from '#core/delivery/send';
import { withoutErasedConsent, type CustomerExport } from '#core/gdpr';
import { CouponSpec } from '#core/campaign';
import { ERASED_HOLDER, issueCoupon, type IssuedCoupon } from '#core/coupons';
import { redeemCoupon } from '#core/coupon-redemption';
import { runErase, runExport } from '#cli/commands/gdpr';
import { createFeedbackHandler } from '../../functions/feedback/handler';
import { createIngestHandler, erasureLookup } from '../../functions/ingest/handler';
import { createGdprHandler } from '../../functions/gdpr/handler';
import { createMemoryExportWriter } from '#adapters/memory-export-writer';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { exampleShop, makeProfile, publishExampleNewsletter, testSigningKey } from '../unit/delivery-fixtures';
import { sesEvent, sqsBatch } from '../unit/ses-events';

const due = new Date('2026-12-01T08:00:00.000Z');
const email = 'zerlina.quastenflosser@example.org';
const secret = { customerId: 'cust-zq-4711', email, firstName: 'Zerlina', lastName: 'Quastenflosser' };

let runtime: Runtime;
const sent: SentMail[] = [];

beforeAll(async () => {
  runtime = await createRuntime({
    clock: new SimClock(due),
    backend: 'local-aws',
    shop: await exampleShop(),
    from: 'Shop <news@shop.example>',
    unsubscribeBaseUrl: 'https://mail.shop.example',
    keyRing: { current: testSigningKey, accepted: [testSigningKey] },
    logLevel: 'SILENT',
    onSent: (mail) => sent.push(mail),
  });
  await runtime.publish({ campaigns: [await publishExampleNewsletter()], segments: [], rewardCatalogs: [] });
  const others = [makeProfile(1), makeProfile(2)];
  const zerlina = makeProfile(3, { customerId: secret.customerId, email, firstName: secret.firstName, lastName: secret.lastName });
  for (const p of [...others, zerlina]) await runtime.customers.applyAtomically(p.customerId, `seed-${p.customerId}`, () => ({ profile: p, ownEvents: [] }));
  await runtime.customers.appendEvents(secret.customerId, [
    { eventId: 'ev-reg', origin: 'shop', type: 'CustomerRegistered', at: '2026-01-01T00:00:00.000Z', detail: { customerId: secret.customerId, email, firstName: 'Zerlina', consent: { marketing: true, at: '2026-01-01T00:00:00Z', source: 'checkout', ip: '203.0.113.9' } } },
    { eventId: 'ev-order', origin: 'shop', type: 'OrderPlaced', at: '2026-02-01T00:00:00.000Z', detail: { orderId: 'o-1', customerId: secret.customerId, totalCents: 4590 } },
    { eventId: 'ev-order-2', origin: 'shop', type: 'OrderPlaced', at: '2026-11-20T00:00:00.000Z', detail: { orderId: 'o-3', customerId: secret.customerId, totalCents: 3000, couponCode: 'SOMEONE-ELSES' } },
  ]);
  await runtime.customers.putRejection({ key: 'bad-1', receivedAt: due.toISOString(), reason: 'detail.email: invalid', body: JSON.stringify({ detail: { customerId: secret.customerId, email: 'zerlina@' } }) });
  await runtime.customers.putRejection({ key: 'bad-2', receivedAt: due.toISOString(), reason: 'detail.email: invalid', body: JSON.stringify({ detail: { customerId: 'someone-else' } }) });
  await runtime.tick();
  await runtime.settle();
  const mine = sent.find((m) => m.customerId === secret.customerId)!;
  // Coupons: a generated one of the newsletter, redeemed; a pooled one of a per-customer
  // (triggered-style) occurrence; another customer's; a refused use of someone else's code.
  const spec = CouponSpec.parse({ value: { type: 'percent', percent: 10 }, validDays: 30, prefix: 'NL' });
  await runtime.coupons.addPoolCodes('gdpr-pool', ['POOL-ZQ-1']);
  coupons.generated = await issueCoupon({ store: runtime.coupons }, { campaignId: 'newsletter-monthly', occurrenceId: mine.occurrenceId, customerId: secret.customerId, spec, at: due });
  coupons.pooled = await issueCoupon({ store: runtime.coupons }, { campaignId: 'newsletter-monthly', occurrenceId: `newsletter-monthly:${secret.customerId}:first`, customerId: secret.customerId, spec: CouponSpec.parse({ ...spec, pool: 'gdpr-pool' }), at: due });
  coupons.other = await issueCoupon({ store: runtime.coupons }, { campaignId: 'newsletter-monthly', occurrenceId: mine.occurrenceId, customerId: 'c00001', spec, at: due });
  await redeemCoupon(runtime.coupons, { couponCode: coupons.generated.code, customerId: secret.customerId, orderId: 'o-2', at: '2026-12-01T10:00:00.000Z', totalCents: 3000 });
  // The customer was referred by c00002: the referrer's reward coupon's occurrence names them, as
  // does the coupon's link to the referral.
  coupons.referrerReward = await issueCoupon({ store: runtime.coupons }, { campaignId: 'newsletter-monthly', occurrenceId: `newsletter-monthly:reward.${secret.customerId}`, customerId: 'c00002', spec, at: due, rewardId: 'ten-percent' });
  await runtime.referrals.createReferral({
    friendId: secret.customerId, referrerId: 'c00002', code: 'FRIEND-7KQ2', orderId: 'o-1', orderAt: '2026-02-01T00:00:00.000Z', campaignId: 'newsletter-monthly', catalogId: 'rewards', state: 'issued',
    rewardId: 'ten-percent', issued: { kind: 'coupon', rewardId: 'ten-percent', code: coupons.referrerReward.code, expiresAt: coupons.referrerReward.expiresAt },
  });
  await runtime.referrals.linkCoupon(coupons.referrerReward.code, secret.customerId);
  await redeemCoupon(runtime.coupons, { couponCode: 'SOMEONE-ELSES', customerId: secret.customerId, orderId: 'o-3', at: '2026-11-20T00:00:00.000Z', totalCents: 3000 });
  const client = createDocumentClient({ endpoint: runtime.aws!.dynamoEndpoint });
  const clicks = createDynamoClickStore({ client, tableName: runtime.aws!.tableName });
  await clicks.recordClick({ occurrenceId: mine.occurrenceId, customerId: secret.customerId, campaignId: mine.campaignId, link: 1, atMs: due.getTime() + 60_000 });
  // A transient bounce (a soft-bounce run under the customer), then a complaint.
  const feedback = createFeedbackHandler({ store: runtime.delivery, suppressions: suppressionsFrom(runtime.customers), feedback: runtime.feedback }, { logger: new Logger({ logLevel: 'SILENT' }) });
  const key = { occurrenceId: mine.occurrenceId, customerId: secret.customerId };
  expect(encodeLedgerTag(key)).toBeTruthy();
  await feedback(sqsBatch([sesEvent('bounce-transient', key, { messageId: 'other-msg' }), sesEvent('complaint', key, { messageId: mine.messageId })]) as unknown as SQSEvent);
  // Pending work that names the customer: held work of a paused occurrence (with and without
  // others), and due deliveries of a seasonal occurrence, a triggered flow and a quiet-hours wait.
  await runtime.delivery.pauseOccurrence(pausedOccurrence, 'paused by a person', 'person', due.getTime());
  await runtime.delivery.holdWork({ occurrenceId: pausedOccurrence, campaignId: 'newsletter-monthly', customerIds: ['c00001', secret.customerId, 'c00002'], hop: 0 }, 'msg-shared');
  await runtime.delivery.holdWork({ occurrenceId: pausedOccurrence, campaignId: 'newsletter-monthly', customerIds: [secret.customerId], hop: 0 }, 'msg-alone');
  const dueOf = (deliveryId: string, occurrenceId: string, campaignId: string, customerId: string) => ({ deliveryId, dueAt: '2026-12-24T09:00:00.000Z', occurrenceId, campaignId, customerId });
  for (const customerId of [secret.customerId, 'c00001']) {
    await runtime.delivery.putDueDelivery(dueOf(`xmas:2026@2026-12-24#${customerId}`, 'xmas:2026@2026-12-24', 'xmas', customerId));
    await runtime.delivery.putDueDelivery(dueOf(`welcome:${customerId}:first`, `welcome:${customerId}:first`, 'welcome', customerId));
    await runtime.delivery.putDueDelivery(dueOf(`newsletter-monthly:2026-12-20T08:00Z#${customerId}`, 'newsletter-monthly:2026-12-20T08:00Z', 'newsletter-monthly', customerId));
  }
}, 120_000);
const pausedOccurrence = 'newsletter-monthly:2026-12-15T08:00Z';
const coupons: Record<'generated' | 'pooled' | 'other' | 'referrerReward', IssuedCoupon> = {} as never;
afterAll(() => runtime.stop());

const flags = () => ({ table: runtime.aws!.tableName });
const clients = () => ({ documentClient: createDocumentClient({ endpoint: runtime.aws!.dynamoEndpoint }) });
const scan = async () => {
  const { Items = [] } = await createDocumentClient({ endpoint: runtime.aws!.dynamoEndpoint }).send(new ScanCommand({ TableName: runtime.aws!.tableName }));
  return Items;
};

describe('gdpr: export and erase on dynalite', () => {
  it('exports the profile, the consent with its proof and history, events, mails with dates and campaigns, and clicks', async () => {
    const data = JSON.parse(await runExport(secret.customerId, flags(), clients(), new Date('2026-12-02T00:00:00Z'))) as CustomerExport;
    expect(data).toMatchObject({ schemaVersion: 1, customerId: secret.customerId, profile: { email, firstName: 'Zerlina', lastName: 'Quastenflosser' } });
    expect(data.referrals).toEqual([{ kind: 'referredBy', referral: expect.objectContaining({ referrerId: 'c00002', rewardId: 'ten-percent' }) }]);
    const { generated, pooled } = coupons;
    expect(data.coupons).toEqual([
      { code: generated.code, campaignId: 'newsletter-monthly', value: { type: 'percent', percent: 10 }, issuedAt: generated.issuedAt, expiresAt: '2026-12-31T08:00:00.000Z', redeemedAt: '2026-12-01T10:00:00.000Z', redeemedOrderId: 'o-2' },
      { code: 'POOL-ZQ-1', campaignId: 'newsletter-monthly', value: { type: 'percent', percent: 10 }, issuedAt: pooled.issuedAt, expiresAt: '2026-12-31T08:00:00.000Z' },
    ].sort((a, b) => a.code.localeCompare(b.code)));
    expect(data.consent).toMatchObject({ status: 'withdrawn' });
    expect(data.consent.history.map((e) => e.type)).toEqual(['CustomerRegistered', 'ConsentWithdrawn']);
    expect(data.events.map((e) => e.type)).toEqual(['CustomerRegistered', 'OrderPlaced', 'OrderPlaced', 'ConsentWithdrawn']);
    expect(data.mails).toEqual([expect.objectContaining({ campaignId: 'newsletter-monthly', state: 'sent', messageId: expect.any(String), claimedAt: expect.stringMatching(/^2026-12-01T08:/) })]);
    expect(data.clicks).toEqual([expect.objectContaining({ kind: 'click', link: 1, at: '2026-12-01T08:01:00.000Z' })]);
  });

  it('fails the export of an unknown customer in one line', async () => {
    await expect(runExport('nobody-here', flags(), clients())).rejects.toThrow(/^customer nobody-here: nothing on record in table /);
  });

  it('erases every trace: a scan finds neither the email, the name nor the customer id; others and the counts stay', async () => {
    const before = await scan();
    expect(before.some((item) => JSON.stringify(item).includes(secret.customerId))).toBe(true);
    expect(await runtime.delivery.dueDeliveryIdsOf(secret.customerId)).toHaveLength(3);
    const out = await runErase(secret.customerId, flags(), clients(), new Date('2026-12-02T00:00:00Z'));
    expect(out).toMatch(/^customer cust-zq-4711 erased: \d+ items and 1 rejected events deleted, taken out of 2 held send work items, 2 coupons no longer name the customer \(code, value and redemption kept for the shop's figures\); kept: a salted hash of the email/);
    const after = await scan();
    for (const needle of [secret.customerId, email, 'Zerlina', 'Quastenflosser', 'zerlina@']) {
      expect(after.filter((item) => JSON.stringify(item).includes(needle)).map((i) => `${i.pk}|${i.sk}`), needle).toEqual([]);
    }
    // Coupons stay for the shop's figures, naming nobody; the other customer's is untouched.
    expect(await runtime.coupons.getCoupon(coupons.generated.code)).toMatchObject({ customerId: ERASED_HOLDER, occurrenceId: ERASED_HOLDER, redeemedAt: '2026-12-01T10:00:00.000Z' });
    expect(await runtime.coupons.getCoupon('POOL-ZQ-1')).toMatchObject({ customerId: ERASED_HOLDER, source: 'pool' });
    expect(await runtime.coupons.getCoupon(coupons.other.code)).toEqual(coupons.other);
    // The referrer keeps their reward coupon; its occurrence no longer names the friend.
    expect(await runtime.coupons.getCoupon(coupons.referrerReward.code)).toEqual({ ...coupons.referrerReward, occurrenceId: 'newsletter-monthly:reward.erased' });
    expect(await runtime.referrals.referralOfCoupon(coupons.referrerReward.code)).toBeUndefined();
    expect(await runtime.coupons.couponStats('newsletter-monthly')).toMatchObject({ redeemed: 1, revenueCents: 3000 });
    // The other customers' held work and due deliveries stay.
    expect(await runtime.delivery.listHeldWork(pausedOccurrence)).toEqual([{ key: 'msg-shared', work: expect.objectContaining({ customerIds: ['c00001', 'c00002'] }) }]);
    expect((await runtime.delivery.listDueDeliveries('2026-12-24T09:00')).items.map((d) => d.customerId)).toEqual(['c00001', 'c00001', 'c00001']);
    expect(await runtime.delivery.dueDeliveryIdsOf(secret.customerId)).toEqual([]);
    const stillThere = after.map((i) => String(i.pk));
    expect(stillThere).toContain('CUST#c00001');
    expect(stillThere.some((pk) => pk.startsWith('SEND#') && pk.endsWith('#c00002'))).toBe(true);
    expect(stillThere.some((pk) => pk.startsWith('REJECT#'))).toBe(true);
    const occurrence = after.find((i) => String(i.sk).startsWith('OCC#'))!;
    expect(occurrence.stat_sent).toBe(3);
    expect(occurrence.stat_complained).toBe(1);
  });

  it('keeps only an erasure record under the salted email hash, which drops old consent on a re-import but not a fresh one', async () => {
    const personal = createDynamoPersonalData({ client: createDocumentClient({ endpoint: runtime.aws!.dynamoEndpoint }), tableName: runtime.aws!.tableName });
    const record = await personal.getErasure(hashEmail(await personal.salt(), ` ${email.toUpperCase()} `));
    expect(record).toEqual({ reason: 'complained', erasedAt: '2026-12-02T00:00:00.000Z' });
    const registration = (at: string) => ({ id: 'e', time: at, type: 'CustomerRegistered' as const, detail: { customerId: 'new-id', email, locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at, source: 'import' } } });
    expect('consent' in withoutErasedConsent(registration('2026-01-01T00:00:00Z') as never, record).detail).toBe(false);
    expect('consent' in withoutErasedConsent(registration('2026-12-03T00:00:00Z') as never, record).detail).toBe(true);
  });

  it('ingests a re-import of the erased address without its old consent, and a fresh registration with its new consent', async () => {
    const client = createDocumentClient({ endpoint: runtime.aws!.dynamoEndpoint });
    const ingest = createIngestHandler({
      store: runtime.customers,
      loyalty: defaultLoyaltyConfig,
      erasures: erasureLookup(createDynamoPersonalData({ client, tableName: runtime.aws!.tableName })),
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const envelope = (id: string, customerId: string, consentAt: string) => ({
      id,
      time: consentAt,
      source: 'shop',
      'detail-type': 'CustomerRegistered',
      detail: { customerId, email, locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: consentAt, source: 'import', status: 'confirmed', confirmedAt: consentAt, ip: '203.0.113.9' } },
    });
    await ingest(sqsBatch([envelope('re-1', 'reimported', '2026-01-01T00:00:00Z'), envelope('fresh-1', 'fresh', '2026-12-05T00:00:00Z')]) as unknown as SQSEvent);
    expect((await runtime.customers.getProfile('reimported'))?.consent.status).toBe('none');
    expect((await runtime.customers.getProfile('fresh'))?.consent.status).toBe('confirmed');
  });

  it('serves the shop on AWS: export by invocation and by CustomerExportRequested to the export store, erase by its CustomerErasureRequested event, malformed requests named', async () => {
    const client = createDocumentClient({ endpoint: runtime.aws!.dynamoEndpoint });
    const tableName = runtime.aws!.tableName;
    const exports = createMemoryExportWriter();
    const gdpr = createGdprHandler(
      { customers: runtime.customers, delivery: runtime.delivery, personal: createDynamoPersonalData({ client, tableName }), hashEmail, referrals: runtime.referrals, coupons: runtime.coupons, exports },
      { now: () => new Date('2026-12-02T00:00:00Z'), logger: new Logger({ logLevel: 'SILENT' }) },
    );
    const exported = await gdpr({ action: 'export', customerId: 'c00002', requestId: 'req-1' });
    expect(exported).toMatchObject({ action: 'export', found: true, requestId: 'req-1', key: 'exports/c00002/req-1.json' });
    expect(JSON.parse(exports.objects.get('exports/c00002/req-1.json')!)).toMatchObject({ customerId: 'c00002', mails: [expect.objectContaining({ state: 'sent' })] });
    expect(await gdpr({ id: 'ev-76', source: 'shop', 'detail-type': 'CustomerExportRequested', detail: { customerId: 'c00002' } })).toMatchObject({ found: true, written: true, key: 'exports/c00002/ev-76.json' });
    const event = { id: 'ev-77', 'detail-type': 'CustomerErasureRequested', source: 'shop', detail: { customerId: 'c00002' } };
    expect(await gdpr(event)).toMatchObject({ action: 'erase', requestId: 'ev-77', found: true, keptSuppression: false });
    expect(await gdpr(event)).toMatchObject({ action: 'erase', found: false, deleted: 0 });
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName }));
    expect(Items.filter((i) => JSON.stringify(i).includes('c00002') || JSON.stringify(i).includes('customer2@example.com'))).toEqual([]);
    await expect(gdpr({ action: 'erase', customerId: 'has space' })).rejects.toThrow(/^gdpr request: /);
    expect(await gdpr({ ...event, id: 'ev-78', 'detail-type': 'CustomerExportRequested' })).toMatchObject({ action: 'export', found: false });
  });

  it('erases again as a no-op', async () => {
    expect(await runErase(secret.customerId, flags(), clients(), new Date('2026-12-02T00:00:00Z'))).toBe('customer cust-zq-4711: nothing on record; nothing erased');
  });
});
