// A referral program over the memory adapters, driven through the real ingest handler.
import type { SQSRecord } from 'aws-lambda';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryReferralStore } from '#adapters/memory-referral-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { RewardCatalog } from '#core/rewards';
import type { DueDelivery } from '#core/delivery-store';
import type { Clock } from '#core/clock';
import { referralCodeFor, type ReferralDeps, type RewardCouponIssuer } from '#core/referral-program';
import { createIngestHandler } from '../../functions/ingest/handler';
import { sqsRecord } from '#test/fixtures/sqs';

export const catalogOf = (over: Record<string, unknown> = {}): RewardCatalog =>
  RewardCatalog.parse({
    kind: 'rewardCatalog',
    id: 'rewards',
    name: 'Rewards',
    mode: 'rotate',
    rotateEvery: 'month',
    timeZone: 'Europe/Berlin',
    defaultLocale: 'de',
    rewards: [
      { id: 'hundred-points', label: { de: '100 Punkte', en: '100 points' }, value: { type: 'points', points: 100 }, for: 'referrer' },
      { id: 'mug', label: { de: 'eine Tasse', en: 'a mug' }, value: { type: 'gift', sku: 'MUG-1' }, for: 'friend' },
    ],
    ...over,
  });

/** An SQS record of the events queue (test/fixtures/sqs.ts). */
export const sqs = (body: unknown): SQSRecord => sqsRecord(body);

export const referralHarness = (catalog: RewardCatalog = catalogOf(), options: { issueCoupon?: RewardCouponIssuer } = {}) => {
  let now = new Date('2026-03-01T08:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  const customers = createMemoryStore();
  const referrals = createMemoryReferralStore();
  const deliveries = createMemoryDeliveryStore();
  const due: DueDelivery[] = [];
  const bus = createMemoryEventBus();
  const deps: ReferralDeps = {
    referrals,
    customers,
    program: async () => ({ campaignId: 'referral-friends', catalog }),
    deliveries: { putDueDelivery: async (d) => void due.push(d) },
    events: bus,
    clock,
    ...(options.issueCoupon ? { issueCoupon: options.issueCoupon } : {}),
  };
  const ingest = createIngestHandler({ store: customers, loyalty: defaultLoyaltyConfig, clock, referralProgram: deps, logger: { info() {}, warn() {}, error() {} } as never });
  let ids = 0;
  const send = async (type: string, detail: Record<string, unknown>, id = `e${++ids}`) => {
    const time = (detail.placedAt ?? detail.refundedAt ?? now.toISOString()) as string;
    const result = await ingest({ Records: [sqs({ version: '0', id, source: 'shop', 'detail-type': type, time, detail })] });
    if (result.batchItemFailures.length > 0) throw new Error(`ingest failed ${type} ${JSON.stringify(detail)}`);
    return id;
  };
  const register = (customerId: string, email = `${customerId}@shop.example`, extra: Record<string, unknown> = {}) =>
    send('CustomerRegistered', { customerId, email, locale: 'de-DE', timeZone: 'Europe/Berlin', ...extra });
  const order = (customerId: string, orderId: string, placedAt: string, extra: Record<string, unknown> = {}, id?: string) =>
    send('OrderPlaced', { orderId, customerId, placedAt, totalCents: 4_000, currency: 'EUR', items: [{ sku: 'k', name: 'Kaffee', quantity: 1, priceCents: 4_000 }], ...extra }, id);
  const codeOf = (customerId: string) => referralCodeFor(deps, customerId);
  return {
    deps, customers, referrals, deliveries, due, bus, clock, register, order, send, codeOf,
    setNow: (iso: string) => {
      now = new Date(iso);
    },
  };
};
