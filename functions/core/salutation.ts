// The salutation ("Anrede") that opens a mail, from the profile's salutation, formality and
// locale, with the campaign's override. Pure and total: any combination of missing fields gives
// a sensible greeting, never "Hallo undefined".
//
// Language: locales "de" and "de-*" get German, every other locale English (the shipped templates
// carry German and English; a shop adding a language adds its forms here).
// Default formality: German formal ("Sie" is the safe default in German commerce), English informal.
//
//   German  formal   ms/mr + last name      "Sehr geehrte Frau Müller," / "Sehr geehrter Herr Schmidt,"
//                    otherwise              "Guten Tag Alex Meyer," / "Guten Tag Alex," / "Guten Tag,"
//           informal ms/mr + first name     "Liebe Anna," / "Lieber Jonas,"
//                    otherwise              "Hallo Alex," / "Hallo,"
//           neutral style (no gendered form) formal "Guten Tag Anna Müller,", informal "Hallo Anna,"
//   English formal   ms/mr/mx + last name   "Dear Ms Smith," / "Dear Mr Smith," / "Dear Mx Smith,"
//                    otherwise              "Dear Alex Meyer," / "Dear Alex," / "Hello,"
//           informal ms/mr + first name     "Dear Anna,"
//                    otherwise              "Hi Alex," / "Hello,"
//           neutral style                   formal "Hello Anna Smith,", informal "Hi Anna,"
import type { Formality, Salutation } from '#core/events';

export interface SalutationSubject {
  firstName?: string | undefined;
  lastName?: string | undefined;
  salutation?: Salutation | undefined;
  formality?: Formality | undefined;
  locale: string;
}

/** The campaign-level override (campaign.template.salutation). */
export interface SalutationOverride {
  formality?: Formality | undefined;
  /** "name" (default): gendered forms where known; "neutral": never gendered. */
  style?: 'name' | 'neutral' | undefined;
}

export type SalutationLanguage = 'de' | 'en';

/** German for "de" and "de-*", English for everything else. */
export const salutationLanguage = (locale: string): SalutationLanguage =>
  /^de(?:-|_|$)/i.test(locale.trim()) ? 'de' : 'en';

const clean = (name: string | undefined): string | undefined => {
  const trimmed = name?.replace(/\s+/g, ' ').trim();
  return trimmed ? trimmed : undefined;
};

const join = (...parts: (string | undefined)[]): string => parts.filter((p) => p !== undefined).join(' ');

const german = (first: string | undefined, last: string | undefined, who: Salutation | undefined, formal: boolean, neutral: boolean): string => {
  if (formal) {
    if (!neutral && last && who === 'ms') return `Sehr geehrte Frau ${last},`;
    if (!neutral && last && who === 'mr') return `Sehr geehrter Herr ${last},`;
    // A lone last name without a known form of address reads oddly ("Guten Tag Meyer,").
    const name = first ? join(first, last) : undefined;
    return name ? `Guten Tag ${name},` : 'Guten Tag,';
  }
  if (!neutral && first && who === 'ms') return `Liebe ${first},`;
  if (!neutral && first && who === 'mr') return `Lieber ${first},`;
  return first ? `Hallo ${first},` : 'Hallo,';
};

const english = (first: string | undefined, last: string | undefined, who: Salutation | undefined, formal: boolean, neutral: boolean): string => {
  if (formal) {
    if (neutral) {
      const name = first ? join(first, last) : undefined;
      return name ? `Hello ${name},` : 'Hello,';
    }
    if (last && who) return `Dear ${{ ms: 'Ms', mr: 'Mr', mx: 'Mx' }[who]} ${last},`;
    const name = first ? join(first, last) : undefined;
    return name ? `Dear ${name},` : 'Hello,';
  }
  if (!neutral && first && (who === 'ms' || who === 'mr')) return `Dear ${first},`;
  return first ? `Hi ${first},` : 'Hello,';
};

/**
 * The voice a mail speaks in: the campaign's override, else the customer's, else formal in
 * German and informal in English. The salutation and `customer.formality` both follow it.
 */
export const formalityFor = (subject: Pick<SalutationSubject, 'locale' | 'formality'>, override?: SalutationOverride): 'formal' | 'informal' =>
  override?.formality ?? subject.formality ?? (salutationLanguage(subject.locale) === 'de' ? 'formal' : 'informal');

/** The opening line, including its trailing comma. */
export const salutationFor = (subject: SalutationSubject, override?: SalutationOverride): string => {
  const language = salutationLanguage(subject.locale);
  const formality = formalityFor(subject, override);
  const neutral = override?.style === 'neutral';
  const first = clean(subject.firstName);
  const last = clean(subject.lastName);
  const formal = formality === 'formal';
  return language === 'de'
    ? german(first, last, subject.salutation, formal, neutral)
    : english(first, last, subject.salutation, formal, neutral);
};
