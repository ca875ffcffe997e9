import { describe, expect, it } from 'vitest';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { deliveryStoreContract } from './delivery-store-contract';

deliveryStoreContract('memory', async () => createMemoryDeliveryStore());

describe('memory delivery store', () => {
  it('still names the right next due bucket after thousands of buckets were filled, emptied and filled again', async () => {
    const store = createMemoryDeliveryStore();
    const at = (minute: number) => new Date(Date.UTC(2030, 0, 1) + minute * 60_000).toISOString();
    const delivery = (minute: number) => ({ deliveryId: `d${minute}`, dueAt: at(minute), occurrenceId: 'flow:1', campaignId: 'flow', customerId: `c${minute}` });
    for (let minute = 0; minute < 3_000; minute++) await store.putDueDelivery(delivery(minute));
    const all = async () => {
      const buckets: string[] = [];
      for (let from = at(0).slice(0, 16); ; ) {
        const next = await store.nextDueBucket(from, at(3_000).slice(0, 16));
        if (next === undefined) return buckets;
        buckets.push(next);
        from = new Date(Date.parse(`${next}Z`) + 60_000).toISOString().slice(0, 16);
      }
    };
    const minutes = (wanted: (minute: number) => boolean) => Array.from({ length: 3_000 }, (_, minute) => minute).filter(wanted);
    expect(await all()).toHaveLength(3_000);
    // Every bucket but the multiples of 7 emptied, two of them filled again before the next question.
    await store.removeDueDeliveries(minutes((minute) => minute % 7 !== 0).map(delivery));
    for (const minute of [1, 2_001]) await store.putDueDelivery(delivery(minute));
    expect(await all()).toEqual(minutes((minute) => minute % 7 === 0 || minute === 1 || minute === 2_001).map((minute) => at(minute).slice(0, 16)));
    await store.removeDueDeliveries([delivery(0), delivery(1)]);
    await store.putDueDelivery(delivery(5));
    expect(await all()).toEqual(minutes((minute) => (minute % 7 === 0 && minute !== 0) || minute === 5 || minute === 2_001).map((minute) => at(minute).slice(0, 16)));
  });
});
