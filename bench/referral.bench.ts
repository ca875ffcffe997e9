// Referral conversion throughput through ingest: shop events per second through the ingest
// handler (SQS batches of 10) with the referral program on — code lookup, every fraud check
// (self-referral by id, normalized email and shipping address; earlier customer; already
// referred; referrer cap), the locked reward issued as a coupon (issueCoupon) and the friend's
// offer — against the same stream without the program. Memory adapters, then DynamoDB on
// dynalite (in-process, so its figure is the engine's work plus dynalite's, not DynamoDB's).
import { performance } from 'node:perf_hooks';
import type { SQSRecord } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryReferralStore } from '#adapters/memory-referral-store';
import { createMemoryCouponStore } from '#adapters/memory-coupon-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { createDocumentClient } from '#adapters/aws-clients';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { RewardCatalog } from '#core/rewards';
import type { CustomerStore } from '#core/store';
import type { ReferralStore } from '#core/referral-store';
import type { CouponStore } from '#core/coupons';
import { referralCodeCandidate } from '#core/referral';
import { referralCodeFor, rewardCouponIssuer, type ReferralDeps } from '#core/referral-program';
import { startLocalAws } from '#local/servers';
import { createIngestHandler } from '../functions/ingest/handler';

const catalog = RewardCatalog.parse({
  kind: 'rewardCatalog', id: 'bench', name: 'Bench', mode: 'rotate', rotateEvery: 'week', timeZone: 'Europe/Berlin', defaultLocale: 'de',
  program: { referrerCap: { count: 6, per: 'month' } },
  rewards: [
    { id: 'ten-percent', label: { de: '10 %' }, value: { type: 'percent', percent: 10 }, for: 'both', weight: 2 },
    { id: 'points', label: { de: '200 Punkte' }, value: { type: 'points', points: 200 }, for: 'referrer' },
  ],
});

interface Envelope { id: string; 'detail-type': string; time: string; detail: Record<string, unknown> }

/**
 * Referrers register and order; then each friend registers and places a first order with a
 * referrer's code. Of every 10 friends of a referrer: 6 convert, 1 self-referral by email (+tag),
 * 1 by shipping address, 1 already a customer (second order with a code), 1 past the cap of 6.
 */
const stream = (referrers: number): { setup: Envelope[]; friends: Envelope[] } => {
  const setup: Envelope[] = [];
  const friends: Envelope[] = [];
  const base = Date.UTC(2026, 2, 2, 8);
  const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
  const order = (customerId: string, orderId: string, time: string, extra: Record<string, unknown> = {}) => ({
    orderId, customerId, placedAt: time, totalCents: 3_000, currency: 'EUR', items: [{ sku: 'k', name: 'Kaffee', quantity: 1, priceCents: 3_000 }], ...extra,
  });
  for (let r = 0; r < referrers; r++) {
    const id = `ref-${r}`;
    setup.push({ id: `reg-${id}`, 'detail-type': 'CustomerRegistered', time: at(r), detail: { customerId: id, email: `referrer.${r}@shop.example`, locale: 'de-DE', timeZone: 'Europe/Berlin' } });
    setup.push({ id: `ord-${id}`, 'detail-type': 'OrderPlaced', time: at(r), detail: order(id, `o-${id}`, at(r), { shippingAddressHash: `home-of-referrer-${r}` }) });
  }
  let n = 0;
  for (let r = 0; r < referrers; r++) {
    const code = referralCodeCandidate(`ref-${r}`, 0);
    for (let k = 0; k < 10; k++) {
      const id = `friend-${r}-${k}`;
      const time = at(10_000 + n++);
      const email = k === 6 ? `referrer.${r}+again@shop.example` : `${id}@shop.example`;
      friends.push({ id: `reg-${id}`, 'detail-type': 'CustomerRegistered', time, detail: { customerId: id, email, locale: 'de-DE', timeZone: 'Europe/Berlin' } });
      const address = k === 7 ? `home-of-referrer-${r}` : `home-of-${id}`;
      if (k === 8) {
        friends.push({ id: `ord0-${id}`, 'detail-type': 'OrderPlaced', time, detail: order(id, `o0-${id}`, time, { shippingAddressHash: address }) });
        friends.push({ id: `ord-${id}`, 'detail-type': 'OrderPlaced', time, detail: order(id, `o-${id}`, time, { referralCode: code, shippingAddressHash: address }) });
      } else {
        friends.push({ id: `ord-${id}`, 'detail-type': 'OrderPlaced', time, detail: order(id, `o-${id}`, time, { referralCode: code, shippingAddressHash: address }) });
      }
    }
  }
  return { setup, friends };
};

let messages = 0;
const record = (e: Envelope): SQSRecord => ({
  messageId: `m-${++messages}`, receiptHandle: 'rh', body: JSON.stringify({ version: '0', source: 'shop', account: '0', region: 'local', resources: [], ...e }),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'local',
});

const feed = async (handler: ReturnType<typeof createIngestHandler>, events: readonly Envelope[]): Promise<number> => {
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 10) {
    const result = await handler({ Records: events.slice(i, i + 10).map(record) });
    if (result.batchItemFailures.length > 0) throw new Error(`bench: ${result.batchItemFailures.length} records failed`);
  }
  return (performance.now() - t0) / 1000;
};

const measure = async (label: string, referrers: number, stores: () => Promise<{ customers: CustomerStore; referrals: ReferralStore; coupons: CouponStore }>): Promise<void> => {
  const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });
  const clock = { now: () => new Date('2026-03-02T08:00:00Z') };
  const { setup, friends } = stream(referrers);
  for (const withProgram of [false, true]) {
    const { customers, referrals, coupons } = await stores();
    const deps: ReferralDeps = { referrals, customers, program: async () => ({ campaignId: 'referral-bench', catalog }), clock, issueCoupon: rewardCouponIssuer({ store: coupons }) };
    const handler = createIngestHandler({ store: customers, loyalty: defaultLoyaltyConfig, clock, logger, ...(withProgram ? { referralProgram: deps } : {}) });
    await feed(handler, setup);
    for (let r = 0; r < referrers; r++) await referralCodeFor(deps, `ref-${r}`);
    const seconds = await feed(handler, friends);
    const stats = withProgram ? await referrals.stats('referral-bench') : {};
    const rejected = Object.values(stats).reduce<Record<string, number>>((sum, row) => {
      for (const [k, v] of Object.entries(row)) if (k.startsWith('rejected.') || k === 'conversions') sum[k] = (sum[k] ?? 0) + (v ?? 0);
      return sum;
    }, {});
    console.log(
      `${label} ${withProgram ? 'referral program on ' : 'without the program'}: ${friends.length} friend events in ${seconds.toFixed(2)} s = ${Math.round(friends.length / seconds).toLocaleString('en')} events/s` +
        (withProgram ? `  ${JSON.stringify(rejected)}` : ''),
    );
  }
};

export async function run(): Promise<void> {
  await measure('memory  ', 1_000, async () => ({ customers: createMemoryStore(), referrals: createMemoryReferralStore(), coupons: createMemoryCouponStore() }));
  const aws = await startLocalAws('referral-bench');
  try {
    let tables = 0;
    const { createTable } = await import('#local/servers');
    await measure('dynalite', 100, async () => {
      const tableName = `referral-bench-${++tables}`;
      await createTable(aws.dynamoEndpoint, tableName);
      const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
      return { customers: createDynamoStore({ client, tableName }), referrals: createDynamoReferralStore({ client, tableName }), coupons: createDynamoCouponStore({ client, tableName }) };
    });
  } finally {
    await aws.stop();
  }
}
