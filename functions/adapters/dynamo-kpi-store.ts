// The month counters of the retention report on the single table (core/kpis.ts KpiStore).
//
// | entity      | pk                          | sk                      | attributes                                   |
// |-------------|-----------------------------|-------------------------|----------------------------------------------|
// | kpi month   | KPI#<timeZone>#<activeDays> | MONTH#<YYYY-MM>#<shard> | one number per counter (core/kpis.ts COUNTERS) |
//
// - ingest: one UpdateItem `ADD c1 :v1, c2 :v2, ...` per month the event changes (typically 1-3),
//   on the customer's shard (KPI_SHARDS, by a hash of the customer id) so a busy month is not
//   one hot item. ADD is atomic: concurrent ingest workers never lose a count.
// - report: one Query pk = KPI#zone#W AND sk <= "MONTH#<to>#~" (paged, 1 MB a page): its items
//   grow with months x shards, never with customers.
// - rebuild: the scope's items are deleted and written again from the profiles.
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { COUNTERS, addChanges, type Counter, type KpiScope, type KpiStore, type MonthChanges } from '#core/kpis';
import { queryAll } from './query-all';

export interface DynamoKpiStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const scopePk = (scope: KpiScope): string => `KPI#${scope.timeZone}#${scope.activeDays}`;
const monthSk = (month: string, shard: number): string => `MONTH#${month}#${shard}`;

export const createDynamoKpiStore = ({ client, tableName }: DynamoKpiStoreOptions): KpiStore => {
  const monthItems = (scope: KpiScope, toMonth: string): Promise<Record<string, unknown>[]> =>
    queryAll(client, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':pk': scopePk(scope), ':first': 'MONTH#', ':last': `MONTH#${toMonth}#~` },
    });

  const write = async (scope: KpiScope, shard: number, month: string, changes: Partial<Record<Counter, number>>): Promise<void> => {
    const entries = Object.entries(changes).filter(([, v]) => v !== 0);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':entity': 'kpiMonth', ':month': month };
    const adds = entries.map(([counter, v], i) => {
      names[`#c${i}`] = counter;
      values[`:v${i}`] = v;
      return `#c${i} :v${i}`;
    });
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: scopePk(scope), sk: monthSk(month, shard) },
        UpdateExpression: `SET entity = :entity, #month = :month ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: { ...names, '#month': 'month' },
        ExpressionAttributeValues: values,
      }),
    );
  };

  return {
    async addChanges(scope, shard, changes) {
      await Promise.all([...changes].map(([month, c]) => write(scope, shard, month, c)));
    },
    async monthChanges(scope, toMonth) {
      const total: MonthChanges = new Map();
      for (const item of await monthItems(scope, toMonth)) {
        const changes: Partial<Record<Counter, number>> = {};
        for (const counter of COUNTERS) if (typeof item[counter] === 'number' && item[counter] !== 0) changes[counter] = item[counter];
        addChanges(total, new Map([[item.month as string, changes]]));
      }
      return total;
    },
    async replaceAll(scope, changes) {
      const old = await monthItems(scope, '9999-12');
      for (let i = 0; i < old.length; i += 25) {
        const deletes = old.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
        let pending: typeof deletes | undefined = deletes;
        while (pending && pending.length > 0) {
          const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          pending = result.UnprocessedItems?.[tableName] as typeof deletes | undefined;
        }
      }
      for (const [month, c] of changes) await write(scope, 0, month, c);
    },
  };
};
