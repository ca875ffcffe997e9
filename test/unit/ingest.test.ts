import { describe, expect, it } from 'vitest';
import { applyEvent, emptyProfile, ORDER_HISTORY_LIMIT, refundKey } from '#core/ingest';
import { defaultLoyaltyConfig, LoyaltyConfig } from '#core/loyalty';
import { isIanaTimeZone, type CustomerRegistered, type OrderPlaced, type ShopEvent } from '#core/events';
import type { Profile } from '#core/profile';

const config = defaultLoyaltyConfig;
let seq = 0;
const ev = <T extends ShopEvent['type']>(type: T, detail: Extract<ShopEvent, { type: T }>['detail'], time = '2026-03-01T10:00:00.000Z'): ShopEvent =>
  ({ id: `ev-${++seq}`, time, type, detail }) as ShopEvent;

const registration = (patch: Partial<CustomerRegistered> = {}): ShopEvent =>
  ev('CustomerRegistered', { customerId: 'c1', email: 'lena@shop.example', locale: 'de-DE', timeZone: 'Europe/Berlin', ...patch });
const order = (orderId: string, totalCents: number, placedAt: string, patch: Partial<OrderPlaced> = {}): ShopEvent =>
  ev('OrderPlaced', { orderId, customerId: 'c1', placedAt, totalCents, currency: 'EUR', items: [{ sku: 's', name: 'n', category: 'shoes', quantity: 1, priceCents: totalCents }], ...patch }, placedAt);
const refund = (orderId: string, amountCents: number, refundedAt: string, refundId?: string): ShopEvent =>
  ev('OrderRefunded', { orderId, customerId: 'c1', refundedAt, amountCents, ...(refundId ? { refundId } : {}) }, refundedAt);

/** Applies events in order from no profile; returns the final profile and all own events. */
const run = (events: ShopEvent[], start?: Profile) => {
  let profile = start;
  const own = [];
  for (const e of events) {
    const result = applyEvent(profile, e, config);
    profile = result.profile;
    own.push(...result.ownEvents);
  }
  return { profile: profile!, own };
};

describe('ingest: registration and updates', () => {
  it('builds a profile from CustomerRegistered with contact fields and registration time', () => {
    const { profile } = run([registration({ firstName: 'Lena', birthday: '--05-17', attributes: { vip: true } })]);
    expect(profile).toMatchObject({ customerId: 'c1', email: 'lena@shop.example', firstName: 'Lena', locale: 'de-DE', timeZone: 'Europe/Berlin', birthday: '--05-17', attributes: { vip: true }, registeredAt: '2026-03-01T10:00:00.000Z', tier: 'bronze', points: 0 });
    expect(profile.placeholder).toBeUndefined();
  });

  it('does not change the profile it was given', () => {
    const before = run([registration()]).profile;
    const frozen = structuredClone(before);
    applyEvent(before, order('o1', 50_000, '2026-03-02T00:00:00.000Z'), config);
    expect(before).toEqual(frozen);
  });

  it('merges a CustomerUpdated subset and keeps other fields', () => {
    const { profile } = run([registration({ firstName: 'Lena', attributes: { a: 1 } }), ev('CustomerUpdated', { customerId: 'c1', lastName: 'Kraus', attributes: { b: 'x' } })]);
    expect(profile).toMatchObject({ firstName: 'Lena', lastName: 'Kraus', attributes: { a: 1, b: 'x' }, email: 'lena@shop.example' });
  });

  it('holds marketing consent as pending with its proof until the double opt-in, and says so with ConsentGiven', () => {
    const consent = { marketing: true, at: '2026-03-01T09:59:00+01:00', source: 'checkout', ip: '203.0.113.9', text: 'Ja, Newsletter' };
    const { profile, own } = run([registration({ consent })]);
    expect(profile.consent).toEqual({ status: 'pending', proof: { ...consent, at: '2026-03-01T08:59:00.000Z' } });
    expect(own.map((o) => o.type)).toEqual(['ConsentGiven']);
  });

  it('withdraws consent given before when marketing is false, with ConsentWithdrawn', () => {
    const { profile, own } = run([
      registration({ consent: { marketing: true, at: '2026-03-01T09:00:00Z', source: 'checkout' } }),
      ev('CustomerUpdated', { customerId: 'c1', consent: { marketing: false, at: '2026-03-05T09:00:00Z', source: 'account' } }),
    ]);
    expect(profile.consent.status).toBe('withdrawn');
    expect(profile.consent.withdrawnAt).toBe('2026-03-05T09:00:00.000Z');
    expect(own.map((o) => o.type)).toEqual(['ConsentGiven', 'ConsentWithdrawn']);
  });

  it('ignores a consent proof older than the one it holds', () => {
    const { profile } = run([
      registration({ consent: { marketing: false, at: '2026-03-05T09:00:00Z', source: 'account' } }),
      ev('CustomerUpdated', { customerId: 'c1', consent: { marketing: true, at: '2026-03-01T09:00:00Z', source: 'checkout' } }),
    ]);
    expect(profile.consent.status).toBe('withdrawn');
  });

  it('keeps a confirmed consent confirmed when the same address consents again', () => {
    const start = { ...run([registration()]).profile, consent: { status: 'confirmed' as const, confirmedAt: '2026-03-02T00:00:00.000Z', proof: { marketing: true, at: '2026-03-01T00:00:00.000Z', source: 'checkout' } } };
    const { profile, own } = run([ev('CustomerUpdated', { customerId: 'c1', consent: { marketing: true, at: '2026-03-04T00:00:00Z', source: 'account' } })], start);
    expect(profile.consent.status).toBe('confirmed');
    expect(own).toEqual([]);
  });

  it('asks a changed email address for a new double opt-in', () => {
    const start = { ...run([registration()]).profile, consent: { status: 'confirmed' as const, confirmedAt: '2026-03-02T00:00:00.000Z', proof: { marketing: true, at: '2026-03-01T00:00:00.000Z', source: 'checkout' } } };
    const { profile, own } = run([ev('CustomerUpdated', { customerId: 'c1', email: 'lena@new.example' })], start);
    expect(profile.consent.status).toBe('pending');
    expect(profile.consent.confirmedAt).toBeUndefined();
    expect(own.map((o) => o.type)).toEqual(['ConsentGiven']);
  });
});

describe('ingest: orders and refunds', () => {
  it('aggregates count, net spend, first and last order, average, categories and points', () => {
    const { profile } = run([
      registration(),
      order('o2', 3_000, '2026-03-10T00:00:00.000Z', { items: [{ sku: 'a', name: 'a', category: 'socks', quantity: 1, priceCents: 3_000 }] }),
      order('o1', 5_050, '2026-03-02T00:00:00.000Z'),
    ]);
    expect(profile.orders).toEqual({ count: 2, netSpendCents: 8_050, refundedCents: 0, firstOrderAt: '2026-03-02T00:00:00.000Z', lastOrderAt: '2026-03-10T00:00:00.000Z', averageOrderCents: 4_025, currency: 'EUR' });
    expect(profile.categories).toEqual(['socks', 'shoes']);
    expect(profile.points).toBe(80);
    expect(profile.orderHistory.map((o) => o.orderId)).toEqual(['o1', 'o2']);
  });

  it('counts an order id once even under a different event id', () => {
    const { profile } = run([order('o1', 5_000, '2026-03-02T00:00:00.000Z'), order('o1', 5_000, '2026-03-02T00:00:00.000Z')]);
    expect(profile.orders.count).toBe(1);
    expect(profile.points).toBe(50);
  });

  it('takes a refund off net spend and points pro rata', () => {
    const { profile } = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z'), refund('o1', 2_500, '2026-03-03T00:00:00.000Z')]);
    expect(profile.orders).toMatchObject({ netSpendCents: 7_500, refundedCents: 2_500, averageOrderCents: 7_500 });
    expect(profile.points).toBe(75);
    expect(profile.orderHistory[0]).toMatchObject({ refundedCents: 2_500, points: 75, pointsEarned: 100 });
  });

  it('never refunds more than is left of an order', () => {
    const { profile } = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z'), refund('o1', 8_000, '2026-03-03T00:00:00.000Z'), refund('o1', 8_000, '2026-03-04T00:00:00.000Z')]);
    expect(profile.orders.netSpendCents).toBe(0);
    expect(profile.points).toBe(0);
  });

  it('keeps a refund that arrives before its order and applies it when the order comes', () => {
    const early = run([registration(), refund('o1', 4_000, '2026-03-03T00:00:00.000Z')]).profile;
    expect(early.pendingRefunds).toEqual({ o1: { amountCents: 4_000, at: '2026-03-03T00:00:00.000Z', refunds: ['at:2026-03-03T00:00:00.000Z:4000'] } });
    expect(early.orders.netSpendCents).toBe(0);
    const { profile } = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z')], early);
    expect(profile.pendingRefunds).toEqual({});
    expect(profile.orders).toMatchObject({ count: 1, netSpendCents: 6_000, refundedCents: 4_000 });
    expect(profile.points).toBe(60);
  });

  it('applies a refund re-put under a new event id once: 3,000 cents refunded, not 6,000', () => {
    const { profile } = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z'), refund('o1', 3_000, '2026-03-03T00:00:00.000Z', 'r-1'), refund('o1', 3_000, '2026-03-03T00:00:00.000Z', 'r-1')]);
    expect(profile.orders).toMatchObject({ netSpendCents: 7_000, refundedCents: 3_000 });
    expect(profile.points).toBe(70);
    expect(profile.orderHistory[0]?.refunds).toEqual(['id:r-1']);
  });

  it('applies two refunds of the same amount and time with different refund ids both', () => {
    const { profile } = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z'), refund('o1', 3_000, '2026-03-03T00:00:00.000Z', 'r-1'), refund('o1', 3_000, '2026-03-03T00:00:00.000Z', 'r-2')]);
    expect(profile.orders.refundedCents).toBe(6_000);
  });

  it('keys a refund without refundId by its UTC time and amount, so the same refund from an old sender counts once', () => {
    const { profile } = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z'), refund('o1', 3_000, '2026-03-03T01:00:00+01:00'), refund('o1', 3_000, '2026-03-03T00:00:00Z'), refund('o1', 3_000, '2026-03-04T00:00:00Z')]);
    expect(profile.orders.refundedCents).toBe(6_000);
    expect(refundKey({ refundedAt: '2026-03-03T01:00:00+01:00', amountCents: 3_000 })).toBe('at:2026-03-03T00:00:00.000Z:3000');
  });

  it('applies a refund waiting for its order once when it arrives twice under new event ids', () => {
    const early = run([refund('o1', 3_000, '2026-03-03T00:00:00.000Z', 'r-1'), refund('o1', 3_000, '2026-03-03T00:00:00.000Z', 'r-1')]).profile;
    const { profile } = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z'), refund('o1', 3_000, '2026-03-03T00:00:00.000Z', 'r-1')], early);
    expect(profile.orders).toMatchObject({ netSpendCents: 7_000, refundedCents: 3_000 });
  });

  it('counts orders per category while they are not fully refunded', () => {
    const { profile } = run([
      order('o1', 5_000, '2026-03-02T00:00:00.000Z'),
      order('o2', 5_000, '2026-03-03T00:00:00.000Z', { items: [{ sku: 't', name: 'Tee', category: 'tea', quantity: 1, priceCents: 5_000 }] }),
      refund('o2', 5_000, '2026-03-04T00:00:00.000Z'),
      refund('o1', 1_000, '2026-03-04T00:00:00.000Z'),
    ]);
    expect(profile.categoryOrders).toEqual({ shoes: 1 });
    expect(profile.categories).toEqual(['shoes', 'tea']);
  });

  it('creates a placeholder for an order of an unknown customer, which registration completes', () => {
    const placeholder = run([order('o1', 10_000, '2026-03-02T00:00:00.000Z')]).profile;
    expect(placeholder).toMatchObject({ placeholder: true, email: '', locale: 'und', timeZone: 'UTC', consent: { status: 'none' } });
    const { profile } = run([registration()], placeholder);
    expect(profile.placeholder).toBeUndefined();
    expect(profile).toMatchObject({ email: 'lena@shop.example', locale: 'de-DE', orders: { count: 1, netSpendCents: 10_000 } });
  });

  it(`bounds the order history to the newest ${ORDER_HISTORY_LIMIT} orders while the count keeps all`, () => {
    let profile = emptyProfile('c1', '2026-01-01T00:00:00.000Z');
    for (let i = 0; i < ORDER_HISTORY_LIMIT + 5; i++) {
      profile = applyEvent(profile, order(`o${i}`, 100, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()), config).profile;
    }
    expect(profile.orderHistory).toHaveLength(ORDER_HISTORY_LIMIT);
    expect(profile.orderHistory[0]?.orderId).toBe('o5');
    expect(profile.orders.count).toBe(ORDER_HISTORY_LIMIT + 5);
  });

  it('drops orders older than 36 months before the newest from the history', () => {
    const { profile } = run([order('old', 100, '2022-01-01T00:00:00.000Z'), order('new', 100, '2026-01-02T00:00:00.000Z')]);
    expect(profile.orderHistory.map((o) => o.orderId)).toEqual(['new']);
  });
});

describe('ingest: tiers and NPS', () => {
  it('records TierChanged when an order lifts the customer to silver, and again when a refund drops them', () => {
    const placed = applyEvent(run([registration()]).profile, order('o1', 25_000, '2026-03-02T00:00:00.000Z'), config);
    expect(placed.profile.tier).toBe('silver');
    expect(placed.profile.tierSince).toBe('2026-03-02T00:00:00.000Z');
    expect(placed.ownEvents.filter((o) => o.type === 'TierChanged')).toEqual([{ type: 'TierChanged', id: expect.stringMatching(/#TierChanged$/), customerId: 'c1', from: 'bronze', to: 'silver', at: '2026-03-02T00:00:00.000Z', causeEventId: expect.any(String) }]);
    const refunded = applyEvent(placed.profile, refund('o1', 10_000, '2026-03-05T00:00:00.000Z'), config);
    expect(refunded.profile.tier).toBe('bronze');
    expect(refunded.ownEvents.map((o) => o.type === 'TierChanged' && `${o.from}->${o.to}`)).toEqual(['silver->bronze']);
  });

  it('emits FirstOrderPlaced for the first order only, with its order id, whatever event id repeats it', () => {
    const first = applyEvent(undefined, order('o1', 1_000, '2026-03-02T00:00:00.000Z'), defaultLoyaltyConfig);
    expect(first.ownEvents.filter((o) => o.type === 'FirstOrderPlaced')).toEqual([expect.objectContaining({ orderId: 'o1', at: '2026-03-02T00:00:00.000Z', customerId: 'c1' })]);
    const again = applyEvent(first.profile, { ...order('o1', 1_000, '2026-03-02T00:00:00.000Z'), id: 'other-id' }, defaultLoyaltyConfig);
    const second = applyEvent(first.profile, order('o2', 1_000, '2026-03-03T00:00:00.000Z'), defaultLoyaltyConfig);
    expect([...again.ownEvents, ...second.ownEvents].map((o) => o.type)).not.toContain('FirstOrderPlaced');
  });

  it('emits no TierChanged when the tier stays the same', () => {
    const { own } = run([order('o1', 1_000, '2026-03-02T00:00:00.000Z'), order('o2', 1_000, '2026-03-03T00:00:00.000Z')]);
    expect(own.map((o) => o.type)).toEqual(['FirstOrderPlaced']);
  });

  it('lets spend outside the rolling window fall away at the next event', () => {
    const { profile } = run([order('o1', 150_000, '2025-01-01T00:00:00.000Z'), ev('NpsSubmitted', { customerId: 'c1', score: 9, submittedAt: '2026-03-01T00:00:00Z' }, '2026-03-01T00:00:00.000Z')]);
    expect(profile.tier).toBe('bronze');
  });

  it('keeps the tier when a late event stamped before the last order arrives', () => {
    const { profile, own } = run([
      order('o1', 30_000, '2026-03-05T00:00:00.000Z'),
      ev('NpsSubmitted', { customerId: 'c1', score: 8, submittedAt: '2026-03-01T00:00:00Z' }, '2026-03-01T00:00:00.000Z'),
    ]);
    expect(profile.tier).toBe('silver');
    expect(profile.updatedAt).toBe('2026-03-05T00:00:00.000Z');
    expect(own.map((o) => o.type)).toEqual(['FirstOrderPlaced', 'TierChanged']);
  });

  it('uses points thresholds when the config says so', () => {
    const points = LoyaltyConfig.parse({ tiers: { basis: 'points', silverPoints: 10, goldPoints: 20 } });
    expect(applyEvent(undefined, order('o1', 2_000, '2026-03-02T00:00:00.000Z'), points).profile.tier).toBe('gold');
  });

  it('keeps the latest NPS score and ignores an older answer arriving late', () => {
    const { profile } = run([
      ev('NpsSubmitted', { customerId: 'c1', score: 9, submittedAt: '2026-03-05T00:00:00Z' }),
      ev('NpsSubmitted', { customerId: 'c1', score: 3, submittedAt: '2026-03-01T00:00:00Z' }),
    ]);
    expect(profile.nps).toEqual({ score: 9, at: '2026-03-05T00:00:00.000Z' });
  });
});

describe('time-zone names', () => {
  it('gives the same answer for a name asked again, valid or not (the answer is remembered)', () => {
    for (let round = 0; round < 2; round++) {
      expect(isIanaTimeZone('Pacific/Kiritimati')).toBe(true);
      expect(isIanaTimeZone('Europe/Atlantis')).toBe(false);
      expect(isIanaTimeZone('')).toBe(false);
    }
  });
});
