// The in-memory twin of dynamo-feedback-store.ts (unit tests, replay, benchmarks); same contract
// (test/unit/feedback-store-contract.ts).
import type { FeedbackStore, ReputationCounts } from '#core/delivery/feedback';
import { feedbackMarkerId } from './dynamo-feedback-store';
import type { BreakerState, BreakerStore } from '#core/delivery/breaker';

export interface MemoryFeedbackStore extends FeedbackStore {
  /** Every stored item's key, for erase tests that look for a customer's traces. */
  keys(): string[];
}

export const createMemoryFeedbackStore = (): MemoryFeedbackStore => {
  const markers = new Set<string>();
  const runs = new Map<string, { n: number; keys: Set<string> }>();
  const reputation = new Map<string, ReputationCounts>();
  return {
    async markFeedback(key) {
      const id = feedbackMarkerId(key);
      if (markers.has(id)) return false;
      markers.add(id);
      return true;
    },
    async softBounceRuns(customerIds) {
      const out = new Map<string, number>();
      for (const id of customerIds) {
        const run = runs.get(id);
        if (run) out.set(id, run.n);
      }
      return out;
    },
    async addSoftBounce(customerId, key) {
      const run = runs.get(customerId) ?? { n: 0, keys: new Set<string>() };
      if (!run.keys.has(key)) {
        run.n += 1;
        run.keys.add(key);
      }
      runs.set(customerId, run);
      return run.n;
    },
    async clearSoftBounceRun(customerId) {
      runs.delete(customerId);
    },
    async addReputation(bucket, shard, counts) {
      const id = `${bucket}#${shard}`;
      const cur = reputation.get(id) ?? { sends: 0, bounces: 0, complaints: 0 };
      reputation.set(id, { sends: cur.sends + counts.sends, bounces: cur.bounces + counts.bounces, complaints: cur.complaints + counts.complaints });
    },
    async readReputation(buckets, shards) {
      return buckets.map((bucket) => {
        const sum = { sends: 0, bounces: 0, complaints: 0 };
        for (let s = 0; s < shards; s++) {
          const c = reputation.get(`${bucket}#${s}`);
          if (!c) continue;
          sum.sends += c.sends;
          sum.bounces += c.bounces;
          sum.complaints += c.complaints;
        }
        return sum;
      });
    },
    keys: () => [...markers, ...[...runs.keys()].map((id) => `SOFTBOUNCE#${id}`)],
  };
};

/** The in-memory breaker (same contract as createDynamoBreakerStore). */
export const createMemoryBreakerStore = (): BreakerStore => {
  let stored: BreakerState | undefined;
  return {
    async getBreaker() {
      return stored && structuredClone(stored);
    },
    async putBreaker(state, expectedTrippedAt) {
      const ok = expectedTrippedAt === undefined ? !stored || stored.state === 'closed' : stored?.trippedAt === expectedTrippedAt;
      if (ok) stored = structuredClone(state);
      return ok;
    },
    async admitTest(n, budget, trippedAt) {
      if (!stored || stored.trippedAt !== trippedAt || (stored.testAdmitted ?? 0) + n > budget) return false;
      stored.testAdmitted = (stored.testAdmitted ?? 0) + n;
      return true;
    },
    async addTestOutcomes(counts, trippedAt) {
      if (!stored || stored.trippedAt !== trippedAt) return;
      const t = stored.test ?? { sends: 0, bounces: 0, complaints: 0 };
      stored.test = { sends: t.sends + counts.sends, bounces: t.bounces + counts.bounces, complaints: t.complaints + counts.complaints };
    },
  };
};
