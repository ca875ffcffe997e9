import { describe, expect, it } from 'vitest';
import { createSignedLinks, createTemplateMailRenderer } from '#core/delivery/seams';
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

  it('sends static web links through /c/ with the link index, and keeps the imprint', async () => {
    const { mail } = await render();
    expect(mail.html).not.toContain('href="https://kaffee-morgenrot.example/neu?');
    const click = /href="https:\/\/links\.shop\.example\/c\/([^"]+)"/.exec(mail.html)?.[1];
    const verified = verifyToken(click!, [testSigningKey], { now: new Date(), purpose: 'click' });
    expect(verified.ok && verified.payload).toMatchObject({ campaignId: 'newsletter-monthly', locale: 'de', link: expect.any(Number) });
    expect(mail.html).toContain('Impressum');
  });

  it('puts no open pixel in mail unless switched on', async () => {
    expect((await render()).mail.html).not.toContain('/o/');
    expect((await render(true)).mail.html).toMatch(/<img src="https:\/\/links\.shop\.example\/o\/[^"]+" width="1" height="1" alt=""/);
  });
});
