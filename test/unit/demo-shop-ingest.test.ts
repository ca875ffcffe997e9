// The `npm start` pipeline end to end on real local components: demo shop -> in-process bus
// (shared routes) -> events queue -> the real ingest handler -> dynalite. (It starts dynalite and
// the local SES, so it is an integration test in all but folder.)
import { beforeAll, describe, expect, it } from 'vitest';
import { formatIngestDemo, runIngestDemo, type IngestDemoResult } from '#cli/commands/demo';
import { generateDemoShop } from '#local/demo-shop';

describe('demo-shop: ingest through the embedded runtime', () => {
  let result: IngestDemoResult;
  beforeAll(async () => {
    result = await runIngestDemo({ customers: 60, seed: 11 });
  });

  it('delivers every generated event to ingest exactly once, none dead-lettered', () => {
    const shop = generateDemoShop({ customers: 60, seed: 11 });
    expect(result.queue.deleted).toBe(shop.events.length);
    expect(result.queue.failedBatches + result.queue.failedItems).toBe(0);
    expect(result.deadLettered).toBe(0);
  });

  it('builds one profile per customer, split into tiers that add up', () => {
    expect(result.profiles).toBe(60);
    expect(result.tiers.map((t) => t.tier)).toEqual(['bronze', 'silver', 'gold']);
    expect(result.tiers.reduce((sum, t) => sum + t.count, 0)).toBe(60);
  });

  it('agrees with the generator on buyers and repeat buyers', () => {
    const shop = generateDemoShop({ customers: 60, seed: 11 });
    expect(result.buyers).toBe(shop.summary.buyers);
    expect(result.repeatBuyers).toBe(shop.summary.repeatBuyers);
  });

  it('prints tiers and the repeat-purchase rate with customer ids, never emails', () => {
    const text = formatIngestDemo(result);
    expect(text).toContain('Profiles by tier (60 profiles');
    expect(text).toMatch(/Repeat-purchase rate: \d+\.\d%/);
    expect(text).not.toMatch(/@example\./);
  });
});
