// The in-memory twin of dynamo-personal-data.ts over the memory stores (unit tests, the memory
// runtime): the same erase and export reads, held to the same GDPR scenario.
import { randomBytes } from 'node:crypto';
import type { ClickRecord, ErasureRecord, PersonalDataStore } from '#core/gdpr';
import type { MemoryStore } from './memory-store';
import type { MemoryDeliveryStore } from './memory-delivery-store';
import type { MemoryClickStore } from './memory-click-store';
import type { FeedbackStore } from '#core/delivery/feedback';
import type { MemoryFunnelStore } from './memory-funnel-store';

export interface MemoryPersonalDataStores {
  customers: MemoryStore;
  delivery: MemoryDeliveryStore;
  clicks: MemoryClickStore;
  feedback: Pick<FeedbackStore, 'softBounceRuns' | 'clearSoftBounceRun'>;
  /** Last click, A/B memberships and unique-clicker marks (core/attribution.ts). */
  funnels?: MemoryFunnelStore;
}

export const createMemoryPersonalData = (stores: MemoryPersonalDataStores): PersonalDataStore => {
  const erasures = new Map<string, ErasureRecord>();
  let salt: string | undefined;
  return {
    async clicksOf(customerId, occurrenceIds) {
      return stores.clicks
        .clicksOf(customerId, occurrenceIds)
        .map((c): ClickRecord => (c.link === undefined ? { occurrenceId: c.occurrenceId, kind: 'open', at: new Date(c.atMs).toISOString() } : { occurrenceId: c.occurrenceId, kind: 'click', link: c.link, at: new Date(c.atMs).toISOString() }))
        .sort((a, b) => a.at.localeCompare(b.at));
    },
    async eraseItems(customerId, occurrenceIds, dueDeliveryIds) {
      let n = stores.customers.erasePartition(customerId);
      if ((await stores.feedback.softBounceRuns([customerId])).has(customerId)) {
        await stores.feedback.clearSoftBounceRun(customerId);
        n++;
      }
      if (stores.delivery.capSlots.delete(customerId)) n++;
      for (const occurrenceId of occurrenceIds) if (stores.delivery.deleteLedger({ occurrenceId, customerId })) n++;
      await stores.delivery.removeDueDeliveries(dueDeliveryIds.map((deliveryId) => ({ deliveryId })));
      // The due references live in the customer's partition on DynamoDB: gone with it.
      if (stores.delivery.dueRefs.delete(customerId)) n++;
      return n + stores.clicks.eraseClicks(customerId, occurrenceIds) + (stores.funnels?.eraseCustomer(customerId, occurrenceIds) ?? 0);
    },
    async eraseRejections(days, needles) {
      return stores.customers.eraseRejections(days, needles);
    },
    async salt() {
      salt ??= randomBytes(32).toString('hex');
      return salt;
    },
    async putErasure(emailHash, record) {
      erasures.set(emailHash, { ...record });
    },
    async getErasure(emailHash) {
      const found = erasures.get(emailHash);
      return found && { ...found };
    },
  };
};
