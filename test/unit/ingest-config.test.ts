import { describe, expect, it } from 'vitest';
import { readIngestConfig } from '../../functions/ingest/config';
import { defaultLoyaltyConfig } from '#core/loyalty';

describe('ingest: config', () => {
  it('reads the table name and falls back to the default loyalty config', () => {
    expect(readIngestConfig({ TABLE_NAME: 'stammkunde' })).toEqual({ tableName: 'stammkunde', loyalty: defaultLoyaltyConfig, reportTimeZone: 'Europe/Berlin', reportActiveDays: 365 });
  });

  it('reads a local endpoint and a loyalty config given as JSON', () => {
    const config = readIngestConfig({ TABLE_NAME: 't', DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567', LOYALTY_CONFIG: '{"pointsPerUnit":2,"tiers":{"basis":"points","silverPoints":100,"goldPoints":900}}' });
    expect(config.dynamoEndpoint).toBe('http://127.0.0.1:4567');
    expect(config.loyalty).toEqual({ pointsPerUnit: 2, minorUnitsPerUnit: 100, tiers: { basis: 'points', silverPoints: 100, goldPoints: 900 } });
  });

  it('fails naming TABLE_NAME when it is missing', () => {
    expect(() => readIngestConfig({})).toThrow(/TABLE_NAME/);
  });

  it('fails naming the LOYALTY_CONFIG field that is wrong', () => {
    expect(() => readIngestConfig({ TABLE_NAME: 't', LOYALTY_CONFIG: '{"pointsPerUnit":-1}' })).toThrow(/LOYALTY_CONFIG\.pointsPerUnit/);
    expect(() => readIngestConfig({ TABLE_NAME: 't', LOYALTY_CONFIG: '{oops' })).toThrow(/LOYALTY_CONFIG: not JSON/);
  });
});
