// DeliveryStore on the single DynamoDB table: conditional writes only (no transactions; dynalite
// has none). Access patterns:
//
// | entity            | pk                        | sk                        | how it is read / written                                   |
// |-------------------|---------------------------|---------------------------|-------------------------------------------------------------|
// | campaign catalog  | CAMPAIGNS                 | CAMPAIGN#<id>             | Query pk (tick, every minute; small: no content)            |
// | published campaign| CAMPAIGN#<id>             | PUBLISHED                 | Get (audience, send; cached per container)                  |
// | campaign version  | CAMPAIGN#<id>             | VERSION#<000042>          | Put attribute_not_exists (publish); Get (occurrence's version); Query + Delete beyond the last N |
// | campaign hold     | CAMPAIGNS                 | CAMPAIGN#<id>             | attribute `hold` on the catalog item (pause/archive), kept by publish |
// | segment / catalog | DEFINITIONS               | <segment|rewardCatalog>#<id> | Put (publish); Query (publish's diff)                    |
// | occurrence        | CAMPAIGN#<id>             | OCC#<suffix>              | Put attribute_not_exists (tick); Get; Query begins_with OCC# |
// |   + stats         |   (same item)             |                           | UpdateItem ADD stat_<outcome> (send, once per message)      |
// | campaign stats    | CAMPAIGN#<id>             | STATS                     | the same ADD beside it (all occurrences); Get (report)      |
// | tick watermark    | TICK                      | WATERMARK                 | Get (tick); Update watermarkMs only forward (condition <)   |
// | held work         | CAMPAIGN#<id>             | HELD#<suffix>#<msg key>   | Put (paused send); Query + Delete (resume)                  |
// | pause marker      | PAUSED                    | <occurrenceId>            | Put (pause); Query pk (tick, resume); Delete (resume)       |
// | send ledger       | SEND#<occurrenceId>#<cust>| LEDGER                    | Update with condition (claim/transition); TTL expiresAt     |
// | frequency cap     | CAP#<customerId>          | CAP                       | BatchGet (send); Update slot s<i> with condition            |
// | due delivery      | DUE#<deliveryId>          | DUE                       | gsi3pk DUE#<YYYY-MM-DDTHH:MM>, gsi3sk <dueAt>#<id>: Query pages; BatchWrite deletes (25) |
// |   + next bucket   |   (same item)             |                           | gsi1pk DUEHOUR#<YYYY-MM-DDTHH>, gsi1sk <YYYY-MM-DDTHH:MM>#<id>: Query sk >= bucket, Limit 1 (tick skips empty minutes) |
// |   (upgrade)       |   (same item)             |                           | backfillDueIndex: Scan begins_with(pk, DUE#) AND attribute_not_exists(gsi1pk); Update SET gsi1 keys (and the next minute's gsi3pk when already due) if still there without them |
// | due reference     | CUST#<customerId>         | DUEREF#<deliveryId>       | Put before the due delivery; Query begins_with (GDPR erase); TTL expiresAt = due + 7 days |
//
// The ledger's partition key spreads writes over the key space (no hot partition per
// occurrence); counters are added once per send message (<= 100 recipients), not per mail.
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { summarizeCampaign, versionsToPrune } from '#core/delivery-store';
import type {
  CampaignHold,
  CampaignSummary,
  CampaignVersionInfo,
  ClaimResult,
  DeliveryStore,
  DueDelivery,
  LedgerCondition,
  LedgerKey,
  LedgerPatch,
  PauseCause,
  PausedOccurrence,
  PublishedCampaign,
  PublishedDefinition,
} from '#core/delivery-store';
import { parseOccurrenceId, type Occurrence, type OccurrenceState } from '#core/delivery/occurrence';
import { LEDGER_RETENTION_MS, type ClaimAs, type LedgerEntry } from '#core/delivery/ledger';
import { MAX_CAP, type CapSlots } from '#core/delivery/frequency-cap';
import type { SendWork } from '#core/delivery/messages';
import type { Tally } from '#core/delivery/outcomes';
import { chunk } from '#core/delivery/messages';
import { minuteBucket } from '#core/delivery/schedule-keys';
import type { Page } from '#core/store';

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';

const occurrenceKey = (occurrenceId: string) => {
  const { campaignId, suffix } = parseOccurrenceId(occurrenceId);
  return { pk: `CAMPAIGN#${campaignId}`, sk: `OCC#${suffix}` };
};
const ledgerKey = (key: LedgerKey) => ({ pk: `SEND#${key.occurrenceId}#${key.customerId}`, sk: 'LEDGER' });
const capKey = (customerId: string) => ({ pk: `CAP#${customerId}`, sk: 'CAP' });
const TICK_WATERMARK_KEY = { pk: 'TICK', sk: 'WATERMARK' };
const versionKey = (campaignId: string, version: number) => ({ pk: `CAMPAIGN#${campaignId}`, sk: `VERSION#${String(version).padStart(6, '0')}` });
const catalogKey = (campaignId: string) => ({ pk: 'CAMPAIGNS', sk: `CAMPAIGN#${campaignId}` });
const STAT_PREFIX = 'stat_';
/** BatchWriteItem takes at most 25 requests per call. */
const BATCH_WRITE_LIMIT = 25;
/** Rounds of resending UnprocessedItems before giving up (the next tick retries). */
const BATCH_WRITE_ATTEMPTS = 8;
/** A due reference outlives its delivery by a week (released deliveries are not looked up again). */
const DUE_REF_TTL_SECONDS = 7 * 86_400;

/** What `stammkunde upgrade` did to due deliveries written before they carried the gsi1 keys. */
export interface DueIndexBackfill {
  /** Due deliveries without the keys that the scan found. */
  found: number;
  /** Of those, the ones given the keys now. */
  updated: number;
  /** Of the updated, those already due: moved to the next minute's bucket so the next tick sends them (its window reaches back only a few minutes). */
  late: number;
  /** Of those, the ones released (deleted) or keyed by someone else between the scan and the update. */
  skipped: number;
  /** Delivery ids whose dueAt is no date: left as they are and named, for a person to look at. */
  unreadable: string[];
}

export interface DynamoDeliveryStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoDeliveryStore implements DeliveryStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(options: DynamoDeliveryStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
  }

  private async conditional(run: () => Promise<unknown>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async putCampaign(published: PublishedCampaign): Promise<void> {
    const { campaign } = published;
    // Definition first, catalog entry second: tick never sees a campaign it cannot load.
    await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: `CAMPAIGN#${campaign.id}`, sk: 'PUBLISHED', entity: 'campaign', published } }));
    // An update, not a put: a marketer's hold (attribute `hold`) survives a publish.
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: catalogKey(campaign.id),
        UpdateExpression: 'SET entity = :entity, summary = :summary',
        ExpressionAttributeValues: { ':entity': 'campaignSummary', ':summary': summarizeCampaign(published) },
      }),
    );
  }

  async putCampaignVersion(published: PublishedCampaign & { version: number }, keepVersions: number): Promise<boolean> {
    const { campaign, version } = published;
    const created = await this.conditional(() =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...versionKey(campaign.id, version), entity: 'campaignVersion', version, publishedAt: published.publishedAt, contentHash: published.contentHash, published },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!created) return false;
    await this.putCampaign(published);
    const stored = (await this.listCampaignVersions(campaign.id)).map((old) => old.version);
    for (const old of await versionsToPrune(stored, version, keepVersions, () => this.listOccurrences(campaign.id))) {
      await this.client.send(new DeleteCommand({ TableName: this.table, Key: versionKey(campaign.id, old) }));
    }
    return true;
  }

  async getCampaignVersion(campaignId: string, version: number): Promise<PublishedCampaign | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: versionKey(campaignId, version) }));
    return Item?.published as PublishedCampaign | undefined;
  }

  async listCampaignVersions(campaignId: string): Promise<CampaignVersionInfo[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': `CAMPAIGN#${campaignId}`, ':v': 'VERSION#' },
      ProjectionExpression: '#v, publishedAt, contentHash',
      ExpressionAttributeNames: { '#v': 'version' },
      ConsistentRead: true,
    });
    return items.map((item) => ({
      version: item.version as number,
      publishedAt: item.publishedAt as string,
      ...(typeof item.contentHash === 'string' ? { contentHash: item.contentHash } : {}),
    }));
  }

  async setCampaignHold(campaignId: string, hold: CampaignHold | undefined): Promise<boolean> {
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: catalogKey(campaignId),
          UpdateExpression: hold ? 'SET #hold = :hold' : 'REMOVE #hold',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#hold': 'hold' },
          ...(hold ? { ExpressionAttributeValues: { ':hold': hold } } : {}),
        }),
      ),
    );
  }

  async putDefinition(definition: PublishedDefinition): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: 'DEFINITIONS', sk: `${definition.type}#${definition.id}`, entity: 'definition', definition } }));
  }

  async listDefinitions(type: PublishedDefinition['type']): Promise<PublishedDefinition[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)', ExpressionAttributeValues: { ':pk': 'DEFINITIONS', ':t': `${type}#` } });
    return items.map((item) => item.definition as PublishedDefinition);
  }

  async getCampaign(campaignId: string): Promise<PublishedCampaign | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: `CAMPAIGN#${campaignId}`, sk: 'PUBLISHED' } }));
    return Item?.published as PublishedCampaign | undefined;
  }

  private async queryAll(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, TableName: this.table, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async listCampaigns(): Promise<CampaignSummary[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'CAMPAIGNS' } });
    return items.map((item) => {
      const summary = item.summary as CampaignSummary;
      const hold = item.hold as CampaignHold | undefined;
      return hold ? { ...summary, status: hold, hold } : summary;
    });
  }

  private toOccurrence(item: Record<string, unknown>): Occurrence | undefined {
    if (typeof item.createdAt !== 'string') return undefined;
    const stats: Record<string, number> = {};
    for (const [name, value] of Object.entries(item)) if (name.startsWith(STAT_PREFIX)) stats[name.slice(STAT_PREFIX.length)] = Number(value);
    return {
      occurrenceId: item.occurrenceId as string,
      campaignId: item.campaignId as string,
      scheduledAt: item.scheduledAt as string,
      state: item.state as OccurrenceState,
      totalSegments: item.totalSegments as number,
      createdAt: item.createdAt,
      ...(typeof item.pausedReason === 'string' ? { pausedReason: item.pausedReason } : {}),
      ...(typeof item.missedReason === 'string' ? { missedReason: item.missedReason } : {}),
      ...(typeof item.campaignVersion === 'number' ? { campaignVersion: item.campaignVersion } : {}),
      stats,
    };
  }

  async createOccurrence(occurrence: Occurrence): Promise<boolean> {
    const { stats: _stats, state, pausedReason: _reason, ...rest } = occurrence;
    const fields = Object.entries({ entity: 'occurrence', ...rest }).filter(([, v]) => v !== undefined);
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: occurrenceKey(occurrence.occurrenceId),
          // An item made earlier by stats/pause alone has no createdAt and may still be created:
          // an update keeps its stats and a pause it holds.
          UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :f${i}`).join(', ')}, #state = if_not_exists(#state, :state)`,
          ConditionExpression: 'attribute_not_exists(createdAt)',
          ExpressionAttributeNames: { ...Object.fromEntries(fields.map(([k], i) => [`#f${i}`, k])), '#state': 'state' },
          ExpressionAttributeValues: { ...Object.fromEntries(fields.map(([, v], i) => [`:f${i}`, v])), ':state': state },
        }),
      ),
    );
  }

  async getOccurrence(occurrenceId: string): Promise<Occurrence | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: occurrenceKey(occurrenceId), ConsistentRead: true }));
    return Item ? this.toOccurrence(Item) : undefined;
  }

  async listOccurrences(campaignId: string): Promise<Occurrence[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :occ)',
      ExpressionAttributeValues: { ':pk': `CAMPAIGN#${campaignId}`, ':occ': 'OCC#' },
      ConsistentRead: true,
    });
    return items.flatMap((item) => this.toOccurrence(item) ?? []);
  }

  async setOccurrenceState(occurrenceId: string, from: readonly OccurrenceState[], to: OccurrenceState, reason?: string): Promise<boolean> {
    const values: Record<string, unknown> = { ':to': to };
    from.forEach((state, i) => (values[`:f${i}`] = state));
    if (reason) values[':reason'] = reason;
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: occurrenceKey(occurrenceId),
          UpdateExpression: reason ? 'SET #state = :to, pausedReason = :reason' : 'SET #state = :to REMOVE pausedReason',
          ConditionExpression: `#state IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async getTickWatermark(): Promise<Date | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: TICK_WATERMARK_KEY, ConsistentRead: true }));
    return typeof Item?.watermarkMs === 'number' ? new Date(Item.watermarkMs) : undefined;
  }

  async advanceTickWatermark(to: Date): Promise<boolean> {
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: TICK_WATERMARK_KEY,
          UpdateExpression: 'SET watermarkMs = :to, watermark = :iso',
          // Concurrent or late ticks never move it back.
          ConditionExpression: 'attribute_not_exists(watermarkMs) OR watermarkMs < :to',
          ExpressionAttributeValues: { ':to': to.getTime(), ':iso': to.toISOString() },
        }),
      ),
    );
  }

  async pauseOccurrence(occurrenceId: string, reason: string, cause: PauseCause = 'account', atMs = 0): Promise<boolean> {
    // Marker first: a crash after it leaves a marker whose occurrence runs (tick clears it), never
    // a paused occurrence tick cannot find. A person's pause is not turned into the account's.
    await this.conditional(() =>
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: 'PAUSED', sk: occurrenceId, entity: 'pauseMarker', occurrenceId, reason, cause, pausedAtMs: atMs },
          ConditionExpression: 'attribute_not_exists(pk) OR #cause <> :person OR :cause = :person',
          ExpressionAttributeNames: { '#cause': 'cause' },
          ExpressionAttributeValues: { ':person': 'person', ':cause': cause },
        }),
      ),
    );
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: occurrenceKey(occurrenceId),
          UpdateExpression: 'SET #state = :paused, pausedReason = :reason',
          ConditionExpression: 'attribute_not_exists(#state) OR #state <> :paused',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':paused': 'paused', ':reason': reason },
        }),
      ),
    );
  }

  async resumeOccurrence(occurrenceId: string): Promise<boolean> {
    const resumed = await this.setOccurrenceState(occurrenceId, ['paused'], 'running');
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: { pk: 'PAUSED', sk: occurrenceId } }));
    return resumed;
  }

  async listPausedOccurrences(): Promise<PausedOccurrence[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'PAUSED' }, ConsistentRead: true });
    return items.map((item) => ({
      occurrenceId: item.occurrenceId as string,
      reason: item.reason as string,
      cause: item.cause as PauseCause,
      pausedAtMs: Number(item.pausedAtMs ?? 0),
    }));
  }

  async addStats(occurrenceId: string, tally: Tally): Promise<void> {
    const entries = Object.entries(tally).filter(([, n]) => (n ?? 0) > 0);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    entries.forEach(([outcome, n], i) => {
      names[`#s${i}`] = `${STAT_PREFIX}${outcome}`;
      values[`:s${i}`] = n ?? 0;
    });
    const add = (Key: { pk: string; sk: string }) =>
      this.client.send(new UpdateCommand({ TableName: this.table, Key, UpdateExpression: `ADD ${entries.map((_, i) => `#s${i} :s${i}`).join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values }));
    const key = occurrenceKey(occurrenceId);
    await Promise.all([add(key), add({ pk: key.pk, sk: 'STATS' })]);
  }

  async campaignStats(campaignId: string): Promise<Record<string, number>> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: `CAMPAIGN#${campaignId}`, sk: 'STATS' } }));
    const stats: Record<string, number> = {};
    for (const [name, value] of Object.entries(Item ?? {})) if (name.startsWith(STAT_PREFIX)) stats[name.slice(STAT_PREFIX.length)] = Number(value);
    return stats;
  }

  async claim(key: LedgerKey, owner: string, nowMs: number, leaseMs: number, as: ClaimAs = 'claimed'): Promise<ClaimResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: ledgerKey(key),
          UpdateExpression:
            'SET #state = :as, #owner = :owner, leaseUntilMs = :lease, claimedAtMs = :now, updatedAtMs = :now, occurrenceId = :occ, customerId = :cust, expiresAt = :exp ADD claims :one',
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND leaseUntilMs < :now)',
          ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':claimed': 'claimed',
            ':as': as,
            ':owner': owner,
            ':lease': nowMs + leaseMs,
            ':now': nowMs,
            ':occ': key.occurrenceId,
            ':cust': key.customerId,
            ':exp': Math.floor((nowMs + LEDGER_RETENTION_MS) / 1000),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { claimed: true, entry: Attributes as LedgerEntry };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.getLedger(key);
      if (!existing) throw new Error(`ledger entry ${key.occurrenceId}/${key.customerId} vanished during its claim`, { cause: error });
      return { claimed: false, existing };
    }
  }

  async transition(key: LedgerKey, condition: LedgerCondition, patch: LedgerPatch): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = { ':to': patch.state, ':at': patch.atMs };
    const sets = ['#state = :to', 'updatedAtMs = :at'];
    const set = (expression: string, name: string, value: unknown) => {
      if (value === undefined) return;
      sets.push(expression);
      values[name] = value;
    };
    set('leaseUntilMs = :lease', ':lease', patch.leaseUntilMs);
    set('messageId = :mid', ':mid', patch.messageId);
    set('reason = :reason', ':reason', patch.reason);
    condition.states.forEach((state, i) => (values[`:from${i}`] = state));
    const conditions = [`#state IN (${condition.states.map((_, i) => `:from${i}`).join(', ')})`];
    if (condition.owner !== undefined) {
      names['#owner'] = 'owner';
      values[':owner'] = condition.owner;
      conditions.push('#owner = :owner');
    }
    if (condition.leaseEndedBeforeMs !== undefined) {
      values[':before'] = condition.leaseEndedBeforeMs;
      conditions.push('leaseUntilMs < :before');
    }
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: ledgerKey(key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async getLedger(key: LedgerKey): Promise<LedgerEntry | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: ledgerKey(key), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, expiresAt: _exp, ...entry } = Item;
    return entry as LedgerEntry;
  }

  async getCapSlots(customerIds: readonly string[]): Promise<Map<string, CapSlots>> {
    const out = new Map<string, CapSlots>();
    for (const ids of chunk([...new Set(customerIds)], 100)) {
      let keys: Record<string, unknown>[] | undefined = ids.map(capKey);
      for (let attempt = 0; keys && keys.length > 0 && attempt < 8; attempt++) {
        const result: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of result.Responses?.[this.table] ?? []) {
          const slots: (string | undefined)[] = [];
          for (let i = 0; i < MAX_CAP; i++) slots.push(typeof item[`s${i}`] === 'string' ? (item[`s${i}`] as string) : undefined);
          out.set(String(item.pk).slice('CAP#'.length), slots);
        }
        keys = result.UnprocessedKeys?.[this.table]?.Keys;
        if (keys?.length) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      }
      if (keys?.length) throw new Error(`frequency cap: ${keys.length} keys stayed unprocessed`);
    }
    return out;
  }

  async takeCapSlot(customerId: string, index: number, expected: string | undefined, value: string): Promise<boolean> {
    return this.conditional(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: capKey(customerId),
          UpdateExpression: 'SET #slot = :value',
          ConditionExpression: expected === undefined ? 'attribute_not_exists(#slot)' : '#slot = :expected',
          ExpressionAttributeNames: { '#slot': `s${index}` },
          ExpressionAttributeValues: { ':value': value, ...(expected === undefined ? {} : { ':expected': expected }) },
        }),
      ),
    );
  }

  async holdWork(work: SendWork, key: string): Promise<void> {
    const { campaignId, suffix } = parseOccurrenceId(work.occurrenceId);
    await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: `CAMPAIGN#${campaignId}`, sk: `HELD#${suffix}#${key}`, entity: 'heldWork', key, work } }));
  }

  async listHeldWork(occurrenceId: string): Promise<{ key: string; work: SendWork }[]> {
    const { campaignId, suffix } = parseOccurrenceId(occurrenceId);
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :held)',
      ExpressionAttributeValues: { ':pk': `CAMPAIGN#${campaignId}`, ':held': `HELD#${suffix}#` },
      ConsistentRead: true,
    });
    return items.map((item) => ({ key: item.key as string, work: item.work as SendWork }));
  }

  async removeHeldWork(occurrenceId: string, key: string): Promise<void> {
    const { campaignId, suffix } = parseOccurrenceId(occurrenceId);
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: { pk: `CAMPAIGN#${campaignId}`, sk: `HELD#${suffix}#${key}` } }));
  }

  async putDueDelivery(delivery: DueDelivery): Promise<void> {
    const bucket = minuteBucket(new Date(delivery.dueAt));
    // The customer's reference first: a crash between the two leaves a reference to nothing, never
    // a delivery erase cannot find. It is not deleted on release; its TTL removes it.
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `CUST#${delivery.customerId}`, sk: `DUEREF#${delivery.deliveryId}`, entity: 'dueRef', expiresAt: Math.ceil(Date.parse(delivery.dueAt) / 1000) + DUE_REF_TTL_SECONDS },
      }),
    );
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `DUE#${delivery.deliveryId}`,
          sk: 'DUE',
          entity: 'dueDelivery',
          ...delivery,
          gsi3pk: `DUE#${bucket}`,
          gsi3sk: `${delivery.dueAt}#${delivery.deliveryId}`,
          // The same item by hour, sorted by bucket: nextDueBucket's Limit-1 Query (no marker to keep in step).
          gsi1pk: `DUEHOUR#${bucket.slice(0, 13)}`,
          gsi1sk: `${bucket}#${delivery.deliveryId}`,
        },
      }),
    );
  }

  async listDueDeliveries(bucket: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<DueDelivery>> {
    const start = options.cursor ? (JSON.parse(Buffer.from(options.cursor, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined;
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi3',
        KeyConditionExpression: 'gsi3pk = :b',
        ExpressionAttributeValues: { ':b': `DUE#${bucket}` },
        Limit: options.limit ?? 1000,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const items = Items.map((item) => ({
      deliveryId: item.deliveryId as string,
      dueAt: item.dueAt as string,
      occurrenceId: item.occurrenceId as string,
      campaignId: item.campaignId as string,
      customerId: item.customerId as string,
    }));
    return LastEvaluatedKey ? { items, cursor: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url') } : { items };
  }

  async nextDueBucket(from: string, until: string): Promise<string | undefined> {
    // One hour partition after the other (a tick's window is at most a few hours); in each, the
    // first item at or after `from` names the bucket.
    for (let hour = Date.parse(`${from.slice(0, 13)}:00Z`); ; hour += 3_600_000) {
      const partition = minuteBucket(new Date(hour)).slice(0, 13);
      if (!(partition <= until.slice(0, 13))) return undefined;
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :h AND gsi1sk >= :from',
          ExpressionAttributeValues: { ':h': `DUEHOUR#${partition}`, ':from': from },
          ProjectionExpression: 'gsi1sk',
          Limit: 1,
        }),
      );
      const found = Items[0] ? String(Items[0].gsi1sk).slice(0, from.length) : undefined;
      if (found !== undefined) return found <= until ? found : undefined;
    }
  }

  /**
   * Upgrade step (DynamoDB only; the in-memory store has no stored shape to upgrade): due
   * deliveries written before nextDueBucket existed have no gsi1 keys, so tick would never find
   * them. Pages through them (a Scan: a one-off over the table) and sets the keys putDueDelivery
   * writes now, each with an update conditional on the item still being there without them.
   * One due before `now`'s next minute is put in that minute's bucket (gsi3 and gsi1 alike): tick
   * reads only a few minutes behind its watermark, so its own bucket may never be read again.
   * Idempotent: a second run finds nothing.
   */
  async backfillDueIndex(now: Date, options: { pageSize?: number } = {}): Promise<DueIndexBackfill> {
    const nextMinute = minuteBucket(new Date(now.getTime() + 60_000));
    const result: DueIndexBackfill = { found: 0, updated: 0, late: 0, skipped: 0, unreadable: [] };
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(pk, :due) AND sk = :sk AND attribute_not_exists(gsi1pk)',
          ExpressionAttributeValues: { ':due': 'DUE#', ':sk': 'DUE' },
          ProjectionExpression: 'pk, deliveryId, dueAt',
          ConsistentRead: true,
          ...(options.pageSize ? { Limit: options.pageSize } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        result.found++;
        const deliveryId = String(item.deliveryId ?? String(item.pk).slice('DUE#'.length));
        const dueMs = Date.parse(String(item.dueAt));
        if (Number.isNaN(dueMs)) {
          result.unreadable.push(deliveryId);
          continue;
        }
        const own = minuteBucket(new Date(dueMs));
        const late = own < nextMinute;
        const bucket = late ? nextMinute : own;
        const set = await this.conditional(() =>
          this.client.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: `DUE#${deliveryId}`, sk: 'DUE' },
              UpdateExpression: 'SET gsi1pk = :h, gsi1sk = :s, gsi3pk = :m',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(gsi1pk)',
              ExpressionAttributeValues: { ':h': `DUEHOUR#${bucket.slice(0, 13)}`, ':s': `${bucket}#${deliveryId}`, ':m': `DUE#${bucket}` },
            }),
          ),
        );
        if (set) result.updated++;
        else result.skipped++;
        if (set && late) result.late++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return result;
  }

  async dueDeliveryIdsOf(customerId: string): Promise<string[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ref)',
      ExpressionAttributeValues: { ':pk': `CUST#${customerId}`, ':ref': 'DUEREF#' },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    return items.map((item) => String(item.sk).slice('DUEREF#'.length));
  }

  async removeDueDeliveries(deliveries: readonly Pick<DueDelivery, 'deliveryId'>[]): Promise<void> {
    for (const part of chunk(deliveries, BATCH_WRITE_LIMIT)) {
      let requests: BatchWriteCommandInput['RequestItems'] | undefined = {
        [this.table]: part.map((delivery) => ({ DeleteRequest: { Key: { pk: `DUE#${delivery.deliveryId}`, sk: 'DUE' } } })),
      };
      // UnprocessedItems come back under load: send those again with a short growing pause.
      for (let attempt = 0; requests && (requests[this.table]?.length ?? 0) > 0; attempt++) {
        if (attempt >= BATCH_WRITE_ATTEMPTS) throw new Error(`due deliveries: ${requests[this.table]!.length} deletes stayed unprocessed`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const result: BatchWriteCommandOutput = await this.client.send(new BatchWriteCommand({ RequestItems: requests }));
        requests = result.UnprocessedItems;
      }
    }
  }
}

export const createDynamoDeliveryStore = (options: DynamoDeliveryStoreOptions): DynamoDeliveryStore => new DynamoDeliveryStore(options);
