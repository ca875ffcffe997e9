// The contract both breaker stores keep (memory twin in unit tests, DynamoDB on dynalite).
import { describe, expect, it } from 'vitest';
import { DEFAULT_BREAKER_CONFIG, lifted, tripped, type BreakerStore } from '#core/delivery/breaker';

export const breakerStoreContract = (name: string, make: () => Promise<BreakerStore>): void => {
  describe(`breaker store contract: ${name}`, () => {
    const at = new Date('2026-12-01T08:00:00Z');
    const trip = tripped('bounce rate 5%', at, DEFAULT_BREAKER_CONFIG);

    it('trips once: a second trip while tripped is refused', async () => {
      const store = await make();
      expect(await store.getBreaker()).toBeUndefined();
      expect(await store.putBreaker(trip, undefined)).toBe(true);
      expect(await store.putBreaker(tripped('other', at, DEFAULT_BREAKER_CONFIG), undefined)).toBe(false);
      expect(await store.getBreaker()).toEqual(trip);
    });

    it('lifts only the trip it read, and trips again after a lift', async () => {
      const store = await make();
      await store.putBreaker(trip, undefined);
      expect(await store.putBreaker(lifted('person', at), 'another-time')).toBe(false);
      expect(await store.putBreaker(lifted('person', at), trip.trippedAt)).toBe(true);
      expect(await store.putBreaker(trip, undefined)).toBe(true);
    });

    it('admits test recipients up to the budget and adds the test outcomes', async () => {
      const store = await make();
      await store.putBreaker(trip, undefined);
      expect(await store.admitTest(50, 100, trip.trippedAt!)).toBe(true);
      expect(await store.admitTest(50, 100, trip.trippedAt!)).toBe(true);
      expect(await store.admitTest(1, 100, trip.trippedAt!)).toBe(false);
      await store.addTestOutcomes({ sends: 40, bounces: 1, complaints: 0 }, trip.trippedAt!);
      await store.addTestOutcomes({ sends: 10, bounces: 0, complaints: 1 }, trip.trippedAt!);
      expect(await store.getBreaker()).toMatchObject({ testAdmitted: 100, test: { sends: 50, bounces: 1, complaints: 1 } });
    });
  });
};
