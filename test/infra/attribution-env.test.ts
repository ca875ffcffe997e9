// The attribution window from the shop's settings reaches ingest (ATTRIBUTION_DAYS) and send (SHOP_INFO).
import { describe, expect, it } from 'vitest';
import { TEST_CONFIG, logicalIdAt, synthStack } from './synth';

const variablesOf = (s: ReturnType<typeof synthStack>, path: string): Record<string, unknown> => {
  const fn = logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', path);
  return s.template.toJSON().Resources[fn].Properties.Environment.Variables as Record<string, unknown>;
};

describe('infra: attribution window', () => {
  it('sets ingest\'s ATTRIBUTION_DAYS from shopInfo.attribution, and leaves it unset (5 days) without', () => {
    const seven = synthStack({ shopInfo: { ...TEST_CONFIG.shopInfo, attribution: { windowDays: 7 } } });
    expect(variablesOf(seven, 'Ingest/Worker/Function').ATTRIBUTION_DAYS).toBe('7');
    expect(variablesOf(synthStack(), 'Ingest/Worker/Function')).not.toHaveProperty('ATTRIBUTION_DAYS');
    const send = variablesOf(seven, 'Delivery/Send/Worker/Function');
    expect(JSON.parse(String(send.SHOP_INFO)).attribution).toEqual({ windowDays: 7 });
  });
});
