// The DynamoDB CustomerStore (single table, @aws-sdk/lib-dynamodb).
//
// ACCESS PATTERNS (entity: key -> attributes)
// | entity    | pk                  | sk                   | GSI                                          | used by                   |
// |-----------|---------------------|----------------------|----------------------------------------------|---------------------------|
// | profile   | CUST#<customerId>   | PROFILE              | gsi1pk EMAIL#<lower-case email>, gsi1sk CUST#<id>; gsi2pk BDAY#<MM-DD>, gsi2sk CUST#<id>; profilepk CUST#<id> (sparse index "profiles") | ingest (get, conditional put), track, send gates |
// | event     | CUST#<customerId>   | EV#<at UTC ISO>#<eventId> | -                                       | history of shop and own events, oldest first; TTL expiresAt = at + 25 months (data minimisation) |
// | applied   | CUST#<customerId>   | APPLIED#<eventId>    | -                                            | dedup marker per applied event id (TTL DEDUP_MARKER_TTL_DAYS) |
// | rejection | REJECT#<YYYY-MM-DD> | <event id or SQS message id> | -                                   | bad events by day received (TTL 90 days)     |
// - get profile: GetItem(CUST#id, PROFILE), consistent read.
// - apply event once: BatchGet (consistent) of the profile and the event id's marker; a marker, or
//   the id in the profile's `applied`, means duplicate. Else mutate; refuse (as a value) a profile
//   item over PROFILE_ITEM_LIMIT_BYTES; put a marker (attribute_not_exists) for every id in the
//   item's `applied`; then PutItem the profile with `applied` = [this event] and
//   `version = :expected` (or attribute_not_exists(pk) for a new customer). A conflicting writer
//   makes the condition fail: re-read and retry (no transactions needed, which dynalite lacks).
//   Events for one customer are thereby serialized.
//   Crash order: an applied id is on the profile from the write that applied it until a later
//   write removes it, and that write puts its marker first. A crash between any two steps
//   leaves the id findable (on the profile or as a marker), so nothing is applied twice, and no
//   marker exists for an event whose profile write did not happen, so nothing is lost. The
//   window cannot roll over: ids leave the profile only into markers, which live 90 days.
//   Cost per event: one BatchGet, two PutItems (this profile, the previous event's marker).
// - history: PutItem per record (key derived from time and id, so a replay overwrites itself);
//   Query pk = CUST#id AND begins_with(sk, "EV#").
// - rejections: UpdateItem SET fields ADD attempts 1 (a redrive counts, never duplicates);
//   Query pk = REJECT#day.
// - audience shards: parallel Scan (Segment/TotalSegments) of the sparse index "profiles", which
//   only profile items enter (they alone carry profilepk) and which projects `profile` only: no
//   event, ledger or rejection item is read, and no `applied` window is paid for.
// - email -> customer: Query gsi1 (gsi1pk = EMAIL#lower-case). Placeholders carry no email.
// - birthday -> customers: Query gsi2 (gsi2pk = BDAY#MM-DD), same for "YYYY-MM-DD" and "--MM-DD".
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PROFILE_INDEX } from '#adapters/table';
import type { Profile } from '#core/profile';
import {
  DEDUP_MARKER_TTL_DAYS,
  HISTORY_RETENTION_MONTHS,
  historyExpiresAt,
  PROFILE_ITEM_LIMIT_BYTES,
  birthdayMonthDay,
  itemBytes,
  profileTooLarge,
  type AppliedEvent,
  type ApplyOutcome,
  type CustomerEventRecord,
  type CustomerStore,
  type Page,
  type ProfileMutation,
  type Rejection,
  type StoredRejection,
} from '#core/store';

/** Optimistic-concurrency rounds before applyAtomically gives up (the SQS redelivery retries). */
export const MAX_APPLY_ATTEMPTS = 20;
/** Rejections expire after this many days (they hold raw bodies with personal data). */
export const REJECTION_TTL_DAYS = 90;
/** Raw bodies are kept up to this many characters (an item holds at most 400 KB). */
export const REJECTION_BODY_LIMIT = 100_000;

const PROFILE_SK = 'PROFILE';
/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;
const customerPk = (customerId: string) => `CUST#${customerId}`;
const markerSk = (eventId: string) => `APPLIED#${eventId}`;

interface MarkerItem extends AppliedEvent {
  pk: string;
  sk: string;
  entity: 'applied';
  expiresAt: number;
}

interface ProfileItem {
  pk: string;
  sk: string;
  entity: 'customer';
  version: number;
  /** Applied by the writes since their markers were put (normally the last event alone). */
  applied: AppliedEvent[];
  profile: Profile;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk?: string;
  gsi2sk?: string;
  /** Puts the item into the sparse "profiles" index (the audience scan). */
  profilepk: string;
}

const encodeCursor = (key: Record<string, unknown> | undefined): string | undefined =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
const decodeCursor = (cursor: string | undefined): Record<string, unknown> | undefined =>
  cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined;
const withCursor = <T>(items: T[], key: Record<string, unknown> | undefined): Page<T> => {
  const cursor = encodeCursor(key);
  return cursor ? { items, cursor } : { items };
};

const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Epoch ms for the dedup markers' TTL. @default Date.now */
  now?: () => number;
  /** Months an event stays in the history after it happened (TTL). @default HISTORY_RETENTION_MONTHS (25) */
  historyRetentionMonths?: number;
}

export class DynamoStore implements CustomerStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly historyRetentionMonths: number;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
    this.historyRetentionMonths = options.historyRetentionMonths ?? HISTORY_RETENTION_MONTHS;
  }

  /** The profile item and, if any, the marker of `eventId`: one consistent BatchGet. */
  private async getProfileAndMarker(customerId: string, eventId: string): Promise<{ item?: ProfileItem; marker?: MarkerItem }> {
    const found: { item?: ProfileItem; marker?: MarkerItem } = {};
    let keys: Record<string, unknown>[] | undefined = [
      { pk: customerPk(customerId), sk: PROFILE_SK },
      { pk: customerPk(customerId), sk: markerSk(eventId) },
    ];
    for (let round = 0; keys && keys.length > 0; round++) {
      if (round > 0) await pause(Math.min(1000, 25 * 2 ** round));
      const result: BatchGetCommandOutput = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        if (item.sk === PROFILE_SK) found.item = item as ProfileItem;
        else found.marker = item as MarkerItem;
      }
      keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
    }
    return found;
  }

  /** Puts a marker unless one exists (a healing writer may have put it already). */
  private async putMarker(customerId: string, applied: AppliedEvent): Promise<void> {
    const marker: MarkerItem = {
      pk: customerPk(customerId),
      sk: markerSk(applied.id),
      entity: 'applied',
      id: applied.id,
      own: applied.own,
      expiresAt: Math.floor(this.now() / 1000) + DEDUP_MARKER_TTL_DAYS * 86_400,
    };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: marker, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async getProfileItem(customerId: string): Promise<ProfileItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: customerPk(customerId), sk: PROFILE_SK }, ConsistentRead: true }),
    );
    return Item as ProfileItem | undefined;
  }

  async getProfile(customerId: string): Promise<Profile | undefined> {
    return (await this.getProfileItem(customerId))?.profile;
  }

  async getProfiles(customerIds: readonly string[]): Promise<Map<string, Profile>> {
    const found = new Map<string, Profile>();
    const unique = [...new Set(customerIds)];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(start, start + BATCH_GET_LIMIT)
        .map((id) => ({ pk: customerPk(id), sk: PROFILE_SK }));
      // UnprocessedKeys come back under load: ask again for those, with a short growing pause.
      for (let round = 0; keys && keys.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of (result.Responses?.[this.tableName] ?? []) as ProfileItem[]) {
          found.set(item.profile.customerId, item.profile);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async applyAtomically(customerId: string, eventId: string, mutate: ProfileMutation): Promise<ApplyOutcome> {
    for (let attempt = 1; attempt <= MAX_APPLY_ATTEMPTS; attempt++) {
      const { item, marker } = await this.getProfileAndMarker(customerId, eventId);
      const seen = item?.applied.find((a) => a.id === eventId) ?? marker;
      if (item && seen) return { status: 'duplicate', profile: item.profile, ownEvents: seen.own };
      const result = mutate(item?.profile);
      if (!result) return { status: 'unchanged', profile: item?.profile };
      const { profile } = result;
      const next: ProfileItem = {
        pk: customerPk(customerId),
        sk: PROFILE_SK,
        entity: 'customer',
        version: (item?.version ?? 0) + 1,
        applied: [{ id: eventId, own: result.ownEvents }],
        profile,
        profilepk: customerPk(customerId),
        ...(profile.email ? { gsi1pk: `EMAIL#${profile.email.toLowerCase()}`, gsi1sk: customerPk(customerId) } : {}),
        ...(profile.birthday ? { gsi2pk: `BDAY#${birthdayMonthDay(profile.birthday)}`, gsi2sk: customerPk(customerId) } : {}),
      };
      const bytes = itemBytes(next);
      if (bytes > PROFILE_ITEM_LIMIT_BYTES) return { status: 'rejected', profile: item?.profile, reason: profileTooLarge(customerId, bytes) };
      // The ids this write takes off the profile get their markers first (see the header).
      await Promise.all((item?.applied ?? []).map((applied) => this.putMarker(customerId, applied)));
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: next,
            ...(item
              ? { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': item.version } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
        return { status: 'applied', profile, ownEvents: result.ownEvents, attempts: attempt };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer won this round: back off with jitter, re-read, and decide again.
        await pause(Math.random() * Math.min(200, 5 * 2 ** attempt));
      }
    }
    throw new Error(`applyAtomically: customer ${customerId}, event ${eventId}: still conflicting after ${MAX_APPLY_ATTEMPTS} attempts; retry later`);
  }

  async appendEvents(customerId: string, records: readonly CustomerEventRecord[]): Promise<void> {
    await Promise.all(
      records.map((record) =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: customerPk(customerId), sk: `EV#${record.at}#${record.eventId}`, entity: 'event', ...record, expiresAt: historyExpiresAt(record.at, this.historyRetentionMonths) },
          }),
        ),
      ),
    );
  }

  async listEvents(customerId: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<CustomerEventRecord>> {
    const start = decodeCursor(options.cursor);
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ev)',
        ExpressionAttributeValues: { ':pk': customerPk(customerId), ':ev': 'EV#' },
        ...(options.limit ? { Limit: options.limit } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const records = Items.map(({ eventId, origin, type, at, detail }) => ({ eventId, origin, type, at, detail }) as CustomerEventRecord);
    return withCursor(records, LastEvaluatedKey);
  }

  async putRejection(rejection: Rejection): Promise<void> {
    const day = rejection.receivedAt.slice(0, 10);
    const expiresAt = Math.floor(Date.parse(rejection.receivedAt) / 1000) + REJECTION_TTL_DAYS * 86_400;
    const values: Record<string, unknown> = {
      ':entity': 'rejection',
      ':key': rejection.key,
      ':receivedAt': rejection.receivedAt,
      ':reason': rejection.reason,
      ':body': rejection.body.slice(0, REJECTION_BODY_LIMIT),
      ':expiresAt': expiresAt,
      ':one': 1,
    };
    const sets = ['entity = :entity', '#key = :key', 'receivedAt = :receivedAt', 'reason = :reason', 'body = :body', 'expiresAt = :expiresAt'];
    if (rejection.eventId !== undefined) {
      sets.push('eventId = :eventId');
      values[':eventId'] = rejection.eventId;
    }
    if (rejection.detailType !== undefined) {
      sets.push('detailType = :detailType');
      values[':detailType'] = rejection.detailType;
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `REJECT#${day}`, sk: rejection.key },
        UpdateExpression: `SET ${sets.join(', ')} ADD attempts :one`,
        ExpressionAttributeNames: { '#key': 'key' },
        ExpressionAttributeValues: values,
      }),
    );
  }

  async listRejections(day: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<StoredRejection>> {
    const start = decodeCursor(options.cursor);
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `REJECT#${day}` },
        ...(options.limit ? { Limit: options.limit } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const rejections = Items.map((item) => {
      const r: StoredRejection = { key: item.key, receivedAt: item.receivedAt, reason: item.reason, body: item.body, attempts: item.attempts };
      if (item.eventId !== undefined) r.eventId = item.eventId;
      if (item.detailType !== undefined) r.detailType = item.detailType;
      return r;
    });
    return withCursor(rejections, LastEvaluatedKey);
  }

  async scanProfiles(segment: number, totalSegments: number, options: { limit?: number; cursor?: string } = {}): Promise<Page<Profile>> {
    if (!Number.isInteger(totalSegments) || totalSegments < 1 || segment < 0 || segment >= totalSegments) {
      throw new Error(`scanProfiles: segment ${segment} of ${totalSegments} is out of range (0 <= segment < totalSegments)`);
    }
    const start = decodeCursor(options.cursor);
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        IndexName: PROFILE_INDEX.indexName,
        Segment: segment,
        TotalSegments: totalSegments,
        ProjectionExpression: 'profile',
        ...(options.limit ? { Limit: options.limit } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return withCursor(Items.map((item) => item.profile as Profile), LastEvaluatedKey);
  }

  async findByEmail(email: string): Promise<Profile | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :email',
        ExpressionAttributeValues: { ':email': `EMAIL#${email.toLowerCase()}` },
        Limit: 1,
      }),
    );
    return Items[0]?.profile as Profile | undefined;
  }

  async findByBirthday(monthDay: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<Profile>> {
    const start = decodeCursor(options.cursor);
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :day',
        ExpressionAttributeValues: { ':day': `BDAY#${monthDay}` },
        ...(options.limit ? { Limit: options.limit } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    return withCursor(Items.map((item) => item.profile as Profile), LastEvaluatedKey);
  }
}

export const createDynamoStore = (options: DynamoStoreOptions): DynamoStore => new DynamoStore(options);
