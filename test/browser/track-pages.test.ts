// The customer endpoint's pages in a real headless Chromium: the unsubscribe page and its button,
// the one-click POST from a browser, the preference centre and the double opt-in page, in German
// and English. Screenshots land in out/browser/ (kept as CI artifacts, gitignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { createTrackApp } from '../../functions/track/app';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { applyEvent } from '#core/ingest';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { signToken, type TokenPayload } from '#core/tokens';
import type { ShopEvent } from '#core/events';
import { exampleShop } from '../unit/delivery-fixtures';

const OUT = 'out/browser';
const key = { id: 'k1', secret: 'browser-test-secret-browser-test-01' };
const customers = createMemoryStore();
let server: ReturnType<typeof serve>;
let base = '';
let browser: Browser;

const LANGUAGES = [
  { lang: 'de', customerId: 'de-1', locale: 'de-DE', formality: 'informal' as const },
  { lang: 'en', customerId: 'en-1', locale: 'en-GB', formality: 'formal' as const },
];
const REQUEST_AT = '2026-03-01T10:00:00.000Z';

const register = async (customerId: string, locale: string, formality: 'formal' | 'informal') => {
  const event = {
    id: `reg-${customerId}`, time: REQUEST_AT, type: 'CustomerRegistered',
    detail: { customerId, email: `${customerId}@example.com`, locale, timeZone: 'Europe/Berlin', formality, consent: { marketing: true, at: REQUEST_AT, source: 'checkout', text: 'Newsletter: ja / yes' } },
  } as ShopEvent;
  await customers.applyAtomically(customerId, event.id, (p) => applyEvent(p, event, defaultLoyaltyConfig));
};
const url = (payload: Omit<TokenPayload, 'customerId'>, customerId: string, path: string) => `${base}/${path}/${signToken({ customerId, ...payload }, key)}`;
const shot = (page: Page, name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  for (const l of LANGUAGES) await register(l.customerId, l.locale, l.formality);
  const app = createTrackApp({
    customers, campaigns: createMemoryDeliveryStore(), clicks: createMemoryClickStore(), keys: () => ({ current: key, accepted: [key] }),
    clock: { now: () => new Date('2026-03-02T12:00:00Z') }, shop: await exampleShop(), topics: ['newsletter', 'offers'],
    clientIp: (c) => getConnInfo(c).remote.address,
  });
  server = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe.each(LANGUAGES)('track pages in a browser ($lang)', ({ lang, customerId }) => {
  const german = lang === 'de';

  it('confirms the double opt-in through the page\'s button, recording the browser as proof', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url({ purpose: 'confirm', requestAt: REQUEST_AT, expiresAt: '2026-03-08T10:00:00Z' }, customerId, 'confirm'));
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect((await customers.getProfile(customerId))?.consent.status).toBe('pending');
    await shot(page, `confirm-${lang}`);
    await page.getByRole('button', { name: german ? 'Jetzt bestätigen' : 'Confirm now' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toContain(german ? 'Danke! Deine Anmeldung ist bestätigt.' : 'Thank you! Your subscription is confirmed.');
    await shot(page, `confirmed-${lang}`);
    const { consent } = (await customers.getProfile(customerId))!;
    expect(consent.status).toBe('confirmed');
    expect(consent.confirmation?.userAgent).toContain('Chrome');
    expect(consent.confirmation?.ip).toBe('127.0.0.1');
    // No third-party assets: every request went to the endpoint itself.
    expect(requests.every((r) => r.startsWith(base))).toBe(true);
    await page.close();
  });

  it('shows the preference centre with the consent and saves a topic switched off', async () => {
    const page = await browser.newPage();
    await page.goto(url({ purpose: 'preferences' }, customerId, 'p'));
    expect(await page.textContent('main')).toContain(german ? 'Du hast am 1. März 2026' : 'You consented on 1 March 2026');
    await shot(page, `preferences-${lang}`);
    await page.getByLabel('Offers').uncheck();
    await page.getByRole('button', { name: german ? 'Speichern' : 'Save' }).click();
    await page.getByRole('status').waitFor();
    await shot(page, `preferences-saved-${lang}`);
    expect((await customers.getProfile(customerId))?.topics).toEqual({ newsletter: true, offers: false });
    await page.close();
  });

  it('shows what will be unsubscribed, changes nothing on the visit, and unsubscribes by the button', async () => {
    const page = await browser.newPage();
    await page.goto(url({ purpose: 'unsubscribe', topic: 'newsletter' }, customerId, 'u'));
    expect(await page.textContent('main')).toContain('Newsletter');
    expect((await customers.getProfile(customerId))?.topics.newsletter).toBe(true);
    await shot(page, `unsubscribe-${lang}`);
    await page.getByRole('button', { name: german ? 'Abmelden' : 'Unsubscribe' }).click();
    await page.getByRole('status').waitFor();
    expect(page.url()).toContain('/u/');
    await shot(page, `unsubscribed-${lang}`);
    expect((await customers.getProfile(customerId))?.topics.newsletter).toBe(false);
    await page.close();
  });

  it('takes the RFC 8058 one-click POST (multipart) from the browser: 200, no redirect', async () => {
    const page = await browser.newPage();
    const target = url({ purpose: 'unsubscribe' }, customerId, 'u');
    // What a mail client does: POST List-Unsubscribe=One-Click to the header's URL.
    await page.setContent(`<form method="post" enctype="multipart/form-data" action="${target}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button>go</button></form>`);
    const [response] = await Promise.all([page.waitForResponse((r) => r.url() === target), page.click('button')]);
    expect(response.status()).toBe(200);
    expect(response.request().redirectedFrom()).toBeNull();
    expect(response.request().method()).toBe('POST');
    expect(await page.textContent('main')).toContain(german ? 'Du bist abgemeldet' : 'You are unsubscribed');
    expect((await customers.getProfile(customerId))?.consent.status).toBe('withdrawn');
    await shot(page, `one-click-${lang}`);
    await page.close();
  });
});
