// The referral program's pages in a real headless Chromium, in German and English: the share link
// `/r/<code>` lands on the shop's landing page with the code (an unknown code on the home page),
// and the "choose your reward" page chooses with its button; the first choice wins and a later
// link shows the choice made. Screenshots land in out/browser/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { createTrackApp } from '../../functions/track/app';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { createMemoryReferralStore } from '#adapters/memory-referral-store';
import { applyEvent } from '#core/ingest';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { signToken } from '#core/tokens';
import { RewardCatalog } from '#core/rewards';
import type { ShopEvent } from '#core/events';
import { referralCodeFor, type ReferralDeps } from '#core/referral-program';
import { exampleShop } from '../unit/delivery-fixtures';

const OUT = 'out/browser';
const key = { id: 'k1', secret: 'browser-test-secret-browser-test-01' };
const customers = createMemoryStore();
const referrals = createMemoryReferralStore();
const catalog = RewardCatalog.parse({
  kind: 'rewardCatalog', id: 'choice', name: 'Choice', mode: 'selectable', timeZone: 'Europe/Berlin', defaultLocale: 'de',
  rewards: [
    { id: 'p100', label: { de: '100 Treuepunkte', en: '100 loyalty points' }, value: { type: 'points', points: 100 } },
    { id: 'mug', label: { de: 'eine Morgenrot-Tasse', en: 'a Morgenrot mug' }, value: { type: 'gift', sku: 'MUG' } },
  ],
});
const deps: ReferralDeps = { referrals, customers, program: async () => ({ campaignId: 'referral-friends', catalog }), clock: { now: () => new Date('2026-03-05T12:00:00Z') } };
let server: ReturnType<typeof serve>;
let base = '';
let browser: Browser;

const LANGUAGES = [
  { lang: 'de', referrerId: 'anna', friendId: 'ben', locale: 'de-DE', formality: 'informal' as const },
  { lang: 'en', referrerId: 'emma', friendId: 'finn', locale: 'en-GB', formality: 'formal' as const },
];

const register = async (customerId: string, locale: string, formality: 'formal' | 'informal') => {
  const event = { id: `reg-${customerId}`, time: '2026-03-01T10:00:00Z', type: 'CustomerRegistered', detail: { customerId, email: `${customerId}@example.com`, locale, timeZone: 'Europe/Berlin', formality } } as ShopEvent;
  await customers.applyAtomically(customerId, event.id, (p) => applyEvent(p, event, defaultLoyaltyConfig));
};
const rewardLink = (customerId: string, referralOf: string, rewardId: string) => `${base}/reward/${signToken({ purpose: 'reward', customerId, referralOf, rewardId }, key)}`;
const shot = (page: Page, name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  for (const l of LANGUAGES) {
    await register(l.referrerId, l.locale, l.formality);
    await referrals.createReferral({
      friendId: l.friendId, referrerId: l.referrerId, code: await referralCodeFor(deps, l.referrerId), orderId: `o-${l.friendId}`, orderAt: '2026-03-04T10:00:00.000Z',
      campaignId: 'referral-friends', catalogId: 'choice', state: 'choosing', options: ['p100', 'mug'], defaultRewardId: 'p100', choiceDueAt: '2026-03-18T10:00:00.000Z',
    });
  }
  // The shop's own pages (home, landing) beside the customer endpoint, on one local server.
  const shopPage = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
  const site = new Hono();
  // Made once the server's port (the shop's URLs) is known.
  const endpoint: { track?: Hono } = {};
  site.get('/home', (c) => c.html(shopPage('Home')));
  site.get('/landing', (c) => c.html(shopPage('Landing')));
  site.all('*', (c) => endpoint.track!.fetch(c.req.raw));
  server = await new Promise((resolve) => {
    const s = serve({ fetch: site.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.track = createTrackApp({
    customers, campaigns: createMemoryDeliveryStore(), clicks: createMemoryClickStore(), keys: () => ({ current: key, accepted: [key] }),
    clock: deps.clock, shop: { ...(await exampleShop()), url: `${base}/home`, referral: { landingUrl: `${base}/landing`, parameter: 'ref' } }, referrals: deps,
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('referral share link in a browser', () => {
  it('lands on the shop\'s landing page with the code, and counts the click', async () => {
    const code = await referralCodeFor(deps, 'anna');
    const page = await browser.newPage();
    await page.goto(`${base}/r/${code.toLowerCase()}`);
    expect(page.url()).toBe(`${base}/landing?ref=${code}`);
    expect(await page.title()).toBe('Landing');
    expect((await referrals.stats('referral-friends'))['-']?.clicks).toBe(1);
    await page.close();
  });

  it('sends an unknown code to the shop\'s home page, never elsewhere', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/r/ZZZZZZZZ`);
    expect(page.url()).toBe(`${base}/home`);
    await page.goto(`${base}/r/https%3A%2F%2Fevil.example`);
    expect(page.url()).toBe(`${base}/home`);
    await page.close();
  });
});

describe.each(LANGUAGES)('reward choice page in a browser ($lang)', ({ lang, referrerId, friendId }) => {
  const german = lang === 'de';

  it('chooses the reward with the page\'s button, and shows the choice made to a later link', async () => {
    const page = await browser.newPage();
    await page.goto(rewardLink(referrerId, friendId, 'mug'));
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.locator('h1').textContent()).toBe(german ? 'Dein Dankeschön' : 'Your thank-you');
    expect(await page.locator('main').textContent()).toContain(german ? 'Möchtest du „eine Morgenrot-Tasse“ als Dankeschön wählen?' : 'Do you want “a Morgenrot mug” as your thank-you?');
    expect((await referrals.getReferral(friendId))?.state).toBe('choosing');
    await shot(page, `reward-choice-${lang}`);
    await page.getByRole('button', { name: german ? 'Diese Prämie wählen' : 'Choose this reward' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe(german ? 'Du hast „eine Morgenrot-Tasse“ gewählt. Du bekommst es gleich per E-Mail.' : 'You chose “a Morgenrot mug”. You will get it by email shortly.');
    await shot(page, `reward-chosen-${lang}`);
    expect(await referrals.getReferral(friendId)).toMatchObject({ state: 'issued', rewardId: 'mug', chosenBy: 'customer' });

    await page.goto(rewardLink(referrerId, friendId, 'p100'));
    expect(await page.getByRole('status').textContent()).toBe(german ? 'Deine Prämie steht schon fest: „eine Morgenrot-Tasse“.' : 'Your reward is already set: “a Morgenrot mug”.');
    await shot(page, `reward-already-${lang}`);
    expect((await referrals.getReferral(friendId))?.rewardId).toBe('mug');
    await page.close();
  });

  it('rejects a reward link signed for another customer\'s referral', async () => {
    const other = LANGUAGES.find((l) => l.lang !== lang)!;
    const page = await browser.newPage();
    const response = await page.goto(rewardLink(referrerId, other.friendId, 'p100'));
    expect(response?.status()).toBe(200);
    expect(await page.locator('main').textContent()).toMatch(/Keine Daten|Nothing on record/);
    await page.close();
  });
});
