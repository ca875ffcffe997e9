import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Campaign } from '#core/campaign';
import type { Block, Content } from '#core/campaign';
import { TemplateCompileError, checkLinkUrl, compileCampaignTemplates, compileTemplate } from '../../functions/compile/compile-template';
import { TemplateRenderer, buildRenderVariables, type RecipientProfile } from '#core/render';
import { aProfile } from '#test/fixtures/profile';

const fixture = (name: string) => Campaign.parse(JSON.parse(readFileSync(`test/fixtures/render/${name}.json`, 'utf8')));

/** A one-locale campaign template around the given blocks. */
const campaignWith = (blocks: Block[], extra: Partial<Content> = {}, layout = 'newsletter') => ({
  id: 'test-campaign',
  template: { layout, defaultLocale: 'de', content: { de: { subject: 'Betreff', preheader: 'Vorschau', blocks, ...extra } } },
});

const compileError = async (promise: Promise<unknown>): Promise<TemplateCompileError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TemplateCompileError) return error;
    throw error;
  }
  throw new Error('expected a TemplateCompileError');
};

describe('compile: output', () => {
  it('compiles every content locale into HTML and text that still hold the Liquid placeholders', async () => {
    const compiled = await compileCampaignTemplates(fixture('newsletter'));
    expect(Object.keys(compiled).sort()).toEqual(['de', 'en']);
    const de = compiled.de!;
    expect(de.html).toContain('{{ salutation }}');
    expect(de.html).toContain('href="{{ links.unsubscribe }}"');
    expect(de.html).not.toMatch(/SKLQ\d+QKS|<mj-/);
    expect(de.text).toContain('{{ salutation }}');
    expect(de.text).not.toContain('<');
    expect(de.subject).toBe(fixture('newsletter').template.content.de!.subject);
  });

  it('produces the same id for the same input and a different one per locale', async () => {
    const first = await compileCampaignTemplates(fixture('newsletter'));
    const second = await compileCampaignTemplates(fixture('newsletter'));
    expect(first.de!.id).toBe(second.de!.id);
    expect(first.de!.id).not.toBe(first.en!.id);
    expect(first.de!.id.startsWith('fixture-newsletter:de:')).toBe(true);
  });

  it('puts the preheader into a hidden element and the subject into the title', async () => {
    const compiled = await compileTemplate(campaignWith([{ type: 'text', text: 'Hallo' }], { subject: 'Hi {{ customer.firstName }}', preheader: 'Nur heute {{ coupon.value }}' }), 'de');
    expect(compiled.html).toMatch(/<div style="display:none;[^"]*">Nur heute \{\{ coupon\.value \}\}<\/div>/);
    expect(compiled.html).toContain('<title>Hi {{ customer.firstName }}</title>');
  });

  it('keeps Liquid intact inside attributes, text and tags with quotes and comparisons', async () => {
    const compiled = await compileTemplate(
      campaignWith([
        { type: 'button', label: 'Los, {{ customer.firstName | default: "du" }}!', url: 'https://shop.example/?c={{ coupon.code }}&t={{ customer.tier }}' },
        { type: 'text', text: '{% if customer.points > 100 %}Viele Punkte & mehr{% else %}Wenige{% endif %}' },
        { type: 'image', src: 'https://shop.example/a.jpg', alt: 'Für {{ customer.firstName }}', href: 'https://shop.example/p/{{ customer.id }}' },
        { type: 'heading', text: 'Tee & {{ "Kaffee" | upcase }}' },
      ]),
      'de',
    );
    expect(compiled.html).toContain('href="https://shop.example/?c={{ coupon.code | uri_component }}&amp;t={{ customer.tier | uri_component }}"');
    expect(compiled.html).toContain('Los, {{ customer.firstName | default: "du" }}!');
    expect(compiled.html).toContain('{% if customer.points > 100 %}Viele Punkte &amp; mehr{% else %}Wenige{% endif %}');
    expect(compiled.html).toContain('<h2 style="margin: 0; font-size: 24px; line-height: 1.3; color: #2b2118;">Tee &amp; {{ "Kaffee" | upcase }}</h2>');
    expect(compiled.html).toContain('alt="Für {{ customer.firstName }}"');
    expect(compiled.html).toContain('href="https://shop.example/p/{{ customer.id | uri_component }}"');
    expect(compiled.text).toContain('{% if customer.points > 100 %}Viele Punkte & mehr{% else %}Wenige{% endif %}');
  });

  it('records every link with the block path it came from, layout links included', async () => {
    const compiled = await compileTemplate(
      campaignWith([
        { type: 'text', text: 'Siehe <a href="https://shop.example/rezepte">Rezepte</a>' },
        { type: 'button', label: 'Kaufen', url: 'https://shop.example/kaufen?x={{ customer.id }}' },
        { type: 'button', label: 'Schreiben', url: 'mailto:hallo@shop.example' },
      ]),
      'de',
    );
    expect(compiled.links).toEqual(
      expect.arrayContaining([
        { index: 0, url: 'https://shop.example/rezepte', path: 'template.content.de.blocks[0].text', dynamic: false },
        { index: 1, url: 'https://shop.example/kaufen?x={{ customer.id | uri_component }}', path: 'template.content.de.blocks[1].url', dynamic: true },
        { index: 2, url: 'mailto:hallo@shop.example', path: 'template.content.de.blocks[2].url', dynamic: false },
        expect.objectContaining({ url: '{{ links.unsubscribe }}', path: 'layout newsletter' }),
        expect.objectContaining({ url: '{{ links.preferences }}', path: 'layout newsletter' }),
      ]),
    );
    expect(new Set(compiled.links.map((l) => l.index)).size).toBe(compiled.links.length);
  });

  it('leaves images, linked or not, out of the generated text', async () => {
    const compiled = await compileTemplate(
      campaignWith([
        { type: 'image', src: 'https://shop.example/a.jpg', alt: 'Bohnen', href: 'https://shop.example/bohnen' },
        { type: 'text', text: 'Danach' },
      ]),
      'de',
    );
    expect(compiled.text).not.toContain('shop.example/bohnen');
    expect(compiled.text).not.toContain('Bohnen');
    expect(compiled.text).toContain('Danach');
  });

  it('uses the written plain text instead of generating one', async () => {
    const compiled = await compileTemplate(campaignWith([{ type: 'text', text: 'HTML-Version' }], { text: '{{ salutation }}\n\nNur Text.' }), 'de');
    expect(compiled.text).toBe('{{ salutation }}\n\nNur Text.');
  });

  it('writes the footer and coupon wording in the content language', async () => {
    const de = await compileTemplate(campaignWith([{ type: 'coupon' }]), 'de');
    const en = await compileTemplate({ id: 'x', template: { layout: 'greeting', defaultLocale: 'en', content: { en: { subject: 's', preheader: 'p', blocks: [{ type: 'coupon' }] } } } }, 'en');
    expect(de.html).toContain('Abmelden');
    expect(de.html).toContain('Ihr persönlicher Gutschein');
    expect(de.html).toContain('lang="de"');
    expect(en.html).toContain('Unsubscribe');
    expect(en.html).toContain('Your personal coupon');
  });
});

describe('compile: rejects', () => {
  it('rejects a javascript: button link, naming the block path', async () => {
    const error = await compileError(compileTemplate(campaignWith([{ type: 'text', text: 'x' }, { type: 'button', label: 'Go', url: 'javascript:alert(1)' }]), 'de'));
    expect(error.issues).toEqual([{ path: 'template.content.de.blocks[1].url', message: 'link scheme "javascript:" is not allowed; use https, http or mailto' }]);
  });

  it('rejects a coupon block whose text prints the code the block shows anyway (the win-back showed it twice)', async () => {
    const error = await compileError(compileTemplate(campaignWith([{ type: 'text', text: 'x' }, { type: 'coupon', text: 'Ihr Code: {{coupon.code}}' }]), 'de'));
    expect(error.issues).toEqual([{ path: 'template.content.de.blocks[1].text', message: 'shows {{ coupon.code }}, which the coupon block prints itself: leave it out of the text (it would appear twice)' }]);
  });

  it('rejects a data: link inside text and an ftp: image link', async () => {
    const error = await compileError(
      compileTemplate(
        campaignWith([
          { type: 'text', text: '<a href="data:text/html,<b>x</b>">x</a>' },
          { type: 'image', src: 'https://shop.example/a.jpg', alt: 'a', href: 'ftp://shop.example/a' },
        ]),
        'de',
      ),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['template.content.de.blocks[0].text', 'template.content.de.blocks[1].href']);
    expect(error.message).toContain('link scheme "data:" is not allowed');
  });

  it('rejects a link that is a Liquid variable other than the known link variables', async () => {
    expect(checkLinkUrl('{{ customer.attributes.homepage }}')).toMatch(/must start with https:\/\//);
    expect(checkLinkUrl('{{ links.unsubscribe }}')).toBeUndefined();
    expect(checkLinkUrl('  HTTPS://shop.example')).toBeUndefined();
    expect(checkLinkUrl('vbscript:x')).toMatch(/"vbscript:" is not allowed/);
  });

  it('rejects scripts and event handlers in text blocks', async () => {
    const error = await compileError(compileTemplate(campaignWith([{ type: 'text', text: '<script>x()</script>' }, { type: 'text', text: '<b onclick="x()">b</b>' }]), 'de'));
    expect(error.issues.map((i) => i.path)).toEqual(['template.content.de.blocks[0].text', 'template.content.de.blocks[1].text']);
  });

  it('rejects an unknown Liquid filter and broken Liquid syntax with their paths', async () => {
    const error = await compileError(
      compileTemplate(campaignWith([{ type: 'heading', text: '{{ customer.firstName | shout }}' }], { subject: '{% if x %}no end' }), 'de'),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['template.content.de.subject', 'template.content.de.blocks[0].text']);
    expect(error.issues[1]!.message).toContain('shout');
  });

  it('rejects Liquid tags that would read files', async () => {
    const error = await compileError(compileTemplate(campaignWith([{ type: 'text', text: "{% render 'secrets' %}" }]), 'de'));
    expect(error.issues).toEqual([{ path: 'template.content.de.blocks[0].text', message: 'Liquid: the render tag is not available in mail templates' }]);
  });

  it('rejects an unknown layout and lists the known ones', async () => {
    const error = await compileError(compileTemplate(campaignWith([{ type: 'divider' }], {}, 'poster'), 'de'));
    expect(error.issues[0]!.path).toBe('template.layout');
    expect(error.issues[0]!.message).toMatch(/unknown layout "poster" \(known: .*greeting.*newsletter/);
  });

  it('rejects a locale without content', async () => {
    const error = await compileError(compileTemplate(campaignWith([{ type: 'divider' }]), 'fr'));
    expect(error.issues).toEqual([{ path: 'template.content.fr', message: 'no content for locale "fr"' }]);
  });

  it('collects the problems of every locale in one error', async () => {
    const campaign = {
      id: 'two',
      template: {
        layout: 'greeting',
        defaultLocale: 'de',
        content: {
          de: { subject: 's', preheader: 'p', blocks: [{ type: 'button' as const, label: 'x', url: 'javascript:1' }] },
          en: { subject: 's', preheader: 'p', blocks: [{ type: 'button' as const, label: 'x', url: 'file:///etc/passwd' }] },
        },
      },
    };
    const error = await compileError(compileCampaignTemplates(campaign));
    expect(error.issues.map((i) => i.path)).toEqual(['template.content.de.blocks[0].url', 'template.content.en.blocks[0].url']);
  });
});

describe('compile: hostile content (XSS)', () => {
  const textIssues = async (text: string) => (await compileError(compileTemplate(campaignWith([{ type: 'text', text }]), 'de'))).issues;

  it('rejects <svg/onload=...>, which has no space before the handler, naming the tag', async () => {
    const issues = await textIssues('Hallo <svg/onload=alert(1)>');
    expect(issues).toEqual([{ path: 'template.content.de.blocks[0].text', message: expect.stringMatching(/^text may not contain tag <svg> \(allowed: <a> <b> /) }]);
  });

  it('rejects an <img onerror>, an <iframe> and a handler on an allowed tag', async () => {
    expect((await textIssues('<img src="https://x.example/a.png" onerror="alert(1)">'))[0]!.message).toMatch(/tag <img>/);
    expect((await textIssues('<iframe src="https://evil.example"></iframe>'))[0]!.message).toMatch(/tag <iframe>/);
    expect((await textIssues('<a href="https://shop.example" onmouseover="alert(1)">x</a>'))[0]!.message).toMatch(/attribute "onmouseover" on <a>/);
  });

  it('rejects javascript: links written in any case, with spaces, entities or without quotes', async () => {
    for (const text of ['<a href="JaVaScRiPt:alert(1)">x</a>', '<a href=" javascript:alert(1)">x</a>', '<a href="java&#115;cript:alert(1)">x</a>', '<a href=javascript:alert(1)>x</a>']) {
      const issues = await textIssues(text);
      expect(issues.map((i) => i.message).join('\n'), text).toMatch(/link scheme "javascript:" is not allowed/i);
    }
  });

  it('rejects data: links in text and buttons and data: image sources', async () => {
    expect((await textIssues('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>'))[0]!.message).toMatch(/"data:" is not allowed/);
    const error = await compileError(
      compileTemplate(campaignWith([{ type: 'button', label: 'x', url: 'data:text/html,x' }, { type: 'image', src: 'data:image/svg+xml,<svg onload=alert(1)>', alt: 'a' }]), 'de'),
    );
    expect(error.issues).toEqual([
      { path: 'template.content.de.blocks[0].url', message: 'link scheme "data:" is not allowed; use https, http or mailto' },
      { path: 'template.content.de.blocks[1].src', message: 'images must be https URLs' },
    ]);
  });

  it('rejects a link whose host comes from customer data, naming the field and the Liquid', async () => {
    const error = await compileError(
      compileTemplate(
        campaignWith([
          { type: 'button', label: 'Los', url: 'https://{{ customer.attributes.shopDomain }}/angebot' },
          { type: 'text', text: '<a href="https://shop.example@{{customer.attributes.x}}/">x</a>' },
          { type: 'image', src: 'https://{{ customer.attributes.cdn }}/a.png', alt: 'a' },
        ]),
        'de',
      ),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['template.content.de.blocks[0].url', 'template.content.de.blocks[1].text', 'template.content.de.blocks[2].src']);
    expect(error.issues[0]!.message).toContain('the host comes from Liquid ({{ customer.attributes.shopDomain }})');
    expect(checkLinkUrl('mailto:{{ customer.attributes.friend }}')).toMatch(/host comes from Liquid/);
    expect(checkLinkUrl('https://shop.example/{{ customer.id }}')).toBeUndefined();
  });

  it('keeps allowed inline HTML and drops nothing a marketer wrote within the allowlist', async () => {
    const compiled = await compileTemplate(campaignWith([{ type: 'text', text: '<strong>Neu:</strong> <a href="https://shop.example/tee" title="Tee">Tee</a> <span style="color: #c00">rot</span>' }]), 'de');
    expect(compiled.html).toContain('<strong>Neu:</strong> <a href="https://shop.example/tee" title="Tee">Tee</a> <span style="color:#c00">rot</span>');
  });

  describe('customer values placed into links', () => {
    const hostile: RecipientProfile = { ...aProfile({ customerId: 'c 1/../x', locale: 'de-DE' }), attributes: { ref: 'a&admin=1"><svg onload=alert(1)>' } };
    const render = async (url: string) => {
      const compiled = await compileTemplate(campaignWith([{ type: 'button', label: 'Los', url }, { type: 'text', text: `<a href="${url}">Link</a>` }]), 'de');
      const links = { unsubscribe: 'https://t.example/u/tok', preferences: 'https://t.example/p/tok' };
      const shop = { name: 'Shop', url: 'https://shop.example', imprint: 'Imprint', address: 'Street 1' };
      return new TemplateRenderer().render(compiled, buildRenderVariables({ template: compiled, profile: hostile, shop, links, now: new Date('2026-03-01T10:00:00Z') }));
    };

    it('URL-encodes a customer value in a query, so it can neither add a parameter nor leave the attribute', async () => {
      const { html } = await render('https://shop.example/?ref={{ customer.attributes.ref }}&src=mail');
      const encoded = 'https://shop.example/?ref=a%26admin%3D1%22%3E%3Csvg%20onload%3Dalert(1)%3E&amp;src=mail';
      expect(html.split(`href="${encoded}"`)).toHaveLength(3);
      expect(html).not.toContain('<svg');
      expect(html).not.toContain('admin=1');
    });

    it('URL-encodes a customer value in a path, slashes included', async () => {
      const { html } = await render('https://shop.example/k/{{ customer.id }}');
      expect(html).toContain('href="https://shop.example/k/c%201%2F..%2Fx"');
    });
  });
});
