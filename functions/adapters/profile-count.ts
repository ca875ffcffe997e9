// ProfileCounter adapters: DynamoDB's DescribeTable ItemCount of the sparse "profiles" index
// (one cheap control-plane call, refreshed by DynamoDB about every 6 hours), and an exact count
// over any CustomerStore's scan as the in-memory twin.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProfileCounter } from '#core/delivery/ports';
import type { CustomerStore } from '#core/store';
import { PROFILE_INDEX } from './table';

export class DynamoProfileCounter implements ProfileCounter {
  constructor(
    private readonly client: DynamoDBClient | DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async approximateProfileCount(): Promise<number> {
    const { Table } = await (this.client as DynamoDBClient).send(new DescribeTableCommand({ TableName: this.tableName }));
    const index = Table?.GlobalSecondaryIndexes?.find((gsi) => gsi.IndexName === PROFILE_INDEX.indexName);
    if (!index) throw new Error(`table ${this.tableName} has no "${PROFILE_INDEX.indexName}" index; deploy the current stack`);
    return index.ItemCount ?? 0;
  }
}

/** Counts every profile through the store's scan (tests, local runs): exact, O(profiles). */
export const scanningProfileCounter = (store: Pick<CustomerStore, 'scanProfiles'>): ProfileCounter => ({
  async approximateProfileCount() {
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await store.scanProfiles(0, 1, { limit: 1000, ...(cursor ? { cursor } : {}) });
      count += page.items.length;
      cursor = page.cursor;
    } while (cursor);
    return count;
  },
});
