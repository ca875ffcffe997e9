import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Campaign } from '#core/campaign';
import type { Block, Content } from '#core/campaign';
import { TemplateCompileError, checkLinkUrl, compileCampaignTemplates, compileTemplate } from '../../functions/compile/compile-template';

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
    expect(compiled.html).toContain('href="https://shop.example/?c={{ coupon.code }}&amp;t={{ customer.tier }}"');
    expect(compiled.html).toContain('Los, {{ customer.firstName | default: "du" }}!');
    expect(compiled.html).toContain('{% if customer.points > 100 %}Viele Punkte & mehr{% else %}Wenige{% endif %}');
    expect(compiled.html).toContain('<h2 style="margin: 0; font-size: 24px; line-height: 1.3; color: #2b2118;">Tee &amp; {{ "Kaffee" | upcase }}</h2>');
    expect(compiled.html).toContain('alt="Für {{ customer.firstName }}"');
    expect(compiled.html).toContain('href="https://shop.example/p/{{ customer.id }}"');
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
        { index: 1, url: 'https://shop.example/kaufen?x={{ customer.id }}', path: 'template.content.de.blocks[1].url', dynamic: true },
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
