import { describe, expect, it } from 'vitest';
import { createSignedLinks, createTemplateMailRenderer, replaceHrefs } from '#core/delivery/seams';
import type { CompiledTemplate } from '#core/render';
import { verifyToken } from '#core/tokens';
import { exampleShop, makeProfile, publishExampleNewsletter, testSigningKey } from './delivery-fixtures';

const render = async (openPixel = false) => {
  const links = createSignedLinks({ baseUrl: 'https://links.shop.example', ring: { current: testSigningKey, accepted: [testSigningKey] }, openPixel });
  const renderer = createTemplateMailRenderer({ shop: await exampleShop(), ...links });
  const published = await publishExampleNewsletter();
  const profile = makeProfile(1);
  const unsubscribeUrl = links.url({ customerId: profile.customerId, topic: 'newsletter', campaignId: published.campaign.id });
  return { mail: renderer.render({ published, profile, occurrenceId: 'newsletter-monthly:2026-03-01T08:00Z', at: new Date('2026-03-01T08:00:00Z'), unsubscribeUrl }), unsubscribeUrl };
};

describe('mail links', () => {
  it('gives the preference link its own token, not the unsubscribe URL', async () => {
    const { mail, unsubscribeUrl } = await render();
    const preferences = /href="(https:\/\/links\.shop\.example\/p\/[^"]+)"/.exec(mail.html)?.[1];
    expect(preferences).toBeDefined();
    expect(preferences).not.toBe(unsubscribeUrl);
    const verified = verifyToken(preferences!.split('/p/')[1]!, [testSigningKey], { now: new Date(), purpose: 'preferences' });
    expect(verified.ok).toBe(true);
  });

  it('sends static web links through /c/<the mail token>/<link index>, and keeps the imprint', async () => {
    const { mail } = await render();
    expect(mail.html).not.toContain('href="https://kaffee-morgenrot.example/neu?');
    const clicks = [...mail.html.matchAll(/href="https:\/\/links\.shop\.example\/c\/([^"/]+)\/(\d+)"/g)];
    expect(clicks.length).toBeGreaterThan(1);
    // One signed token per mail; the links differ in the index only.
    expect(new Set(clicks.map((m) => m[1]))).toEqual(new Set([clicks[0]![1]]));
    expect(new Set(clicks.map((m) => m[2])).size).toBeGreaterThan(1);
    const verified = verifyToken(clicks[0]![1]!, [testSigningKey], { now: new Date(), purpose: 'click' });
    expect(verified.ok && verified.payload).toMatchObject({ campaignId: 'newsletter-monthly', locale: 'de' });
    expect(verified.ok && verified.payload.link).toBeUndefined();
    expect(mail.html).toContain('Impressum');
  });

  it('signs a click token only for links the mail contains, and rewrites every copy of a link to the same token', async () => {
    const links = createSignedLinks({ baseUrl: 'https://links.shop.example', ring: { current: testSigningKey, accepted: [testSigningKey] } });
    const signed: number[] = [];
    const renderer = createTemplateMailRenderer({
      shop: await exampleShop(),
      ...links,
      clickUrl: (input) => (signed.push(input.link), links.clickUrl(input)),
    });
    const published = await publishExampleNewsletter();
    const templates = Object.fromEntries(
      Object.entries(published.template as Record<string, CompiledTemplate>).map(([locale, compiled]) => [
        locale,
        { ...compiled, links: [...compiled.links, { index: 999, url: 'https://absent.example/nowhere', path: 'test', dynamic: false }] },
      ]),
    );
    const profile = makeProfile(1);
    const mail = renderer.render({ published: { ...published, template: templates }, profile, occurrenceId: 'o1', at: new Date('2026-03-01T08:00:00Z'), unsubscribeUrl: 'https://links.shop.example/u/x' });
    // The tracked HTML is made when it is first read (a replay that keeps no HTML never signs).
    expect(signed).toEqual([]);
    const html = mail.html;
    expect(mail.html).toBe(html);
    expect(signed).not.toContain(999);
    expect(new Set(signed).size).toBe(signed.length);
    expect(signed.length).toBeGreaterThan(0);
    expect(mail.html).not.toContain('href="https://kaffee-morgenrot.example/neu?');
  });

  it('rewrites hrefs exactly where the global href pattern matches: unknown, repeated, quote-looking and unclosed ones included', () => {
    const html = '<a href="https://a.example/">a</a><a HREF="https://a.example/">b</a><a href="">c</a><a href="href="x">d</a>\n<a href="https://a.example/">e</a><a href="https://b.example/x?y=1&amp;z=2">f</a><a href="https://a.example/';
    const targets = new Map([['https://a.example/', 'A'], ['https://b.example/x?y=1&amp;z=2', 'B'], ['href=', 'H']]);
    expect(replaceHrefs(html, (href) => targets.get(href))).toBe(html.replace(/href="([^"]*)"/g, (whole, href: string) => (targets.has(href) ? `href="${targets.get(href)}"` : whole)));
    expect(replaceHrefs(html, () => undefined)).toBe(html);
    expect(replaceHrefs('no links', () => 'x')).toBe('no links');
  });

  it('puts no open pixel in mail unless switched on', async () => {
    expect((await render()).mail.html).not.toContain('/o/');
    expect((await render(true)).mail.html).toMatch(/<img src="https:\/\/links\.shop\.example\/o\/[^"]+" width="1" height="1" alt=""/);
  });
});
