// The contract both click stores keep (memory twin in unit tests, DynamoDB on dynalite).
import { describe, expect, it } from 'vitest';
import type { ClickRecorder } from '../../functions/track/app';

export const clickStoreContract = (name: string, make: () => Promise<ClickRecorder>): void => {
  describe(`click store contract: ${name}`, () => {
    const click = { occurrenceId: 'nl:2026-03-01T08:00Z', customerId: 'c1', campaignId: 'nl', link: 2, atMs: Date.parse('2026-03-01T09:00:00Z') };

    it('counts the first click of a recipient on a link once', async () => {
      const store = await make();
      expect(await store.recordClick(click)).toBe(true);
      expect(await store.recordClick({ ...click, atMs: click.atMs + 1000 })).toBe(false);
    });

    it('counts another link or another recipient as a first click', async () => {
      const store = await make();
      await store.recordClick(click);
      expect(await store.recordClick({ ...click, link: 3 })).toBe(true);
      expect(await store.recordClick({ ...click, customerId: 'c2' })).toBe(true);
    });

    it('counts the first open of a mail once, apart from its clicks', async () => {
      const store = await make();
      await store.recordClick(click);
      expect(await store.recordOpen({ ...click, customerId: 'c5' })).toBe(true);
      expect(await store.recordOpen({ ...click, customerId: 'c5' })).toBe(false);
    });

    it('counts one first click when the same click arrives five times at once', async () => {
      const store = await make();
      const results = await Promise.all(Array.from({ length: 5 }, () => store.recordClick({ ...click, customerId: 'c9' })));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
};
