// The delivery path's storage PORT: published campaigns, occurrences with their stats counters,
// the send ledger, frequency-cap slots, held (paused) work and due deliveries. Implemented by
// adapters/dynamo-delivery-store.ts (conditional writes, no transactions) and
// adapters/memory-delivery-store.ts (same semantics, for unit tests, replay and benchmarks).
import type { Campaign, Schedule } from '#core/campaign';
import type { SegmentRule } from '#core/segment';
import type { Occurrence, OccurrenceState } from '#core/delivery/occurrence';
import type { LedgerEntry, LedgerState } from '#core/delivery/ledger';
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
}

/** The catalog entry tick reads every minute: small, without content. */
export interface CampaignSummary {
  campaignId: string;
  kind: Campaign['kind'];
  status: Campaign['status'];
  schedule?: Schedule;
  publishedAt: string;
}

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
 * send again) or a person (`stammkunde pause`; only a person resumes it). */
export type PauseCause = 'account' | 'person';

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

export interface DeliveryStore {
  putCampaign(published: PublishedCampaign): Promise<void>;
  getCampaign(campaignId: string): Promise<PublishedCampaign | undefined>;
  listCampaigns(): Promise<CampaignSummary[]>;

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
   * Claims when no entry exists or a `claimed` entry's lease ended before nowMs. The send path
   * claims straight `as: 'sending'` right before its SES call (one write instead of two).
   */
  claim(key: LedgerKey, owner: string, nowMs: number, leaseMs: number, as?: 'claimed' | 'sending'): Promise<ClaimResult>;
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
  /** Removes released deliveries, many per call (DynamoDB: BatchWriteItem, 25 a call, unprocessed ones retried). */
  removeDueDeliveries(deliveries: readonly DueDelivery[]): Promise<void>;
}
