// A/B tests with a holdout: which arm of a campaign's experiment a customer is in, and what a
// variant's template is. Pure and deterministic: the arm is a function of (campaign id, customer
// id) and the campaign's `variants` and `holdoutPercent`, so every redelivery, every send function
// instance and the click/ingest side agree without storing anything first.
//
// Assignment: sha256("<campaignId>\u0000<customerId>") gives two independent uniform numbers in
// [0, 1) (bytes 0-5 and 6-11). The first decides the holdout (u < holdoutPercent / 100), the
// second the variant by cumulative weight. Independent numbers keep the variants' split the same
// whatever the holdout share, and changing the holdout share moves only customers across the
// holdout line (a customer in a 5 % holdout is also in a 10 % one).
import { createHash } from 'node:crypto';
import type { Content, Template, Variant } from '#core/campaign';

/** The arm of a customer who gets no mail and is only recorded. */
export const HOLDOUT_ARM = 'holdout';
/** The arm of every recipient of a campaign without variants (with or without a holdout). */
export const NO_VARIANT_ARM = '-';

/** A variant id, HOLDOUT_ARM or NO_VARIANT_ARM. */
export type Arm = string;

export interface ExperimentSpec {
  id: string;
  variants?: readonly Variant[] | undefined;
  holdoutPercent?: number | undefined;
}

/** The campaign runs an experiment (variants, or a holdout to measure the campaign itself). */
export const hasExperiment = (campaign: ExperimentSpec): boolean => (campaign.variants?.length ?? 0) > 0 || (campaign.holdoutPercent ?? 0) > 0;

const fractions = (campaignId: string, customerId: string): [number, number] => {
  const digest = createHash('sha256').update(`${campaignId}\u0000${customerId}`).digest();
  return [digest.readUIntBE(0, 6) / 2 ** 48, digest.readUIntBE(6, 6) / 2 ** 48];
};

/** The customer's arm in the campaign's experiment; NO_VARIANT_ARM without variants. */
export const assignArm = (campaign: ExperimentSpec, customerId: string): Arm => {
  const holdout = campaign.holdoutPercent ?? 0;
  const variants = campaign.variants ?? [];
  if (holdout <= 0 && variants.length === 0) return NO_VARIANT_ARM;
  const [u, v] = fractions(campaign.id, customerId);
  if (u < holdout / 100) return HOLDOUT_ARM;
  if (variants.length === 0) return NO_VARIANT_ARM;
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  let point = v * total;
  for (const variant of variants) {
    if (point < variant.weight) return variant.id;
    point -= variant.weight;
  }
  return variants[variants.length - 1]!.id;
};

/** The variant's overrides, or undefined for the holdout, NO_VARIANT_ARM or an unknown id. */
export const variantOf = (campaign: ExperimentSpec, arm: Arm | undefined): Variant | undefined =>
  arm === undefined ? undefined : campaign.variants?.find((variant) => variant.id === arm);

/** The variant changes what is rendered (its own compiled templates are needed). */
export const variantOverrides = (variant: Variant): boolean => Object.keys(variant.subject ?? {}).length + Object.keys(variant.content ?? {}).length > 0;

/** The campaign's template with the variant's content and subjects put in. */
export const variantTemplate = (template: Template, variant: Variant): Template => {
  const content: Record<string, Content> = {};
  for (const [locale, base] of Object.entries(template.content)) {
    const own = variant.content?.[locale] ?? base;
    const subject = variant.subject?.[locale];
    content[locale] = subject === undefined ? own : { ...own, subject };
  }
  return { ...template, content };
};

/**
 * The key a variant's compiled template is stored under beside the campaign's own
 * (`published.template`): "<variant id>/<locale>". A slash is in no locale key, so the base
 * templates keep their plain locale keys and a click token's `locale` names either.
 */
export const variantTemplateKey = (variantId: string, locale: string): string => `${variantId}/${locale}`;

/**
 * The compiled templates of one arm by content locale: the variant's own when it has them, else
 * the base ones; `keyOf` gives a locale's key in `published.template` (what a click token names).
 */
export const templatesOfArm = <T>(templates: Record<string, T>, arm: Arm | undefined): { templates: Record<string, T>; keyOf: (locale: string) => string } => {
  const prefix = arm === undefined ? undefined : `${arm}/`;
  const own: Record<string, T> = {};
  const base: Record<string, T> = {};
  for (const [key, value] of Object.entries(templates)) {
    if (prefix && key.startsWith(prefix)) own[key.slice(prefix.length)] = value;
    else if (!key.includes('/')) base[key] = value;
  }
  return Object.keys(own).length > 0 ? { templates: own, keyOf: (locale) => variantTemplateKey(arm!, locale) } : { templates: base, keyOf: (locale) => locale };
};

export interface ExperimentProblem {
  path: (string | number)[];
  message: string;
}

/** What validate reports about `variants` and `holdoutPercent` (each problem names its field). */
export const experimentProblems = (campaign: { variants?: readonly Variant[] | undefined; holdoutPercent?: number | undefined; template: { content: Record<string, unknown> } }): ExperimentProblem[] => {
  const problems: ExperimentProblem[] = [];
  const locales = Object.keys(campaign.template.content);
  const seen = new Set<string>();
  (campaign.variants ?? []).forEach((variant, i) => {
    if (variant.id === HOLDOUT_ARM) problems.push({ path: ['variants', i, 'id'], message: `"${HOLDOUT_ARM}" is reserved for the holdout` });
    if (seen.has(variant.id)) problems.push({ path: ['variants', i, 'id'], message: `"${variant.id}" is used by another variant` });
    seen.add(variant.id);
    for (const field of ['subject', 'content'] as const) {
      for (const locale of Object.keys(variant[field] ?? {})) {
        if (!locales.includes(locale)) problems.push({ path: ['variants', i, field, locale], message: `"${locale}" is not a locale of template.content (have: ${locales.join(', ')})` });
      }
    }
  });
  if (campaign.variants?.length === 1 && !(campaign.holdoutPercent ?? 0)) {
    problems.push({ path: ['variants'], message: 'one variant without a holdout tests nothing: add a second variant or a holdoutPercent' });
  }
  return problems;
};
