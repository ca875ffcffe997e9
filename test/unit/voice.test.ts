// validate's text checks: the voice of German content, unknown variables, Liquid syntax; and the
// formality a mail is written in (the salutation and customer.formality agree).
import { describe, expect, it } from 'vitest';
import { Campaign } from '#core/campaign';
import { buildRenderVariables, createLiquid, type RecipientProfile } from '#core/render';
import { campaignTextProblems, wrongVoiceWords } from '#core/voice';
import { validateWorkspace } from '#core/workspace';

const IF = '{% if customer.formality == "informal" %}';
const campaign = (de: string, extra: Record<string, unknown> = {}) =>
  Campaign.parse({
    kind: 'newsletter', id: 'news', name: 'N', status: 'active', topic: 'newsletter', audience: { rule: { type: 'consent', status: 'confirmed' } },
    schedule: { type: 'once', at: '2030-01-01T09:00:00Z' },
    template: { layout: 'newsletter', defaultLocale: 'de', content: { de: { subject: 'Neu', preheader: '', blocks: [{ type: 'text', text: de }] } }, ...extra },
  });

describe('voice: words in the wrong voice', () => {
  it('flags an informal text that says "Sie" and "Ihrem" mid-sentence', () => {
    expect(wrongVoiceWords('wir haben drei Röstungen für Sie und Neues zu Ihrem Konto.', 'informal')).toEqual(['Sie', 'Ihrem']);
  });

  it('does not flag sentence-initial "Sie", lower-case "sie" or a quoted "Sie"', () => {
    const text = 'Sie haben Punkte. Ihr Konto wächst.\nIhre Bestellung ist da: Sie kommt morgen. Anna sagt, sie mag ihre Tasse. Unser Motto: „Sie verdienen das Beste“.';
    expect(wrongVoiceWords(text, 'informal')).toEqual([]);
  });

  it('flags du-words in a formal text in any position, but not in quotes', () => {
    expect(wrongVoiceWords('Dein Gutschein wartet, wir schicken ihn dir gern.', 'formal')).toEqual(['Dein', 'dir']);
    expect(wrongVoiceWords('Unser Slogan lautet »Gönn dir was«.', 'formal')).toEqual([]);
  });
});

describe('voice: validate', () => {
  it('names campaign, locale, block and word when one German text serves both voices', () => {
    const problems = campaignTextProblems(campaign('{{ salutation }}\n\nvielen Dank für Ihre Treue.'));
    expect(problems).toEqual([
      { path: 'template.content.de.blocks[0].text', message: expect.stringMatching(/^campaign "news", locale de, block 1 \(text\): informal \(du\) text addresses the reader with "Ihre";/) },
    ]);
  });

  it('does not flag a text that writes both voices with customer.formality', () => {
    expect(campaignTextProblems(campaign(`{{ salutation }}\n\nvielen Dank für ${IF}deine Treue. Wir freuen uns auf dich{% else %}Ihre Treue. Wir freuen uns auf Sie{% endif %}.`))).toEqual([]);
  });

  it('judges only the voice a fixed salutation formality allows', () => {
    expect(campaignTextProblems(campaign('vielen Dank für Ihre Treue.', { salutation: { formality: 'formal' } }))).toEqual([]);
    expect(campaignTextProblems(campaign('vielen Dank für deine Treue.', { salutation: { formality: 'formal' } }))[0]?.message).toContain('formal (Sie) text addresses the reader with "deine"');
  });

  it('rejects an unknown variable, naming it', () => {
    const problems = campaignTextProblems(campaign('Hallo {{ customer.vorname }}, {{ customer.attributes.lieblingsbohne }} {{ customer.tierName }}'));
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('unknown variable "customer.vorname"')]);
  });

  it('rejects a Liquid syntax error and an unknown filter', () => {
    expect(campaignTextProblems(campaign(`${IF}du{% else %}Sie`))[0]?.message).toMatch(/Liquid syntax error: tag \{% if .* not closed/);
    expect(campaignTextProblems(campaign('{{ customer.points | punkte }}'))[0]?.message).toContain('undefined filter: punkte');
  });

  it('reports them through validateWorkspace with the file name', () => {
    const { problems } = validateWorkspace([{ file: 'campaigns/news.json', text: JSON.stringify(campaign('Hallo {{ customer.vorname }}')) }]);
    expect(problems).toEqual([{ file: 'campaigns/news.json', path: 'template.content.de.blocks[0].text', message: expect.stringContaining('"customer.vorname"') }]);
  });
});

describe('voice: the formality a mail is written in', () => {
  const profile = (over: Partial<RecipientProfile>): RecipientProfile => ({
    customerId: 'c1', firstName: 'Jana', lastName: 'Berg', salutation: 'ms', locale: 'de-DE', timeZone: 'Europe/Berlin', tier: 'silver', points: 10, attributes: {}, orders: { count: 1 }, ...over,
  });
  const render = (p: RecipientProfile, override?: { formality: 'formal' | 'informal' }, locale = 'de') => {
    const variables = buildRenderVariables({ template: { locale, ...(override ? { salutation: override } : {}) }, profile: p, shop: { name: 'S', url: 'https://s.example', imprint: '', address: '' }, links: { unsubscribe: 'u', preferences: 'p' }, now: new Date('2025-01-01T00:00:00Z') });
    const text = createLiquid('text').parseAndRenderSync(`{{ salutation }} ${IF}du{% else %}Sie{% endif %} ({{ customer.formality }}, Stufe {{ customer.tierName }})`, variables as unknown as Record<string, unknown>);
    return text as string;
  };

  it('falls back to formal for a German customer without a formality, with the tier name in German', () => {
    expect(render(profile({}))).toBe('Sehr geehrte Frau Berg, Sie (formal, Stufe Silber)');
  });

  it('follows the customer\'s informal choice in salutation and body alike', () => {
    expect(render(profile({ formality: 'informal' }))).toBe('Liebe Jana, du (informal, Stufe Silber)');
  });

  it('follows the campaign\'s salutation override over the customer', () => {
    expect(render(profile({ formality: 'formal' }), { formality: 'informal' })).toBe('Liebe Jana, du (informal, Stufe Silber)');
  });
});
