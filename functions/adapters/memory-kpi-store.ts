// The in-memory twin of dynamo-kpi-store.ts: month counters per scope and shard.
import { addChanges, type KpiScope, type KpiStore, type MonthChanges } from '#core/kpis';

export interface MemoryKpiStore extends KpiStore {
  /** Reads made (one per monthChanges call, as the DynamoDB Query pages of a few months each). */
  readonly reads: number;
}

const scopeKey = (scope: KpiScope): string => `${scope.timeZone}#${scope.activeDays}`;

export const createMemoryKpiStore = (): MemoryKpiStore => {
  const scopes = new Map<string, Map<number, MonthChanges>>();
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    async addChanges(scope, shard, changes) {
      const shards = scopes.get(scopeKey(scope)) ?? new Map<number, MonthChanges>();
      scopes.set(scopeKey(scope), shards);
      shards.set(shard, addChanges(shards.get(shard) ?? new Map(), changes));
    },
    async monthChanges(scope, toMonth) {
      reads++;
      const total: MonthChanges = new Map();
      for (const changes of scopes.get(scopeKey(scope))?.values() ?? []) {
        addChanges(total, new Map([...changes].filter(([month]) => month <= toMonth)));
      }
      return total;
    },
    async replaceAll(scope, changes) {
      scopes.set(scopeKey(scope), new Map([[0, addChanges(new Map(), changes)]]));
    },
  };
};
