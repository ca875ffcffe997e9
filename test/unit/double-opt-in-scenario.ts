// The done-when scenario, run on the memory runtime (unit) and on dynalite + local SES
// (integration): register with consent -> confirmation mail -> its link confirms -> a newsletter
// -> the RFC 8058 POST from that mail's header -> nothing more. Forged and replayed tokens change nothing.
import { expect } from 'vitest';
import { createRuntime, type Backend, type SentMail } from '#local/runtime';
import type { LocalAws } from '#local/servers';
import { SimClock } from '#local/sim-clock';
import { CONFIRMATION_CAMPAIGN_ID } from '#core/consent';
import { signToken } from '#core/tokens';
import { exampleShop, publishExampleNewsletter, testSigningKey } from './delivery-fixtures';

const BASE = 'https://shop.example';
const registered = (id: string, time: string) => ({
  version: '0' as const, id, source: 'shop', 'detail-type': 'CustomerRegistered', account: '0', region: 'local', resources: [], time,
  detail: {
    customerId: 'c-doi', email: 'doi@example.com', firstName: 'Anna', lastName: 'Müller', salutation: 'ms', formality: 'informal',
    locale: 'de-DE', timeZone: 'Europe/Berlin',
    consent: { marketing: true, at: '2026-03-01T10:00:00Z', source: 'checkout', ip: '203.0.113.7', text: 'Ja, Newsletter', textVersion: 'v1' },
  },
});
const pathOf = (url: string) => new URL(url).pathname;
const linkIn = (html: string, kind: string) => {
  const found = new RegExp(`href="(${BASE}/${kind}/[A-Za-z0-9_.-]+)"`).exec(html)?.[1];
  expect(found, `a /${kind}/ link`).toBeDefined();
  return found!;
};

export const runDoubleOptInScenario = async (backend: Backend, aws?: LocalAws): Promise<void> => {
  const clock = new SimClock(new Date('2026-03-01T10:00:00Z'));
  const sent: SentMail[] = [];
  const runtime = await createRuntime({
    clock, backend, ...(aws ? { aws } : {}), idNamespace: `doi-${backend}`, shop: await exampleShop(), from: 'news@shop.example',
    unsubscribeBaseUrl: BASE, keyRing: { current: testSigningKey, accepted: [testSigningKey] }, doubleOptIn: true, onSent: (s) => sent.push(s),
  });
  try {
    const audience = { rule: { type: 'tier' as const, in: ['bronze' as const, 'silver' as const, 'gold' as const] } };
    await runtime.publish({
      campaigns: [
        await publishExampleNewsletter({ id: 'nl-first', audience, schedule: { type: 'once', at: '2026-03-03T09:00:00Z' } }),
        await publishExampleNewsletter({ id: 'nl-second', audience, schedule: { type: 'once', at: '2026-03-05T09:00:00Z' } }),
      ],
      segments: [],
      rewardCatalogs: [],
    });
    // 1. Registration with consent, delivered twice: one confirmation mail.
    await runtime.bus.publish(registered('reg-1', '2026-03-01T10:00:00Z'));
    await runtime.bus.publish(registered('reg-1', '2026-03-01T10:00:00Z'));
    await runtime.settle();
    await runtime.tick();
    await runtime.settle();
    await clock.advanceTo(Date.parse('2026-03-01T10:01:00Z'));
    await runtime.tick();
    await runtime.settle();
    expect(sent.map((s) => s.campaignId)).toEqual([CONFIRMATION_CAMPAIGN_ID]);
    const confirmation = sent[0]!.mail;
    expect(confirmation.subject).toBe('Bitte bestätige deine Anmeldung');
    expect(confirmation.headers.map((h) => h.name)).not.toContain('List-Unsubscribe');
    expect(confirmation.html).not.toContain('zugestimmt');
    expect(confirmation.text).not.toContain('zugestimmt');
    const confirmUrl = linkIn(confirmation.html, 'confirm');

    // 2. Forged and truncated confirm links change nothing.
    const forged = signToken({ purpose: 'confirm', customerId: 'c-doi', requestAt: '2026-03-01T10:00:00.000Z' }, { id: testSigningKey.id, secret: 'x'.repeat(40) });
    expect((await runtime.track.request(`/confirm/${forged}`, { method: 'POST' })).status).toBe(404);
    expect((await runtime.track.request(pathOf(confirmUrl).slice(0, -5), { method: 'POST' })).status).toBeGreaterThanOrEqual(400);
    expect((await runtime.customers.getProfile('c-doi'))?.consent.status).toBe('pending');

    // 3. Pending consent gets no newsletter... then the link confirms (GET shows a button, POST confirms).
    expect((await runtime.track.request(pathOf(confirmUrl))).status).toBe(200);
    expect((await runtime.customers.getProfile('c-doi'))?.consent.status).toBe('pending');
    const confirmed = await runtime.track.request(pathOf(confirmUrl), { method: 'POST', headers: { 'user-agent': 'Browser/1' } });
    expect(confirmed.status).toBe(200);
    const profile = await runtime.customers.getProfile('c-doi');
    expect(profile?.consent).toMatchObject({ status: 'confirmed', confirmation: { method: 'double-opt-in', userAgent: 'Browser/1', textVersion: 'v1' } });
    const replayed = await runtime.track.request(pathOf(confirmUrl), { method: 'POST', headers: { 'user-agent': 'Other/2' } });
    expect(replayed.status).toBe(200);
    expect((await runtime.customers.getProfile('c-doi'))?.consent).toEqual(profile?.consent);
    // A replayed link confirms nothing new: at most the one recorded ConsentConfirmed is re-sent
    // (the bus is at-least-once), never a second confirmation.
    expect(new Set(runtime.ownEvents.filter((e) => e.type === 'ConsentConfirmed').map((e) => e.id)).size).toBe(1);

    // 4. The newsletter goes out, with List-Unsubscribe (https, one URI), its POST header, a
    //    separate preference link and the imprint.
    await clock.advanceTo(Date.parse('2026-03-03T09:00:00Z'));
    await runtime.tick();
    await runtime.settle();
    expect(sent.map((s) => s.campaignId)).toEqual([CONFIRMATION_CAMPAIGN_ID, 'nl-first']);
    const newsletter = sent[1]!.mail;
    const header = newsletter.headers.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
    expect(header).toMatch(/^<https:\/\/shop\.example\/u\/[^>,]+>$/);
    expect(newsletter.headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
    const preferences = linkIn(newsletter.html, 'p');
    expect((await runtime.track.request(pathOf(preferences))).status).toBe(200);
    expect(newsletter.html).toContain('Impressum');

    // 5. The one-click POST from the header; a forged one changes nothing first.
    const unsubscribe = header.slice(1, -1);
    const forgedUnsub = signToken({ purpose: 'unsubscribe', customerId: 'c-doi', topic: 'newsletter' }, { id: testSigningKey.id, secret: 'y'.repeat(40) });
    expect((await runtime.track.request(`/u/${forgedUnsub}`, { method: 'POST', body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }) })).status).toBe(404);
    expect((await runtime.customers.getProfile('c-doi'))?.topics.newsletter).toBeUndefined();
    const posted = await runtime.track.request(pathOf(unsubscribe), { method: 'POST', body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }) });
    expect(posted.status).toBe(200);
    expect(posted.headers.get('location')).toBeNull();

    // 6. Nothing more.
    await clock.advanceTo(Date.parse('2026-03-05T09:00:00Z'));
    await runtime.tick();
    await runtime.settle();
    expect(sent.map((s) => s.campaignId)).toEqual([CONFIRMATION_CAMPAIGN_ID, 'nl-first']);
    const second = await runtime.delivery.listOccurrences('nl-second');
    expect(second[0]?.stats.unsubscribed).toBe(1);
  } finally {
    await runtime.stop();
  }
};
