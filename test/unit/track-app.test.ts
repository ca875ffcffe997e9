import { beforeEach, describe, expect, it } from 'vitest';
import { createTrackApp, type TrackDeps } from '../../functions/track/app';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { applyEvent } from '#core/ingest';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { signToken, type TokenPayload } from '#core/tokens';
import type { ShopEvent } from '#core/events';
import type { Profile } from '#core/profile';
import { exampleShop, publishExampleNewsletter } from './delivery-fixtures';

const key = { id: 'k1', secret: 'track-test-secret-track-test-secret-01' };
const otherKey = { id: 'k1', secret: 'forged-secret-forged-secret-forged-0001' };
const ring = { current: key, accepted: [key] };
const NOW = new Date('2026-03-02T12:00:00Z');
const REQUEST_AT = '2026-03-01T10:00:00.000Z';

const registered = (over: Record<string, unknown> = {}): ShopEvent => ({
  id: 'e1',
  time: '2026-03-01T10:00:00Z',
  type: 'CustomerRegistered',
  detail: {
    customerId: 'c1', email: 'anna@example.com', locale: 'de-DE', timeZone: 'Europe/Berlin', formality: 'formal',
    consent: { marketing: true, at: REQUEST_AT, source: 'checkout', text: 'Ja, Newsletter bitte', textVersion: 'v2' },
    ...over,
  },
} as ShopEvent);

const setup = async (event: ShopEvent = registered(), extra: Partial<TrackDeps> = {}) => {
  const customers = createMemoryStore();
  const campaigns = createMemoryDeliveryStore();
  const clicks = createMemoryClickStore();
  const events = createMemoryEventBus();
  await customers.applyAtomically('c1', event.id, (current) => applyEvent(current, event, defaultLoyaltyConfig));
  const app = createTrackApp({
    customers, campaigns, clicks, events, keys: () => ring, clock: { now: () => NOW }, shop: await exampleShop(),
    clientIp: (c) => c.req.header('x-forwarded-for') ?? '198.51.100.1', ...extra,
  });
  const profile = async (): Promise<Profile> => (await customers.getProfile('c1'))!;
  return { app, customers, campaigns, clicks, events, profile };
};

const token = (payload: Omit<TokenPayload, 'customerId'> & { customerId?: string }, k = key) => signToken({ customerId: 'c1', ...payload }, k);
const oneClick = () => new URLSearchParams({ 'List-Unsubscribe': 'One-Click' });

describe('track: one-click unsubscribe', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup();
    await t.customers.applyAtomically('c1', 'confirm', (p) => ({ profile: { ...p!, consent: { ...p!.consent, status: 'confirmed' } }, ownEvents: [] }));
  });

  it('shows what will be unsubscribed on GET and HEAD without changing anything', async () => {
    const url = `/u/${token({ purpose: 'unsubscribe', topic: 'newsletter' })}`;
    const page = await t.app.request(url);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('„Newsletter“');
    expect(body).toContain('a***@example.com');
    expect(body).toContain('<form method="post">');
    expect((await t.app.request(url, { method: 'HEAD' })).status).toBe(200);
    expect((await t.profile()).topics).toEqual({});
  });

  it('unsubscribes by the RFC 8058 POST (urlencoded): 200, no redirect, at once, idempotent', async () => {
    const url = `/u/${token({ purpose: 'unsubscribe', topic: 'newsletter' })}`;
    const first = await t.app.request(url, { method: 'POST', body: oneClick() });
    expect(first.status).toBe(200);
    expect(first.headers.get('location')).toBeNull();
    expect((await t.profile()).topics.newsletter).toBe(false);
    const again = await t.app.request(url, { method: 'POST', body: oneClick() });
    expect(again.status).toBe(200);
    expect((await t.profile()).topics.newsletter).toBe(false);
  });

  it('counts one unsubscribe for the campaign the link names, however often the link is posted', async () => {
    const url = `/u/${token({ purpose: 'unsubscribe', campaignId: 'newsletter-monthly' })}`;
    await t.app.request(url, { method: 'POST', body: oneClick() });
    await t.app.request(url, { method: 'POST', body: oneClick() });
    expect(await t.campaigns.campaignStats('newsletter-monthly')).toEqual({ optedOut: 1 });
  });

  it('accepts the one-click POST as multipart/form-data', async () => {
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const res = await t.app.request(`/u/${token({ purpose: 'unsubscribe' })}`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect((await t.profile()).consent.status).toBe('withdrawn');
    expect(t.events.published.map((e) => e.type)).toEqual(['ConsentWithdrawn']);
  });

  it('rejects a POST without List-Unsubscribe=One-Click and changes nothing', async () => {
    const res = await t.app.request(`/u/${token({ purpose: 'unsubscribe', topic: 'newsletter' })}`, { method: 'POST', body: new URLSearchParams({ x: 'y' }) });
    expect(res.status).toBe(400);
    expect((await t.profile()).topics).toEqual({});
  });
});

describe('track: bad tokens change nothing', () => {
  it('rejects a forged token with 404, a truncated one with 400, the wrong purpose with 400', async () => {
    const t = await setup();
    const before = JSON.stringify(await t.profile());
    const forged = await t.app.request(`/u/${token({ purpose: 'unsubscribe' }, otherKey)}`, { method: 'POST', body: oneClick() });
    expect(forged.status).toBe(404);
    const good = token({ purpose: 'unsubscribe' });
    const truncated = await t.app.request(`/u/${good.slice(0, good.lastIndexOf('.'))}`, { method: 'POST', body: oneClick() });
    expect(truncated.status).toBe(400);
    const wrongPurpose = await t.app.request(`/confirm/${good}`, { method: 'POST' });
    expect(wrongPurpose.status).toBe(400);
    expect(JSON.stringify(await t.profile())).toBe(before);
    const text = await forged.text();
    expect(text).not.toMatch(/at .*\.ts|Error:/);
  });

  it('rejects an expired confirm link with 400 and leaves consent pending', async () => {
    const t = await setup();
    const res = await t.app.request(`/confirm/${token({ purpose: 'confirm', requestAt: REQUEST_AT, expiresAt: '2026-03-02T11:59:59Z' })}`, { method: 'POST', headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('abgelaufen');
    expect((await t.profile()).consent.status).toBe('pending');
  });

  it('answers a neutral page for a customer who was erased', async () => {
    const t = await setup();
    const res = await t.app.request(`/u/${token({ purpose: 'unsubscribe', customerId: 'gone' })}`, { method: 'POST', body: oneClick() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('There is no data on record');
    expect(await t.customers.getProfile('gone')).toBeUndefined();
  });

  it('answers a short page, not a stack trace, when the store fails', async () => {
    const t = await setup(registered(), {});
    const broken = createTrackApp({
      customers: { getProfile: () => Promise.reject(new Error('boom at x.ts:1')), applyAtomically: () => Promise.reject(new Error('x')), appendEvents: async () => undefined },
      campaigns: t.campaigns, clicks: t.clicks, keys: () => ring, clock: { now: () => NOW }, shop: await exampleShop(),
    });
    const res = await broken.request(`/p/${token({ purpose: 'preferences' })}`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('boom');
  });

  it('limits requests per client address', async () => {
    const t = await setup(registered(), { requestsPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.app.request('/u/x.y.z', { headers: { 'x-forwarded-for': '203.0.113.5' } })).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    expect((await t.app.request('/u/x.y.z', { headers: { 'x-forwarded-for': '203.0.113.6' } })).status).toBe(404);
  });
});

describe('track: double opt-in confirmation', () => {
  it('shows a button on GET and confirms only on POST, recording the proof and ConsentConfirmed', async () => {
    const t = await setup();
    const confirm = token({ purpose: 'confirm', requestAt: REQUEST_AT, expiresAt: '2026-03-08T10:00:00Z' });
    const page = await t.app.request(`/confirm/${confirm}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Bitte bestätigen Sie');
    expect((await t.profile()).consent.status).toBe('pending');
    const res = await t.app.request(`/confirm/${confirm}`, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'TestBrowser/1' } });
    expect(res.status).toBe(200);
    const { consent } = await t.profile();
    expect(consent.status).toBe('confirmed');
    expect(consent.confirmation).toMatchObject({ method: 'double-opt-in', at: NOW.toISOString(), ip: '203.0.113.7', userAgent: 'TestBrowser/1', text: 'Ja, Newsletter bitte', textVersion: 'v2', source: 'checkout' });
    expect(consent.confirmation?.tokenId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(t.events.published.map((e) => e.type)).toEqual(['ConsentConfirmed']);
    const history = await t.customers.listEvents('c1');
    expect(history.items.map((r) => r.type)).toContain('ConsentConfirmed');
  });

  it('changes nothing when the same link is used again', async () => {
    const t = await setup();
    const confirm = token({ purpose: 'confirm', requestAt: REQUEST_AT });
    await t.app.request(`/confirm/${confirm}`, { method: 'POST' });
    const after = JSON.stringify(await t.profile());
    const again = await t.app.request(`/confirm/${confirm}`, { method: 'POST', headers: { 'x-forwarded-for': '192.0.2.99' } });
    expect(again.status).toBe(200);
    expect(JSON.stringify(await t.profile())).toBe(after);
    // The bus is at-least-once: a repeat re-sends the one recorded event, never a new one.
    expect(new Set(t.events.published.map((e) => e.id)).size).toBe(1);
  });

  it('keeps ConsentConfirmed when the first confirm died after the profile write', async () => {
    const t = await setup();
    const { customers } = t;
    const appendEvents = customers.appendEvents.bind(customers);
    let failNext = true;
    customers.appendEvents = async (...args) => {
      if (failNext) {
        failNext = false;
        throw new Error('Lambda timed out');
      }
      return appendEvents(...args);
    };
    const confirm = token({ purpose: 'confirm', requestAt: REQUEST_AT });
    expect((await t.app.request(`/confirm/${confirm}`, { method: 'POST' })).status).toBe(500);
    expect((await t.profile()).consent.status).toBe('confirmed');
    expect((await t.app.request(`/confirm/${confirm}`, { method: 'POST' })).status).toBe(200);
    expect((await customers.listEvents('c1')).items.map((r) => r.type)).toContain('ConsentConfirmed');
    expect(t.events.published.map((e) => e.type)).toEqual(['ConsentConfirmed']);
  });

  it('refuses the link of an older consent request', async () => {
    const t = await setup();
    const res = await t.app.request(`/confirm/${token({ purpose: 'confirm', requestAt: '2026-02-01T00:00:00.000Z' })}`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect((await t.profile()).consent.status).toBe('pending');
  });
});

describe('track: preference centre', () => {
  it('shows the consent with its date and source, and saves topics', async () => {
    const t = await setup(registered({ formality: 'informal' }));
    const url = `/p/${token({ purpose: 'preferences' })}`;
    const page = await (await t.app.request(url)).text();
    expect(page).toContain('Du hast am 1. März 2026 um 10:00 UTC eingewilligt (über: checkout)');
    expect(page).toContain('Ja, Newsletter bitte');
    const form = new URLSearchParams([['known', 'newsletter'], ['known', 'offers'], ['topic', 'offers'], ['action', 'save']]);
    const saved = await t.app.request(url, { method: 'POST', body: form });
    expect(saved.status).toBe(200);
    expect((await t.profile()).topics).toEqual({ newsletter: false, offers: true });
  });

  it('unsubscribes from everything', async () => {
    const t = await setup(registered({ locale: 'en-GB' }));
    const res = await t.app.request(`/p/${token({ purpose: 'preferences' })}`, { method: 'POST', body: new URLSearchParams({ action: 'all' }) });
    expect(await res.text()).toContain('You are unsubscribed');
    expect((await t.profile()).consent.status).toBe('withdrawn');
  });
});

describe('track: clicks', () => {
  const clickSetup = async () => {
    const t = await setup();
    const published = await publishExampleNewsletter();
    await t.campaigns.putCampaign(published);
    const links = (published.template as Record<string, { links: { index: number; url: string; dynamic: boolean }[] }>).de!.links;
    const stat = links.find((l) => !l.dynamic && l.url.startsWith('https://'))!;
    const dyn = links.find((l) => l.dynamic)!;
    const click = (link: number) => token({ purpose: 'click', campaignId: 'newsletter-monthly', occurrenceId: 'newsletter-monthly:2026-03-01T08:00Z', link, locale: 'de' });
    const mailToken = token({ purpose: 'click', campaignId: 'newsletter-monthly', occurrenceId: 'newsletter-monthly:2026-03-01T08:00Z', locale: 'de' });
    return { ...t, stat, dyn, click, mailToken };
  };

  it('redirects /c/<mail token>/<index> to that stored link and counts it as that link', async () => {
    const t = await clickSetup();
    const res = await t.app.request(`/c/${t.mailToken}/${t.stat.index}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(t.stat.url);
    await t.app.request(`/c/${t.mailToken}/${t.stat.index}`);
    expect(t.clicks.counts('newsletter-monthly:2026-03-01T08:00Z')).toEqual({ [t.stat.index]: 1 });
  });

  it('answers 404 for a path index that is unknown, dynamic, not a number, or given twice (a token that carries its own)', async () => {
    const t = await clickSetup();
    for (const path of [`/c/${t.mailToken}/999`, `/c/${t.mailToken}/${t.dyn.index}`, `/c/${t.mailToken}/1e1`, `/c/${t.mailToken}/-1`, `/c/${t.click(t.stat.index)}/${t.stat.index}`, `/c/${t.mailToken}`]) {
      expect((await t.app.request(path)).status, path).toBe(404);
    }
    expect(t.clicks.counts('newsletter-monthly:2026-03-01T08:00Z')).toEqual({});
  });

  it('redirects to the stored URL, ignoring ?url=, and counts the first click once', async () => {
    const t = await clickSetup();
    const res = await t.app.request(`/c/${t.click(t.stat.index)}?url=https://evil.example/`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(t.stat.url);
    await t.app.request(`/c/${t.click(t.stat.index)}`);
    expect(t.clicks.counts('newsletter-monthly:2026-03-01T08:00Z')).toEqual({ [t.stat.index]: 1 });
  });

  it('does not count a HEAD request', async () => {
    const t = await clickSetup();
    expect((await t.app.request(`/c/${t.click(t.stat.index)}`, { method: 'HEAD' })).status).toBe(302);
    expect(t.clicks.counts('newsletter-monthly:2026-03-01T08:00Z')).toEqual({});
  });

  it('answers 404 for an unknown link id or a link with per-recipient variables', async () => {
    const t = await clickSetup();
    expect((await t.app.request(`/c/${t.click(999)}`)).status).toBe(404);
    expect((await t.app.request(`/c/${t.click(t.dyn.index)}`)).status).toBe(404);
  });
});

describe('track: open pixel', () => {
  const open = () => token({ purpose: 'open', campaignId: 'nl', occurrenceId: 'nl:2026-03-01T08:00Z' });

  it('serves no pixel by default', async () => {
    const t = await setup();
    expect((await t.app.request(`/o/${open()}`)).status).toBe(404);
  });

  it('serves a GIF and counts the first open when switched on', async () => {
    const t = await setup(registered(), { openPixel: true });
    const res = await t.app.request(`/o/${open()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(await t.clicks.recordOpen({ occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c1', campaignId: 'nl', atMs: 0 })).toBe(false);
  });
});
