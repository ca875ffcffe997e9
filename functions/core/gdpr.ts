// GDPR operations on one customer (pure: stores, clock and hashing come in as ports).
// - exportCustomer (Art. 15/20): the profile, the consent with its proofs and history, every event,
//   the mails sent (occurrence, campaign, state, dates, SES message id) and the clicks, as one JSON
//   document (machine-readable, schema version 1); the customer's coupons (code, campaign, value,
//   issued, expires, redeemed); referrals: the customer's code and the referral that brought them.
// - eraseCustomer (Art. 17): deletes everything that names the customer or holds their data:
//   the customer partition (profile, event history, dedup markers, soft-bounce run), the send
//   ledger entries, frequency-cap slots, clicks and opens, pending due deliveries of every kind
//   (confirmation, seasonal, triggered, quiet-hours waits), the customer's id in the held work of
//   paused occurrences (the item rewritten without it, or deleted when it named only them), and
//   rejected events whose raw body mentions the customer id or email. Kept: counts that name
//   nobody (occurrence stats, click counts, reputation counters) and, only when the customer had
//   unsubscribed or complained, an erasure record under a salted hash of the email, so that a
//   re-import of an old list does not mail them again. A fresh registration whose consent is newer
//   than the erasure is accepted as usual (double opt-in).
// Finding the items without a table scan: keys by customer id (CUST#, CAP#); ledger and click items
// are keyed by occurrence and customer, so the occurrences of the ledger's retention are listed per
// campaign (a Query each) and their keys are read directly; confirmation mails are keyed by the
// consent requests, which the customer's own ConsentGiven events name; other due deliveries by the
// per-customer reference putDueDelivery writes (a Query in the customer's partition); held work per
// paused occurrence (pause markers) and per occurrence of the lookback (a Query each); rejections
// by day within their 90-day retention. All bounded by the number of campaigns, occurrences and days.
// Coupons have no by-customer index (one more index key would cost every issuing write a write):
// the coupons of each campaign are paged through their by-campaign index and the customer's kept.
// That reads every coupon of the shop once per request: rare requests, no cost on the send path.
// Erase anonymises a coupon (CouponStore.eraseHolder) instead of deleting it: the code stays known
// (never issued or imported again) and the per-campaign redemption revenue stays as it was. The
// customer's refused coupon uses (keyed by code and order) are found from their OrderPlaced events.
// A referred friend's erase also renames the referrer's reward coupon's occurrence
// (`<campaign>:reward.<friendId>` -> `<campaign>:reward.erased`); the referrer keeps the coupon.
import type { Referral } from '#core/referral';
import { ERASED_HOLDER, type CouponStore, type StoredCoupon } from '#core/coupons';
import type { ReferralStore } from '#core/referral-store';
import type { DeliveryStore } from '#core/delivery-store';
import type { LedgerEntry } from '#core/delivery/ledger';
import type { CustomerEventRecord, CustomerStore } from '#core/store';
import type { Profile } from '#core/profile';
import type { ShopEvent } from '#core/events';
import { CONFIRMATION_CAMPAIGN_ID, confirmationOccurrenceId, requestKeyOf } from '#core/consent';

export const EXPORT_SCHEMA_VERSION = 1;

/** The shop's requests on the Stammkunde bus (source "shop"), routed to the gdpr function. */
export const GDPR_REQUEST_TYPES = ['CustomerExportRequested', 'CustomerErasureRequested'] as const;
export const GDPR_REQUEST_PATTERN = { source: ['shop'], 'detail-type': [...GDPR_REQUEST_TYPES] } as const;
/** Ledger items live 35 days (TTL), and DynamoDB deletes expired items within about two days. */
export const LEDGER_LOOKBACK_DAYS = 37;
/** Rejections live 90 days (TTL): the days erase looks through. */
export const REJECTION_LOOKBACK_DAYS = 92;
const DAY_MS = 86_400_000;

export interface ClickRecord {
  occurrenceId: string;
  /** The link's index in the campaign's link table; absent for an open. */
  link?: number;
  kind: 'click' | 'open';
  at: string;
}

/** What erase kept: an erasure record under the salted email hash. */
export interface ErasureRecord {
  /** Why the address must not be mailed on old consent: the customer unsubscribed or complained. */
  reason: 'unsubscribed' | 'complained';
  erasedAt: string;
}

/** The personal-data side of the stores (adapters/dynamo-personal-data.ts, memory-personal-data.ts). */
export interface PersonalDataStore {
  clicksOf(customerId: string, occurrenceIds: readonly string[]): Promise<ClickRecord[]>;
  /** Deletes the customer's partition, cap slots, ledger and click items of these occurrences, and these due deliveries. Answers the items deleted. */
  eraseItems(customerId: string, occurrenceIds: readonly string[], dueDeliveryIds: readonly string[]): Promise<number>;
  /** Deletes the rejections of these days whose raw body contains any of `needles`. Answers how many. */
  eraseRejections(days: readonly string[], needles: readonly string[]): Promise<number>;
  /** The installation's salt for email hashes (created once). */
  salt(): Promise<string>;
  putErasure(emailHash: string, record: ErasureRecord): Promise<void>;
  getErasure(emailHash: string): Promise<ErasureRecord | undefined>;
}

/** Where an export was written: the object key and a short-lived link to download it. */
export interface ExportLocation {
  key: string;
  url: string;
  expiresAt: string;
}

/** The export store (adapters/s3-export-writer.ts: a private, encrypted S3 object; memory-export-writer.ts). */
export interface ExportWriter {
  /** The location of an export already written under `key` (a fresh link), or undefined. */
  locate(key: string): Promise<ExportLocation | undefined>;
  /** Writes the export document under `key` and answers its location. */
  write(key: string, body: string): Promise<ExportLocation>;
}

/** The presigned link's default lifetime: short, the object itself is private and expires after 7 days. */
export const DEFAULT_EXPORT_LINK_SECONDS = 900;

/** One object per request: a repeated request (same request id) finds its export instead of writing another. */
export const exportKeyOf = (customerId: string, requestId: string): string => `exports/${encodeURIComponent(customerId)}/${encodeURIComponent(requestId)}.json`;

export interface GdprDeps {
  customers: Pick<CustomerStore, 'getProfile' | 'listEvents'>;
  delivery: Pick<DeliveryStore, 'listCampaigns' | 'listOccurrences' | 'getLedger' | 'dueDeliveryIdsOf' | 'listPausedOccurrences' | 'listHeldWork' | 'holdWork' | 'removeHeldWork'>;
  personal: PersonalDataStore;
  /** sha256(salt + lower-case email) as hex (node:crypto in the adapters). */
  hashEmail: (salt: string, email: string) => string;
  /** The referral program's store: the export names the customer's code and referral. */
  referrals?: Pick<ReferralStore, 'codeOf' | 'getReferral' | 'eraseCustomer'>;
  /** The coupon store: export lists the customer's coupons, erase anonymises them. */
  coupons?: Pick<CouponStore, 'listCoupons' | 'eraseHolder' | 'eraseRefusedUse' | 'renameOccurrence'>;
}

/** A coupon as the export shows it. */
export interface CouponRecordExport {
  code: string;
  campaignId: string;
  value: StoredCoupon['value'];
  minimumOrderCents?: number;
  issuedAt: string;
  expiresAt: string;
  redeemedAt?: string;
  redeemedOrderId?: string;
  rewardId?: string;
}

export interface CustomerExport {
  schemaVersion: number;
  exportedAt: string;
  customerId: string;
  profile: Omit<Profile, 'consent'>;
  consent: Profile['consent'] & { history: CustomerEventRecord[] };
  events: CustomerEventRecord[];
  mails: { occurrenceId: string; campaignId: string; state: string; claimedAt: string; updatedAt: string; messageId?: string; reason?: string }[];
  clicks: ClickRecord[];
  coupons: CouponRecordExport[];
  /** The customer's referral code, and the referral that brought them (with its reward). */
  referrals: ReferralRecordExport[];
}

export type ReferralRecordExport = { kind: 'code'; code: string } | { kind: 'referredBy'; referral: Referral };

/** What the referral program holds on the customer (nothing without the store). */
const referralRecordsOf = async (store: GdprDeps['referrals'], customerId: string): Promise<ReferralRecordExport[]> => {
  if (!store) return [];
  const code = await store.codeOf(customerId);
  const referral = await store.getReferral(customerId);
  return [...(code ? [{ kind: 'code' as const, code }] : []), ...(referral ? [{ kind: 'referredBy' as const, referral }] : [])];
};

/** The occurrence id of a referrer's reward coupon names the friend (core/referral-program.ts handOut). */
const rewardOccurrenceOf = (campaignId: string, friendId: string): string => `${campaignId}:reward.${friendId}`;

/**
 * The customer's coupons: every campaign's coupons, page by page, the customer's kept (see the
 * header); with `naming`, also the referrers' reward coupons whose occurrence id names them.
 */
const couponsOf = async (deps: GdprDeps, customerId: string, naming = false): Promise<StoredCoupon[]> => {
  if (!deps.coupons) return [];
  const out: StoredCoupon[] = [];
  for (const { campaignId } of await deps.delivery.listCampaigns()) {
    let cursor: string | undefined;
    do {
      const page = await deps.coupons.listCoupons(campaignId, cursor ? { cursor } : {});
      out.push(...page.items.filter((c) => c.customerId === customerId || (naming && c.occurrenceId === rewardOccurrenceOf(c.campaignId, customerId))));
      cursor = page.cursor;
    } while (cursor);
  }
  return out.sort((a, b) => a.issuedAt.localeCompare(b.issuedAt) || a.code.localeCompare(b.code));
};

const couponRecord = (c: StoredCoupon): CouponRecordExport => ({
  code: c.code,
  campaignId: c.campaignId,
  value: c.value,
  ...(c.minimumOrderCents !== undefined ? { minimumOrderCents: c.minimumOrderCents } : {}),
  issuedAt: c.issuedAt,
  expiresAt: c.expiresAt,
  ...(c.redeemedAt !== undefined ? { redeemedAt: c.redeemedAt } : {}),
  ...(c.redeemedOrderId !== undefined ? { redeemedOrderId: c.redeemedOrderId } : {}),
  ...(c.rewardId !== undefined ? { rewardId: c.rewardId } : {}),
});

const allEvents = async (customers: GdprDeps['customers'], customerId: string): Promise<CustomerEventRecord[]> => {
  const out: CustomerEventRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await customers.listEvents(customerId, { limit: 500, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
};

/** The occurrences whose ledger may still hold a mail to the customer, and their confirmation mails. */
const occurrencesOf = async (deps: GdprDeps, customerId: string, profile: Profile | undefined, events: readonly CustomerEventRecord[], now: Date): Promise<string[]> => {
  const since = now.getTime() - LEDGER_LOOKBACK_DAYS * DAY_MS;
  const ids = new Set<string>();
  for (const summary of await deps.delivery.listCampaigns()) {
    for (const occurrence of await deps.delivery.listOccurrences(summary.campaignId)) {
      if (Date.parse(occurrence.createdAt) >= since) ids.add(occurrence.occurrenceId);
    }
  }
  // One confirmation mail per consent request: their occurrence ids name the request.
  const requests = new Set(events.filter((e) => e.origin === 'own' && e.type === 'ConsentGiven').map((e) => e.at));
  const current = profile ? requestKeyOf(profile.consent) : undefined;
  if (current) requests.add(current);
  for (const at of requests) ids.add(confirmationOccurrenceId(customerId, at));
  return [...ids];
};

const campaignOf = (occurrenceId: string): string => (occurrenceId.startsWith(`${CONFIRMATION_CAMPAIGN_ID}:`) ? CONFIRMATION_CAMPAIGN_ID : occurrenceId.slice(0, occurrenceId.indexOf(':')));

const mailOf = (entry: LedgerEntry) => ({
  occurrenceId: entry.occurrenceId,
  campaignId: campaignOf(entry.occurrenceId),
  state: entry.state,
  claimedAt: new Date(entry.claimedAtMs).toISOString(),
  updatedAt: new Date(entry.updatedAtMs).toISOString(),
  ...(entry.messageId ? { messageId: entry.messageId } : {}),
  ...(entry.reason ? { reason: entry.reason } : {}),
});

/** Art. 15/20: everything on record about the customer, or undefined when nothing is. */
export const exportCustomer = async (deps: GdprDeps, customerId: string, now: Date): Promise<CustomerExport | undefined> => {
  const profile = await deps.customers.getProfile(customerId);
  const events = await allEvents(deps.customers, customerId);
  const coupons = await couponsOf(deps, customerId);
  if (!profile && events.length === 0 && coupons.length === 0) return undefined;
  const occurrenceIds = await occurrencesOf(deps, customerId, profile, events, now);
  const entries = await Promise.all(occurrenceIds.map((occurrenceId) => deps.delivery.getLedger({ occurrenceId, customerId })));
  const { consent, ...rest } = profile ?? ({ consent: { status: 'none' } } as Profile);
  return {
    schemaVersion: EXPORT_SCHEMA_VERSION,
    exportedAt: now.toISOString(),
    customerId,
    profile: rest,
    consent: { ...consent, history: events.filter((e) => e.type.startsWith('Consent') || (e.detail as { consent?: unknown } | undefined)?.consent !== undefined) },
    events,
    mails: entries.filter((e): e is LedgerEntry => e !== undefined).map(mailOf).sort((a, b) => a.claimedAt.localeCompare(b.claimedAt)),
    clicks: await deps.personal.clicksOf(customerId, occurrenceIds),
    coupons: coupons.map(couponRecord),
    referrals: await referralRecordsOf(deps.referrals, customerId),
  };
};

export interface ErasureResult {
  customerId: string;
  /** Items deleted (customer partition, ledger, cap slots, clicks, deliveries, refused coupon uses). */
  deleted: number;
  /** Held work items of paused occurrences that named the customer (rewritten without them, or deleted). */
  heldWorkChanged: number;
  rejectionsDeleted: number;
  /** Coupons that no longer name the customer (kept anonymised: code, campaign, value, dates, redemption time). */
  couponsAnonymised: number;
  /** True when an erasure record under the salted email hash was kept (unsubscribed or complained). */
  keptSuppression: boolean;
  /** False when nothing was on record (erasing again is a no-op). */
  found: boolean;
}

const erasureReason = (profile: Profile | undefined): ErasureRecord['reason'] | undefined => {
  if (!profile) return undefined;
  if (profile.suppression?.reason === 'complaint') return 'complained';
  if (profile.consent.status === 'withdrawn' || Object.values(profile.topics).some((on) => on === false)) return 'unsubscribed';
  return undefined;
};

/**
 * Takes the customer out of the held work of paused occurrences (all pause markers, and the
 * occurrences of the lookback in case a resume is half done): the item is rewritten under its key
 * without the id, or deleted when it held only them. Answers the items changed.
 */
const eraseFromHeldWork = async (deps: GdprDeps, customerId: string, occurrenceIds: readonly string[]): Promise<number> => {
  const paused = (await deps.delivery.listPausedOccurrences()).map((marker) => marker.occurrenceId);
  const candidates = new Set([...paused, ...occurrenceIds.filter((id) => !id.startsWith(`${CONFIRMATION_CAMPAIGN_ID}:`))]);
  let changed = 0;
  for (const occurrenceId of candidates) {
    for (const { key, work } of await deps.delivery.listHeldWork(occurrenceId)) {
      if (!work.customerIds.includes(customerId)) continue;
      const rest = work.customerIds.filter((id) => id !== customerId);
      if (rest.length === 0) await deps.delivery.removeHeldWork(occurrenceId, key);
      else await deps.delivery.holdWork({ ...work, customerIds: rest }, key);
      changed++;
    }
  }
  return changed;
};

/** Art. 17: deletes the customer's personal data everywhere; idempotent. */
export const eraseCustomer = async (deps: GdprDeps, customerId: string, now: Date): Promise<ErasureResult> => {
  const profile = await deps.customers.getProfile(customerId);
  const events = await allEvents(deps.customers, customerId);
  const occurrenceIds = await occurrencesOf(deps, customerId, profile, events, now);
  // The record first: a crash after it leaves data to erase again, never an address without its record.
  const reason = erasureReason(profile);
  if (reason && profile?.email) {
    await deps.personal.putErasure(deps.hashEmail(await deps.personal.salt(), profile.email), { reason, erasedAt: now.toISOString() });
  }
  const heldWorkChanged = await eraseFromHeldWork(deps, customerId, occurrenceIds);
  const dueDeliveryIds = new Set([...occurrenceIds.filter((id) => id.startsWith(`${CONFIRMATION_CAMPAIGN_ID}:`)), ...(await deps.delivery.dueDeliveryIdsOf(customerId))]);
  // The referral items first: the customer's code is read from their partition, erased next.
  const referralItems = deps.referrals ? await deps.referrals.eraseCustomer(customerId) : 0;
  const deleted = referralItems + (await deps.personal.eraseItems(customerId, occurrenceIds, [...dueDeliveryIds]));
  let couponsAnonymised = 0;
  for (const coupon of await couponsOf(deps, customerId, true)) {
    if (coupon.customerId !== customerId) await deps.coupons!.renameOccurrence(coupon.code, coupon.occurrenceId, rewardOccurrenceOf(coupon.campaignId, ERASED_HOLDER));
    else if (await deps.coupons!.eraseHolder(coupon.code, coupon.occurrenceId, customerId)) couponsAnonymised++;
  }
  // Refused uses are keyed by (code, order): the customer's orders with a coupon code name them.
  let refusedUsesDeleted = 0;
  for (const event of events) {
    const detail = event.detail as { orderId?: unknown; couponCode?: unknown } | undefined;
    if (event.type !== 'OrderPlaced' || typeof detail?.couponCode !== 'string' || typeof detail.orderId !== 'string' || !deps.coupons) continue;
    if (await deps.coupons.eraseRefusedUse(detail.couponCode, detail.orderId, customerId)) refusedUsesDeleted++;
  }
  const days = Array.from({ length: REJECTION_LOOKBACK_DAYS }, (_, i) => new Date(now.getTime() - i * DAY_MS).toISOString().slice(0, 10));
  const needles = [JSON.stringify(customerId).slice(1, -1), ...(profile?.email ? [profile.email] : [])];
  const rejectionsDeleted = await deps.personal.eraseRejections(days, needles);
  return { customerId, deleted: deleted + refusedUsesDeleted, heldWorkChanged, rejectionsDeleted, couponsAnonymised, keptSuppression: reason !== undefined && Boolean(profile?.email), found: profile !== undefined || events.length > 0 || couponsAnonymised > 0 };
};

/**
 * Ingest's check for a registration of an erased address: consent given before the erasure (an
 * old list imported again) is dropped; newer consent stands. Returns the event to apply.
 */
export const withoutErasedConsent = (event: ShopEvent, erasure: ErasureRecord | undefined): ShopEvent => {
  if (!erasure || (event.type !== 'CustomerRegistered' && event.type !== 'CustomerUpdated')) return event;
  const consent = (event.detail as { consent?: { at: string } }).consent;
  if (!consent || Date.parse(consent.at) > Date.parse(erasure.erasedAt)) return event;
  const { consent: _dropped, ...detail } = event.detail as { consent?: unknown } & Record<string, unknown>;
  return { ...event, detail } as ShopEvent;
};
