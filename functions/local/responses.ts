// Simulated customer responses for the DEMO (never for a replay of a shop's real history, which
// must not invent behaviour: `stammkunde replay` runs without them). A demo shop's generated
// history has no clicks and no orders with the codes we mail, so its funnel, attribution and coupon
// stats would all be zero. With a `ResponseSimulation`, replay lets a small share of recipients
// respond, each choice made by a hash of (occurrence, customer), never Math.random, so two runs give
// the same bytes:
// - a click: right after the send (at the send minute, where the simulated clock stands) one of
//   the mail's tracked links is requested (GET /c/<token>) from the runtime's REAL track app, as
//   the replay's double opt-in POSTs its confirm links: the track app records the click, the unique
//   clicker and the last click attribution looks back to;
// - an order after a click (mails without a coupon): an OrderPlaced 1-4 days later, inside the
//   default 5-day attribution window, so the last click attributes it;
// - a coupon redemption: an OrderPlaced carrying the mailed `couponCode` some days before the
//   coupon expires, with a total above its minimum order; a smaller share orders 1-3 days AFTER the
//   expiry, which the redemption refuses as `expired`.
// The orders are shop events like the generated ones: replay feeds them through bus -> events
// queue -> ingest at their simulated time (profiles, redemptions, attribution, triggered flows).
import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import type { OrderPlaced } from '#core/events';
import { SHOP_EVENT_SOURCE } from '#core/events';
import { SYSTEM_CAMPAIGN_PREFIX } from '#core/publish';
import type { BusEvent } from './bus';
import type { SentMail } from './runtime';

/** The shares of recipients who respond, each 0..1. */
export interface ResponseSimulation {
  /** Of the recipients of a marketing mail (every campaign but the system ones): click a tracked link. */
  click: number;
  /** Of the clickers of a mail without a coupon: order 1-4 days later (attributed to the last click). */
  orderAfterClick: number;
  /** Of the recipients of a coupon mail: order with the code before it expires. */
  redeem: number;
  /** Of the recipients of a coupon mail (beyond `redeem`): order with the code 1-3 days after it expired. */
  redeemLate: number;
}

/** The demo's shares (documented in the README's demo section). */
export const DEMO_RESPONSES: ResponseSimulation = { click: 0.05, orderAfterClick: 0.15, redeem: 0.04, redeemLate: 0.01 };

/** What the simulation did. */
export interface ResponseCounts {
  /** Clicks the track app answered with its redirect (recorded). */
  clicks: number;
  ordersAfterClick: number;
  couponOrders: number;
  /** Of `couponOrders`: placed after the coupon expired. */
  lateCouponOrders: number;
}

/** The coupon facts of a campaign the simulation needs (from its CouponSpec). */
export interface SimulatedCoupon {
  validDays: number;
  minimumOrderCents?: number | undefined;
}

interface Mail {
  atMs: number;
  campaignId: string;
  occurrenceId: string;
  customerId: string;
  couponCode?: string;
  /** Paths of the mail's tracked links below the link base ("/c/<token>"), only for the clickers. */
  clickPaths: string[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** A fraction in [0, 1) for one decision about one recipient of one occurrence. */
const fraction = (decision: string, occurrenceId: string, customerId: string): number =>
  createHash('sha256').update(`${decision}\u0000${occurrenceId}\u0000${customerId}`).digest().readUIntBE(0, 6) / 2 ** 48;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface Responder {
  /** Notes a mail accepted by the mailer (replay's onSent). */
  sent(sent: SentMail): void;
  /**
   * Answers the mails sent since the last call: clicks now (the clock's minute) through the track
   * app, and returns the orders to feed later, sorted by time and id.
   */
  respond(): Promise<BusEvent[]>;
  readonly counts: ResponseCounts;
}

export const createResponder = (deps: {
  shares: ResponseSimulation;
  /** The runtime's track app and the base its links are built under. */
  track: Hono;
  linkBase: string;
  /** The coupon of each campaign that carries one. */
  coupons: ReadonlyMap<string, SimulatedCoupon>;
  currency: string;
  /** The end of the replay: orders after it are not made (nor counted). */
  untilMs: number;
}): Responder => {
  const { shares } = deps;
  const clickPattern = new RegExp(`${escapeRegExp(deps.linkBase.replace(/\/+$/, ''))}(/c/[A-Za-z0-9_.-]+(?:/\\d+)?)`, 'g');
  let pending: Mail[] = [];
  const counts: ResponseCounts = { clicks: 0, ordersAfterClick: 0, couponOrders: 0, lateCouponOrders: 0 };

  const order = (mail: Mail, decision: string, atMs: number, minimumCents: number, couponCode?: string): BusEvent => {
    const id = createHash('sha256').update(`${decision}\u0000${mail.occurrenceId}\u0000${mail.customerId}`).digest('hex').slice(0, 20);
    const totalCents = minimumCents + 1000 + Math.floor(fraction(`${decision}:total`, mail.occurrenceId, mail.customerId) * 40) * 100;
    const placedAt = new Date(atMs).toISOString();
    const detail: OrderPlaced = {
      orderId: `sim-${id}`,
      customerId: mail.customerId,
      placedAt,
      totalCents,
      currency: deps.currency,
      items: [{ sku: 'SIMULATED', name: 'Simulated demo order', quantity: 1, priceCents: totalCents }],
      ...(couponCode ? { couponCode } : {}),
    };
    return { version: '0', id: `sim-order-${id}`, 'detail-type': 'OrderPlaced', source: SHOP_EVENT_SOURCE, account: '000000000000', time: placedAt, region: 'local', resources: [], detail };
  };

  return {
    counts,
    sent(sent) {
      if (sent.campaignId.startsWith(SYSTEM_CAMPAIGN_PREFIX)) return;
      const clicks = fraction('click', sent.occurrenceId, sent.customerId) < shares.click;
      pending.push({
        atMs: sent.at.getTime(),
        campaignId: sent.campaignId,
        occurrenceId: sent.occurrenceId,
        customerId: sent.customerId,
        ...(sent.mail.couponCode ? { couponCode: sent.mail.couponCode } : {}),
        clickPaths: clicks ? [...new Set([...sent.mail.html.matchAll(clickPattern)].map((m) => m[1]!))] : [],
      });
    },
    async respond() {
      if (pending.length === 0) return [];
      // The send consumers finish in any order: answer in a fixed one.
      const mails = pending.sort((a, b) => (a.occurrenceId < b.occurrenceId ? -1 : a.occurrenceId > b.occurrenceId ? 1 : a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
      pending = [];
      const orders: BusEvent[] = [];
      const keep = (event: BusEvent): boolean => {
        if (Date.parse(event.time) > deps.untilMs) return false;
        orders.push(event);
        return true;
      };
      for (const mail of mails) {
        const { occurrenceId, customerId } = mail;
        let clicked = false;
        if (mail.clickPaths.length > 0) {
          // One link, chosen by the hash; a link the track app refuses (a dynamic one) is passed over.
          const first = Math.floor(fraction('link', occurrenceId, customerId) * mail.clickPaths.length);
          for (let i = 0; i < mail.clickPaths.length && !clicked; i++) {
            const response = await deps.track.request(mail.clickPaths[(first + i) % mail.clickPaths.length]!, { headers: { 'user-agent': 'stammkunde-simulated-click' } });
            clicked = response.status === 302;
          }
          if (clicked) counts.clicks++;
        }
        const coupon = deps.coupons.get(mail.campaignId);
        if (mail.couponCode && coupon) {
          const u = fraction('redeem', occurrenceId, customerId);
          const day = fraction('redeem:day', occurrenceId, customerId);
          const hour = Math.floor(fraction('redeem:hour', occurrenceId, customerId) * 10) * HOUR_MS;
          const expiresMs = mail.atMs + coupon.validDays * DAY_MS;
          if (u < shares.redeem) {
            // 1 .. validDays-1 days after the send, always before the expiry.
            const at = mail.atMs + (1 + Math.floor(day * Math.max(1, coupon.validDays - 1))) * DAY_MS - DAY_MS / 2 + hour;
            if (keep(order(mail, 'redeem', Math.min(at, expiresMs - HOUR_MS), coupon.minimumOrderCents ?? 0, mail.couponCode))) counts.couponOrders++;
          } else if (u < shares.redeem + shares.redeemLate) {
            if (keep(order(mail, 'redeem', expiresMs + (1 + Math.floor(day * 3)) * DAY_MS + hour, coupon.minimumOrderCents ?? 0, mail.couponCode))) {
              counts.couponOrders++;
              counts.lateCouponOrders++;
            }
          }
          continue;
        }
        if (clicked && fraction('order', occurrenceId, customerId) < shares.orderAfterClick) {
          const days = 1 + Math.floor(fraction('order:day', occurrenceId, customerId) * 4);
          if (keep(order(mail, 'order', mail.atMs + days * DAY_MS + Math.floor(fraction('order:hour', occurrenceId, customerId) * 10) * HOUR_MS, 0))) counts.ordersAfterClick++;
        }
      }
      return orders.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
};
