import { describe, expect, it } from 'vitest';
import { SegmentRule, SegmentRuleError, compileRule, isoToMs } from '#core/segment';
import type { Profile } from '#core/profile';
import type { ShopEvent } from '#core/events';
import { applyEvent } from '#core/ingest';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { aProfile } from '#test/fixtures/profile';

const DAY = 86_400_000;
const at = Date.parse('2026-11-23T12:00:00.000Z');
const daysAgo = (d: number) => new Date(at - d * DAY).toISOString();

const profile = aProfile;

const test = (rule: SegmentRule, p: Profile, when = at) => compileRule(SegmentRule.parse(rule))(p, when);

describe('segments: comparisons', () => {
  it('matches tiers listed in "in" only', () => {
    expect(test({ type: 'tier', in: ['gold', 'silver'] }, profile({ tier: 'gold' }))).toBe(true);
    expect(test({ type: 'tier', in: ['gold', 'silver'] }, profile({ tier: 'bronze' }))).toBe(false);
  });

  it.each([
    ['eq', 5, 5, true], ['eq', 5, 4, false],
    ['ne', 5, 4, true], ['ne', 5, 5, false],
    ['gt', 5, 6, true], ['gt', 5, 5, false],
    ['gte', 5, 5, true], ['gte', 5, 4, false],
    ['lt', 5, 4, true], ['lt', 5, 5, false],
    ['lte', 5, 5, true], ['lte', 5, 6, false],
  ] as const)('compares points with %s %d against %d -> %s', (op, value, points, expected) => {
    expect(test({ type: 'number', field: 'points', op, value }, profile({ points }))).toBe(expected);
  });

  it('reads order count, net spend and average order value', () => {
    const p = profile({ orders: { count: 3, netSpendCents: 9_000, refundedCents: 500, averageOrderCents: 3_000 } });
    expect(test({ type: 'number', field: 'orders.count', op: 'eq', value: 3 }, p)).toBe(true);
    expect(test({ type: 'number', field: 'orders.netSpendCents', op: 'gte', value: 9_000 }, p)).toBe(true);
    expect(test({ type: 'number', field: 'orders.averageOrderCents', op: 'gt', value: 3_000 }, p)).toBe(false);
    expect(test({ type: 'number', field: 'orders.refundedCents', op: 'eq', value: 500 }, p)).toBe(true);
  });

  it('treats a missing NPS score as false for every comparison except ne', () => {
    expect(test({ type: 'number', field: 'nps.score', op: 'lte', value: 6 }, profile())).toBe(false);
    expect(test({ type: 'number', field: 'nps.score', op: 'gte', value: 0 }, profile())).toBe(false);
    expect(test({ type: 'number', field: 'nps.score', op: 'ne', value: 10 }, profile())).toBe(true);
    expect(test({ type: 'number', field: 'nps.score', op: 'lte', value: 6 }, profile({ nps: { score: 3, at: daysAgo(1) } }))).toBe(true);
  });

  it('matches exact locales case-insensitively and languages by prefix', () => {
    expect(test({ type: 'locale', in: ['de-AT'] }, profile({ locale: 'de-AT' }))).toBe(true);
    expect(test({ type: 'locale', in: ['de-AT'] }, profile({ locale: 'de-at' }))).toBe(true);
    expect(test({ type: 'locale', in: ['de-AT'] }, profile({ locale: 'de-DE' }))).toBe(false);
    expect(test({ type: 'language', in: ['de'] }, profile({ locale: 'de-CH' }))).toBe(true);
    expect(test({ type: 'language', in: ['de'] }, profile({ locale: 'de' }))).toBe(true);
    expect(test({ type: 'language', in: ['de'] }, profile({ locale: 'dsb-DE' }))).toBe(false);
    expect(test({ type: 'language', in: ['en'] }, profile({ locale: 'de-DE' }))).toBe(false);
  });

  it('matches time zones by name', () => {
    expect(test({ type: 'timeZone', in: ['Europe/Vienna'] }, profile({ timeZone: 'Europe/Vienna' }))).toBe(true);
    expect(test({ type: 'timeZone', in: ['Europe/Vienna'] }, profile())).toBe(false);
  });

  it('compares custom attributes by value and type', () => {
    const p = profile({ attributes: { vip: true, plan: 'abo', cups: 4 } });
    expect(test({ type: 'attribute', name: 'vip', op: 'eq', value: true }, p)).toBe(true);
    expect(test({ type: 'attribute', name: 'plan', op: 'ne', value: 'abo' }, p)).toBe(false);
    expect(test({ type: 'attribute', name: 'plan', op: 'ne', value: 'abo' }, profile())).toBe(true);
    expect(test({ type: 'attribute', name: 'cups', op: 'gte', value: 4 }, p)).toBe(true);
    expect(test({ type: 'attribute', name: 'plan', op: 'gt', value: 1 }, p)).toBe(false);
    expect(test({ type: 'attribute', name: 'cups', op: 'exists' }, p)).toBe(true);
    expect(test({ type: 'attribute', name: 'cups', op: 'exists' }, profile())).toBe(false);
  });

  it('checks consent status and topic subscription (a missing topic is subscribed once consent is confirmed)', () => {
    expect(test({ type: 'consent', status: 'confirmed' }, profile())).toBe(true);
    expect(test({ type: 'consent', status: 'confirmed' }, profile({ consent: { status: 'pending' } }))).toBe(false);
    expect(test({ type: 'topic', topic: 'newsletter' }, profile())).toBe(true);
    expect(test({ type: 'topic', topic: 'newsletter' }, profile({ topics: { newsletter: false } }))).toBe(false);
    expect(test({ type: 'topic', topic: 'newsletter' }, profile({ consent: { status: 'withdrawn' } }))).toBe(false);
  });

  it('combines rules with all, any and not', () => {
    const gold = profile({ tier: 'gold', points: 10 });
    expect(test({ type: 'all', rules: [{ type: 'tier', in: ['gold'] }, { type: 'number', field: 'points', op: 'gt', value: 50 }] }, gold)).toBe(false);
    expect(test({ type: 'any', rules: [{ type: 'tier', in: ['silver'] }, { type: 'number', field: 'points', op: 'lt', value: 50 }] }, gold)).toBe(true);
    expect(test({ type: 'any', rules: [{ type: 'tier', in: ['silver'] }, { type: 'number', field: 'points', op: 'gt', value: 50 }] }, gold)).toBe(false);
    expect(test({ type: 'not', rule: { type: 'tier', in: ['gold'] } }, gold)).toBe(false);
  });
});

describe('segments: relative times', () => {
  const last = (d: number) => profile({ orders: { count: 1, netSpendCents: 100, refundedCents: 0, averageOrderCents: 100, lastOrderAt: daysAgo(d), firstOrderAt: daysAgo(d) } });
  const moreThan90 = { type: 'time', field: 'orders.lastOrderAt', op: 'moreThanDaysAgo', days: 90 } as const;
  const within30 = { type: 'time', field: 'orders.lastOrderAt', op: 'withinLastDays', days: 30 } as const;

  it('does not count an order exactly 90 days ago as more than 90 days ago', () => {
    expect(test(moreThan90, last(90))).toBe(false);
  });

  it('counts an order 90 days and one millisecond ago as more than 90 days ago', () => {
    expect(test(moreThan90, last(90), at + 1)).toBe(true);
  });

  it('includes an order exactly 30 days ago in the last 30 days but not one a millisecond older', () => {
    expect(test(within30, last(30))).toBe(true);
    expect(test(within30, last(30), at + 1)).toBe(false);
  });

  it('applies the same edges to timestamps written with an offset', () => {
    const withOffset = (d: number) => {
      const local = new Date(at - d * DAY + 3_600_000).toISOString().slice(0, 19); // UTC+1 wall time
      return profile({ orders: { count: 1, netSpendCents: 100, refundedCents: 0, averageOrderCents: 100, lastOrderAt: `${local}+01:00` } });
    };
    expect(test(moreThan90, withOffset(90))).toBe(false);
    expect(test(moreThan90, withOffset(90), at + 1000)).toBe(true);
    expect(test(within30, withOffset(30))).toBe(true);
    expect(test(within30, withOffset(30), at + 1000)).toBe(false);
  });

  it('ignores a timestamp it cannot read instead of matching it', () => {
    const garbled = profile({ orders: { count: 1, netSpendCents: 100, refundedCents: 0, averageOrderCents: 100, lastOrderAt: 'yesterday' } });
    expect(test(moreThan90, garbled)).toBe(false);
    expect(test(within30, garbled)).toBe(false);
  });

  it('moves the window with the evaluation time when one predicate is reused', () => {
    const predicate = compileRule(moreThan90);
    const p = last(90);
    expect(predicate(p, at)).toBe(false);
    expect(predicate(p, at + DAY)).toBe(true);
    expect(predicate(p, at)).toBe(false);
  });

  it('treats a customer without orders as neither lapsed nor recent, but as never ordered', () => {
    expect(test(moreThan90, profile())).toBe(false);
    expect(test(within30, profile())).toBe(false);
    expect(test({ type: 'time', field: 'orders.firstOrderAt', op: 'never' }, profile())).toBe(true);
    expect(test({ type: 'time', field: 'orders.firstOrderAt', op: 'ever' }, profile())).toBe(false);
    expect(test({ type: 'time', field: 'orders.firstOrderAt', op: 'never' }, last(3))).toBe(false);
  });

  it('reads timestamps with offsets and without milliseconds', () => {
    expect(isoToMs('2026-11-23T13:00:00+01:00')).toBe(at);
    expect(isoToMs('2026-11-23T12:00:00Z')).toBe(at);
    expect(isoToMs('2026-11-23T12:00:00.5Z')).toBe(at + 500);
    expect(isoToMs('2026-11-23T06:30:00-05:30')).toBe(at);
    expect(Number.isNaN(isoToMs(undefined))).toBe(true);
  });

  it('applies windows to registeredAt', () => {
    expect(test({ type: 'time', field: 'registeredAt', op: 'withinLastDays', days: 7 }, profile({ registeredAt: daysAgo(6.5) }))).toBe(true);
    expect(test({ type: 'time', field: 'registeredAt', op: 'withinLastDays', days: 7 }, profile({ registeredAt: daysAgo(8) }))).toBe(false);
  });
});

describe('segments: order history', () => {
  const order = (d: number, categories: string[], totalCents = 2_000, refundedCents = 0) => ({
    orderId: `o${d}`, at: daysAgo(d), totalCents, refundedCents, categories, points: 0,
  });
  const p = profile({
    categories: ['filter', 'espresso', 'tea'],
    orderHistory: [order(200, ['tea']), order(60, ['espresso']), order(20, ['espresso', 'filter']), order(5, ['filter'], 3_000, 3_000)],
  });

  it('finds a category ever ordered from the category list', () => {
    expect(test({ type: 'orders', category: 'tea' }, p)).toBe(true);
    expect(test({ type: 'orders', category: 'cocoa' }, p)).toBe(false);
  });

  it('counts orders in a category within a window', () => {
    expect(test({ type: 'orders', category: 'espresso', withinLastDays: 90, op: 'gte', value: 2 }, p)).toBe(true);
    expect(test({ type: 'orders', category: 'espresso', withinLastDays: 30, op: 'gte', value: 2 }, p)).toBe(false);
  });

  it('leaves fully refunded orders out of counts and sums net of refunds', () => {
    expect(test({ type: 'orders', withinLastDays: 10, op: 'gte', value: 1 }, p)).toBe(false);
    expect(test({ type: 'orders', withinLastDays: 90, measure: 'netCents', op: 'eq', value: 4_000 }, p)).toBe(true);
    expect(test({ type: 'orders', measure: 'netCents', op: 'eq', value: 6_000 }, p)).toBe(true);
  });
});

describe('segments: one rule for refunded orders, with or without a window', () => {
  const placed = (orderId: string, category: string, d: number): ShopEvent => ({
    id: `ev-${orderId}`, time: daysAgo(d), type: 'OrderPlaced',
    detail: { orderId, customerId: 'c1', placedAt: daysAgo(d), totalCents: 2_000, currency: 'EUR', items: [{ sku: orderId, name: 'n', category, quantity: 1, priceCents: 2_000 }] },
  });
  const refunded = (orderId: string, amountCents: number, d: number): ShopEvent => ({
    id: `ev-r-${orderId}`, time: daysAgo(d), type: 'OrderRefunded', detail: { orderId, customerId: 'c1', refundedAt: daysAgo(d), amountCents },
  });
  const ingested = (events: ShopEvent[]) => events.reduce<Profile | undefined>((p, e) => applyEvent(p, e, defaultLoyaltyConfig).profile, undefined)!;
  const ever = { type: 'orders', category: 'cocoa' } as const;
  const windowed = { type: 'orders', category: 'cocoa', withinLastDays: 30 } as const;

  it('does not count a fully refunded order in a category, ever or within a window', () => {
    const p = ingested([placed('o1', 'cocoa', 10), refunded('o1', 2_000, 9)]);
    expect(test(ever, p)).toBe(false);
    expect(test(windowed, p)).toBe(false);
  });

  it('counts a partly refunded order in a category, ever and within a window', () => {
    const p = ingested([placed('o1', 'cocoa', 10), refunded('o1', 1_000, 9)]);
    expect(test(ever, p)).toBe(true);
    expect(test(windowed, p)).toBe(true);
  });

  it('counts an order outside the bounded history for "ever", while a window of 30 days no longer sees it', () => {
    const p = ingested([placed('o1', 'cocoa', 100), placed('o2', 'tea', 10)]);
    const trimmed = { ...p, orderHistory: p.orderHistory.slice(-1) };
    expect(test(ever, trimmed)).toBe(true);
    expect(test(windowed, trimmed)).toBe(false);
  });

  it('reads the order history for "ever" on a profile written before the category counts existed', () => {
    const p = ingested([placed('o1', 'cocoa', 10), refunded('o1', 2_000, 9)]);
    delete p.categoryOrders;
    expect(p.categories).toContain('cocoa');
    expect(test(ever, p)).toBe(false);
  });
});

describe('segments: birthdays in the customer time zone', () => {
  // 2026-11-23T11:30Z is already 24 Nov in Auckland (UTC+13) but still 23 Nov in Los Angeles (UTC-8).
  const instant = Date.parse('2026-11-23T11:30:00Z');
  const today = { type: 'birthday', withinDays: 0 } as const;

  it('sees a 24 November birthday as today in Auckland but not yet in Los Angeles', () => {
    expect(test(today, profile({ birthday: '1990-11-24', timeZone: 'Pacific/Auckland' }), instant)).toBe(true);
    expect(test(today, profile({ birthday: '1990-11-24', timeZone: 'America/Los_Angeles' }), instant)).toBe(false);
    expect(test({ type: 'birthday', withinDays: 1 }, profile({ birthday: '--11-24', timeZone: 'America/Los_Angeles' }), instant)).toBe(true);
  });

  it('recomputes the local day when the same predicate is evaluated later', () => {
    const predicate = compileRule(today);
    const p = profile({ birthday: '--11-24', timeZone: 'America/Los_Angeles' });
    expect(predicate(p, instant)).toBe(false);
    expect(predicate(p, Date.parse('2026-11-24T08:00:00Z'))).toBe(true); // 00:00 in Los Angeles
    expect(predicate(p, Date.parse('2026-11-24T07:59:59Z'))).toBe(false);
  });

  it('wraps around the new year', () => {
    expect(test({ type: 'birthday', withinDays: 5 }, profile({ birthday: '--01-02' }), Date.parse('2026-12-30T10:00:00Z'))).toBe(true);
    expect(test({ type: 'birthday', withinDays: 2 }, profile({ birthday: '--01-02' }), Date.parse('2026-12-30T10:00:00Z'))).toBe(false);
  });

  it('celebrates a 29 February birthday on 28 February in other years and on 29 February in leap years', () => {
    expect(test(today, profile({ birthday: '2000-02-29' }), Date.parse('2027-02-28T10:00:00Z'))).toBe(true);
    expect(test(today, profile({ birthday: '2000-02-29' }), Date.parse('2028-02-28T10:00:00Z'))).toBe(false);
    expect(test(today, profile({ birthday: '2000-02-29' }), Date.parse('2028-02-29T10:00:00Z'))).toBe(true);
  });

  it('is false without a birthday', () => {
    expect(test({ type: 'birthday', withinDays: 366 }, profile())).toBe(false);
  });
});

describe('segments: references', () => {
  const segments = new Map<string, SegmentRule>([
    ['gold', { type: 'tier', in: ['gold'] }],
    ['loyal-gold', { type: 'all', rules: [{ type: 'segment', segment: 'gold' }, { type: 'number', field: 'points', op: 'gte', value: 100 }] }],
    ['a', { type: 'segment', segment: 'b' }],
    ['b', { type: 'not', rule: { type: 'segment', segment: 'a' } }],
  ]);

  it('resolves references to other segments at compile time', () => {
    const predicate = compileRule({ type: 'segment', segment: 'loyal-gold' }, { segments });
    expect(predicate(profile({ tier: 'gold', points: 150 }), at)).toBe(true);
    expect(predicate(profile({ tier: 'silver', points: 150 }), at)).toBe(false);
  });

  it('accepts a lookup function', () => {
    expect(compileRule({ type: 'segment', segment: 'gold' }, { segments: (id) => segments.get(id) })(profile({ tier: 'gold' }), at)).toBe(true);
  });

  it('rejects an unknown segment reference when compiling', () => {
    expect(() => compileRule({ type: 'segment', segment: 'nope' }, { segments })).toThrow(new SegmentRuleError('unknown segment "nope"'));
  });

  it('rejects a reference cycle when compiling', () => {
    expect(() => compileRule({ type: 'segment', segment: 'a' }, { segments })).toThrow('segment cycle: a -> b -> a');
  });
});

describe('segments: schema', () => {
  it('rejects an unknown condition type at its path', () => {
    const result = SegmentRule.safeParse({ type: 'all', rules: [{ type: 'tier', in: ['gold'] }, { type: 'spend' }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['rules', 1, 'type']);
  });

  it('rejects a time window without days', () => {
    const result = SegmentRule.safeParse({ type: 'time', field: 'registeredAt', op: 'withinLastDays' });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['days', 'is required with op "withinLastDays"']]);
  });

  it('rejects an ordering comparison of an attribute with a string', () => {
    const result = SegmentRule.safeParse({ type: 'attribute', name: 'plan', op: 'gt', value: 'abo' });
    expect(result.error?.issues[0]?.path).toEqual(['value']);
  });
});
