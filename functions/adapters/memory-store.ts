// The in-memory CustomerStore: the DynamoDB store's twin for unit tests, benchmarks and replay.
// Same contract (test/unit/store-contract.ts); values are cloned in and out so callers can never
// change stored state by holding a reference, as with a real database. Applied event ids follow
// the DynamoDB store's scheme: on the profile until the next write moves them to markers.
import { deepCopy, deepFreeze } from '#adapters/deep-copy';
import type { Profile } from '#core/profile';
import {
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

interface Entry {
  profile: Profile;
  version: number;
  /** Applied since the last write moved them to `markers`. */
  applied: AppliedEvent[];
}

const clone = deepCopy;

/** FNV-1a: a stable spread of customer ids over scan segments. */
const hash = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

const page = <T>(all: T[], options: { limit?: number; cursor?: string } = {}): Page<T> => {
  const start = options.cursor ? Number(options.cursor) : 0;
  const limit = options.limit ?? 1000;
  const items = all.slice(start, start + limit);
  return start + limit < all.length ? { items, cursor: String(start + limit) } : { items };
};

export class MemoryStore implements CustomerStore {
  private readonly profiles = new Map<string, Entry>();
  /** Customer ids by birthday "MM-DD", kept with `profiles` (the DynamoDB store's birthday index). */
  private readonly birthdays = new Map<string, Set<string>>();
  /** Dedup markers by `<customerId>#<eventId>` (the DynamoDB store's APPLIED# items; no expiry here). */
  private readonly markers = new Map<string, AppliedEvent>();
  private readonly events = new Map<string, Map<string, CustomerEventRecord>>();
  private readonly rejections = new Map<string, StoredRejection>();

  async getProfile(customerId: string): Promise<Profile | undefined> {
    const entry = this.profiles.get(customerId);
    return entry ? clone(entry.profile) : undefined;
  }

  // The delivery path's reads (send's recipients, audience scans, the birthday index) hand out
  // the stored profile itself: it is frozen when written, so no reader can change it, and a
  // replay no longer copies every recipient's profile on every send (6 % of its CPU).
  async getProfiles(customerIds: readonly string[]): Promise<Map<string, Profile>> {
    const found = new Map<string, Profile>();
    for (const id of customerIds) {
      const entry = this.profiles.get(id);
      if (entry) found.set(id, entry.profile);
    }
    return found;
  }

  async applyAtomically(customerId: string, eventId: string, mutate: ProfileMutation): Promise<ApplyOutcome> {
    // Read, mutate and write happen in one synchronous step: nothing can interleave.
    const entry = this.profiles.get(customerId);
    const seen = entry?.applied.find((a) => a.id === eventId) ?? this.markers.get(`${customerId}#${eventId}`);
    if (entry && seen) return { status: 'duplicate', profile: entry.profile, ownEvents: clone(seen.own) };
    // The mutation gets the stored profile itself: it is frozen, so a mutation builds the next
    // profile (sharing what it leaves unchanged) and cannot change the current one. Copying it in
    // and the result out again was 8 % of a replay's ingest.
    const result = mutate(entry?.profile);
    if (!result) return { status: 'unchanged', profile: entry?.profile };
    // Stored frozen (readers share it): deepFreeze stops at the parts shared with the current profile.
    const next: Entry = { profile: deepFreeze(result.profile), version: (entry?.version ?? 0) + 1, applied: [{ id: eventId, own: result.ownEvents }] };
    const bytes = itemBytes(next);
    if (bytes > PROFILE_ITEM_LIMIT_BYTES) return { status: 'rejected', profile: entry?.profile, reason: profileTooLarge(customerId, bytes) };
    for (const applied of entry?.applied ?? []) this.markers.set(`${customerId}#${applied.id}`, applied);
    this.indexBirthday(customerId, entry?.profile.birthday, next.profile.birthday);
    this.profiles.set(customerId, next);
    return { status: 'applied', profile: result.profile, ownEvents: clone(result.ownEvents), attempts: 1 };
  }

  async appendEvents(customerId: string, records: readonly CustomerEventRecord[]): Promise<void> {
    let history = this.events.get(customerId);
    if (!history) this.events.set(customerId, (history = new Map()));
    for (const record of records) history.set(`EV#${record.at}#${record.eventId}`, clone(record));
  }

  async listEvents(customerId: string, options?: { limit?: number; cursor?: string }): Promise<Page<CustomerEventRecord>> {
    const history = this.events.get(customerId) ?? new Map<string, CustomerEventRecord>();
    const sorted = [...history.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => clone(r));
    return page(sorted, options);
  }

  /** GDPR erase (memory-personal-data.ts): the customer's profile, history and markers; answers how many. */
  erasePartition(customerId: string): number {
    this.indexBirthday(customerId, this.profiles.get(customerId)?.profile.birthday, undefined);
    let n = this.profiles.delete(customerId) ? 1 : 0;
    n += this.events.get(customerId)?.size ?? 0;
    this.events.delete(customerId);
    for (const key of [...this.markers.keys()]) if (key.startsWith(`${customerId}#`) && this.markers.delete(key)) n++;
    return n;
  }

  /** GDPR erase: rejections of these days whose raw body contains a needle; answers how many. */
  eraseRejections(days: readonly string[], needles: readonly string[]): number {
    let n = 0;
    for (const [id, r] of [...this.rejections]) {
      if (days.includes(id.slice(0, 10)) && needles.some((needle) => r.body.includes(needle)) && this.rejections.delete(id)) n++;
    }
    return n;
  }

  async putRejection(rejection: Rejection): Promise<void> {
    const id = `${rejection.receivedAt.slice(0, 10)}#${rejection.key}`;
    const held = this.rejections.get(id);
    this.rejections.set(id, { ...clone(rejection), attempts: (held?.attempts ?? 0) + 1 });
  }

  async listRejections(day: string, options?: { limit?: number; cursor?: string }): Promise<Page<StoredRejection>> {
    const items = [...this.rejections.entries()]
      .filter(([id]) => id.startsWith(`${day}#`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, r]) => clone(r));
    return page(items, options);
  }

  async scanProfiles(segment: number, totalSegments: number, options?: { limit?: number; cursor?: string }): Promise<Page<Profile>> {
    if (!Number.isInteger(totalSegments) || totalSegments < 1 || segment < 0 || segment >= totalSegments) {
      throw new Error(`scanProfiles: segment ${segment} of ${totalSegments} is out of range (0 <= segment < totalSegments)`);
    }
    const shard = [...this.profiles.keys()].filter((id) => hash(id) % totalSegments === segment).sort();
    const ids = page(shard, options);
    return { ...ids, items: ids.items.map((id) => this.profiles.get(id)!.profile) };
  }

  async findByEmail(email: string): Promise<Profile | undefined> {
    const wanted = email.toLowerCase();
    for (const entry of this.profiles.values()) {
      if (entry.profile.email !== '' && entry.profile.email.toLowerCase() === wanted) return clone(entry.profile);
    }
    return undefined;
  }

  async findByBirthday(monthDay: string, options?: { limit?: number; cursor?: string }): Promise<Page<Profile>> {
    // Read through the index: a replay asks every day, and scanning all profiles was 2 % of it.
    const matches = [...(this.birthdays.get(monthDay) ?? [])]
      .map((id) => this.profiles.get(id)!.profile)
      .sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
    return page(matches, options);
  }

  private indexBirthday(customerId: string, before: string | undefined, after: string | undefined): void {
    const from = before === undefined ? undefined : birthdayMonthDay(before);
    const to = after === undefined ? undefined : birthdayMonthDay(after);
    if (from === to) return;
    if (from !== undefined) {
      const ids = this.birthdays.get(from);
      ids?.delete(customerId);
      if (ids?.size === 0) this.birthdays.delete(from);
    }
    if (to !== undefined) {
      const ids = this.birthdays.get(to);
      if (ids) ids.add(customerId);
      else this.birthdays.set(to, new Set([customerId]));
    }
  }
}

export const createMemoryStore = (): MemoryStore => new MemoryStore();
