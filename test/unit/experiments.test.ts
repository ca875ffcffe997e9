import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Campaign } from '#core/campaign';
import { validateWorkspace } from '#core/workspace';
import { HOLDOUT_ARM, NO_VARIANT_ARM, assignArm, templatesOfArm, variantTemplate, variantTemplateKey } from '#core/experiments';

const newsletter = JSON.parse(readFileSync('campaigns/newsletter-monthly.json', 'utf8')) as Record<string, unknown>;
const problems = (value: unknown) => validateWorkspace([{ file: 'n.json', text: JSON.stringify(value) }]).problems.filter((p) => !p.path.startsWith('audience')).map((p) => `${p.path}: ${p.message}`);
const customers = Array.from({ length: 20_000 }, (_, i) => `c-${i}`);

describe('experiments: assignment', () => {
  const spec = { id: 'spring-sale', variants: [{ id: 'a', weight: 3 }, { id: 'b', weight: 1 }], holdoutPercent: 10 };

  it('gives a customer the same arm every time, from the campaign and customer id alone', () => {
    const first = customers.slice(0, 200).map((c) => assignArm(spec, c));
    const again = customers.slice(0, 200).map((c) => assignArm({ ...spec, variants: spec.variants.map((v) => ({ ...v })) }, c));
    expect(again).toEqual(first);
    expect(assignArm(spec, 'c-1')).toBe(assignArm(spec, 'c-1'));
  });

  it('splits the audience by the holdout share and the variant weights', () => {
    const counts: Record<string, number> = {};
    for (const c of customers) counts[assignArm(spec, c)] = (counts[assignArm(spec, c)] ?? 0) + 1;
    // 10 % holdout, the rest 3:1; with 20,000 customers each share is within 1.5 points.
    expect(counts[HOLDOUT_ARM]! / customers.length).toBeCloseTo(0.1, 1);
    expect(Math.abs(counts.a! / customers.length - 0.675)).toBeLessThan(0.015);
    expect(Math.abs(counts.b! / customers.length - 0.225)).toBeLessThan(0.015);
  });

  it('assigns other arms in another campaign (the hash covers the campaign id)', () => {
    const here = customers.slice(0, 500).map((c) => assignArm(spec, c));
    const there = customers.slice(0, 500).map((c) => assignArm({ ...spec, id: 'autumn-sale' }, c));
    expect(there).not.toEqual(here);
  });

  it('keeps held-out customers held out when the holdout grows, and the variant split unchanged', () => {
    const wider = { ...spec, holdoutPercent: 20 };
    for (const c of customers.slice(0, 2000)) {
      const before = assignArm(spec, c);
      const after = assignArm(wider, c);
      if (before === HOLDOUT_ARM) expect(after).toBe(HOLDOUT_ARM);
      else if (after !== HOLDOUT_ARM) expect(after).toBe(before);
    }
  });

  it('puts everyone in the one arm "-" without variants, and holds out only with a holdout', () => {
    expect(assignArm({ id: 'x' }, 'c-1')).toBe(NO_VARIANT_ARM);
    const arms = new Set(customers.slice(0, 500).map((c) => assignArm({ id: 'x', holdoutPercent: 50 }, c)));
    expect([...arms].sort()).toEqual([NO_VARIANT_ARM, HOLDOUT_ARM]);
  });
});

describe('experiments: variant templates', () => {
  const campaign = Campaign.parse({
    ...newsletter,
    variants: [
      { id: 'short', weight: 1, subject: { de: 'Kurz: {{ customer.firstName }}' } },
      { id: 'long', weight: 1, content: { en: { ...(newsletter.template as { content: { en: object } }).content.en, subject: 'Long read' } } },
    ],
  });

  it('replaces only the subjects and contents a variant names', () => {
    const short = variantTemplate(campaign.template, campaign.variants![0]!);
    expect(short.content.de!.subject).toBe('Kurz: {{ customer.firstName }}');
    expect(short.content.de!.blocks).toEqual(campaign.template.content.de!.blocks);
    expect(short.content.en).toEqual(campaign.template.content.en);
    expect(variantTemplate(campaign.template, campaign.variants![1]!).content.en!.subject).toBe('Long read');
  });

  it('picks a variant\'s own compiled templates, else the campaign\'s', () => {
    const templates = { de: 'base-de', en: 'base-en', [variantTemplateKey('short', 'de')]: 'short-de', [variantTemplateKey('short', 'en')]: 'short-en' };
    expect(templatesOfArm(templates, 'short').templates).toEqual({ de: 'short-de', en: 'short-en' });
    expect(templatesOfArm(templates, 'short').keyOf('de')).toBe('short/de');
    expect(templatesOfArm(templates, 'long').templates).toEqual({ de: 'base-de', en: 'base-en' });
    expect(templatesOfArm(templates, 'long').keyOf('de')).toBe('de');
    expect(templatesOfArm(templates, undefined).templates).toEqual({ de: 'base-de', en: 'base-en' });
  });
});

describe('experiments: validation', () => {
  it('accepts two weighted variants and a holdout', () => {
    expect(problems({ ...newsletter, variants: [{ id: 'a', weight: 1 }, { id: 'b', weight: 2, subject: { en: 'B' } }], holdoutPercent: 10 })).toEqual([]);
  });

  it('rejects a duplicate or reserved variant id, naming the field', () => {
    expect(problems({ ...newsletter, variants: [{ id: 'a', weight: 1 }, { id: 'a', weight: 1 }, { id: 'holdout', weight: 1 }] })).toEqual([
      'variants[1].id: "a" is used by another variant',
      'variants[2].id: "holdout" is reserved for the holdout',
    ]);
  });

  it('rejects overrides for a locale the template has no content for', () => {
    expect(problems({ ...newsletter, variants: [{ id: 'a', weight: 1, subject: { fr: 'Bonjour' } }, { id: 'b', weight: 1 }] })).toEqual([
      'variants[0].subject.fr: "fr" is not a locale of template.content (have: de, en)',
    ]);
  });

  it('rejects a zero weight, a holdout over 50 % and a lone variant without a holdout', () => {
    expect(problems({ ...newsletter, variants: [{ id: 'a', weight: 0 }, { id: 'b', weight: 1 }] })).toEqual(['variants[0].weight: Too small: expected number to be >=1']);
    expect(problems({ ...newsletter, holdoutPercent: 60 })).toEqual(['holdoutPercent: Too big: expected number to be <=50']);
    expect(problems({ ...newsletter, variants: [{ id: 'a', weight: 1 }] })).toEqual(['variants: one variant without a holdout tests nothing: add a second variant or a holdoutPercent']);
  });
});
