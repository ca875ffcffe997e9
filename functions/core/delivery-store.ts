// The delivery path's storage PORT: published campaigns, occurrences with their stats counters,
// the send ledger, frequency-cap slots, held (paused) work and due deliveries. Implemented by
// adapters/dynamo-delivery-store.ts (conditional writes, no transactions) and
// adapters/memory-delivery-store.ts (same semantics, for unit tests, replay and benchmarks).
import type { Campaign, Occasion, Schedule } from '#core/campaign';
import type { SegmentRule } from '#core/segment';
import type { Occurrence, OccurrenceState } from '#core/delivery/occurrence';
import type { ClaimAs, LedgerEntry, LedgerState } from '#core/delivery/ledger';
import type { CapSlots } from '#core/delivery/frequency-cap';
import type { SendWork } from '#core/delivery/messages';
import type { Tally } from '#core/delivery/outcomes';
import type { Page } from '#core/store';

/** What publish writes: the definition, the segments it references, its compiled template. */
export interface PublishedCampaign {
  campaign: Campaign;
  /** Segment definitions by id, for `{segment: id}` references in the audience rule. */
  segments: Record<string, SegmentRule>;
  /** The precompiled template (D's compile output), opaque to the delivery path. */
  template?: unknown;
  publishedAt: string;
  /** Publish's version counter (1, 2, ...); absent for campaigns written without publish. */
  version?: number;
  /** sha256 of campaign + referenced segments + template: publish writes only when it changes. */
  contentHash?: string;
}

/** A marketer's hold on a published campaign (`stammkunde pause|archive`); publish keeps it. */
export type CampaignHold = 'paused' | 'archived';

/** One stored version of a campaign (the last N are kept for audit and rollback). */
export interface CampaignVersionInfo {
  version: number;
  publishedAt: string;
  contentHash?: string;
}

/** The catalog entry tick reads every minute: small, without content. */
export interface CampaignSummary {
  campaignId: string;
  kind: Campaign['kind'];
  /** What tick acts on: the hold when there is one, otherwise the file's status. */
  status: Campaign['status'] | CampaignHold;
  schedule?: Schedule;
  /** Seasonal campaigns: tick prepares their occasion-years (core/delivery/seasonal.ts). */
  occasion?: Occasion;
  publishedAt: string;
  version?: number;
  contentHash?: string;
  hold?: CampaignHold;
}

/** A segment or reward catalog as published (campaigns embed the segments they use). */
export interface PublishedDefinition {
  type: 'segment' | 'rewardCatalog';
  id: string;
  value: unknown;
  contentHash: string;
  publishedAt: string;
}

/** The catalog entry of a published campaign; `hold` overrides the file's status for tick. */
export const summarizeCampaign = (published: PublishedCampaign, hold?: CampaignHold): CampaignSummary => {
  const { campaign } = published;
  return {
    campaignId: campaign.id,
    kind: campaign.kind,
    status: hold ?? campaign.status,
    ...('schedule' in campaign ? { schedule: campaign.schedule } : {}),
    ...('occasion' in campaign ? { occasion: campaign.occasion } : {}),
    publishedAt: published.publishedAt,
    ...(published.version !== undefined ? { version: published.version } : {}),
    ...(published.contentHash !== undefined ? { contentHash: published.contentHash } : {}),
    ...(hold ? { hold } : {}),
  };
};

/**
 * The versions publish may delete: older than the newest `keepVersions`, and sent by no occurrence
 * that may still send (`created`, `running` or `paused`: an occurrence sends the version it was
 * created with to the end, so deleting it fails the rest of its mail). `occurrences` is read only
 * when something is old enough to go (a campaign has few occurrences).
 */
export const versionsToPrune = async (
  versions: readonly number[],
  newest: number,
  keepVersions: number,
  occurrences: () => Promise<readonly Pick<Occurrence, 'state' | 'campaignVersion'>[]>,
): Promise<number[]> => {
  const old = versions.filter((version) => version <= newest - keepVersions);
  if (old.length === 0) return [];
  const inUse = new Set((await occurrences()).filter((o) => o.state !== 'missed').map((o) => o.campaignVersion));
  return old.filter((version) => !inUse.has(version));
};

/**
 * The campaign an occurrence sends: the version it was created with (so a publish mid-occurrence
 * changes only the next one), or the current one for occurrences made before versions existed.
 */
export const readOccurrenceCampaign = (store: Pick<DeliveryStore, 'getCampaign' | 'getCampaignVersion'>, campaignId: string, version: number | undefined) =>
  version === undefined ? store.getCampaign(campaignId) : store.getCampaignVersion(campaignId, version);

export interface LedgerKey {
  occurrenceId: string;
  customerId: string;
}

export type ClaimResult = { claimed: true; entry: LedgerEntry } | { claimed: false; existing: LedgerEntry };

export interface LedgerCondition {
  /** The entry must be in one of these states. */
  states: readonly LedgerState[];
  /** ...and held by this owner (omit for recovery transitions). */
  owner?: string;
  /** ...and its lease must have ended before this instant. */
  leaseEndedBeforeMs?: number;
}

export interface LedgerPatch {
  state: LedgerState;
  leaseUntilMs?: number;
  messageId?: string;
  reason?: string;
  atMs: number;
}

/** Who paused an occurrence: the account (SES paused or quota spent; tick resumes it when SES can
 * send again), a person (`stammkunde pause`; only a person resumes it), or the reputation circuit
 * breaker (delivery/breaker.ts; tick resumes it when the breaker lets marketing through). */
/** Who paused: SES's account state, a person, the circuit breaker, or a coupon pool that ran dry (a person resumes after importing codes). */
export type PauseCause = 'account' | 'person' | 'breaker' | 'pool';

/** The marker item tick lists to find paused occurrences without reading every occurrence. */
export interface PausedOccurrence {
  occurrenceId: string;
  reason: string;
  cause: PauseCause;
  pausedAtMs: number;
}

/** A mail due at a time (triggered campaigns, delays): released by tick into the send queue. */
export interface DueDelivery {
  deliveryId: string;
  dueAt: string;
  occurrenceId: string;
  campaignId: string;
  customerId: string;
}

/** The id of a due delivery that waits for one recipient of an occurrence (seasonal send time, quiet hours, a paused campaign). */
export const recipientDeliveryId = (occurrenceId: string, customerId: string): string => `${occurrenceId}#${customerId}`;

export interface DeliveryStore {
  putCampaign(published: PublishedCampaign): Promise<void>;
  getCampaign(campaignId: string): Promise<PublishedCampaign | undefined>;
  listCampaigns(): Promise<CampaignSummary[]>;
  /**
   * Publish: stores `published` as version `published.version` (conditional: false when that
   * version exists, i.e. someone else published first), makes it the current one, keeps the
   * catalog entry's hold, and deletes versions older than the newest `keepVersions` except those
   * an unfinished occurrence still sends (versionsToPrune).
   */
  putCampaignVersion(published: PublishedCampaign & { version: number }, keepVersions: number): Promise<boolean>;
  /** A stored version (what a running occurrence sends), or undefined when pruned or never written. */
  getCampaignVersion(campaignId: string, version: number): Promise<PublishedCampaign | undefined>;
  /** Stored versions, oldest first. */
  listCampaignVersions(campaignId: string): Promise<CampaignVersionInfo[]>;
  /** Sets or clears (undefined) the hold on the catalog entry; false when the campaign is not published. */
  setCampaignHold(campaignId: string, hold: CampaignHold | undefined): Promise<boolean>;
  /** Published segments and reward catalogs by id, with their content hash (publish's diff). */
  putDefinition(definition: PublishedDefinition): Promise<void>;
  listDefinitions(type: PublishedDefinition['type']): Promise<PublishedDefinition[]>;

  /** Conditional put: true only for the one caller that created it. */
  createOccurrence(occurrence: Occurrence): Promise<boolean>;
  getOccurrence(occurrenceId: string): Promise<Occurrence | undefined>;
  listOccurrences(campaignId: string): Promise<Occurrence[]>;
  /** Conditional on the current state being one of `from`; false when it was not. */
  setOccurrenceState(occurrenceId: string, from: readonly OccurrenceState[], to: OccurrenceState, reason?: string): Promise<boolean>;
  /**
   * Tick's watermark: the instant up to which every due time has been handled (created, missed or
   * released); undefined before the first tick. Missed occurrences are occurrences in state
   * `missed` with `missedReason`, written by createOccurrence and read like any other.
   */
  getTickWatermark(): Promise<Date | undefined>;
  /** Conditional: moves the watermark forward to `to`, never back; false when it was already at or past it. */
  advanceTickWatermark(to: Date): Promise<boolean>;
  /** Atomic ADD of outcome counts to the occurrence's stats (creates the item when missing). */
  addStats(occurrenceId: string, tally: Tally): Promise<void>;
  /**
   * The campaign's stats over all its occurrences (every addStats also ADDs to one rollup per
   * campaign): the report reads triggered campaigns from it, whose occurrences are one per
   * customer and would make its reads grow with customers.
   */
  campaignStats(campaignId: string): Promise<Record<string, number>>;

  /**
   * Claims when no entry exists or a `claimed` entry's lease ended before nowMs. The send path
   * claims straight `as: 'sending'` right before its SES call (one write instead of two).
   */
  claim(key: LedgerKey, owner: string, nowMs: number, leaseMs: number, as?: ClaimAs): Promise<ClaimResult>;
  transition(key: LedgerKey, condition: LedgerCondition, patch: LedgerPatch): Promise<boolean>;
  getLedger(key: LedgerKey): Promise<LedgerEntry | undefined>;

  getCapSlots(customerIds: readonly string[]): Promise<Map<string, CapSlots>>;
  /** Conditional: the slot still holds `expected` (undefined: empty). */
  takeCapSlot(customerId: string, index: number, expected: string | undefined, value: string): Promise<boolean>;

  /**
   * Conditional on the state not being `paused` already (a missing item counts as running). Also
   * writes the pause marker listPausedOccurrences reads; a person's marker is never replaced by
   * the account's (tick must not resume what a person paused).
   */
  pauseOccurrence(occurrenceId: string, reason: string, cause?: PauseCause, atMs?: number): Promise<boolean>;
  /** Conditional paused -> running, then removes the pause marker; false when it was not paused. */
  resumeOccurrence(occurrenceId: string): Promise<boolean>;
  /** The pause markers (a marker whose occurrence already runs is a leftover to resume again). */
  listPausedOccurrences(): Promise<PausedOccurrence[]>;

  /** Parks send work of a paused occurrence; `key` makes parking a redelivered message idempotent. */
  holdWork(work: SendWork, key: string): Promise<void>;
  listHeldWork(occurrenceId: string): Promise<{ key: string; work: SendWork }[]>;
  removeHeldWork(occurrenceId: string, key: string): Promise<void>;

  putDueDelivery(delivery: DueDelivery): Promise<void>;
  /**
   * Deliveries in the minute bucket ("YYYY-MM-DDTHH:MM") that are still pending, a page at a
   * time in due order. Removing listed deliveries between pages skips none of the rest.
   */
  listDueDeliveries(minuteBucket: string, options?: { limit?: number; cursor?: string }): Promise<Page<DueDelivery>>;
  /**
   * The first minute bucket in [from, until] ("YYYY-MM-DDTHH:MM", both inclusive) that holds a
   * pending due delivery, or undefined: tick reads only those buckets instead of every minute.
   * May name a bucket whose deliveries were just removed (an index that lags); never skips one
   * that listDueDeliveries would show. (DynamoDB: Query gsi1 `DUEHOUR#<YYYY-MM-DDTHH>`, Limit 1,
   * one hour partition after the other.)
   */
  nextDueBucket(from: string, until: string): Promise<string | undefined>;
  /**
   * Removes due deliveries by id, many per call: the ones tick released, win-back checks a newer
   * order made obsolete (DynamoDB: BatchWriteItem, 25 a call, unprocessed ones retried).
   */
  removeDueDeliveries(deliveries: readonly Pick<DueDelivery, 'deliveryId'>[]): Promise<void>;
  /**
   * The ids of the customer's due deliveries (GDPR erase), without a table scan: putDueDelivery
   * also writes a per-customer reference (DynamoDB: CUST#<customerId> / DUEREF#<deliveryId>,
   * expiring a week after it is due). May name deliveries already released.
   */
  dueDeliveryIdsOf(customerId: string): Promise<string[]>;
}
