import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import mjml2html from 'mjml';
import { Liquid } from 'liquidjs';
import { Campaign } from '#core/campaign';
import {
  TemplateRenderer,
  buildRenderVariables,
  couponVariables,
  createLiquid,
  effectiveLocale,
  pickContentLocale,
} from '#core/render';
import type { CompiledTemplate, RecipientProfile, RenderVariables } from '#core/render';
import { compileCampaignTemplates, compileTemplate, loadShopInfo } from '../../functions/compile/compile-template';

// Counts MJML runs while keeping the real compiler.
vi.mock('mjml', async (importOriginal) => {
  const actual = await importOriginal<{ default: typeof mjml2html }>();
  return { default: vi.fn(actual.default) };
});

const fixture = (name: string) => Campaign.parse(JSON.parse(readFileSync(`test/fixtures/render/${name}.json`, 'utf8')));
const now = new Date('2026-11-02T08:00:00Z');
const links = { unsubscribe: 'https://t.example/u/tok?a=1&b=2', preferences: 'https://t.example/p/tok' };

const anna: RecipientProfile = {
  customerId: 'c-anna',
  firstName: 'Anna',
  lastName: 'Müller',
  salutation: 'ms',
  formality: 'formal',
  locale: 'de-DE',
  timeZone: 'Europe/Berlin',
  tier: 'silver',
  points: 320,
  attributes: {},
  orders: { count: 7 },
};

let newsletter: Record<string, CompiledTemplate>;
let discount: Record<string, CompiledTemplate>;
let shop: Awaited<ReturnType<typeof loadShopInfo>>;

beforeAll(async () => {
  newsletter = await compileCampaignTemplates(fixture('newsletter'));
  discount = await compileCampaignTemplates(fixture('discount'));
  shop = await loadShopInfo();
});

const vars = (compiled: CompiledTemplate, profile: RecipientProfile, extra: Partial<Parameters<typeof buildRenderVariables>[0]> = {}): RenderVariables =>
  buildRenderVariables({ template: compiled, profile, shop, links, now, ...extra });

describe('render: personalization', () => {
  it('writes the layout\'s footer and tagline in the recipient\'s voice, in HTML and text', () => {
    const de = newsletter.de!;
    const informal = new TemplateRenderer().render(de, vars(de, { ...anna, formality: 'informal' }));
    const formal = new TemplateRenderer().render(de, vars(de, anna));
    for (const part of [informal.html, informal.text]) {
      expect(part).toContain('Du erhältst diese E-Mail, weil du');
      expect(part).toContain('direkt zu dir');
      expect(part).not.toContain('Sie erhalten');
    }
    for (const part of [formal.html, formal.text]) {
      expect(part).toContain('Sie erhalten diese E-Mail, weil Sie');
      expect(part).not.toContain('Du erhältst');
    }
  });

  it('opens the example newsletter with the salutation in HTML and text', () => {
    const de = newsletter.de!;
    const mail = new TemplateRenderer().render(de, vars(de, anna));
    expect(mail.html).toMatch(/<p style="margin:0 0 12px 0;">Sehr geehrte Frau Müller,<\/p>/);
    const body = mail.text.split('\n').filter((line) => line.trim() !== '');
    expect(body[2]).toBe('Sehr geehrte Frau Müller,'); // after the shop name and tagline
  });

  it('renders an English customer with the English content and salutation', () => {
    const locale = pickContentLocale(Object.keys(newsletter), 'de', 'en-GB');
    const en = newsletter[locale]!;
    const mail = new TemplateRenderer().render(en, vars(en, { ...anna, firstName: 'John', lastName: 'Smith', salutation: 'mr', formality: undefined, locale: 'en-GB' }));
    expect(mail.subject).toBe('John, three new roasts for November');
    expect(mail.text).toContain('Dear John,');
    expect(mail.html).toContain('Unsubscribe');
  });

  it('personalizes subject, preheader, loyalty figures and links', () => {
    const de = newsletter.de!;
    const mail = new TemplateRenderer().render(de, vars(de, anna));
    expect(mail.subject).toBe('Anna, drei neue Röstungen für den November');
    expect(mail.preheader).toBe('Neu: Äthiopien Yirgacheffe, Espresso im Kilo und Cold Brew mit Orange');
    expect(mail.html).toContain('<strong>320 Punkte</strong> und sind silver-Mitglied. Noch 180 Punkte');
    expect(mail.html).toContain('href="https://t.example/u/tok?a=1&amp;b=2"');
    expect(mail.text).toContain('Abmelden [https://t.example/u/tok?a=1&b=2]');
    expect(mail.html).toContain('Amtsgericht Hamburg');
  });

  it('is a realistically sized mail of about 40 KB of HTML', () => {
    const de = newsletter.de!;
    const { html } = new TemplateRenderer().render(de, vars(de, anna));
    expect(html.length).toBeGreaterThan(35_000);
    expect(html.length).toBeLessThan(90_000); // below Gmail's 102 KB clipping
  });

  it('falls back gracefully when names are missing, never printing "undefined"', () => {
    const de = newsletter.de!;
    const nameless: RecipientProfile = { ...anna, firstName: undefined, lastName: undefined, salutation: undefined };
    const mail = new TemplateRenderer().render(de, vars(de, nameless));
    expect(mail.subject).toBe('Hallo, drei neue Röstungen für den November');
    expect(mail.text).toContain('Guten Tag,');
    for (const part of [mail.subject, mail.preheader, mail.html, mail.text]) expect(part).not.toMatch(/undefined|\[object Object\]/);
  });

  it('writes a French customer who gets the German default content in German, dates included', () => {
    const de = newsletter.de!;
    const variables = vars(de, { ...anna, locale: 'fr-FR', formality: 'informal' });
    expect(variables.salutation).toBe('Liebe Anna,');
    expect(variables.locale).toBe('de');
    expect(effectiveLocale('de', 'de-AT')).toBe('de-AT');
  });

  it('applies the campaign salutation override from the compiled template', () => {
    const de = discount.de!;
    const mail = new TemplateRenderer().render(de, vars(de, anna)); // Anna is formal; the campaign says informal
    expect(mail.text).toContain('Liebe Anna,');
  });

  it('renders the coupon with a localized value and expiry, and nothing without a coupon', () => {
    const de = discount.de!;
    const coupon = couponVariables({ value: { type: 'percent', percent: 15 }, validDays: 14, minimumOrderCents: 3000 }, 'GOLD-7K2P', now, 'de-DE');
    const mail = new TemplateRenderer().render(de, vars(de, anna, { coupon }));
    expect(mail.preheader).toBe('15 % auf deine nächste Bestellung');
    // Intl separates numbers and units with no-break spaces.
    expect(mail.text.replace(/[\u00a0\u202f]/g, ' ')).toContain('GOLD-7K2P\n15 % · Gültig bis 16. November 2026\nMindestbestellwert: 30,00 €');
    expect(mail.html).toContain('href="https://kaffee-morgenrot.example/?coupon=GOLD-7K2P"');
    const without = new TemplateRenderer().render(de, vars(de, anna));
    expect(without.html).not.toContain('Ihr persönlicher Gutschein');
  });

  it('renders the referral reward with its link, and nothing without a reward', async () => {
    const compiled = await compileTemplate(
      { id: 'refer', template: { layout: 'greeting', defaultLocale: 'en', content: { en: { subject: 'Invite', preheader: 'p', blocks: [{ type: 'reward', text: 'Share the love.' }] } } } },
      'en',
    );
    expect(compiled.links).toContainEqual({ index: 0, url: '{{ reward.link }}', path: 'template.content.en.blocks[0]', dynamic: true });
    const reward = { label: 'A free bag of Espresso Morgenrot', link: 'https://t.example/r/ANNA7' };
    const mail = new TemplateRenderer().render(compiled, vars(compiled, anna, { reward }));
    expect(mail.html).toContain('A free bag of Espresso Morgenrot');
    expect(mail.html).toContain('href="https://t.example/r/ANNA7"');
    expect(mail.text).toContain('Invite friends now [https://t.example/r/ANNA7]');
    expect(new TemplateRenderer().render(compiled, vars(compiled, anna)).html).not.toContain('Invite friends now');
  });

  it('formats coupon values per locale', () => {
    expect(couponVariables({ value: { type: 'amount', amountCents: 500, currency: 'EUR' }, validDays: 1 }, 'X', now, 'de-DE').value).toBe('5,00\u00a0€');
    expect(couponVariables({ value: { type: 'amount', amountCents: 500, currency: 'EUR' }, validDays: 1 }, 'X', now, 'en-GB').value).toBe('€5.00');
    expect(couponVariables({ value: { type: 'freeShipping' }, validDays: 1 }, 'X', now, 'en').value).toBe('Free shipping');
    expect(couponVariables({ value: { type: 'freeShipping' }, validDays: 1 }, 'X', now, 'de').expiresAt).toBe('2026-11-03T08:00:00.000Z');
  });
});

describe('render: escaping', () => {
  const hostile: RecipientProfile = {
    ...anna,
    firstName: '<script>alert(1)</script>',
    lastName: '"><img src=x onerror=alert(2)>',
  };

  it('escapes a customer named <script> everywhere in the HTML', () => {
    const de = newsletter.de!;
    const { html } = new TemplateRenderer().render(de, vars(de, hostile));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('Sehr geehrte Frau &#34;&gt;&lt;img src=x onerror=alert(2)&gt;,');
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt;, drei neue Röstungen');
  });

  it('escapes customer data inside attributes', () => {
    const compiled: CompiledTemplate = { ...newsletter.de!, id: 'attr-test', html: '<a title="{{ customer.firstName }}" href="https://x.example/?n={{ customer.lastName }}">x</a>' };
    const { html } = new TemplateRenderer().render(compiled, vars(compiled, hostile));
    expect(html).toBe('<a title="&lt;script&gt;alert(1)&lt;/script&gt;" href="https://x.example/?n=&#34;&gt;&lt;img src=x onerror=alert(2)&gt;">x</a>');
  });

  it('does not let the raw filter switch escaping off', () => {
    const compiled: CompiledTemplate = { ...newsletter.de!, id: 'raw-test', html: '{{ customer.firstName | raw }}|{{ customer.firstName | append: "!" }}' };
    const { html } = new TemplateRenderer().render(compiled, vars(compiled, hostile));
    expect(html).toBe('&lt;script&gt;alert(1)&lt;/script&gt;|&lt;script&gt;alert(1)&lt;/script&gt;!');
  });

  it('keeps names verbatim in the plain-text part and strips line breaks from the subject', () => {
    const de = newsletter.de!;
    const mail = new TemplateRenderer().render(de, vars(de, { ...hostile, firstName: 'Anna\r\nBcc: victim@example.com' }));
    expect(mail.subject).toBe('Anna Bcc: victim@example.com, drei neue Röstungen für den November');
    expect(mail.text).toContain('Sehr geehrte Frau "><img src=x onerror=alert(2)>,');
  });
});

describe('render: send path', () => {
  it('runs MJML only while compiling, never per recipient', async () => {
    const runs = vi.mocked(mjml2html);
    runs.mockClear();
    const compiled = await compileCampaignTemplates(fixture('newsletter'));
    expect(runs).toHaveBeenCalledTimes(2); // de and en
    const renderer = new TemplateRenderer();
    for (let i = 0; i < 500; i++) renderer.render(compiled.de!, vars(compiled.de!, { ...anna, customerId: `c-${i}`, points: i }));
    expect(runs).toHaveBeenCalledTimes(2);
  });

  it('renders exactly what one liquidjs render of the whole template gives', () => {
    const html = createLiquid('html');
    const text = createLiquid('text');
    const profiles: RecipientProfile[] = [
      anna,
      { ...anna, firstName: undefined, lastName: undefined, points: 900, tier: 'gold' },
      { ...anna, firstName: '<b>&"\'', salutation: 'mx', locale: 'en-US' },
    ];
    const renderer = new TemplateRenderer();
    for (const compiled of [newsletter.de!, newsletter.en!, discount.de!]) {
      for (const profile of profiles) {
        const variables = vars(compiled, profile, { coupon: { code: 'C<1>', value: '10 %', expiresAt: '2026-12-01T00:00:00Z' } });
        const scope = variables as unknown as Record<string, unknown>;
        const mail = renderer.render(compiled, variables);
        expect(mail.html).toBe(html.parseAndRenderSync(compiled.html, scope));
        expect(mail.text).toBe(text.parseAndRenderSync(compiled.text, scope));
      }
    }
  });

  it('renders templates with assign or whitespace control correctly through the whole-template path', () => {
    const compiled: CompiledTemplate = {
      ...newsletter.de!,
      id: 'assign-test',
      html: '{% assign n = customer.firstName | upcase %}<p>{{ n }}</p>{%- if customer.points > 1 -%} viele {%- endif -%}!',
    };
    expect(new TemplateRenderer().render(compiled, vars(compiled, anna)).html).toBe('<p>ANNA</p>viele!');
  });

  it('leaves Liquid specials and missing variables to liquidjs on the fast path', () => {
    const compiled: CompiledTemplate = { ...newsletter.de!, id: 'special-test', html: '{{ customer.firstName.size }}|{{ customer.nothing }}|{{ coupon.code }}|{{ customer.points }}' };
    expect(new TemplateRenderer().render(compiled, vars(compiled, anna)).html).toBe('4|||320');
  });

  it('renders the voice switch and string defaults without liquidjs, exactly as liquidjs does', () => {
    const source =
      '<p>{% if customer.formality == "informal" %}Hallo {{ customer.firstName | default: \'du\' }}, <a href="https://x.example/{{ customer.id }}">dein</a>' +
      '{% if customer.tier == \'gold\' %} Gold{% endif %}{% else %}Guten Tag {{ customer.lastName | default: "Kundin & Kunde" }}{% endif %}</p>' +
      '{% if customer.points == "320" %}never{% endif %}{% if customer.formality == "formal" %}A{% elsif customer.tier == "gold" %}B{% else %}C{% endif %}' +
      '{{ customer.firstName | default: "-" }}';
    const compiled: CompiledTemplate = { ...newsletter.de!, id: 'voice-test', html: source, text: source };
    const html = createLiquid('html');
    const text = createLiquid('text');
    const profiles: RecipientProfile[] = [
      anna,
      { ...anna, formality: 'informal', firstName: '', tier: 'gold' },
      { ...anna, formality: 'informal', firstName: '<b>"\'', lastName: '' },
      { ...anna, firstName: undefined, lastName: undefined },
    ];
    const renderer = new TemplateRenderer();
    for (const profile of profiles) {
      const variables = vars(compiled, profile);
      const scope = variables as unknown as Record<string, unknown>;
      const mail = renderer.render(compiled, variables);
      expect(mail.html).toBe(html.parseAndRenderSync(source, scope));
      expect(mail.text).toBe(text.parseAndRenderSync(source, scope));
    }
    // Only the islands the fast path leaves alone reach liquidjs: the number compared with a
    // string, the elsif chain and the defaults of a missing name; the informal and formal voices
    // of a named customer never do.
    const liquid = vi.spyOn(Liquid.prototype, 'renderSync');
    renderer.render(compiled, vars(compiled, { ...anna, formality: 'informal', tier: 'gold' }));
    renderer.render(compiled, vars(compiled, anna));
    expect(liquid.mock.calls).toHaveLength(2 * 2 * 2);
    liquid.mockRestore();
  });

  it('parses each template once and reuses it for later recipients', () => {
    const renderer = new TemplateRenderer();
    const first = renderer.prepare(newsletter.de!);
    renderer.render(newsletter.de!, vars(newsletter.de!, anna));
    expect(renderer.prepare(newsletter.de!)).toBe(first);
  });

  it('formats dates in the recipient time zone with the localdate filter', () => {
    const compiled: CompiledTemplate = { ...newsletter.de!, id: 'date-test', html: '{{ now | localdate: "datetime" }}|{{ now | localdate: "short" }}|{{ 1999 | money: "EUR" }}' };
    const { html } = new TemplateRenderer().render(compiled, vars(compiled, { ...anna, timeZone: 'America/New_York' }));
    expect(html).toBe('2. November 2026 um 03:00|02.11.26|19,99\u00a0€');
  });
});

describe('render: content locale', () => {
  it('picks the exact tag, then the language, then the default', () => {
    expect(pickContentLocale(['de', 'de-AT', 'en'], 'de', 'de-AT')).toBe('de-AT');
    expect(pickContentLocale(['de', 'en'], 'de', 'en-US')).toBe('en');
    expect(pickContentLocale(['de-DE', 'en'], 'en', 'de-CH')).toBe('de-DE');
    expect(pickContentLocale(['de', 'en'], 'de', 'fr-FR')).toBe('de');
  });
});
