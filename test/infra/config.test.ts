// The app's context configuration: read from cdk.json / -c values, rejected naming the key.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { CONTEXT_KEYS, readStackConfig } from '../../infra/stacks/config';

const valid = {
  [CONTEXT_KEYS.senderAddress]: 'news@shop.example',
  [CONTEXT_KEYS.senderIdentity]: 'shop.example',
  [CONTEXT_KEYS.publicBaseUrl]: 'https://mail.shop.example',
  [CONTEXT_KEYS.shopInfo]: { name: 'Beispiel Shop', url: 'https://shop.example', imprint: 'Beispiel GmbH', address: 'Hauptstr. 1, Berlin' },
};

describe('infra: stack configuration from context', () => {
  it('reads the cdk.json context the repository ships with', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
    expect(readStackConfig(new App({ context: cdkJson.context }))).toMatchObject({
      senderAddress: 'shop@example.com',
      senderIdentity: 'example.com',
      publicBaseUrl: 'https://mail.example.com',
      shopInfo: { name: 'Example Shop', url: 'https://shop.example.com' },
    });
  });

  it('turns -c strings into numbers and booleans', () => {
    const config = readStackConfig(
      new App({ context: { ...valid, [CONTEXT_KEYS.maxSendRate]: '14', [CONTEXT_KEYS.protectData]: 'false', [CONTEXT_KEYS.replyToAddress]: 'help@shop.example' } }),
    );
    expect(config).toMatchObject({ maxSendRate: 14, protectData: false, replyToAddress: 'help@shop.example' });
  });

  it('reads the retention report\'s zone, window and marketer address', () => {
    const config = readStackConfig(new App({ context: { ...valid, [CONTEXT_KEYS.reportTimeZone]: 'Europe/Vienna', [CONTEXT_KEYS.reportActiveDays]: '180', [CONTEXT_KEYS.reportMailTo]: 'marketing@shop.example' } }));
    expect(config).toMatchObject({ reportTimeZone: 'Europe/Vienna', reportActiveDays: 180, reportMailTo: 'marketing@shop.example' });
  });

  it('rejects a report zone that is not an IANA zone, naming its context key', () => {
    expect(() => readStackConfig(new App({ context: { ...valid, [CONTEXT_KEYS.reportTimeZone]: 'Berlin' } }))).toThrow(/context "stammkunde:reportTimeZone" "Berlin": must be an IANA time zone/);
  });

  it('rejects a missing sender address naming its context key', () => {
    const { [CONTEXT_KEYS.senderAddress]: _omitted, ...rest } = valid;
    expect(() => readStackConfig(new App({ context: rest }))).toThrow(/context "stammkunde:senderAddress"/);
  });

  it('accepts a sender address with a display name', () => {
    expect(readStackConfig(new App({ context: { ...valid, [CONTEXT_KEYS.senderAddress]: 'Beispiel Shop <news@shop.example>' } })).senderAddress).toBe(
      'Beispiel Shop <news@shop.example>',
    );
  });

  it('rejects a sender address that is not one', () => {
    expect(() => readStackConfig(new App({ context: { ...valid, [CONTEXT_KEYS.senderAddress]: 'Shop <news>' } }))).toThrow(/context "stammkunde:senderAddress"/);
  });

  it('rejects shop info without a URL naming the nested field', () => {
    const { url: _url, ...shopInfo } = valid[CONTEXT_KEYS.shopInfo];
    expect(() => readStackConfig(new App({ context: { ...valid, [CONTEXT_KEYS.shopInfo]: shopInfo } }))).toThrow(/context "stammkunde:shopInfo" url:/);
  });

  it('rejects a public base URL that is not https', () => {
    expect(() => readStackConfig(new App({ context: { ...valid, [CONTEXT_KEYS.publicBaseUrl]: 'http://mail.shop.example' } }))).toThrow(
      /context "stammkunde:publicBaseUrl"/,
    );
  });

  it('rejects a send rate that is not a positive number', () => {
    expect(() => readStackConfig(new App({ context: { ...valid, [CONTEXT_KEYS.maxSendRate]: '-3' } }))).toThrow(/context "stammkunde:maxSendRate"/);
  });
});
