import { describe, expect, it } from 'vitest';
import { readIngestConfig } from '../../functions/ingest/config';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { DEFAULT_SHOP_DELIVERY } from '#core/delivery/local-time';

describe('ingest: config', () => {
  it('reads the table name and falls back to the default loyalty config', () => {
    expect(readIngestConfig({ TABLE_NAME: 'stammkunde' })).toEqual({ tableName: 'stammkunde', loyalty: defaultLoyaltyConfig, reportTimeZone: 'Europe/Berlin', reportActiveDays: 365, shop: DEFAULT_SHOP_DELIVERY });
  });

  it('reads a local endpoint and a loyalty config given as JSON', () => {
    const config = readIngestConfig({ TABLE_NAME: 't', DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567', LOYALTY_CONFIG: '{"pointsPerUnit":2,"tiers":{"basis":"points","silverPoints":100,"goldPoints":900}}' });
    expect(config.dynamoEndpoint).toBe('http://127.0.0.1:4567');
    expect(config.loyalty).toEqual({ pointsPerUnit: 2, minorUnitsPerUnit: 100, tiers: { basis: 'points', silverPoints: 100, goldPoints: 900 } });
  });

  it("reads the shop's zone and quiet hours from SHOP_INFO, and names it when it is not the shop", () => {
    const shop = { name: 'S', url: 'https://shop.example', imprint: 'I', address: 'A', delivery: { timeZone: 'America/New_York', quietHours: { start: '20:00', end: '09:00' } } };
    expect(readIngestConfig({ TABLE_NAME: 't', SHOP_INFO: JSON.stringify(shop) }).shop).toEqual({ ...DEFAULT_SHOP_DELIVERY, timeZone: 'America/New_York', quietHours: { start: '20:00', end: '09:00' } });
    expect(() => readIngestConfig({ TABLE_NAME: 't', SHOP_INFO: '{"name":1}' })).toThrow(/SHOP_INFO/);
  });

  it('fails naming TABLE_NAME when it is missing', () => {
    expect(() => readIngestConfig({})).toThrow(/TABLE_NAME/);
  });

  it('fails naming the LOYALTY_CONFIG field that is wrong', () => {
    expect(() => readIngestConfig({ TABLE_NAME: 't', LOYALTY_CONFIG: '{"pointsPerUnit":-1}' })).toThrow(/LOYALTY_CONFIG\.pointsPerUnit/);
    expect(() => readIngestConfig({ TABLE_NAME: 't', LOYALTY_CONFIG: '{oops' })).toThrow(/LOYALTY_CONFIG: not JSON/);
  });
});
