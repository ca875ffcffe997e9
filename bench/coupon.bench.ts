// Coupon issuance inside the send path: mails/s of the win-back discount campaign with a unique
// coupon per mail, against the same campaign and template without a coupon (published as a
// newsletter: the coupon block renders nothing), on the memory backend and on dynalite (delivery
// store and coupon store both on dynalite, SES an outbox). Counts the coupon store's writes per
// mail at its client (DynamoDB: PutItem/UpdateItem commands; memory: the twin's counter).
// Goal (issue 12): at most 1 conditional write per mail for the coupon, and >= 80 % of the plain
// throughput. The CouponIssued events go to an in-memory bus in both runs.
import { OutboxMailer } from '#adapters/outbox-mailer';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createMemoryCouponStore } from '#adapters/memory-coupon-store';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { createDocumentClient } from '#adapters/aws-clients';
import { createTable, startLocalAws } from '#local/servers';
import { Campaign } from '#core/campaign';
import { hmacKeyedRandom, type CouponStore } from '#core/coupons';
import { createSender, DEFAULT_SEND_CONFIG } from '#core/delivery/send';
import { createRateLimiter } from '#core/delivery/pacing';
import { createPool } from '#core/delivery/pool';
import { SendWork, chunk, RECIPIENTS_PER_MESSAGE } from '#core/delivery/messages';
import type { DeliveryStore, PublishedCampaign } from '#core/delivery-store';
import type { Profile } from '#core/profile';
import type { ShopInfo } from '#core/render';
import { arrayProfiles, exampleShop, makeProfile, publishExample, testLinks, testRenderer } from '../test/unit/delivery-fixtures';
import { compileCampaignTemplates } from '../functions/compile/compile-template';

const due = new Date('2026-12-01T09:00:30.000Z');

const lapsed = (i: number): Profile =>
  makeProfile(i, { topics: { offers: true }, orders: { count: 2, netSpendCents: 5000, refundedCents: 0, averageOrderCents: 2500, firstOrderAt: '2026-01-01T00:00:00.000Z', lastOrderAt: '2026-06-01T00:00:00.000Z', currency: 'EUR' } });

/** The discount campaign without its coupon: the same template and audience, as a newsletter. */
const withoutCoupon = async (discount: PublishedCampaign): Promise<PublishedCampaign> => {
  const { coupon: _coupon, kind: _kind, ...rest } = discount.campaign as Extract<Campaign, { kind: 'discount' }>;
  const campaign = Campaign.parse({ ...rest, kind: 'newsletter' });
  return { ...discount, campaign, template: await compileCampaignTemplates(campaign) };
};

interface Run {
  mails: number;
  mailsPerSecond: number;
  couponWrites: number;
}

const sendAll = async (options: { store: DeliveryStore; coupons?: CouponStore; published: PublishedCampaign; profiles: Profile[]; shop: ShopInfo }): Promise<Run> => {
  const { store, published, profiles } = options;
  await store.putCampaign(published);
  const campaignId = published.campaign.id;
  const occurrenceId = `${campaignId}:2026-12-01T09:00Z`;
  await store.createOccurrence({ occurrenceId, campaignId, scheduledAt: '2026-12-01T09:00:00.000Z', state: 'running', totalSegments: 1, createdAt: due.toISOString(), stats: {} });
  const mailer = new OutboxMailer();
  let owners = 0;
  const sender = createSender({
    store,
    profiles: arrayProfiles(profiles),
    mailer,
    renderer: testRenderer(options.shop),
    links: testLinks(),
    limiter: createRateLimiter({ ratePerSecond: 1_000_000, now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
    pool: createPool(64),
    sendQueue: { sendBatch: async () => undefined },
    clock: { now: () => due },
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))),
    random: () => 0.5,
    newOwner: () => `owner-${++owners}`,
    config: { ...DEFAULT_SEND_CONFIG, from: 'Shop <news@shop.example>' },
    ...(options.coupons ? { coupons: { store: options.coupons, random: hmacKeyedRandom('bench'), events: createMemoryEventBus() } } : {}),
  });
  const messages = chunk(profiles.map((p) => p.customerId), RECIPIENTS_PER_MESSAGE).map((customerIds) => SendWork.parse({ occurrenceId, campaignId, customerIds }));
  const started = performance.now();
  // Four messages in flight, as four send instances would take them.
  for (let i = 0; i < messages.length; i += 4) await Promise.all(messages.slice(i, i + 4).map((work, j) => sender(work, `m${i + j}`)));
  const seconds = (performance.now() - started) / 1000;
  return { mails: mailer.sent.length, mailsPerSecond: mailer.sent.length / seconds, couponWrites: 0 };
};

const line = (backend: string, plain: Run, coupon: Run): string =>
  `${backend}: plain ${Math.round(plain.mailsPerSecond)} mails/s (${plain.mails} mails), with a unique coupon ${Math.round(coupon.mailsPerSecond)} mails/s (${coupon.mails} mails) = ` +
  `${((100 * coupon.mailsPerSecond) / plain.mailsPerSecond).toFixed(1)}% of plain (goal >= 80%); coupon writes ${(coupon.couponWrites / coupon.mails).toFixed(2)} per mail (goal <= 1)`;

export async function run(): Promise<void> {
  const shop = await exampleShop();
  const discount = await publishExample('winback-discount.json');
  const plainCampaign = await withoutCoupon(discount);

  // Memory backend: a warm-up, then each variant on fresh stores.
  const memoryProfiles = Array.from({ length: 10_000 }, (_, i) => lapsed(i));
  await sendAll({ store: createMemoryDeliveryStore(), coupons: createMemoryCouponStore(), published: discount, profiles: memoryProfiles.slice(0, 2000), shop });
  await sendAll({ store: createMemoryDeliveryStore(), published: plainCampaign, profiles: memoryProfiles.slice(0, 2000), shop });
  // Interleaved rounds, the best of each: a shared machine's noise hits both variants alike.
  let plainMemory: Run | undefined;
  let couponMemory: Run | undefined;
  for (let round = 0; round < 3; round++) {
    const plain = await sendAll({ store: createMemoryDeliveryStore(), published: plainCampaign, profiles: memoryProfiles, shop });
    const couponStore = createMemoryCouponStore();
    const coupon = await sendAll({ store: createMemoryDeliveryStore(), coupons: couponStore, published: discount, profiles: memoryProfiles, shop });
    coupon.couponWrites = couponStore.writes();
    if (!plainMemory || plain.mailsPerSecond > plainMemory.mailsPerSecond) plainMemory = plain;
    if (!couponMemory || coupon.mailsPerSecond > couponMemory.mailsPerSecond) couponMemory = coupon;
  }
  console.log(line('memory (best of 3 interleaved rounds)', plainMemory!, couponMemory!));

  // dynalite: every store call goes over HTTP to the in-process server (about 3 ms of CPU each).
  const aws = await startLocalAws('coupon-bench');
  try {
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
    let writes = 0;
    const couponClient = createDocumentClient({ endpoint: aws.dynamoEndpoint });
    couponClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (['PutItemCommand', 'UpdateItemCommand'].includes(context.commandName ?? '')) writes++;
        return next(args);
      },
      { step: 'initialize', name: 'countCouponWrites' },
    );
    const profiles = Array.from({ length: 600 }, (_, i) => lapsed(i));
    const table = async (name: string) => {
      await createTable(aws.dynamoEndpoint, name);
      return name;
    };
    let plainDynamo: Run | undefined;
    let couponDynamo: Run | undefined;
    for (let round = 0; round < 2; round++) {
      const plain = await sendAll({ store: createDynamoDeliveryStore({ client, tableName: await table(`plain-${round}`) }), published: plainCampaign, profiles, shop });
      const couponTable = await table(`coupon-${round}`);
      writes = 0;
      const coupon = await sendAll({ store: createDynamoDeliveryStore({ client, tableName: couponTable }), coupons: createDynamoCouponStore({ client: couponClient, tableName: couponTable }), published: discount, profiles, shop });
      coupon.couponWrites = writes;
      if (!plainDynamo || plain.mailsPerSecond > plainDynamo.mailsPerSecond) plainDynamo = plain;
      if (!couponDynamo || coupon.mailsPerSecond > couponDynamo.mailsPerSecond) couponDynamo = coupon;
    }
    console.log(line('dynalite (best of 2 interleaved rounds)', plainDynamo!, couponDynamo!));
  } finally {
    await aws.stop();
  }
}
