import { describe, expect, it } from 'vitest';
import { readSendConfig } from '../../functions/send/config';
import { readTickConfig } from '../../functions/tick/config';
import { readAudienceConfig } from '../../functions/audience/config';
import { classifySesError, toSendEmailInput } from '#adapters/ses-mailer';

const sendEnv = {
  TABLE_NAME: 't',
  SEND_QUEUE_URL: 'https://sqs/send',
  SENDER_ADDRESS: 'Shop <news@shop.example>',
  UNSUBSCRIBE_BASE_URL: 'https://shop.example',
  TOKEN_KEYS_SECRET: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:token-keys-AbCdEf',
  SHOP_INFO: JSON.stringify({ name: 'Shop', url: 'https://shop.example', imprint: 'Imprint', address: 'Street 1' }),
};

describe('delivery: handler config', () => {
  it('reads the send environment with its defaults', () => {
    const config = readSendConfig(sendEnv);
    expect(config).toMatchObject({ FREQUENCY_CAP: 3, FREQUENCY_CAP_DAYS: 7, LEASE_SECONDS: 300, SEND_CONCURRENCY: 1, SEND_PARALLELISM: 32, SEND_DEADLINE_MARGIN_SECONDS: 10 });
    expect(config.MAX_SEND_RATE).toBeUndefined();
    expect(config.SHOP_INFO.name).toBe('Shop');
    expect(config).toMatchObject({ TOKEN_KEYS_SECRET: sendEnv.TOKEN_KEYS_SECRET, TOKEN_KEYS_MAX_AGE_SECONDS: 300 });
  });

  it('rejects a send environment without the token keys secret, naming the variable', () => {
    const { TOKEN_KEYS_SECRET: _drop, ...rest } = sendEnv;
    expect(() => readSendConfig(rest)).toThrow(/TOKEN_KEYS_SECRET/);
  });

  it('rejects a missing sender address and bad shop info, naming the variables', () => {
    const { SENDER_ADDRESS: _drop, ...rest } = sendEnv;
    expect(() => readSendConfig({ ...rest, SHOP_INFO: '{' })).toThrow(/SENDER_ADDRESS: .*SHOP_INFO: must be JSON/s);
  });

  it('reads tick and audience numbers from strings and rejects a bad one by name', () => {
    expect(readTickConfig({ TABLE_NAME: 't', AUDIENCE_QUEUE_URL: 'a', SEND_QUEUE_URL: 's', AUDIENCE_SEGMENTS: '16' }).AUDIENCE_SEGMENTS).toBe(16);
    expect(() => readAudienceConfig({ TABLE_NAME: 't', AUDIENCE_QUEUE_URL: 'a', SEND_QUEUE_URL: 's', RECIPIENTS_PER_MESSAGE: '500' })).toThrow(/^audience config: RECIPIENTS_PER_MESSAGE: /);
  });

  it('leaves the shard count to the profile count unless AUDIENCE_SEGMENTS fixes it, and gives audience the rate its back-pressure paces to', () => {
    expect(readTickConfig({ TABLE_NAME: 't', AUDIENCE_QUEUE_URL: 'a', SEND_QUEUE_URL: 's' }).AUDIENCE_SEGMENTS).toBeUndefined();
    const audience = { TABLE_NAME: 't', AUDIENCE_QUEUE_URL: 'a', SEND_QUEUE_URL: 's' };
    expect(readAudienceConfig({ ...audience, MAX_SEND_RATE: '14' }).MAX_SEND_RATE).toBe(14);
    expect(readAudienceConfig(audience).MAX_SEND_RATE).toBeUndefined();
    expect(() => readAudienceConfig({ ...audience, MAX_SEND_RATE: 'fast' })).toThrow(/^audience config: MAX_SEND_RATE: /);
  });
});

describe('delivery: SES mailer', () => {
  it('classifies throttling, pause, rejection and ambiguous failures', () => {
    expect(classifySesError({ name: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' }).kind).toBe('throttled');
    expect(classifySesError({ name: 'SendingPausedException', message: 'paused' }).kind).toBe('paused');
    expect(classifySesError({ name: 'AccountSuspendedException', message: 'x' }).kind).toBe('paused');
    expect(classifySesError({ name: 'MessageRejected', message: 'bad' }).kind).toBe('rejected');
    expect(classifySesError({ name: 'TimeoutError', message: 'socket hang up' }).kind).toBe('ambiguous');
    expect(classifySesError({ name: 'Error', message: 'connect', code: 'ECONNREFUSED' }).kind).toBe('throttled');
  });

  it('builds Simple content with the headers, configuration set and tags', () => {
    const input = toSendEmailInput({
      from: 'a@shop.example',
      to: 'b@example.com',
      subject: 's',
      html: '<p>h</p>',
      text: 't',
      headers: [{ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' }],
      configurationSet: 'cs',
      tags: [{ name: 'campaign', value: 'c' }],
    });
    expect(input.Content.Simple.Headers).toEqual([{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }]);
    expect(input).toMatchObject({ ConfigurationSetName: 'cs', EmailTags: [{ Name: 'campaign', Value: 'c' }], Destination: { ToAddresses: ['b@example.com'] } });
  });
});
