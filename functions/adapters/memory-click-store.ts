// The in-memory twin of dynamo-click-store.ts: first click per (mail, link) and counts per link.
import type { ClickRecorder } from '../track/app';
import type { ClickCounts } from '#core/report';

export interface MemoryClickStore extends ClickRecorder, ClickCounts {
  /** First clicks per link index of an occurrence. */
  counts(occurrenceId: string): Record<number, number>;
  /** GDPR: a recipient's first clicks and opens in these occurrences (link absent for an open). */
  clicksOf(customerId: string, occurrenceIds: readonly string[]): { occurrenceId: string; link?: number; atMs: number }[];
  /** GDPR erase: forgets them; answers how many. */
  eraseClicks(customerId: string, occurrenceIds: readonly string[]): number;
}

export const createMemoryClickStore = (): MemoryClickStore => {
  const seen = new Map<string, number>();
  const counts = new Map<string, Record<number, number>>();
  const opens = new Map<string, number>();
  return {
    async recordOpen({ occurrenceId, customerId, atMs }) {
      const key = JSON.stringify([occurrenceId, customerId]);
      if (opens.has(key)) return false;
      opens.set(key, atMs);
      return true;
    },
    async recordClick({ occurrenceId, customerId, link, atMs }) {
      const key = JSON.stringify([occurrenceId, customerId, link]);
      if (seen.has(key)) return false;
      seen.set(key, atMs);
      const perLink = counts.get(occurrenceId) ?? {};
      perLink[link] = (perLink[link] ?? 0) + 1;
      counts.set(occurrenceId, perLink);
      return true;
    },
    counts: (occurrenceId) => ({ ...(counts.get(occurrenceId) ?? {}) }),
    async uniqueClicks(campaignId) {
      const out = new Map<string, number>();
      for (const [occurrenceId, perLink] of counts) {
        if (occurrenceId.startsWith(`${campaignId}:`)) out.set(occurrenceId, Object.values(perLink).reduce((a, b) => a + b, 0));
      }
      return out;
    },
    clicksOf(customerId, occurrenceIds) {
      const out: { occurrenceId: string; link?: number; atMs: number }[] = [];
      for (const [key, atMs] of seen) {
        const [occurrenceId, customer, link] = JSON.parse(key) as [string, string, number];
        if (customer === customerId && occurrenceIds.includes(occurrenceId)) out.push({ occurrenceId, link, atMs });
      }
      for (const [key, atMs] of opens) {
        const [occurrenceId, customer] = JSON.parse(key) as [string, string];
        if (customer === customerId && occurrenceIds.includes(occurrenceId)) out.push({ occurrenceId, atMs });
      }
      return out;
    },
    eraseClicks(customerId, occurrenceIds) {
      let n = 0;
      for (const map of [seen, opens]) {
        for (const key of [...map.keys()]) {
          const [occurrenceId, customer] = JSON.parse(key) as [string, string];
          if (customer === customerId && occurrenceIds.includes(occurrenceId) && map.delete(key)) n++;
        }
      }
      return n;
    },
  };
};
