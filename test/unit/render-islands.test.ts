// The renderer's native `{% if path %}` islands and its uri_component/localdate outputs give
// exactly what liquidjs gives for the whole template, for present, missing, empty and false values.
import { describe, expect, it } from 'vitest';
import { TemplateRenderer, createLiquid, type CompiledTemplate, type RenderVariables } from '#core/render';

const html = [
  '<p>{% if coupon %}<b>{{ coupon.code }}</b> {{ coupon.value }} · {{ coupon.expiresAt | localdate }} / {{ coupon.expiresAt | localdate: "short" }}',
  '{% if coupon.minimumOrder %}<br>min {{ coupon.minimumOrder }}{% endif %}{% endif %}</p>',
  '<a href="https://shop.example/?c={{ coupon.code | uri_component }}">x</a>',
  '{% if flag %}on{% else %}off{% endif %}{% if list.size %}{{ list.size }}{% endif %}{% if nothing %}never{% endif %}',
].join('');
const compiled: CompiledTemplate = { format: 1, id: 'islands:de:1', campaignId: 'islands', locale: 'de', layout: 'greeting', subject: 's', preheader: 'p', html, text: html, links: [] };

const scopes: Record<string, Record<string, unknown>> = {
  'a coupon': { coupon: { code: "A&B'<C>", value: '15 %', expiresAt: '2026-12-15T23:30:00.000Z', minimumOrder: '25,00 €' }, locale: 'de-DE', timeZone: 'Europe/Berlin', flag: true, list: [1, 2] },
  'a coupon without minimum order': { coupon: { code: 'X-1', value: '5 €', expiresAt: '2026-12-15T23:30:00.000Z' }, locale: 'en-GB', timeZone: 'America/New_York', flag: false, list: [] },
  'an empty minimum order and an unparsable date': { coupon: { code: '', value: '', expiresAt: 'soon', minimumOrder: '' }, locale: 'de', timeZone: 'UTC', flag: null },
  'no coupon': { locale: 'de-DE', timeZone: 'Europe/Berlin' },
  'a false coupon': { coupon: false, locale: 'de-DE', timeZone: 'Europe/Berlin' },
};

describe('render: native islands', () => {
  for (const [name, scope] of Object.entries(scopes)) {
    it(`renders the same as liquidjs for ${name}`, () => {
      const mail = new TemplateRenderer().render(compiled, scope as unknown as RenderVariables);
      expect(mail.html).toBe(createLiquid('html').parseAndRenderSync(html, scope));
      expect(mail.text).toBe(createLiquid('text').parseAndRenderSync(html, scope));
    });
  }
});

describe('render: HTML on read', () => {
  const own: CompiledTemplate = { ...compiled, id: 'islands:de:on-read', html: '<p>{{ onlyHtml }}</p>{% if flag %}on{% endif %}', text: 'text {{ flag }}' };
  const counted = () => {
    const scope = { reads: 0, flag: true, locale: 'de-DE', timeZone: 'Europe/Berlin' };
    Object.defineProperty(scope, 'onlyHtml', { enumerable: true, get: () => (scope.reads++, 'A&B') });
    return scope;
  };

  it('renders the HTML once, when first read, the same as eager', () => {
    const scope = counted();
    const mail = new TemplateRenderer().render(own, scope as unknown as RenderVariables, { html: 'onRead' });
    expect(mail.text).toBe('text true');
    expect(scope.reads).toBe(0);
    expect(mail.html).toBe('<p>A&amp;B</p>on');
    expect(mail.html).toBe('<p>A&amp;B</p>on');
    expect(scope.reads).toBe(1);
    const eager = counted();
    expect(new TemplateRenderer().render(own, eager as unknown as RenderVariables).html).toBe(mail.html);
    expect(eager.reads).toBe(1);
  });
});
