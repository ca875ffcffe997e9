// The real ingest handler, driven with SQS batches (bodies are EventBridge envelopes, as the
// rule's SQS target delivers them) against dynalite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore, type DynamoStore } from '#adapters/dynamo-store';
import { fixedClock } from '#core/clock';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { createIngestHandler, handler as deployedHandler, type IngestHandler } from '../../functions/ingest/handler';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { TriggeredCampaign } from '#core/campaign';
import { triggeredCampaignSource } from '#core/triggers';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { CouponSpec } from '#core/campaign';
import { issueCoupon } from '#core/coupons';

let aws: LocalAws;
let store: DynamoStore;
let ingest: IngestHandler;
let messages = 0;
const RECEIVED = '2026-03-10T12:00:00.000Z';

const envelope = (id: string, detailType: string, detail: unknown, time = '2026-03-01T10:00:00Z') => ({
  version: '0', id, source: 'shop', 'detail-type': detailType, account: '111111111111', time, region: 'eu-central-1', resources: [], detail,
});
const record = (body: unknown): SQSRecord => ({
  messageId: `msg-${++messages}`,
  receiptHandle: 'rh',
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-central-1:111111111111:events',
  awsRegion: 'eu-central-1',
});
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

const registered = (customerId: string, id = `reg-${customerId}`) =>
  envelope(id, 'CustomerRegistered', { customerId, email: `${customerId}@shop.example`, locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: '2026-03-01T09:59:00Z', source: 'checkout', ip: '203.0.113.9', text: 'Newsletter: ja' } });
const placed = (customerId: string, orderId: string, totalCents: number, placedAt: string, id = `ord-${orderId}`) =>
  envelope(id, 'OrderPlaced', { orderId, customerId, placedAt, totalCents, currency: 'EUR', items: [{ sku: 'sku-1', name: 'Wanderschuh', category: 'shoes', quantity: 1, priceCents: totalCents }] }, placedAt);
const refunded = (customerId: string, orderId: string, amountCents: number, refundedAt: string, id = `ref-${orderId}-${amountCents}`) =>
  envelope(id, 'OrderRefunded', { orderId, customerId, refundedAt, amountCents }, refundedAt);

beforeAll(async () => {
  aws = await startLocalAws('ingest-handler-test');
  store = createDynamoStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName: aws.tableName });
  ingest = createIngestHandler({ store, loyalty: defaultLoyaltyConfig, clock: fixedClock(RECEIVED), logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }) });
});
afterAll(() => aws.stop());

describe('ingest handler on dynalite', () => {
  it('turns a stream of shop events into profile values, history and a tier change', async () => {
    const result = await ingest(batch(
      record(registered('anna')),
      record(placed('anna', 'a-1', 12_000, '2026-03-02T10:00:00Z')),
      record(placed('anna', 'a-2', 15_050, '2026-03-05T10:00:00Z')),
      record(envelope('nps-anna', 'NpsSubmitted', { customerId: 'anna', score: 9, submittedAt: '2026-03-06T10:00:00Z' })),
    ));
    expect(result.batchItemFailures).toEqual([]);
    await ingest(batch(record(refunded('anna', 'a-1', 2_000, '2026-03-07T10:00:00Z'))));
    const profile = await store.getProfile('anna');
    expect(profile).toMatchObject({
      email: 'anna@shop.example',
      orders: { count: 2, netSpendCents: 25_050, refundedCents: 2_000, firstOrderAt: '2026-03-02T10:00:00.000Z', lastOrderAt: '2026-03-05T10:00:00.000Z', averageOrderCents: 12_525 },
      categories: ['shoes'],
      points: 100 + 150,
      tier: 'silver',
      nps: { score: 9, at: '2026-03-06T10:00:00.000Z' },
      consent: { status: 'pending', proof: { marketing: true, source: 'checkout', ip: '203.0.113.9', text: 'Newsletter: ja' } },
    });
    const history = await store.listEvents('anna');
    expect(history.items.map((r) => `${r.origin}:${r.type}`)).toEqual(
      expect.arrayContaining(['shop:CustomerRegistered', 'own:ConsentGiven', 'shop:OrderPlaced', 'own:TierChanged', 'shop:NpsSubmitted', 'shop:OrderRefunded']),
    );
    expect(history.items.find((r) => r.type === 'TierChanged')?.detail).toMatchObject({ from: 'bronze', to: 'silver', customerId: 'anna' });
  });

  it('changes nothing when the same batch is delivered again', async () => {
    await ingest(batch(record(registered('ben')), record(placed('ben', 'b-1', 30_000, '2026-03-02T10:00:00Z'))));
    const refund = batch(record(refunded('ben', 'b-1', 5_000, '2026-03-03T10:00:00Z')));
    await ingest(refund);
    const before = await store.getProfile('ben');
    expect(before?.orders.netSpendCents).toBe(25_000);
    const again = await ingest(refund);
    expect(again.batchItemFailures).toEqual([]);
    expect(await store.getProfile('ben')).toEqual(before);
    expect((await store.listEvents('ben')).items.filter((r) => r.origin === 'shop')).toHaveLength(3);
  });

  it('applies one refund delivered 5 times concurrently exactly once', async () => {
    await ingest(batch(record(registered('cora'))));
    await ingest(batch(record(placed('cora', 'c-1', 10_000, '2026-03-02T10:00:00Z'))));
    const refund = refunded('cora', 'c-1', 1_000, '2026-03-03T10:00:00Z');
    const results = await Promise.all(Array.from({ length: 5 }, () => ingest(batch(record(refund)))));
    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await store.getProfile('cora')).toMatchObject({ orders: { count: 1, netSpendCents: 9_000, refundedCents: 1_000 }, points: 90 });
  });

  it('applies a refund redelivered after 100 newer events of the customer once: 3,000 cents, not 6,000', async () => {
    await ingest(batch(record(registered('rita'))));
    await ingest(batch(record(placed('rita', 'r-1', 10_000, '2026-03-02T10:00:00Z'))));
    const refund = record(refunded('rita', 'r-1', 3_000, '2026-03-03T10:00:00Z'));
    await ingest(batch(refund));
    for (let i = 0; i < 101; i += 10) {
      const answers = Array.from({ length: 10 }, (_, j) => record(envelope(`nps-rita-${i + j}`, 'NpsSubmitted', { customerId: 'rita', score: 9, submittedAt: '2026-03-04T10:00:00Z' })));
      expect((await ingest(batch(...answers))).batchItemFailures).toEqual([]);
    }
    expect((await ingest(batch(refund))).batchItemFailures).toEqual([]);
    expect(await store.getProfile('rita')).toMatchObject({ orders: { netSpendCents: 7_000, refundedCents: 3_000 }, points: 70 });
  });

  it('stores a rejection naming the customer when an event would grow the profile past the item limit, and applies the others', async () => {
    await ingest(batch(record(registered('vera'))));
    const wide = (n: number) => Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`a${n}-${i}`, 'x'.repeat(1000)]));
    const updates = [1, 2, 3, 4].map((n) => record(envelope(`wide-vera-${n}`, 'CustomerUpdated', { customerId: 'vera', attributes: wide(n) })));
    const result = await ingest(batch(...updates));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: updates[3]!.messageId }]);
    const rejection = (await store.listRejections('2026-03-10')).items.find((r) => r.key === 'wide-vera-4');
    expect(rejection?.reason).toMatch(/^profile: customer vera: the profile would take \d+ bytes, over the 389120-byte limit/);
    expect(Object.keys((await store.getProfile('vera'))!.attributes)).toHaveLength(300);
  });

  it('applies concurrent different events of one customer in one batch without losing any', async () => {
    const orders = Array.from({ length: 6 }, (_, i) => record(placed('dora', `d-${i}`, 1_000, `2026-03-0${i + 1}T10:00:00Z`)));
    const result = await ingest(batch(...orders));
    expect(result.batchItemFailures).toEqual([]);
    expect(await store.getProfile('dora')).toMatchObject({ orders: { count: 6, netSpendCents: 6_000 }, points: 60 });
  });

  it('keeps a refund that arrives before its order and applies it when the order comes', async () => {
    await ingest(batch(record(refunded('emil', 'e-1', 3_000, '2026-03-04T10:00:00Z'))));
    expect((await store.getProfile('emil'))?.pendingRefunds).toEqual({ 'e-1': { amountCents: 3_000, at: '2026-03-04T10:00:00.000Z', refunds: ['at:2026-03-04T10:00:00.000Z:3000'] } });
    await ingest(batch(record(placed('emil', 'e-1', 10_000, '2026-03-02T10:00:00Z'))));
    expect(await store.getProfile('emil')).toMatchObject({ pendingRefunds: {}, placeholder: true, orders: { count: 1, netSpendCents: 7_000, refundedCents: 3_000 }, points: 70 });
  });

  it('rejects an event that fails its schema with the field path, keeps it, and reports it for redrive', async () => {
    const bad = placed('finn', 'f-1', 1_000, '2026-03-02T10:00:00Z', 'bad-1') as ReturnType<typeof placed> & { detail: Record<string, unknown> };
    bad.detail.totalCents = -5;
    const message = record(bad);
    const result = await ingest(batch(message));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: message.messageId }]);
    const rejection = (await store.listRejections('2026-03-10')).items.find((r) => r.key === 'bad-1');
    expect(rejection).toMatchObject({ eventId: 'bad-1', detailType: 'OrderPlaced', body: message.body, attempts: 1, receivedAt: RECEIVED });
    expect(rejection?.reason).toMatch(/^detail\.totalCents: /);
    expect(await store.getProfile('finn')).toBeUndefined();
  });

  it('fails only the bad records of a mixed batch, acknowledges unknown detail-types and applies the rest', async () => {
    const good = record(placed('gina', 'g-1', 4_000, '2026-03-02T10:00:00Z'));
    const notJson = record('{"id": "broken"');
    const badTz = record(envelope('bad-tz', 'CustomerRegistered', { customerId: 'gina', email: 'gina@shop.example', locale: 'de-DE', timeZone: 'Europe/Berlin', country: 'Germany' }));
    const unknown = record(envelope('unk-1', 'CartAbandoned', { customerId: 'gina' }));
    const result = await ingest(batch(good, notJson, badTz, unknown));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([notJson.messageId, badTz.messageId].sort());
    expect((await store.getProfile('gina'))?.orders.count).toBe(1);
    const rejections = (await store.listRejections('2026-03-10')).items;
    expect(rejections.find((r) => r.key === notJson.messageId)?.reason).toMatch(/^\(body\): not JSON/);
    expect(rejections.find((r) => r.key === 'bad-tz')?.reason).toMatch(/^detail\.country: must be an ISO 3166-1 alpha-2 code/);
  });

  it('applies a registration with an invalid time zone and records the warning on the profile instead of rejecting it', async () => {
    const marsian = record(envelope('mars-1', 'CustomerRegistered', { customerId: 'mara', email: 'mara@shop.example', locale: 'de-DE', timeZone: 'Mars/Olympus' }));
    const result = await ingest(batch(marsian));
    expect(result.batchItemFailures).toEqual([]);
    const profile = await store.getProfile('mara');
    expect(profile?.email).toBe('mara@shop.example');
    expect(profile?.timeZoneWarning).toMatch(/^timeZone "Mars\/Olympus" is not an IANA time zone/);
    const fixed = record(envelope('mars-2', 'CustomerUpdated', { customerId: 'mara', timeZone: 'Europe/Vienna' }));
    await ingest(batch(fixed));
    const after = await store.getProfile('mara');
    expect(after?.timeZone).toBe('Europe/Vienna');
    expect(after?.timeZoneWarning).toBeUndefined();
  });

  it('counts each redelivery of a rejected event on the same rejection record', async () => {
    const bad = record(envelope('bad-twice', 'NpsSubmitted', { customerId: 'hans', score: 11, submittedAt: '2026-03-02T10:00:00Z' }));
    await ingest(batch(bad));
    await ingest(batch(bad));
    const rejection = (await store.listRejections('2026-03-10')).items.find((r) => r.key === 'bad-twice');
    expect(rejection?.attempts).toBe(2);
    expect(rejection?.reason).toMatch(/^detail\.score: /);
  });

  it('runs as the deployed entry point from TABLE_NAME and DYNAMODB_ENDPOINT', async () => {
    process.env.TABLE_NAME = aws.tableName;
    process.env.DYNAMODB_ENDPOINT = aws.dynamoEndpoint;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const result = await deployedHandler(batch(record(placed('ivy', 'i-1', 2_500, '2026-03-02T10:00:00Z'))));
    expect(result.batchItemFailures).toEqual([]);
    expect((await store.getProfile('ivy'))?.points).toBe(25);
  });
});

describe('ingest handler: triggered follow-ups on dynalite', () => {
  it('writes one due delivery for a first order delivered twice, and puts FirstOrderPlaced on the bus', async () => {
    const deliveries = createDynamoDeliveryStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName: aws.tableName });
    const campaign = TriggeredCampaign.parse({
      kind: 'triggered', id: 'welcome', name: 'W', status: 'active', topic: 'service', audience: { rule: { type: 'consent', status: 'confirmed' } },
      trigger: { event: 'FirstOrderPlaced', delay: { days: 3 } },
      template: { layout: 'greeting', defaultLocale: 'de', content: { de: { subject: 'S', preheader: '', blocks: [{ type: 'text', text: 'T' }] } } },
    });
    await deliveries.putCampaign({ campaign, segments: {}, publishedAt: '2026-03-01T00:00:00.000Z' });
    const bus = createMemoryEventBus();
    const clock = fixedClock('2026-03-12T09:00:00.000Z');
    const handler = createIngestHandler({
      store, loyalty: defaultLoyaltyConfig, clock, logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }),
      deliveries, doubleOptIn: false, triggeredCampaigns: triggeredCampaignSource(deliveries, clock), ownEventBus: bus,
    });
    await handler(batch(record(registered('wendy'))));
    const order = placed('wendy', 'w-1', 3_000, '2026-03-12T08:00:00Z');
    expect((await handler(batch(record(order)))).batchItemFailures).toEqual([]);
    expect((await handler(batch(record(order)))).batchItemFailures).toEqual([]);
    const due = (await deliveries.listDueDeliveries('2026-03-15T08:00')).items;
    expect(due).toEqual([{ deliveryId: 'welcome:wendy:once', dueAt: '2026-03-15T08:00:00.000Z', occurrenceId: 'welcome:wendy:once', campaignId: 'welcome', customerId: 'wendy' }]);
    expect(bus.published.filter((e) => e.type === 'FirstOrderPlaced').map((e) => e.id)).toEqual(['ord-w-1#FirstOrderPlaced', 'ord-w-1#FirstOrderPlaced']);
  });
});

describe('ingest handler: coupon redemption', () => {
  it('redeems the coupon of an order once, also when the order is delivered again, and records a second use with its reason', async () => {
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
    const coupons = createDynamoCouponStore({ client, tableName: aws.tableName });
    const withCoupons = createIngestHandler({ store, coupons, loyalty: defaultLoyaltyConfig, clock: fixedClock(RECEIVED), logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }) });
    const spec = CouponSpec.parse({ value: { type: 'amount', amountCents: 500, currency: 'EUR' }, validDays: 30 });
    const { code } = await issueCoupon({ store: coupons }, { campaignId: 'spring', occurrenceId: 'spring:2026-03-01T08:00Z', customerId: 'rita', spec, at: new Date('2026-03-01T08:00:00Z') });
    const order = (orderId: string, id = `ord-${orderId}`) => {
      const e = placed('rita', orderId, 3_000, '2026-03-03T10:00:00Z', id);
      return { ...e, detail: { ...(e.detail as Record<string, unknown>), couponCode: code.toLowerCase() } };
    };
    const first = await withCoupons(batch(record(registered('rita')), record(order('r-1')), record(order('r-1', 'ord-r-1-again'))));
    expect(first.batchItemFailures).toEqual([]);
    await withCoupons(batch(record(order('r-2'))));
    expect(await coupons.getCoupon(code)).toMatchObject({ redeemedOrderId: 'r-1', redeemedAt: '2026-03-03T10:00:00.000Z' });
    expect(await coupons.couponStats('spring')).toEqual({ campaignId: 'spring', redeemed: 1, revenueCents: 3_000, refused: { alreadyRedeemed: 1 } });
  });
});
