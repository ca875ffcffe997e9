// A triggered campaign on CouponExpiring reminds of the expiring coupon itself: the mail shows
// that coupon's code, and is cancelled when it was redeemed meanwhile; no new coupon is issued.
import { beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { createMemoryCouponStore } from '#adapters/memory-coupon-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { Campaign, CouponSpec } from '#core/campaign';
import { hmacKeyedRandom, issueCoupon } from '#core/coupons';
import { redeemCoupon } from '#core/coupon-redemption';
import { remindExpiringCoupons } from '#core/coupon-reminders';
import { plannedDeliveries, routedOwnCause } from '#core/triggers';
import type { ShopInfo } from '#core/render';
import { createPipeline, exampleShop, makeProfile, publishExample } from './delivery-fixtures';

const spec = CouponSpec.parse({ value: { type: 'percent', percent: 15 }, validDays: 14, minimumOrderCents: 2500, prefix: 'WIEDER' });
// Issued on 2 May at 08:00 UTC: expires on 16 May; tick announces it at the midnight of 13 May (3 days left).
const issuedAt = new Date('2026-05-02T08:00:00Z');
const midnight = new Date('2026-05-13T00:00:00Z');

let shop: ShopInfo;
beforeAll(async () => {
  shop = await exampleShop();
});

const setup = async () => {
  const published = await publishExample('coupon-expiring-reminder.json');
  const profile = makeProfile(1, { topics: { offers: true } });
  const store = createMemoryCouponStore();
  const bus = createMemoryEventBus();
  const mailer = new OutboxMailer();
  const p = await createPipeline({ profiles: [profile], mailer, published, shop, now: midnight, coupons: { store, random: hmacKeyedRandom('test'), events: bus } });
  const coupon = await issueCoupon({ store, random: hmacKeyedRandom('test') }, { campaignId: 'winback-discount', occurrenceId: 'winback-discount:2026-05-02T08:00Z', customerId: profile.customerId, spec, at: issuedAt });
  /** Tick's CouponExpiring, routed back from the bus into ingest, plans the reminder (8 hours later). */
  const announce = async () => {
    await remindExpiringCoupons({ coupons: store, events: bus }, new Date('2026-05-12T23:59:00Z'), midnight, async () => ['winback-discount']);
    const causes = bus.published.filter((e) => e.type === 'CouponExpiring').map((e) => routedOwnCause({ source: 'stammkunde', 'detail-type': e.type, detail: e })!.cause);
    const due = plannedDeliveries([published], profile, causes, midnight);
    for (const delivery of due) await p.store.putDueDelivery(delivery);
    return due;
  };
  /** Tick and send at the reminder's due time. */
  const send = async () => {
    p.advance(8 * 3_600_000 + 30_000);
    await p.tick();
    expect(await p.drain()).toEqual([]);
  };
  return { p, store, mailer, coupon, profile, announce, send };
};

describe('coupons: the CouponExpiring reminder', () => {
  it('sends the reminder with the expiring coupon\'s code, value, expiry and minimum order, and issues none', async () => {
    const { store, mailer, coupon, announce, send } = await setup();
    const due = await announce();
    expect(due.map((d) => d.occurrenceId)).toEqual([`coupon-expiring-reminder:c00001:c.${coupon.code}`]);
    await send();
    expect(mailer.sent).toHaveLength(1);
    const [mail] = mailer.sent;
    expect(mail!.couponCode).toBe(coupon.code);
    expect(mail!.text).toContain(coupon.code);
    expect(mail!.text).toMatch(/15\s% · Gültig bis 16\. Mai 2026\nMindestbestellwert: 25,00\s€/);
    expect(store.all()).toHaveLength(1);
  });

  it('cancels the reminder when the coupon was redeemed between the announcement and the send', async () => {
    const { store, mailer, coupon, profile, announce, send } = await setup();
    expect(await announce()).toHaveLength(1);
    await redeemCoupon(store, { couponCode: coupon.code, customerId: profile.customerId, orderId: 'o1', at: '2026-05-13T06:00:00Z', totalCents: 3000 });
    await send();
    expect(mailer.sent).toEqual([]);
    expect(store.all()).toHaveLength(1);
  });

  it('rejects a CouponExpiring campaign with its own coupon or a reentry, naming the field', async () => {
    const { campaign } = await publishExample('coupon-expiring-reminder.json');
    const withCoupon = Campaign.safeParse({ ...campaign, coupon: { value: { type: 'freeShipping' }, validDays: 7 } });
    expect(withCoupon.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['coupon', 'is not allowed on CouponExpiring: the reminder shows the expiring coupon']]);
    const withReentry = Campaign.safeParse({ ...campaign, trigger: { event: 'CouponExpiring', reentry: { type: 'oncePerCustomer' } } });
    expect(withReentry.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['trigger.reentry', 'is not used on CouponExpiring: a reminder is sent once per expiring coupon']]);
  });
});
