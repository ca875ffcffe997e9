// The ingest Lambda: SQS records whose bodies are EventBridge envelopes (as an EventBridge rule
// with an SQS target delivers them) -> parseShopEvent -> applyEvent, once per event id, through
// the CustomerStore. Thin: the rules live in core/ingest.ts, idempotency in the store.
//
// Failures per record, never per batch (Powertools BatchProcessor, partial batch response):
// - not JSON or failing the schema: a rejection record (reason with the failing field path, raw
//   body) is stored and the record is reported failed, so SQS redelivers it and moves it to the
//   DLQ after the queue's maxReceiveCount; each redelivery counts an attempt on the same rejection.
// - unknown detail-type: logged and acknowledged.
// - an event that would grow the profile past the store's item limit: stored as a rejection
//   (reason names the customer and size), reported failed like a schema failure.
// - store errors (throttling, too many conflicts): reported failed; the redelivery applies the
//   event once (the store remembers applied event ids).
import { createLogger, infoEnabled } from '#adapters/logger';
import type { Logger } from '@aws-lambda-powertools/logger';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseShopEvent } from '#core/events';
import { applyEvent, customerIdOf, occurredAt } from '#core/ingest';
import type { LoyaltyConfig } from '#core/loyalty';
import type { Clock } from '#core/clock';
import type { CustomerEventRecord, CustomerStore } from '#core/store';
import type { DeliveryStore } from '#core/delivery-store';
import { confirmationRequest } from '#core/consent';
import type { PublishedCampaign } from '#core/delivery-store';
import { causesOf, obsoleteWinBackIds, plannedDeliveries, routedOwnCause, triggeredCampaignSource } from '#core/triggers';
import type { OwnEventPublisher } from '../track/app';
import { createEventBusPublisher } from '#adapters/event-bus';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { withoutErasedConsent, type ErasureRecord, type PersonalDataStore } from '#core/gdpr';
import { createDynamoPersonalData, hashEmail } from '#adapters/dynamo-personal-data';
import { readIngestConfig } from './config';
import { referralStep, type ReferralDeps } from '#core/referral-program';
import { createDynamoReferralDeps } from '#adapters/referral-deps';
import { redeemCoupon, type RedemptionStore } from '#core/coupon-redemption';
import { attributeShopEvent, couponAttribution } from '#core/attribution';
import type { FunnelStore } from '#core/funnel-store';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { MonthCalendar, recordContribution, type KpiStore } from '#core/kpis';
import type { ShopDeliverySettings } from '#core/delivery/local-time';
import type { Profile } from '#core/profile';
import { createDynamoKpiStore } from '#adapters/dynamo-kpi-store';

/** A failed counter write is logged (and the record still succeeds: the profile holds the truth). */
const recordContributionLogged = async (kpis: { store: KpiStore; calendar: MonthCalendar }, before: Profile | undefined, after: Profile, logger: Logger, eventId: string): Promise<void> => {
  try {
    await recordContribution(kpis, before, after);
  } catch (error) {
    logger.error('kpi counters not updated: run stammkunde report --rebuild', { eventId, customerId: after.customerId, error: (error as Error).message });
  }
};

export interface IngestDeps {
  store: CustomerStore;
  loyalty: LoyaltyConfig;
  /** Stamps rejections; default: the system clock. */
  clock?: Clock;
  /** Default: a Powertools Logger with service "ingest". */
  logger?: Logger;
  /**
   * Where the double opt-in mail is asked for (a due delivery tick releases into the send path);
   * without it consent given in events waits for another confirmation path.
   */
  deliveries?: Pick<DeliveryStore, 'putDueDelivery' | 'removeDueDeliveries'>;
  /** Whether consent given in events asks for the double opt-in mail through `deliveries` (default true). */
  doubleOptIn?: boolean;
  /**
   * The active triggered campaigns (core/triggers.ts triggeredCampaignSource: cached per
   * container); their follow-ups are written to `deliveries`. Without it no follow-up is planned.
   */
  triggeredCampaigns?: () => Promise<PublishedCampaign[]>;
  /** Where our own events go (the shop bus, PutEvents); without it they are only in the history. */
  ownEventBus?: OwnEventPublisher;
  /**
   * Erasure records by email (core/gdpr.ts): a registration of an erased address whose consent
   * predates the erasure (an old list imported again) is applied without that consent.
   */
  erasures?: (email: string) => Promise<ErasureRecord | undefined>;
  /** The referral program's ports; without it referral codes in orders are not evaluated. */
  referralProgram?: ReferralDeps;
  /** Issued coupons: an order's `couponCode` is redeemed (or refused with its reason) there (core/coupon-redemption.ts). */
  coupons?: RedemptionStore;
  /** Attribution and conversions (core/attribution.ts); without it orders are not attributed. */
  funnels?: FunnelStore;
  /** The attribution and conversion window in days. @default 5 */
  attributionDays?: number;
  /** The retention report's month counters (core/kpis.ts): each applied event ADDs its change. */
  kpis?: { store: KpiStore; calendar: MonthCalendar };
  /** The shop's default zone and quiet hours: a follow-up due inside them is planned for their end (core/triggers.ts). */
  shop?: ShopDeliverySettings;
}

export type IngestHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** Thrown for a record that must go back to the queue (and eventually the DLQ). */
export class RejectedEventError extends Error {
  override readonly name = 'RejectedEventError';
}

const systemClock: Clock = { now: () => new Date() };

type KeyedQueue = <T>(key: string, task: () => Promise<T>) => Promise<T>;

/**
 * Runs tasks with the same key one after another (others in parallel). Records of one customer
 * in one batch would otherwise only conflict on the profile's version and retry.
 */
const keyedQueue = (): KeyedQueue => {
  const tails = new Map<string, Promise<unknown>>();
  return (key, task) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
};

export const createIngestHandler = (deps: IngestDeps): IngestHandler => {
  const logger = deps.logger ?? createLogger('ingest');
  const clock = deps.clock ?? systemClock;
  const { store, loyalty } = deps;

  const reject = async (record: SQSRecord, reason: string, eventId?: string, detailType?: string): Promise<never> => {
    await store.putRejection({
      key: eventId ?? record.messageId,
      receivedAt: clock.now().toISOString(),
      ...(eventId !== undefined ? { eventId } : {}),
      ...(detailType !== undefined ? { detailType } : {}),
      reason,
      body: record.body,
    });
    logger.warn('event rejected', { messageId: record.messageId, eventId, detailType, reason });
    throw new RejectedEventError(reason);
  };

  /** `info`: whether info lines are logged, asked once per invocation (Powertools reads the environment each time). */
  const handleRecord = async (record: SQSRecord, inOrder: KeyedQueue, info: boolean): Promise<void> => {
    let raw: unknown;
    try {
      raw = JSON.parse(record.body);
    } catch (error) {
      return reject(record, `(body): not JSON: ${(error as Error).message}`);
    }
    // An own event from the bus (the double opt-in click): it only starts triggered campaigns.
    const routed = routedOwnCause(raw);
    if (routed) {
      if (!deps.deliveries || !deps.triggeredCampaigns) return;
      const profile = await store.getProfile(routed.customerId);
      const planned = profile ? plannedDeliveries(await deps.triggeredCampaigns(), profile, [routed.cause], clock.now(), deps.shop) : [];
      for (const due of planned) await deps.deliveries.putDueDelivery(due);
      if (info) logger.info('own event evaluated', { eventId: routed.cause.eventId, detailType: routed.cause.type, customerId: routed.customerId, planned: planned.length });
      return;
    }
    const parsed = parseShopEvent(raw);
    if (parsed.kind === 'rejected') return reject(record, parsed.reason, parsed.id, parsed.detailType);
    if (parsed.kind === 'ignored') {
      logger.info('unknown detail-type ignored', { eventId: parsed.id, detailType: parsed.detailType });
      return;
    }
    const registered = parsed.event.detail as { email?: string; consent?: unknown };
    const event = deps.erasures && registered.email && registered.consent ? withoutErasedConsent(parsed.event, await deps.erasures(registered.email)) : parsed.event;
    const customerId = customerIdOf(event);
    let before: Profile | undefined;
    const outcome = await inOrder(customerId, () => store.applyAtomically(customerId, event.id, (current) => applyEvent((before = current), event, loyalty)));
    if (outcome.status === 'rejected') return reject(record, outcome.reason, event.id, event.type);
    // Right after the profile write, and only for the write that applied the event: at most once
    // (a crash in between loses this event's change; `stammkunde report --rebuild` repairs it).
    if (deps.kpis && outcome.status === 'applied') await recordContributionLogged(deps.kpis, before, outcome.profile, logger, event.id);
    // History after the profile: a crash between the two is healed by the redelivery, which
    // finds a duplicate with its recorded own events and writes the same history items again.
    const ownEvents = outcome.status === 'unchanged' ? [] : outcome.ownEvents;
    const records: CustomerEventRecord[] = [
      { eventId: event.id, origin: 'shop', type: event.type, at: occurredAt(event), detail: event.detail },
      ...ownEvents.map((own) => ({ eventId: own.id, origin: 'own' as const, type: own.type, at: own.at, detail: own })),
    ];
    await store.appendEvents(customerId, records);
    // The order's coupon, after the profile: a redelivery finds the mark and counts nothing twice.
    const redemption = deps.coupons && event.type === 'OrderPlaced' && event.detail.couponCode
      ? await redeemCoupon(deps.coupons, { ...event.detail, couponCode: event.detail.couponCode, at: occurredAt(event) })
      : undefined;
    // Which campaign earned an order (once per order id), or a refund off its revenue.
    // A redeemed coupon names the campaign first; else the last click in the window.
    if (deps.funnels) await attributeShopEvent({ funnels: deps.funnels, ...(deps.attributionDays ? { windowDays: deps.attributionDays } : {}) }, event, couponAttribution(redemption));
    // After the profile and history: a redelivery asks again for the same occurrence, and the
    // send ledger keeps it to one mail per consent request.
    const confirmation = deps.deliveries && deps.doubleOptIn !== false && outcome.status !== 'unchanged' ? confirmationRequest(outcome.profile, ownEvents, clock.now()) : undefined;
    if (confirmation) await deps.deliveries!.putDueDelivery(confirmation);
    // Follow-ups of triggered campaigns: deterministic ids, so a redelivered event (status
    // duplicate) plans the same occurrences again and the ledger keeps one mail each.
    if (deps.deliveries && deps.triggeredCampaigns && outcome.status !== 'unchanged') {
      const causes = causesOf(event, occurredAt(event), ownEvents);
      const campaigns = await deps.triggeredCampaigns();
      for (const due of plannedDeliveries(campaigns, outcome.profile, causes, clock.now(), deps.shop)) await deps.deliveries.putDueDelivery(due);
      // A new last order: the previous one's win-back check is obsolete (send would cancel it).
      const obsolete = outcome.status === 'applied' ? obsoleteWinBackIds(campaigns, before, outcome.profile) : [];
      if (obsolete.length > 0) await deps.deliveries.removeDueDeliveries(obsolete.map((deliveryId) => ({ deliveryId })));
    }
    // The referral program (core/referral-program.ts): conversion, redemption, revocation.
    const referral = deps.referralProgram && outcome.status !== 'unchanged' ? await referralStep(deps.referralProgram, event, outcome.profile, ownEvents) : undefined;
    // Last: a failed put fails the record, and its redelivery (a duplicate with the recorded own
    // events) puts them again; the shop's listeners see each own event at least once.
    if (deps.ownEventBus && ownEvents.length > 0) await deps.ownEventBus.publish(ownEvents);
    if (info) logger.info('event applied', {
      eventId: event.id,
      detailType: event.type,
      customerId,
      status: outcome.status,
      ...(outcome.status === 'applied' ? { attempts: outcome.attempts, tier: outcome.profile.tier } : {}),
      ownEvents: ownEvents.map((own) => own.type),
      ...(redemption ? { coupon: { outcome: redemption.outcome, campaignId: redemption.campaignId, reason: redemption.reason } } : {}),
      ...(referral && referral.kind !== 'none' ? { referral: referral.kind === 'rejected' ? `rejected: ${referral.reason}` : referral.kind } : {}),
    });
  };

  return async (event, context) => {
    // A fresh processor per invocation: concurrent invocations (tests, local runtime) share nothing.
    const processor = new BatchProcessor(EventType.SQS);
    const inOrder = keyedQueue();
    const info = infoEnabled(logger);
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, inOrder, info), processor, {
      ...(context ? { context } : {}),
      // All records failing is still a partial response: SQS redrives each one on its own.
      throwOnFullBatchFailure: false,
    });
  };
};

/** Erasure records by email: the salt is read once per container, then one GetItem per lookup. */
export const erasureLookup = (personal: Pick<PersonalDataStore, 'salt' | 'getErasure'>): ((email: string) => Promise<ErasureRecord | undefined>) => {
  let salt: Promise<string> | undefined;
  return async (email) => {
    salt ??= personal.salt().catch((error: unknown) => {
      salt = undefined;
      throw error;
    });
    return personal.getErasure(hashEmail(await salt, email));
  };
};

let deployed: IngestHandler | undefined;

/** The Lambda entry point: config read and clients created once, on the first invocation. */
export const handler: IngestHandler = (event, context) => {
  if (!deployed) {
    const config = readIngestConfig(process.env);
    const client = createDocumentClient(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {});
    const deliveries = createDynamoDeliveryStore({ client, tableName: config.tableName });
    deployed = createIngestHandler({
      store: createDynamoStore({ client, tableName: config.tableName, ...(config.historyRetentionMonths ? { historyRetentionMonths: config.historyRetentionMonths } : {}) }),
      loyalty: config.loyalty,
      deliveries,
      triggeredCampaigns: triggeredCampaignSource(deliveries, systemClock),
      ...(config.eventBusName ? { ownEventBus: createEventBusPublisher({ client: new EventBridgeClient({}), busName: config.eventBusName }) } : {}),
      erasures: erasureLookup(createDynamoPersonalData({ client, tableName: config.tableName })),
      coupons: createDynamoCouponStore({ client, tableName: config.tableName }),
      funnels: createDynamoFunnelStore({ client, tableName: config.tableName }),
      ...(config.attributionDays ? { attributionDays: config.attributionDays } : {}),
      kpis: { store: createDynamoKpiStore({ client, tableName: config.tableName }), calendar: new MonthCalendar(config.reportTimeZone, config.reportActiveDays) },
      shop: config.shop,
      referralProgram: createDynamoReferralDeps({ client, tableName: config.tableName, eventBusName: config.eventBusName, clock: systemClock }),
    });
  }
  return deployed(event, context);
};
