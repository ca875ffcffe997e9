import { describe, expect, it } from 'vitest';
import { parseShopEvent } from '#core/events';
import { generateDemoShop, mulberry32, toJsonLines, type DemoEvent } from '#local/demo-shop';

const shop = generateDemoShop();
const ofType = <T extends DemoEvent['detail-type']>(type: T) => shop.events.filter((e): e is Extract<DemoEvent, { 'detail-type': T }> => e['detail-type'] === type);
const registrations = ofType('CustomerRegistered').map((e) => e.detail);
const orders = ofType('OrderPlaced').map((e) => e.detail);

describe('demo-shop: mulberry32', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('demo-shop: generateDemoShop', () => {
  it('gives identical output for the same seed', () => {
    expect(toJsonLines(generateDemoShop({ customers: 200, seed: 5 }).events)).toBe(toJsonLines(generateDemoShop({ customers: 200, seed: 5 }).events));
  });

  it('gives a different shop for a different seed', () => {
    expect(toJsonLines(generateDemoShop({ customers: 200, seed: 5 }).events)).not.toBe(toJsonLines(generateDemoShop({ customers: 200, seed: 6 }).events));
  });

  it('emits only events that parse with the shop event contract', () => {
    const failures = shop.events.map(parseShopEvent).filter((p) => p.kind !== 'event');
    expect(failures).toEqual([]);
  });

  it('emits EventBridge envelopes from source "shop" with unique ids', () => {
    expect(shop.events.every((e) => e.source === 'shop' && typeof e.time === 'string')).toBe(true);
    expect(new Set(shop.events.map((e) => e.id)).size).toBe(shop.events.length);
  });

  it('sorts events by time, all within the year', () => {
    const times = shop.events.map((e) => e.time);
    expect([...times].sort()).toEqual(times);
    expect(times[0]! >= shop.from).toBe(true);
    expect(times[times.length - 1]! < shop.to).toBe(true);
    expect(shop.from).toBe('2025-01-01T00:00:00Z');
    expect(shop.to).toBe('2026-01-01T00:00:00Z');
  });

  it('registers about 1,000 customers by default, each once, with unique emails', () => {
    expect(registrations).toHaveLength(1000);
    expect(new Set(registrations.map((r) => r.customerId)).size).toBe(1000);
    expect(new Set(registrations.map((r) => r.email)).size).toBe(1000);
  });

  it('registers a customer before any of their orders', () => {
    const registeredAt = new Map(ofType('CustomerRegistered').map((e) => [e.detail.customerId, e.time]));
    expect(orders.every((o) => (registeredAt.get(o.customerId) ?? '9999') <= o.placedAt)).toBe(true);
  });

  it('mixes German and English locales, several time zones, salutations and formality', () => {
    const locales = new Set(registrations.map((r) => r.locale));
    expect([...locales].sort()).toEqual(['de-AT', 'de-CH', 'de-DE', 'en-GB', 'en-US']);
    expect(new Set(registrations.map((r) => r.timeZone)).size).toBeGreaterThanOrEqual(6);
    const salutations = new Set(registrations.map((r) => r.salutation ?? 'none'));
    expect([...salutations].sort()).toEqual(['mr', 'ms', 'mx', 'none']);
    expect(new Set(registrations.map((r) => r.formality ?? 'none'))).toEqual(new Set(['formal', 'informal', 'none']));
  });

  it('has birthdays with and without year, and customers without one', () => {
    expect(registrations.some((r) => r.birthday?.startsWith('--'))).toBe(true);
    expect(registrations.some((r) => /^\d{4}-/.test(r.birthday ?? ''))).toBe(true);
    expect(registrations.some((r) => r.birthday === undefined)).toBe(true);
  });

  it('has consent with proof for most, a refusal or no consent for some', () => {
    const given = registrations.filter((r) => r.consent?.marketing === true);
    expect(given.length / registrations.length).toBeGreaterThan(0.6);
    expect(given.every((r) => r.consent?.at && r.consent.source && r.consent.ip && r.consent.text)).toBe(true);
    expect(registrations.some((r) => r.consent?.marketing === false)).toBe(true);
    expect(registrations.some((r) => r.consent === undefined)).toBe(true);
  });

  it('has a realistic repeat-purchase rate (30-40% of buyers) and a few heavy buyers', () => {
    const perCustomer = new Map<string, number>();
    for (const o of orders) perCustomer.set(o.customerId, (perCustomer.get(o.customerId) ?? 0) + 1);
    const counts = [...perCustomer.values()];
    const repeat = counts.filter((n) => n > 1).length / counts.length;
    expect(repeat).toBeGreaterThan(0.3);
    expect(repeat).toBeLessThan(0.4);
    expect(shop.summary.repeatPurchaseRate).toBeCloseTo(repeat, 10);
    expect(counts.filter((n) => n >= 6).length).toBeGreaterThan(10);
  });

  it('refunds about 5% of orders, never more than the order total', () => {
    const totals = new Map(orders.map((o) => [o.orderId, o.totalCents]));
    const refunds = ofType('OrderRefunded').map((e) => e.detail);
    expect(refunds.length / orders.length).toBeGreaterThan(0.03);
    expect(refunds.length / orders.length).toBeLessThan(0.08);
    expect(refunds.every((r) => r.amountCents <= (totals.get(r.orderId) ?? -1))).toBe(true);
  });

  it('uses coupon codes rarely and in season', () => {
    const withCoupon = orders.filter((o) => o.couponCode);
    expect(withCoupon.length).toBeGreaterThan(0);
    expect(withCoupon.length / orders.length).toBeLessThan(0.1);
    expect(withCoupon.filter((o) => o.couponCode === 'XMAS20').every((o) => ['11', '12'].includes(o.placedAt.slice(5, 7)))).toBe(true);
  });

  it('computes order totals from items, discount and shipping', () => {
    for (const o of orders.filter((x) => !x.couponCode)) {
      const goods = o.items.reduce((sum, i) => sum + i.quantity * i.priceCents, 0);
      expect(o.totalCents).toBe(goods + (goods >= 4900 ? 0 : 490));
    }
  });

  it('includes NPS answers and categories on every item', () => {
    const nps = ofType('NpsSubmitted').map((e) => e.detail);
    expect(nps.length).toBeGreaterThan(50);
    expect(nps.every((n) => n.score >= 0 && n.score <= 10)).toBe(true);
    expect(orders.every((o) => o.items.length > 0 && o.items.every((i) => i.category))).toBe(true);
  });

  it('scales to 10,000 customers with the parameter', () => {
    const big = generateDemoShop({ customers: 10_000, seed: 3 });
    expect(big.summary.customers).toBe(10_000);
    expect(big.summary.byType.CustomerRegistered).toBe(10_000);
    expect(big.summary.orders).toBeGreaterThan(15_000);
  });

  it('rejects a non-positive customer count', () => {
    expect(() => generateDemoShop({ customers: 0 })).toThrow('customers must be a positive integer, got 0');
  });
});
