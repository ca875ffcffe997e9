// In-memory twin of dynamo-delivery-store.ts with the same conditional semantics (claims,
// transitions, cap slots, occurrence creation), for unit tests, replay and benchmarks.
import { deepCopy } from '#adapters/deep-copy';
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
import type { Occurrence, OccurrenceState } from '#core/delivery/occurrence';
import type { ClaimAs, LedgerEntry } from '#core/delivery/ledger';
import type { CapSlots } from '#core/delivery/frequency-cap';
import type { SendWork } from '#core/delivery/messages';
import type { Tally } from '#core/delivery/outcomes';
import { minuteBucket } from '#core/delivery/schedule-keys';
import type { Page } from '#core/store';

/** The due index's sort key, as gsi3sk in DynamoDB: due order, then id. */
const dueSortKey = (delivery: DueDelivery) => `${delivery.dueAt}#${delivery.deliveryId}`;

/** One minute bucket of due deliveries: by sort key, with a sorted key list rebuilt after puts. */
interface DueBucket {
  items: Map<string, DueDelivery>;
  sorted?: string[];
}

/** The index of the first entry >= `value` in a sorted list (its length when none is). */
const firstAtOrAfter = (sorted: readonly string[], value: string): number => {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
};

const clone = deepCopy;

export class MemoryDeliveryStore implements DeliveryStore {
  // Written only by putCampaign, putCampaignVersion and setCampaignHold, which drop `summaries`.
  private readonly campaigns = new Map<string, PublishedCampaign>();
  readonly campaignVersions = new Map<string, Map<number, PublishedCampaign>>();
  private readonly campaignHolds = new Map<string, CampaignHold>();
  /** The catalog as listCampaigns answers it, kept until a campaign or hold is written (tick reads it every minute). */
  private summaries: readonly CampaignSummary[] | undefined;
  readonly definitions = new Map<string, PublishedDefinition>();
  readonly occurrences = new Map<string, Occurrence>();
  /** The send ledger by occurrence, then customer: no composite key built and hashed per claim (it was 2 % of a replay). */
  private readonly ledger = new Map<string, Map<string, LedgerEntry>>();
  readonly capSlots = new Map<string, (string | undefined)[]>();
  readonly held = new Map<string, Map<string, SendWork>>();
  /** Due deliveries by minute bucket, and where each delivery id sits (a put replaces). */
  private readonly dueBuckets = new Map<string, DueBucket>();
  private readonly dueSlots = new Map<string, { bucket: string; sortKey: string }>();
  /**
   * The non-empty buckets' names by day ("YYYY-MM-DD"), each day's list sorted, and the days
   * sorted: nextDueBucket is two binary searches, not a walk over minutes, and a new or emptied
   * bucket moves one day's list (at most 1,440 names), not one list of every pending minute.
   */
  private readonly dueBucketsByDay = new Map<string, string[]>();
  private readonly dueDays: string[] = [];
  /** Per customer, the ids of their pending due deliveries (GDPR erase; dueDeliveryIdsOf). */
  readonly dueRefs = new Map<string, Set<string>>();
  private tickWatermarkMs: number | undefined;
  readonly pauseMarkers = new Map<string, PausedOccurrence>();

  async putCampaign(published: PublishedCampaign): Promise<void> {
    this.campaigns.set(published.campaign.id, clone(published));
    this.summaries = undefined;
  }
  async getCampaign(campaignId: string): Promise<PublishedCampaign | undefined> {
    const found = this.campaigns.get(campaignId);
    return found && clone(found);
  }
  async listCampaigns(): Promise<CampaignSummary[]> {
    this.summaries ??= [...this.campaigns.values()].map((published) => Object.freeze(summarizeCampaign(published, this.campaignHolds.get(published.campaign.id))));
    return [...this.summaries];
  }
  async putCampaignVersion(published: PublishedCampaign & { version: number }, keepVersions: number): Promise<boolean> {
    const id = published.campaign.id;
    const versions = this.campaignVersions.get(id) ?? new Map<number, PublishedCampaign>();
    if (versions.has(published.version)) return false;
    versions.set(published.version, clone(published));
    this.campaignVersions.set(id, versions);
    this.campaigns.set(id, clone(published));
    this.summaries = undefined;
    const newest = Math.max(...versions.keys());
    for (const version of await versionsToPrune([...versions.keys()], newest, keepVersions, () => this.listOccurrences(id))) versions.delete(version);
    return true;
  }
  async getCampaignVersion(campaignId: string, version: number): Promise<PublishedCampaign | undefined> {
    const found = this.campaignVersions.get(campaignId)?.get(version);
    return found && clone(found);
  }
  async listCampaignVersions(campaignId: string): Promise<CampaignVersionInfo[]> {
    return [...(this.campaignVersions.get(campaignId)?.values() ?? [])]
      .map((p) => ({ version: p.version ?? 0, publishedAt: p.publishedAt, ...(p.contentHash ? { contentHash: p.contentHash } : {}) }))
      .sort((a, b) => a.version - b.version);
  }
  async setCampaignHold(campaignId: string, hold: CampaignHold | undefined): Promise<boolean> {
    if (!this.campaigns.has(campaignId)) return false;
    if (hold) this.campaignHolds.set(campaignId, hold);
    else this.campaignHolds.delete(campaignId);
    this.summaries = undefined;
    return true;
  }
  async putDefinition(definition: PublishedDefinition): Promise<void> {
    this.definitions.set(`${definition.type}#${definition.id}`, clone(definition));
  }
  async listDefinitions(type: PublishedDefinition['type']): Promise<PublishedDefinition[]> {
    return [...this.definitions.values()].filter((d) => d.type === type).map(clone).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async createOccurrence(occurrence: Occurrence): Promise<boolean> {
    // An item made earlier by stats/pause alone has no createdAt and may still be created (keeping them).
    const earlier = this.occurrences.get(occurrence.occurrenceId);
    if (earlier?.createdAt) return false;
    const created = clone(occurrence);
    if (earlier) {
      created.stats = { ...earlier.stats, ...Object.fromEntries(Object.entries(created.stats).map(([k, n]) => [k, n + (earlier.stats[k] ?? 0)])) };
      if (earlier.state === 'paused') Object.assign(created, { state: 'paused', pausedReason: earlier.pausedReason });
    }
    this.occurrences.set(occurrence.occurrenceId, created);
    return true;
  }
  async getOccurrence(occurrenceId: string): Promise<Occurrence | undefined> {
    const found = this.occurrences.get(occurrenceId);
    return found?.createdAt ? clone(found) : undefined;
  }
  async listOccurrences(campaignId: string): Promise<Occurrence[]> {
    return [...this.occurrences.values()].filter((o) => o.campaignId === campaignId && o.createdAt).map(clone);
  }
  async setOccurrenceState(occurrenceId: string, from: readonly OccurrenceState[], to: OccurrenceState, reason?: string): Promise<boolean> {
    const found = this.occurrences.get(occurrenceId);
    if (!found || !from.includes(found.state)) return false;
    found.state = to;
    if (reason) found.pausedReason = reason;
    else delete found.pausedReason;
    return true;
  }
  async getTickWatermark(): Promise<Date | undefined> {
    return this.tickWatermarkMs === undefined ? undefined : new Date(this.tickWatermarkMs);
  }
  async advanceTickWatermark(to: Date): Promise<boolean> {
    if (this.tickWatermarkMs !== undefined && this.tickWatermarkMs >= to.getTime()) return false;
    this.tickWatermarkMs = to.getTime();
    return true;
  }
  private upsertOccurrence(occurrenceId: string): Occurrence {
    let found = this.occurrences.get(occurrenceId);
    if (!found) {
      // Triggered sends have no created occurrence; stats and pause still need a home.
      found = { occurrenceId, campaignId: occurrenceId.split(':')[0] ?? '', scheduledAt: '', state: 'running', totalSegments: 0, createdAt: '', stats: {} };
      this.occurrences.set(occurrenceId, found);
    }
    return found;
  }
  async pauseOccurrence(occurrenceId: string, reason: string, cause: PauseCause = 'account', atMs = 0): Promise<boolean> {
    // Marker first (as on DynamoDB): a crash after it leaves a marker tick clears, never a pause tick cannot see.
    const marker = this.pauseMarkers.get(occurrenceId);
    if (!(marker?.cause === 'person' && cause !== 'person')) this.pauseMarkers.set(occurrenceId, { occurrenceId, reason, cause, pausedAtMs: atMs });
    const found = this.upsertOccurrence(occurrenceId);
    if (found.state === 'paused') return false;
    found.state = 'paused';
    found.pausedReason = reason;
    return true;
  }
  async resumeOccurrence(occurrenceId: string): Promise<boolean> {
    const resumed = await this.setOccurrenceState(occurrenceId, ['paused'], 'running');
    this.pauseMarkers.delete(occurrenceId);
    return resumed;
  }
  async listPausedOccurrences(): Promise<PausedOccurrence[]> {
    return [...this.pauseMarkers.values()].map(clone);
  }
  async addStats(occurrenceId: string, tally: Tally): Promise<void> {
    const found = this.upsertOccurrence(occurrenceId);
    for (const [outcome, n] of Object.entries(tally)) found.stats[outcome] = (found.stats[outcome] ?? 0) + (n ?? 0);
    const rollup = this.campaignRollups.get(found.campaignId) ?? {};
    for (const [outcome, n] of Object.entries(tally)) if ((n ?? 0) > 0) rollup[outcome] = (rollup[outcome] ?? 0) + (n ?? 0);
    this.campaignRollups.set(found.campaignId, rollup);
  }

  private readonly campaignRollups = new Map<string, Record<string, number>>();
  async campaignStats(campaignId: string): Promise<Record<string, number>> {
    return { ...(this.campaignRollups.get(campaignId) ?? {}) };
  }

  async claim(key: LedgerKey, owner: string, nowMs: number, leaseMs: number, as: ClaimAs = 'claimed'): Promise<ClaimResult> {
    const existing = this.ledgerEntry(key);
    if (existing && !(existing.state === 'claimed' && existing.leaseUntilMs < nowMs)) return { claimed: false, existing: { ...existing } };
    const entry: LedgerEntry = {
      ...key,
      state: as,
      owner,
      leaseUntilMs: nowMs + leaseMs,
      claimedAtMs: nowMs,
      updatedAtMs: nowMs,
      claims: (existing?.claims ?? 0) + 1,
    };
    let entries = this.ledger.get(key.occurrenceId);
    if (!entries) this.ledger.set(key.occurrenceId, (entries = new Map()));
    entries.set(key.customerId, entry);
    return { claimed: true, entry: { ...entry } };
  }
  async transition(key: LedgerKey, condition: LedgerCondition, patch: LedgerPatch): Promise<boolean> {
    const entry = this.ledgerEntry(key);
    if (!entry || !condition.states.includes(entry.state)) return false;
    if (condition.owner !== undefined && entry.owner !== condition.owner) return false;
    if (condition.leaseEndedBeforeMs !== undefined && !(entry.leaseUntilMs < condition.leaseEndedBeforeMs)) return false;
    entry.state = patch.state;
    entry.updatedAtMs = patch.atMs;
    if (patch.leaseUntilMs !== undefined) entry.leaseUntilMs = patch.leaseUntilMs;
    if (patch.messageId !== undefined) entry.messageId = patch.messageId;
    if (patch.reason !== undefined) entry.reason = patch.reason;
    return true;
  }
  private ledgerEntry(key: LedgerKey): LedgerEntry | undefined {
    return this.ledger.get(key.occurrenceId)?.get(key.customerId);
  }
  /** Every ledger entry (tests and simulations count states). */
  ledgerEntries(): LedgerEntry[] {
    return [...this.ledger.values()].flatMap((entries) => [...entries.values()]);
  }
  /** GDPR erase (memory-personal-data.ts): true when there was an entry. */
  deleteLedger(key: LedgerKey): boolean {
    return this.ledger.get(key.occurrenceId)?.delete(key.customerId) ?? false;
  }
  async getLedger(key: LedgerKey): Promise<LedgerEntry | undefined> {
    const found = this.ledgerEntry(key);
    return found && clone(found);
  }

  async getCapSlots(customerIds: readonly string[]): Promise<Map<string, CapSlots>> {
    const out = new Map<string, CapSlots>();
    for (const id of customerIds) {
      const slots = this.capSlots.get(id);
      if (slots) out.set(id, [...slots]);
    }
    return out;
  }
  async takeCapSlot(customerId: string, index: number, expected: string | undefined, value: string): Promise<boolean> {
    const slots = this.capSlots.get(customerId) ?? [];
    if (slots[index] !== expected) return false;
    slots[index] = value;
    this.capSlots.set(customerId, slots);
    return true;
  }

  async holdWork(work: SendWork, key: string): Promise<void> {
    const forOccurrence = this.held.get(work.occurrenceId) ?? new Map<string, SendWork>();
    forOccurrence.set(key, clone(work));
    this.held.set(work.occurrenceId, forOccurrence);
  }
  async listHeldWork(occurrenceId: string): Promise<{ key: string; work: SendWork }[]> {
    return [...(this.held.get(occurrenceId)?.entries() ?? [])].map(([key, work]) => ({ key, work: clone(work) }));
  }
  async removeHeldWork(occurrenceId: string, key: string): Promise<void> {
    this.held.get(occurrenceId)?.delete(key);
  }

  async putDueDelivery(delivery: DueDelivery): Promise<void> {
    this.removeDue(delivery.deliveryId);
    const bucketName = minuteBucket(new Date(delivery.dueAt));
    const sortKey = dueSortKey(delivery);
    let bucket = this.dueBuckets.get(bucketName);
    if (!bucket) {
      this.dueBuckets.set(bucketName, (bucket = { items: new Map() }));
      const day = bucketName.slice(0, 10);
      let names = this.dueBucketsByDay.get(day);
      if (!names) {
        this.dueBucketsByDay.set(day, (names = []));
        this.dueDays.splice(firstAtOrAfter(this.dueDays, day), 0, day);
      }
      names.splice(firstAtOrAfter(names, bucketName), 0, bucketName);
    }
    bucket.items.set(sortKey, clone(delivery));
    delete bucket.sorted;
    this.dueSlots.set(delivery.deliveryId, { bucket: bucketName, sortKey });
    // As the DynamoDB reference item (there kept after release until its TTL; here dropped on release, so a long replay stays small).
    this.dueRefs.set(delivery.customerId, (this.dueRefs.get(delivery.customerId) ?? new Set()).add(delivery.deliveryId));
  }
  async listDueDeliveries(bucketName: string, options: { limit?: number; cursor?: string } = {}): Promise<Page<DueDelivery>> {
    const bucket = this.dueBuckets.get(bucketName);
    if (!bucket) return { items: [] };
    const sorted = (bucket.sorted ??= [...bucket.items.keys()].sort());
    // The cursor is the last sort key returned: binary search for the first key after it.
    let low = 0;
    let high = sorted.length;
    while (options.cursor !== undefined && low < high) {
      const mid = (low + high) >>> 1;
      if (sorted[mid]! <= options.cursor) low = mid + 1;
      else high = mid;
    }
    const limit = options.limit ?? 1000;
    const items: DueDelivery[] = [];
    let i = low;
    for (; i < sorted.length && items.length < limit; i++) {
      const found = bucket.items.get(sorted[i]!);
      if (found) items.push(clone(found)); // else removed since the list was sorted
    }
    while (i < sorted.length && !bucket.items.has(sorted[i]!)) i++;
    return i < sorted.length && items.length > 0 ? { items, cursor: dueSortKey(items.at(-1)!) } : { items };
  }
  async nextDueBucket(from: string, until: string): Promise<string | undefined> {
    for (let d = firstAtOrAfter(this.dueDays, from.slice(0, 10)); d < this.dueDays.length; d++) {
      const names = this.dueBucketsByDay.get(this.dueDays[d]!)!;
      const next = names[firstAtOrAfter(names, from)];
      if (next !== undefined) return next <= until ? next : undefined;
    }
    return undefined;
  }
  async dueDeliveryIdsOf(customerId: string): Promise<string[]> {
    return [...this.dueRefs.get(customerId) ?? []];
  }
  async removeDueDeliveries(deliveries: readonly Pick<DueDelivery, 'deliveryId'>[]): Promise<void> {
    for (const delivery of deliveries) this.removeDue(delivery.deliveryId);
  }
  private removeDue(deliveryId: string): void {
    const slot = this.dueSlots.get(deliveryId);
    if (!slot) return;
    this.dueSlots.delete(deliveryId);
    const bucket = this.dueBuckets.get(slot.bucket);
    const customerId = bucket?.items.get(slot.sortKey)?.customerId;
    const refs = customerId === undefined ? undefined : this.dueRefs.get(customerId);
    refs?.delete(deliveryId);
    if (refs?.size === 0) this.dueRefs.delete(customerId!);
    bucket?.items.delete(slot.sortKey);
    if (bucket?.items.size === 0) {
      this.dueBuckets.delete(slot.bucket);
      const day = slot.bucket.slice(0, 10);
      const names = this.dueBucketsByDay.get(day)!;
      names.splice(firstAtOrAfter(names, slot.bucket), 1);
      if (names.length === 0) {
        this.dueBucketsByDay.delete(day);
        this.dueDays.splice(firstAtOrAfter(this.dueDays, day), 1);
      }
    }
  }
}

export const createMemoryDeliveryStore = (): MemoryDeliveryStore => new MemoryDeliveryStore();
