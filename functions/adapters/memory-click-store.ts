// The in-memory twin of dynamo-click-store.ts: first click per (mail, link) and counts per link.
import type { ClickRecorder } from '../track/app';

export interface MemoryClickStore extends ClickRecorder {
  /** First clicks per link index of an occurrence. */
  counts(occurrenceId: string): Record<number, number>;
}

export const createMemoryClickStore = (): MemoryClickStore => {
  const seen = new Set<string>();
  const counts = new Map<string, Record<number, number>>();
  const opens = new Set<string>();
  return {
    async recordOpen({ occurrenceId, customerId }) {
      const key = JSON.stringify([occurrenceId, customerId]);
      if (opens.has(key)) return false;
      opens.add(key);
      return true;
    },
    async recordClick({ occurrenceId, customerId, link }) {
      const key = JSON.stringify([occurrenceId, customerId, link]);
      if (seen.has(key)) return false;
      seen.add(key);
      const perLink = counts.get(occurrenceId) ?? {};
      perLink[link] = (perLink[link] ?? 0) + 1;
      counts.set(occurrenceId, perLink);
      return true;
    },
    counts: (occurrenceId) => ({ ...(counts.get(occurrenceId) ?? {}) }),
  };
};
