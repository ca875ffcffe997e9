// The referral program end to end on the memory runtime: the weekly invitation with the share
// link, the /r/<code> redirect, the friend's first order, and the reward or choice mails that tick
// releases; the default after N days.
import { describe, expect, it } from 'vitest';
import { Campaign } from '#core/campaign';
import { RewardCatalog } from '#core/rewards';
import { contentHash } from '#core/publish';
import { compileCampaignTemplates } from '../../functions/compile/compile-template';
import { createRuntime, type SentMail } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { exampleShop, testSigningKey } from './delivery-fixtures';

const catalogFile = (over: Record<string, unknown> = {}) =>
  RewardCatalog.parse({
    kind: 'rewardCatalog', id: 'friends', name: 'F', mode: 'rotate', rotateEvery: 'month', timeZone: 'Europe/Berlin', defaultLocale: 'de',
    rewards: [
      { id: 'hundred-points', label: { de: '100 Treuepunkte', en: '100 points' }, value: { type: 'points', points: 100 }, for: 'referrer' },
      { id: 'mug', label: { de: 'eine Tasse', en: 'a mug' }, value: { type: 'gift', sku: 'MUG-1' }, for: 'friend' },
    ],
    ...over,
  });

const campaign = Campaign.parse({
  kind: 'referral', id: 'referral-friends', name: 'R', status: 'active', topic: 'offers', rewards: 'friends',
  audience: { rule: { type: 'consent', status: 'confirmed' } },
  schedule: { type: 'cron', cron: '0 9 * * 1', timeZone: 'Europe/Berlin' },
  template: { layout: 'newsletter', defaultLocale: 'de', content: { de: { subject: 'Diese Woche: {{ reward.label }}', preheader: '', blocks: [{ type: 'reward', text: 'Ihr Link: {{ reward.link }}' }] } } },
});

const start = async (catalog: RewardCatalog) => {
  const clock = new SimClock(new Date('2026-03-01T10:00:00Z'));
  const sent: SentMail[] = [];
  const runtime = await createRuntime({
    clock, backend: 'memory', idNamespace: 'ref', shop: { ...(await exampleShop()), referral: { landingUrl: 'https://kaffee-morgenrot.example/freunde', parameter: 'empfehlung' } },
    from: 'news@shop.example', unsubscribeBaseUrl: 'https://shop.example', keyRing: { current: testSigningKey, accepted: [testSigningKey] }, onSent: (s) => sent.push(s),
  });
  await runtime.publish({
    campaigns: [{ campaign, segments: {}, template: await compileCampaignTemplates(campaign), publishedAt: '2026-03-01T00:00:00.000Z' }],
    segments: [],
    rewardCatalogs: [{ type: 'rewardCatalog', id: catalog.id, value: catalog, contentHash: contentHash(catalog), publishedAt: '2026-03-01T00:00:00.000Z' }],
  });
  let n = 0;
  const event = async (type: string, detail: Record<string, unknown>, time: string) => {
    if (Date.parse(time) > clock.now().getTime()) await clock.advanceTo(Date.parse(time));
    await runtime.bus.publish({ version: '0', id: `ev-${++n}`, source: 'shop', 'detail-type': type, account: '0', region: 'local', resources: [], time, detail });
    await runtime.settle();
  };
  const register = (customerId: string, time: string, extra: Record<string, unknown> = {}) =>
    event('CustomerRegistered', { customerId, email: `${customerId}@example.com`, locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: time, source: 'checkout' }, ...extra }, time);
  const order = (customerId: string, orderId: string, time: string, extra: Record<string, unknown> = {}) =>
    event('OrderPlaced', { orderId, customerId, placedAt: time, totalCents: 3_000, currency: 'EUR', items: [{ sku: 'k', name: 'Kaffee', quantity: 1, priceCents: 3_000 }], ...extra }, time);
  const tickAt = async (iso: string) => {
    await clock.advanceTo(Date.parse(iso));
    // A tick after a long gap releases a window of due deliveries and reports a backlog: tick on.
    while ((await runtime.tick()).backlog) await runtime.settle();
    await runtime.settle();
  };
  /** Anna (consent confirmed) gets Monday's invitation; ben registers and first orders with her code. */
  const friendOrders = async (): Promise<string> => {
    await register('anna', '2026-03-01T10:00:00Z');
    await runtime.confirmConsent('anna');
    await tickAt('2026-03-02T08:00:00Z');
    const code = linkIn(sent[0]!.mail.text, 'r').split('/').pop()!;
    await register('ben', '2026-03-03T10:00:00Z');
    await order('ben', 'b1', '2026-03-03T11:00:00Z', { referralCode: code });
    await tickAt('2026-03-03T11:01:00Z');
    return code;
  };
  return { clock, sent, runtime, register, order, tickAt, friendOrders };
};

const linkIn = (text: string, path: string): string => {
  const match = new RegExp(`https://shop\\.example/${path}/[A-Za-z0-9._-]+`).exec(text);
  if (!match) throw new Error(`no /${path}/ link in: ${text}`);
  return match[0];
};

describe('referral program on the runtime', () => {
  it('sends the invitation with the current reward and the share link, and redirects the link to the landing page', async () => {
    const h = await start(catalogFile());
    try {
      await h.register('anna', '2026-03-01T10:00:00Z');
      await h.runtime.confirmConsent('anna');
      await h.tickAt('2026-03-02T08:00:00Z'); // Monday 09:00 Berlin
      const invitation = h.sent.find((s) => s.campaignId === 'referral-friends');
      expect(invitation?.mail.subject).toBe('Diese Woche: 100 Treuepunkte');
      expect(invitation?.mail.tags).toContainEqual({ name: 'reward', value: 'hundred-points' });
      const share = linkIn(invitation!.mail.text, 'r');
      const code = share.split('/').pop()!;
      expect(await h.runtime.referrals.referrerOf(code)).toBe('anna');

      const click = await h.runtime.track.request(`/r/${code}`);
      expect(click.status).toBe(302);
      expect(click.headers.get('location')).toBe(`https://kaffee-morgenrot.example/freunde?empfehlung=${code}`);
      const unknown = await h.runtime.track.request('/r/ZZZZZZZZ');
      expect(unknown.headers.get('location')).toBe('https://kaffee-morgenrot.example');
      const hostile = await h.runtime.track.request('/r/%2F%2Fevil.example');
      expect(hostile.headers.get('location')).toBe('https://kaffee-morgenrot.example');
      expect((await h.runtime.referrals.stats('referral-friends'))['-']).toEqual({ clicks: 1 });
    } finally {
      await h.runtime.stop();
    }
  });

  it('mails the referrer the reward issued when the friend first orders with the code', async () => {
    const h = await start(catalogFile());
    try {
      await h.friendOrders();
      const reward = h.sent.filter((s) => s.campaignId === 'system_referral-reward');
      expect(reward.map((s) => [s.customerId, s.mail.subject])).toEqual([['anna', 'Ihr Dankeschön: 100 Treuepunkte']]);
      expect(reward[0]!.mail.tags).toContainEqual({ name: 'reward', value: 'hundred-points' });
      expect((await h.runtime.customers.getProfile('anna'))!.points).toBe(100);
      const { referralStats } = await import('#core/referral-program');
      expect(await referralStats({ referrals: h.runtime.referrals, deliveries: h.runtime.delivery }, 'referral-friends', catalogFile())).toEqual({
        'hundred-points': { invitations: 1, conversions: 1, issued: 1 },
      });
    } finally {
      await h.runtime.stop();
    }
  });

  it('mails a coupon reward with its code, value and expiry, and carries the code and reward on the mail', async () => {
    const h = await start(catalogFile({ rewards: [{ id: 'ten-percent', label: { de: '10 % Rabatt' }, value: { type: 'percent', percent: 10 }, validDays: 30 }] }));
    try {
      await h.friendOrders();
      const reward = h.sent.find((s) => s.campaignId === 'system_referral-reward')!;
      const referral = (await h.runtime.referrals.getReferral('ben'))!;
      const code = referral.issued?.kind === 'coupon' ? referral.issued.code : 'none';
      expect(code).toMatch(/^REF-/);
      expect(reward.mail.subject).toBe('Ihr Dankeschön: 10 % Rabatt');
      expect(reward.mail.text).toContain(code);
      expect(reward.mail.text).toContain('10 %');
      expect(reward.mail.couponCode).toBe(code);
      expect(reward.mail.tags).toContainEqual({ name: 'reward', value: 'ten-percent' });
      expect(await h.runtime.coupons.getCoupon(code)).toMatchObject({ customerId: 'anna', campaignId: 'referral-friends' });
    } finally {
      await h.runtime.stop();
    }
  });

  it('lets the referrer choose from the mail\'s links, first click wins, and sends the reward mail once', async () => {
    const h = await start(catalogFile({ mode: 'selectable', rotateEvery: undefined, program: { choiceDays: 7 }, rewards: [
      { id: 'p100', label: { de: '100 Punkte' }, value: { type: 'points', points: 100 } },
      { id: 'p300', label: { de: '300 Punkte' }, value: { type: 'points', points: 300 } },
    ] }));
    try {
      await h.friendOrders();
      const choice = h.sent.find((s) => s.campaignId === 'system_referral-choice')!;
      expect(choice.mail.text).toContain('100 Punkte');
      expect(choice.mail.text).toContain('300 Punkte');
      const links = [...choice.mail.html.matchAll(/href="(https:\/\/shop\.example\/reward\/[^"]+)"/g)].map((m) => m[1]!);
      expect(links).toHaveLength(2);
      const path = (url: string) => url.replace('https://shop.example', '');
      const ask = await h.runtime.track.request(path(links[1]!));
      expect(await ask.text()).toContain('300 Punkte');
      expect((await h.runtime.referrals.getReferral('ben'))?.state).toBe('choosing'); // a GET chooses nothing
      const first = await h.runtime.track.request(path(links[1]!), { method: 'POST' });
      expect(await first.text()).toContain('„300 Punkte“ gewählt');
      const later = await h.runtime.track.request(path(links[0]!), { method: 'POST' });
      expect(await later.text()).toContain('schon fest: „300 Punkte“');
      await h.runtime.settle();
      await h.tickAt('2026-03-03T11:10:00Z');
      await h.tickAt('2026-03-10T11:01:00Z'); // the default's due time passes: no second mail
      const rewards = h.sent.filter((s) => s.campaignId === 'system_referral-reward');
      expect(rewards.map((s) => s.mail.subject)).toEqual(['Ihr Dankeschön: 300 Punkte']);
      expect((await h.runtime.customers.getProfile('anna'))!.points).toBe(300);
    } finally {
      await h.runtime.stop();
    }
  });

  it('issues the documented default when the referrer has not chosen within the days', async () => {
    const h = await start(catalogFile({ mode: 'selectable', rotateEvery: undefined, defaultReward: 'p300', program: { choiceDays: 7 }, rewards: [
      { id: 'p100', label: { de: '100 Punkte' }, value: { type: 'points', points: 100 } },
      { id: 'p300', label: { de: '300 Punkte' }, value: { type: 'points', points: 300 } },
    ] }));
    try {
      await h.friendOrders();
      expect(h.sent.filter((s) => s.campaignId === 'system_referral-reward')).toEqual([]);
      await h.tickAt('2026-03-10T11:00:00Z');
      const rewards = h.sent.filter((s) => s.campaignId === 'system_referral-reward');
      expect(rewards.map((s) => [s.at.toISOString(), s.mail.subject])).toEqual([['2026-03-10T11:00:00.000Z', 'Ihr Dankeschön: 300 Punkte']]);
      expect(await h.runtime.referrals.getReferral('ben')).toMatchObject({ state: 'issued', chosenBy: 'default', rewardId: 'p300' });
    } finally {
      await h.runtime.stop();
    }
  });
});
