// The demo's response simulation on its own: which mails are answered, when the orders fall, and
// that a refused link is passed over. The track app here is a small Hono app that answers like the
// real one (302 for a stored static link, 404 otherwise); the demo test runs the real one.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { OrderPlaced } from '#core/events';
import { createResponder, type ResponseSimulation } from '#local/responses';
import type { SentMail } from '#local/runtime';

const BASE = 'https://shop.example/stammkunde';
const AT = new Date('2025-03-08T09:00:00.000Z');
const DAY = 86_400_000;

const trackApp = () => {
  const requested: string[] = [];
  const app = new Hono();
  app.get('/c/:token', (c) => {
    requested.push(c.req.param('token'));
    return c.req.param('token').startsWith('dyn') ? c.text('not found', 404) : c.redirect('https://shop.example/', 302);
  });
  return { app, requested };
};

const mail = (customerId: string, overrides: { campaignId?: string; couponCode?: string; html?: string } = {}): SentMail => ({
  at: AT,
  messageId: `m-${customerId}`,
  customerId,
  campaignId: overrides.campaignId ?? 'winback-discount',
  occurrenceId: `${overrides.campaignId ?? 'winback-discount'}:2025-03-08T09:00Z`,
  mail: {
    to: `${customerId}@example.com`,
    subject: 's',
    html: overrides.html ?? `<a href="${BASE}/c/dyn.1">code</a> <a href="${BASE}/c/static.2">shop</a> <a href="${BASE}/u/unsub">u</a>`,
    text: '',
    headers: [],
    tags: [],
    ...(overrides.couponCode ? { couponCode: overrides.couponCode } : {}),
  } as unknown as SentMail['mail'],
});

const everyone: ResponseSimulation = { click: 1, orderAfterClick: 1, redeem: 1, redeemLate: 0 };

const responder = (shares: ResponseSimulation, untilMs = AT.getTime() + 365 * DAY) => {
  const track = trackApp();
  const r = createResponder({ shares, track: track.app, linkBase: BASE, coupons: new Map([['winback-discount', { validDays: 14, minimumOrderCents: 2500 }]]), currency: 'EUR', untilMs });
  return { r, track };
};

describe('demo response simulation', () => {
  it('clicks a tracked link, passing over one the track app refuses, and never a system mail', async () => {
    const { r, track } = responder({ ...everyone, orderAfterClick: 0 });
    r.sent(mail('c1', { campaignId: 'newsletter-monthly' }));
    r.sent(mail('c2', { campaignId: 'system_referral-reward' }));
    await r.respond();
    expect(r.counts.clicks).toBe(1);
    expect(track.requested.filter((t) => t === 'static.2')).toHaveLength(1);
    expect(track.requested.every((t) => t === 'static.2' || t === 'dyn.1')).toBe(true);
  });

  it('orders with the mailed code before it expires, above the minimum order, as a valid OrderPlaced', async () => {
    const { r } = responder(everyone);
    r.sent(mail('c1', { couponCode: 'WIEDER-ABCDEFGH' }));
    const [order, ...rest] = await r.respond();
    expect(rest).toEqual([]);
    const detail = OrderPlaced.parse(order!.detail);
    expect(detail.couponCode).toBe('WIEDER-ABCDEFGH');
    expect(detail.totalCents).toBeGreaterThan(2500);
    const placed = Date.parse(detail.placedAt);
    expect(placed).toBeGreaterThan(AT.getTime());
    expect(placed).toBeLessThan(AT.getTime() + 14 * DAY);
    expect(order!.time).toBe(detail.placedAt);
    expect(r.counts).toMatchObject({ couponOrders: 1, lateCouponOrders: 0 });
  });

  it('orders after the expiry for the late share, and not at all after the end of the replay', async () => {
    const late = responder({ click: 0, orderAfterClick: 0, redeem: 0, redeemLate: 1 });
    late.r.sent(mail('c1', { couponCode: 'WIEDER-ABCDEFGH' }));
    const [order] = await late.r.respond();
    expect(Date.parse(order!.time)).toBeGreaterThan(AT.getTime() + 14 * DAY);
    expect(late.r.counts).toMatchObject({ couponOrders: 1, lateCouponOrders: 1 });
    const ended = responder(everyone, AT.getTime() + DAY / 4);
    ended.r.sent(mail('c1', { couponCode: 'WIEDER-ABCDEFGH' }));
    expect(await ended.r.respond()).toEqual([]);
    expect(ended.r.counts.couponOrders).toBe(0);
  });

  it('orders within four days after a click on a mail without a coupon, without a code', async () => {
    const { r } = responder(everyone);
    r.sent(mail('c1', { campaignId: 'newsletter-monthly' }));
    const [order] = await r.respond();
    const detail = OrderPlaced.parse(order!.detail);
    expect(detail.couponCode).toBeUndefined();
    expect(Date.parse(detail.placedAt) - AT.getTime()).toBeLessThan(5 * DAY);
    expect(r.counts.ordersAfterClick).toBe(1);
  });

  it('answers the same mails the same way whatever order they were sent in', async () => {
    const shares: ResponseSimulation = { click: 0.5, orderAfterClick: 0.5, redeem: 0.3, redeemLate: 0.2 };
    const mails = Array.from({ length: 40 }, (_, i) => mail(`c${i}`, i % 2 ? { couponCode: `WIEDER-CODE${i}` } : { campaignId: 'newsletter-monthly' }));
    const a = responder(shares);
    const b = responder(shares);
    for (const m of mails) a.r.sent(m);
    for (const m of [...mails].reverse()) b.r.sent(m);
    const [x, y] = [await a.r.respond(), await b.r.respond()];
    expect(y).toEqual(x);
    expect(b.r.counts).toEqual(a.r.counts);
    expect(a.r.counts.clicks).toBeGreaterThan(0);
    expect(a.r.counts.clicks).toBeLessThan(40);
  });
});
