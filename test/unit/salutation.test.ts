import { describe, expect, it } from 'vitest';
import { salutationFor, salutationLanguage } from '#core/salutation';

describe('salutation: German', () => {
  it('addresses a woman formally as "Sehr geehrte Frau <last name>"', () => {
    expect(salutationFor({ firstName: 'Anna', lastName: 'Müller', salutation: 'ms', formality: 'formal', locale: 'de-DE' })).toBe('Sehr geehrte Frau Müller,');
  });

  it('addresses a man formally as "Sehr geehrter Herr <last name>"', () => {
    expect(salutationFor({ firstName: 'Jonas', lastName: 'Schmidt', salutation: 'mr', formality: 'formal', locale: 'de-AT' })).toBe('Sehr geehrter Herr Schmidt,');
  });

  it('addresses a woman informally as "Liebe <first name>"', () => {
    expect(salutationFor({ firstName: 'Anna', lastName: 'Müller', salutation: 'ms', formality: 'informal', locale: 'de' })).toBe('Liebe Anna,');
  });

  it('addresses a man informally as "Lieber <first name>"', () => {
    expect(salutationFor({ firstName: 'Jonas', salutation: 'mr', formality: 'informal', locale: 'de-CH' })).toBe('Lieber Jonas,');
  });

  it('says "Hallo <first name>" informally when the salutation is mx', () => {
    expect(salutationFor({ firstName: 'Alex', lastName: 'Meyer', salutation: 'mx', formality: 'informal', locale: 'de-DE' })).toBe('Hallo Alex,');
  });

  it('says "Hallo <first name>" informally when the salutation is unknown', () => {
    expect(salutationFor({ firstName: 'Alex', formality: 'informal', locale: 'de-DE' })).toBe('Hallo Alex,');
  });

  it('says "Guten Tag <full name>" formally when the salutation is mx or unknown', () => {
    expect(salutationFor({ firstName: 'Alex', lastName: 'Meyer', salutation: 'mx', formality: 'formal', locale: 'de-DE' })).toBe('Guten Tag Alex Meyer,');
    expect(salutationFor({ firstName: 'Alex', lastName: 'Meyer', locale: 'de-DE' })).toBe('Guten Tag Alex Meyer,');
  });

  it('is formal by default in German', () => {
    expect(salutationFor({ firstName: 'Anna', lastName: 'Müller', salutation: 'ms', locale: 'de-DE' })).toBe('Sehr geehrte Frau Müller,');
  });

  it('falls back to "Guten Tag," formally without any name', () => {
    expect(salutationFor({ salutation: 'ms', formality: 'formal', locale: 'de-DE' })).toBe('Guten Tag,');
  });

  it('falls back to "Hallo," informally without a first name', () => {
    expect(salutationFor({ lastName: 'Müller', salutation: 'ms', formality: 'informal', locale: 'de-DE' })).toBe('Hallo,');
  });

  it('uses the first name formally when the last name is missing', () => {
    expect(salutationFor({ firstName: 'Anna', salutation: 'ms', formality: 'formal', locale: 'de-DE' })).toBe('Guten Tag Anna,');
  });

  it('treats blank names as missing and collapses inner whitespace', () => {
    expect(salutationFor({ firstName: '   ', lastName: ' ', salutation: 'mr', formality: 'informal', locale: 'de-DE' })).toBe('Hallo,');
    expect(salutationFor({ firstName: ' Anna  Lena ', salutation: 'ms', formality: 'informal', locale: 'de-DE' })).toBe('Liebe Anna Lena,');
  });
});

describe('salutation: English', () => {
  it('addresses formally as "Dear Ms <last name>" and "Dear Mr <last name>"', () => {
    expect(salutationFor({ firstName: 'Jane', lastName: 'Smith', salutation: 'ms', formality: 'formal', locale: 'en-GB' })).toBe('Dear Ms Smith,');
    expect(salutationFor({ firstName: 'John', lastName: 'Smith', salutation: 'mr', formality: 'formal', locale: 'en-US' })).toBe('Dear Mr Smith,');
  });

  it('addresses formally as "Dear Mx <last name>" when the salutation is mx', () => {
    expect(salutationFor({ lastName: 'Smith', salutation: 'mx', formality: 'formal', locale: 'en' })).toBe('Dear Mx Smith,');
  });

  it('addresses informally as "Dear <first name>" and is informal by default', () => {
    expect(salutationFor({ firstName: 'Anna', lastName: 'Smith', salutation: 'ms', locale: 'en-GB' })).toBe('Dear Anna,');
  });

  it('says "Hi <first name>" when the salutation is unknown or mx', () => {
    expect(salutationFor({ firstName: 'Alex', locale: 'en-US' })).toBe('Hi Alex,');
    expect(salutationFor({ firstName: 'Alex', salutation: 'mx', locale: 'en-US' })).toBe('Hi Alex,');
  });

  it('falls back to "Hello," without names, formal or informal', () => {
    expect(salutationFor({ locale: 'en-GB' })).toBe('Hello,');
    expect(salutationFor({ salutation: 'mr', formality: 'formal', locale: 'en-GB' })).toBe('Hello,');
  });

  it('uses English for every locale that is not German', () => {
    expect(salutationFor({ firstName: 'Marie', salutation: 'ms', locale: 'fr-FR' })).toBe('Dear Marie,');
    expect(salutationLanguage('nl-NL')).toBe('en');
    expect(salutationLanguage('DE_de')).toBe('de');
    expect(salutationLanguage('dek')).toBe('en');
  });
});

describe('salutation: campaign override', () => {
  it('makes a formal customer informal when the campaign says so', () => {
    expect(salutationFor({ firstName: 'Anna', lastName: 'Müller', salutation: 'ms', formality: 'formal', locale: 'de-DE' }, { formality: 'informal' })).toBe('Liebe Anna,');
  });

  it('makes an informal customer formal when the campaign says so', () => {
    expect(salutationFor({ firstName: 'Jonas', lastName: 'Schmidt', salutation: 'mr', formality: 'informal', locale: 'de-DE' }, { formality: 'formal' })).toBe('Sehr geehrter Herr Schmidt,');
  });

  it('never uses gendered forms with the neutral style', () => {
    const anna = { firstName: 'Anna', lastName: 'Müller', salutation: 'ms' as const, locale: 'de-DE' };
    expect(salutationFor(anna, { style: 'neutral', formality: 'formal' })).toBe('Guten Tag Anna Müller,');
    expect(salutationFor(anna, { style: 'neutral', formality: 'informal' })).toBe('Hallo Anna,');
    expect(salutationFor({ ...anna, locale: 'en' }, { style: 'neutral', formality: 'formal' })).toBe('Hello Anna Müller,');
    expect(salutationFor({ ...anna, locale: 'en' }, { style: 'neutral' })).toBe('Hi Anna,');
  });

  it('never prints "undefined" or "null" for any combination of missing fields', () => {
    const outputs: string[] = [];
    for (const locale of ['de-DE', 'en-GB'])
      for (const salutation of [undefined, 'mr', 'ms', 'mx'] as const)
        for (const formality of [undefined, 'formal', 'informal'] as const)
          for (const style of [undefined, 'name', 'neutral'] as const)
            for (const [firstName, lastName] of [[undefined, undefined], ['Anna', undefined], [undefined, 'Müller'], ['', '']] as const)
              outputs.push(salutationFor({ firstName, lastName, salutation, formality, locale }, { style }));
    expect(outputs).toHaveLength(2 * 4 * 3 * 3 * 4);
    for (const output of outputs) {
      expect(output).not.toMatch(/undefined|null|\s,|\s{2}/);
      expect(output.endsWith(',')).toBe(true);
    }
  });
});
