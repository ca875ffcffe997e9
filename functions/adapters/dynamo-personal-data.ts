// The personal-data side of the single table for GDPR export and erasure (core/gdpr.ts):
//
// | entity          | pk                              | sk             | how                                             |
// |-----------------|---------------------------------|----------------|-------------------------------------------------|
// | customer items  | CUST#<customerId>               | any            | Query pk (profile, EV# history, APPLIED# markers, SOFTBOUNCE) + BatchWrite deletes |
// | cap slots       | CAP#<customerId>                | CAP            | BatchWrite delete                               |
// | ledger          | SEND#<occurrenceId>#<customer>  | LEDGER         | BatchGet (which exist), BatchWrite delete       |
// | clicks / opens  | CLICK#<occurrenceId>#<customer> | LINK#<n>, OPEN | Query pk per occurrence; BatchWrite delete      |
// | due delivery    | DUE#<deliveryId>                | DUE            | BatchWrite delete (the customer's confirmation mails) |
// | rejection       | REJECT#<day>                    | <key>          | Query pk per day, FilterExpression contains(body, needle); delete matches |
// | erasure record  | ERASED#<sha256(salt + email)>   | ERASED         | Put (erase of an unsubscribed/complained customer); Get (ingest, per registration) |
// | salt            | GDPR                            | SALT           | Put attribute_not_exists once (random 32 bytes); Get |
import { createHash, randomBytes } from 'node:crypto';
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ClickRecord, ErasureRecord, PersonalDataStore } from '#core/gdpr';
import { chunk } from '#core/delivery/messages';

type Key = { pk: string; sk: string };

/** sha256 of the installation's salt and the trimmed, lower-cased address, hex. */
export const hashEmail = (salt: string, email: string): string => createHash('sha256').update(salt).update('\u0000').update(email.trim().toLowerCase()).digest('hex');

export interface DynamoPersonalDataOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export const createDynamoPersonalData = ({ client, tableName }: DynamoPersonalDataOptions): PersonalDataStore => {
  const queryAll = async (input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await client.send(new QueryCommand({ TableName: tableName, ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  };
  const existing = async (keys: Key[]): Promise<Key[]> => {
    const found: Key[] = [];
    for (const part of chunk(keys, 100)) {
      let pending: Key[] = part;
      for (let round = 0; pending.length > 0; round++) {
        if (round > 8) throw new Error(`personal data: ${pending.length} keys still unprocessed by BatchGetItem`);
        const out = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'pk, sk' } } }));
        found.push(...((out.Responses?.[tableName] ?? []) as Key[]));
        pending = (out.UnprocessedKeys?.[tableName]?.Keys as Key[] | undefined) ?? [];
      }
    }
    return found;
  };
  const deleteAll = async (keys: Key[]): Promise<number> => {
    for (const part of chunk(keys, 25)) {
      let pending = part.map((Key) => ({ DeleteRequest: { Key } }));
      for (let round = 0; pending.length > 0; round++) {
        if (round > 8) throw new Error(`personal data: ${pending.length} deletes still unprocessed by BatchWriteItem`);
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] as typeof pending | undefined) ?? [];
      }
    }
    return keys.length;
  };
  const clickItems = async (customerId: string, occurrenceIds: readonly string[]) =>
    (await Promise.all(occurrenceIds.map((occurrenceId) => queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CLICK#${occurrenceId}#${customerId}` }, ConsistentRead: true }).then((items) => items.map((item) => ({ occurrenceId, item })))))).flat();

  return {
    async clicksOf(customerId, occurrenceIds) {
      return (await clickItems(customerId, occurrenceIds))
        // The partition also holds the funnel's unique-clicker marker (sk CLICKER): erased, not a click.
        .filter(({ item }) => item.sk === 'OPEN' || String(item.sk).startsWith('LINK#'))
        .map(({ occurrenceId, item }): ClickRecord => {
          const sk = String(item.sk);
          return sk === 'OPEN' ? { occurrenceId, kind: 'open', at: String(item.at) } : { occurrenceId, kind: 'click', link: Number(sk.slice('LINK#'.length)), at: String(item.at) };
        })
        .sort((a, b) => a.at.localeCompare(b.at));
    },
    async eraseItems(customerId, occurrenceIds, dueDeliveryIds) {
      const partition = (await queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CUST#${customerId}` }, ProjectionExpression: 'pk, sk', ConsistentRead: true })) as Key[];
      const maybe: Key[] = [
        { pk: `CAP#${customerId}`, sk: 'CAP' },
        ...occurrenceIds.map((occurrenceId) => ({ pk: `SEND#${occurrenceId}#${customerId}`, sk: 'LEDGER' })),
        ...dueDeliveryIds.map((id) => ({ pk: `DUE#${id}`, sk: 'DUE' })),
      ];
      const clicks = (await clickItems(customerId, occurrenceIds)).map(({ item }) => ({ pk: String(item.pk), sk: String(item.sk) }));
      return deleteAll([...partition, ...(await existing(maybe)), ...clicks]);
    },
    async eraseRejections(days, needles) {
      const names = Object.fromEntries(needles.map((_, i) => [`:n${i}`, needles[i]]));
      const filter = needles.map((_, i) => `contains(body, :n${i})`).join(' OR ');
      const matches = (
        await Promise.all(
          days.map((day) => queryAll({ KeyConditionExpression: 'pk = :pk', FilterExpression: filter, ExpressionAttributeValues: { ':pk': `REJECT#${day}`, ...names }, ProjectionExpression: 'pk, sk' })),
        )
      ).flat() as Key[];
      return deleteAll(matches);
    },
    async salt() {
      const key = { pk: 'GDPR', sk: 'SALT' };
      const read = async () => (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item?.salt as string | undefined;
      const found = await read();
      if (found) return found;
      try {
        await client.send(new PutCommand({ TableName: tableName, Item: { ...key, entity: 'salt', salt: randomBytes(32).toString('hex') }, ConditionExpression: 'attribute_not_exists(pk)' }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
      return (await read())!;
    },
    async putErasure(emailHash, record) {
      await client.send(new PutCommand({ TableName: tableName, Item: { pk: `ERASED#${emailHash}`, sk: 'ERASED', entity: 'erasure', ...record } }));
    },
    async getErasure(emailHash) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: `ERASED#${emailHash}`, sk: 'ERASED' } }));
      return Item ? ({ reason: Item.reason, erasedAt: Item.erasedAt } as ErasureRecord) : undefined;
    },
  };
};
