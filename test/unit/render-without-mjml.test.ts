import { describe, expect, it, vi } from 'vitest';
import type { CompiledTemplate } from '#core/render';

// If the send path imported MJML (directly or through anything it imports), loading it would throw.
vi.mock('mjml', () => {
  throw new Error('mjml must not be loaded by the send path');
});

const compiled: CompiledTemplate = {
  format: 1,
  id: 'hand-written:de:1',
  campaignId: 'hand-written',
  locale: 'de',
  layout: 'greeting',
  subject: 'Hallo {{ customer.firstName }}',
  preheader: 'Vorschau',
  html: '<p>{{ salutation }}</p><a href="{{ links.unsubscribe }}">Abmelden</a>',
  text: '{{ salutation }}\n\nAbmelden: {{ links.unsubscribe }}\n',
  links: [{ index: 0, url: '{{ links.unsubscribe }}', path: 'layout greeting', dynamic: true }],
};

describe('render: without MJML', () => {
  it('loads and renders a stored compiled template while MJML cannot even be imported', async () => {
    const { TemplateRenderer, buildRenderVariables, CompiledTemplate } = await import('#core/render');
    const stored = CompiledTemplate.parse(JSON.parse(JSON.stringify(compiled)));
    const variables = buildRenderVariables({
      template: stored,
      profile: { customerId: 'c1', firstName: 'Jonas', lastName: 'Schmidt', salutation: 'mr', locale: 'de-DE', timeZone: 'Europe/Berlin', tier: 'bronze', points: 0, attributes: {}, orders: { count: 0 } },
      shop: { name: 'Shop', url: 'https://shop.example', imprint: 'Impressum', address: 'Adresse' },
      links: { unsubscribe: 'https://t.example/u/x', preferences: 'https://t.example/p/x' },
      now: new Date('2026-11-02T08:00:00Z'),
    });
    const mail = new TemplateRenderer().render(stored, variables);
    expect(mail).toEqual({
      subject: 'Hallo Jonas',
      preheader: 'Vorschau',
      html: '<p>Sehr geehrter Herr Schmidt,</p><a href="https://t.example/u/x">Abmelden</a>',
      text: 'Sehr geehrter Herr Schmidt,\n\nAbmelden: https://t.example/u/x\n',
    });
  });

  it('proves the mock is active: importing mjml fails here', async () => {
    await expect(import('mjml')).rejects.toThrow(/error when mocking a module/);
  });
});
