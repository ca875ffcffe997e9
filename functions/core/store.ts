// The customer store port: profiles (applied once per event id), each customer's event history,
// rejected events, and the reads later steps need (parallel scan shards, email, birthday).
// Implemented by adapters/dynamo-store.ts (DynamoDB) and adapters/memory-store.ts (tests, bench);
// test/unit/store-contract.ts holds them to the same behaviour.
import type { OwnEvent } from '#core/ingest';
import type { Profile } from '#core/profile';

/**
 * How long an applied event id is remembered (its dedup marker's TTL). Far beyond any redelivery:
 * SQS keeps a message 14 days, and a DLQ redrive comes after that. Orders and refunds are also
 * guarded by their own ids on the profile, without a time limit.
 */
export const DEDUP_MARKER_TTL_DAYS = 90;

/**
 * Data minimisation: a customer's event history is kept this many months after each event
 * happened, then DynamoDB's TTL deletes it. The profile keeps the aggregates (orders, spend,
 * points, tier, consent with its proof), so segments and tiers never need the old events.
 */
export const HISTORY_RETENTION_MONTHS = 25;

/** When a history entry that happened at `at` expires (epoch seconds, DynamoDB TTL). */
export const historyExpiresAt = (at: string, months: number = HISTORY_RETENTION_MONTHS): number => {
  const when = new Date(at);
  when.setUTCMonth(when.getUTCMonth() + months);
  return Math.floor(when.getTime() / 1000);
};

/**
 * The largest profile item written, as JSON bytes: DynamoDB refuses items over 400 KB, so a
 * profile that would grow past this is refused as a value (`rejected`), never a crash.
 */
export const PROFILE_ITEM_LIMIT_BYTES = 380 * 1024;

/** The size the limit above is checked on: the item as UTF-8 JSON (close to DynamoDB's own count). */
export const itemBytes = (item: unknown): number => Buffer.byteLength(JSON.stringify(item));

/** The reason stored for a profile that would outgrow PROFILE_ITEM_LIMIT_BYTES. */
export const profileTooLarge = (customerId: string, bytes: number): string =>
  `profile: customer ${customerId}: the profile would take ${bytes} bytes, over the ${PROFILE_ITEM_LIMIT_BYTES}-byte limit of one item; the event is not applied`;

/** One applied event: its id and the own events it caused (answered again for a duplicate). */
export interface AppliedEvent {
  id: string;
  own: OwnEvent[];
}

/**
 * A change to one profile: gets the current profile (undefined for a new customer) and returns
 * the next one with the own events it caused, or undefined to change nothing.
 */
export type ProfileMutation = (current: Profile | undefined) => { profile: Profile; ownEvents: OwnEvent[] } | undefined;

export type ApplyOutcome =
  /** Written; `attempts` counts optimistic-concurrency rounds (1 without conflict). */
  | { status: 'applied'; profile: Profile; ownEvents: OwnEvent[]; attempts: number }
  /** The event id was applied before; `ownEvents` are those recorded then (for re-publishing). */
  | { status: 'duplicate'; profile: Profile; ownEvents: OwnEvent[] }
  /** The mutation returned undefined: nothing written, event id not recorded. */
  | { status: 'unchanged'; profile: Profile | undefined }
  /** Not written, event id not recorded: the next profile would break a store limit (`reason`). */
  | { status: 'rejected'; profile: Profile | undefined; reason: string };

/** One entry of a customer's history: a shop event as received, or one of our own. */
export interface CustomerEventRecord {
  eventId: string;
  origin: 'shop' | 'own';
  type: string;
  /** When it happened (UTC ISO); the history is ordered by it. */
  at: string;
  detail: unknown;
}

/** An event ingest could not accept, kept with the reason (failing field path) and raw body. */
export interface Rejection {
  /** The event id when the envelope had one, else the SQS message id: redeliveries overwrite. */
  key: string;
  receivedAt: string;
  eventId?: string;
  detailType?: string;
  reason: string;
  body: string;
}

export interface StoredRejection extends Rejection {
  /** How many times this key was rejected (SQS redrives before the DLQ). */
  attempts: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass it back for the next page. Absent on the last page. */
  cursor?: string;
}

export interface CustomerStore {
  getProfile(customerId: string): Promise<Profile | undefined>;
  /** Many profiles at once (BatchGet, 100 keys a call); unknown ids are absent from the map. */
  getProfiles(customerIds: readonly string[]): Promise<Map<string, Profile>>;
  /**
   * Applies `mutate` once per (customer, eventId), for DEDUP_MARKER_TTL_DAYS however many
   * events come between: optimistic concurrency on the profile's version with retries, so
   * concurrent deliveries of one event apply it once and concurrent different events lose no
   * update. A profile that would pass PROFILE_ITEM_LIMIT_BYTES is `rejected`. Throws after too
   * many conflicts (the caller retries later).
   */
  applyAtomically(customerId: string, eventId: string, mutate: ProfileMutation): Promise<ApplyOutcome>;
  /** Adds records to the customer's history; a record with the same (at, eventId) is replaced. */
  appendEvents(customerId: string, records: readonly CustomerEventRecord[]): Promise<void>;
  /** The customer's history, oldest first. */
  listEvents(customerId: string, options?: { limit?: number; cursor?: string }): Promise<Page<CustomerEventRecord>>;
  /** Keeps a rejection; the same key again counts an attempt. */
  putRejection(rejection: Rejection): Promise<void>;
  /** Rejections received on a UTC day ("YYYY-MM-DD"). */
  listRejections(day: string, options?: { limit?: number; cursor?: string }): Promise<Page<StoredRejection>>;
  /** One shard of all profiles (a parallel scan segment of `totalSegments`), paged. */
  scanProfiles(segment: number, totalSegments: number, options?: { limit?: number; cursor?: string }): Promise<Page<Profile>>;
  /** The profile with this email address (case-insensitive), if any. */
  findByEmail(email: string): Promise<Profile | undefined>;
  /** Profiles whose birthday falls on "MM-DD" (with or without a year), paged. */
  findByBirthday(monthDay: string, options?: { limit?: number; cursor?: string }): Promise<Page<Profile>>;
}

/** "MM-DD" of a birthday given as "YYYY-MM-DD" or "--MM-DD". */
export const birthdayMonthDay = (birthday: string): string => birthday.slice(-5);
