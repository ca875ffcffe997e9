// The shop's delivery settings (default zone, country, quiet hours, 29 February rule) reach every
// function that reads them: send (quiet hours, the recipient's zone), audience (seasonal buckets
// per zone) and tick (the occasions of the shop's country). Without them tick and audience fell
// back to DEFAULT_SHOP_DELIVERY (Europe/Berlin, DE) whatever the shop had configured.
import { describe, expect, it } from 'vitest';
import { TEST_CONFIG, logicalIdAt, synthStack } from './synth';
import { readTickConfig } from '../../functions/tick/config';
import { shopDeliveryOf } from '#core/delivery/local-time';

const variablesOf = (s: ReturnType<typeof synthStack>, path: string): Record<string, string> => {
  const fn = logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', path);
  return s.template.toJSON().Resources[fn].Properties.Environment.Variables as Record<string, string>;
};

describe('infra: the shop\'s delivery settings', () => {
  it('hands SHOP_INFO with its delivery settings to send, audience and tick', () => {
    const delivery = { timeZone: 'Europe/Vienna', country: 'AT', quietHours: { start: '20:00', end: '07:00' } };
    const s = synthStack({ shopInfo: { ...TEST_CONFIG.shopInfo, delivery } as typeof TEST_CONFIG.shopInfo });
    for (const path of ['Delivery/Send/Worker/Function', 'Delivery/Audience/Worker/Function', 'Delivery/Tick/Function']) {
      const shop = JSON.parse(variablesOf(s, path).SHOP_INFO!) as { delivery?: unknown };
      expect(shop.delivery, path).toEqual(delivery);
    }
    // What tick reads of it (its config parses SHOP_INFO as send's does).
    const tickEnv = { SHOP_INFO: variablesOf(s, 'Delivery/Tick/Function').SHOP_INFO, TABLE_NAME: 't', AUDIENCE_QUEUE_URL: 'a', SEND_QUEUE_URL: 's' };
    expect(shopDeliveryOf(readTickConfig(tickEnv).SHOP_INFO)).toMatchObject({ timeZone: 'Europe/Vienna', country: 'AT' });
  });
});
