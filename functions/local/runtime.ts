// The embedded runtime: the same handlers as on AWS (ingest, tick, audience, send) wired to local
// stand-ins on one machine - the in-process shop bus with the shared routes (core/routes.ts), SQS-like
// queues with dead-letter queues (events, audience, send), and either the local AWS servers
// (dynalite + aws-ses-v2-local, `backend: 'local-aws'`) or the in-memory twins of the same ports
// (`backend: 'memory'`: MemoryStore, MemoryDeliveryStore, a recording mailer). The clock is real
// (`stammkunde local`: a tick every wall-clock minute, live queue consumers) or simulated (replay:
// whoever owns the SimClock calls `tick()` and `settle()`).
//
// Why two backends: dynalite serves roughly a thousand single-item operations a second on one
// core, and every mail costs about six of them (claim, two transitions, cap slot, stats); a
// year of a 10,000-customer shop is far beyond a minute there. Replays run on the twins by
// default (identical contracts, tested against each other by their owners); `--backend
// local-aws` runs the very same wiring against dynalite and the local SES.
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { createDynamoBreakerStore, createDynamoFeedbackStore } from '#adapters/dynamo-feedback-store';
import { createMemoryBreakerStore, createMemoryFeedbackStore } from '#adapters/memory-feedback-store';
import { suppressionsFrom, type FeedbackStore } from '#core/delivery/feedback';
import { breakerReleases, cachedBreaker, checkBreakerConfig, DEFAULT_BREAKER_CONFIG, type BreakerConfig, type BreakerStore } from '#core/delivery/breaker';
import type { SQSBatchResponse } from 'aws-lambda';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { SesMailer } from '#adapters/ses-mailer';
import type { CampaignKind } from '#core/campaign';
import type { DeliveryStore } from '#core/delivery-store';
import { publishSet, type PublishPlan, type PublishSet } from '#core/publish';
import { DEFAULT_AUDIENCE_CONFIG } from '#core/delivery/audience';
import type { AudienceShard, SendWork } from '#core/delivery/messages';
import { createRateLimiter } from '#core/delivery/pacing';
import { createPool } from '#core/delivery/pool';
import { shopDeliveryOf } from '#core/delivery/local-time';
import type { MailResult, Mailer, OutgoingMail, QueuedMessage, WorkQueue } from '#core/delivery/ports';
import { createSignedLinks, createTemplateMailRenderer, compilePublishedAudience, profilePortsFrom } from '#core/delivery/seams';
import type { Context, Hono } from 'hono';
import type { OwnEvent } from '#core/ingest';
import { requestKeyOf } from '#core/consent';
import { createDynamoClickStore } from '#adapters/dynamo-click-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { createMemoryCouponStore } from '#adapters/memory-coupon-store';
import { hmacKeyedRandom, type CouponStore } from '#core/coupons';
import type { RedemptionStore } from '#core/coupon-redemption';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { createMemoryFunnelStore } from '#adapters/memory-funnel-store';
import type { FunnelStore } from '#core/funnel-store';
import { createMemoryEventBus } from '#adapters/memory-event-bus';
import { createDynamoClickCounts } from '#adapters/dynamo-click-store';
import { createDynamoKpiStore } from '#adapters/dynamo-kpi-store';
import { createMemoryKpiStore } from '#adapters/memory-kpi-store';
import { DEFAULT_ACTIVE_DAYS, MonthCalendar, type KpiStore } from '#core/kpis';
import type { ClickCounts } from '#core/report';
import { systemCampaigns } from '../compile/publish-set';
import { createTrackApp, type ClickRecorder } from '../track/app';
import { decodeLedgerTag, DEFAULT_SEND_CONFIG, type SendConfig } from '#core/delivery/send';
import { DEFAULT_TICK_CONFIG, minuteBucket, type TickConfig, type TickResult } from '#core/delivery/tick';
import { defaultLoyaltyConfig } from '#core/loyalty';
import type { HtmlRendering, ShopInfo } from '#core/render';
import type { CustomerStore } from '#core/store';
import type { SigningKeyRing } from '#core/tokens';
import { createAudienceHandler } from '../audience/handler';
import { createIngestHandler } from '../ingest/handler';
import { createMemoryReferralStore } from '#adapters/memory-referral-store';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import type { ReferralStore } from '#core/referral-store';
import { referralProgramSource, rewardCouponIssuer, type ReferralDeps } from '#core/referral-program';
import { createReferralOffers } from '#core/delivery/referral-offer';
import { CONFIRMATION_CAMPAIGN_ID } from '#core/consent';
import { createPutEventsPublisher } from '#adapters/event-bus';
import { triggeredCampaignSource } from '#core/triggers';
import { createSendHandler } from '../send/handler';
import { breakerCheck, createFeedbackHandler } from '../feedback/handler';
import { createTickHandler } from '../tick/handler';
import { busFromRoutes, sequentialIds, type Bus } from './bus';
import { Queue, queueTarget } from './queue';
import type { LocalAws } from './servers';
import { SimClock, type SchedulingClock, type TimerHandle } from './sim-clock';

/**
 * Campaign kinds whose occurrences the delivery path makes today (core/delivery/tick.ts
 * SCHEDULED_KINDS). Other kinds are published but produce no mail; replay lists them as skipped.
 */
export const DELIVERED_KINDS: readonly CampaignKind[] = ['newsletter', 'seasonal', 'triggered', 'discount', 'referral'];

export type Backend = 'local-aws' | 'memory';

/** A mail SES (or its twin) accepted, with the ids the send path put in its tags. */
export interface SentMail {
  at: Date;
  messageId: string;
  customerId: string;
  campaignId: string;
  occurrenceId: string;
  mail: OutgoingMail;
}

export interface RuntimeOptions {
  clock: SchedulingClock;
  /** @default 'local-aws' */
  backend?: Backend;
  /** Already started servers to use (e.g. a test's); otherwise the runtime starts and stops its own. */
  aws?: LocalAws;
  /** Namespace of the deterministic message ids and claim owners. @default 'stammkunde' */
  idNamespace?: string;
  shop: ShopInfo;
  from: string;
  /** Base of every link in mail (unsubscribe, preferences, confirm, clicks): where the track app is served. */
  unsubscribeBaseUrl: string;
  /** The keys links are signed (current) and verified (accepted) with. */
  keyRing: SigningKeyRing;
  /**
   * The double opt-in through the pipeline: ingest asks for the confirmation mail, the built-in
   * confirmation campaign is published. Off for replay (a shop's history holds no clicks; see
   * confirmConsent). @default false
   */
  doubleOptIn?: boolean;
  /** Days a confirm link stays valid. @default 7 */
  confirmTtlDays?: number;
  /** Templates folder for the built-in campaigns. @default templates/ of the repository */
  templatesDir?: string;
  /** The caller's address for the track app (proof of confirmation), from the HTTP server serving it. */
  clientIp?: (c: Context) => string | undefined;
  /** SES calls per second across the send consumer. @default 1,000,000 (local servers do not throttle) */
  sendRatePerSecond?: number;
  /** Overrides of the send configuration (frequency cap etc.). */
  send?: Partial<Omit<SendConfig, 'from'>>;
  /** When send renders a mail's HTML (core/render.ts HtmlRendering). @default 'eager', as on AWS */
  html?: HtmlRendering;
  tick?: Partial<TickConfig>;
  /** The reputation circuit breaker's limits (BREAKER_CONFIG on AWS). @default DEFAULT_BREAKER_CONFIG */
  breaker?: Partial<BreakerConfig>;
  /** Ingest batches in flight. @default 8 */
  ingestConcurrency?: number;
  /** The retention report's activity window W the month counters are kept for (REPORT_ACTIVE_DAYS). @default 365 */
  reportActiveDays?: number;
  /** Called for every mail accepted (outbox of replay, console of `local`). */
  onSent?: (sent: SentMail) => void;
  /** Powertools log level of the handlers. @default 'WARN' */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Measurement hooks (bench/lib/aws-calls.ts): the SDK clients, and every handler invocation. */
  instrument?: RuntimeInstrument;
}

/**
 * What a bench sees of the runtime without touching the code under measurement: the SDK clients
 * once made (to add middleware), and each handler by its function name (to count and time it).
 */
export interface RuntimeInstrument {
  clients?(clients: { dynamo: DynamoDBDocumentClient; ses: SESv2Client }): void;
  handler?<A extends unknown[], R>(functionName: string, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
}

export interface RuntimeQueues {
  events: Queue;
  eventsDlq: Queue;
  audience: Queue;
  audienceDlq: Queue;
  send: Queue;
  sendDlq: Queue;
}

export interface Runtime {
  readonly clock: SchedulingClock;
  readonly backend: Backend;
  readonly bus: Bus;
  readonly queues: RuntimeQueues;
  readonly customers: CustomerStore;
  /** The retention report's month counters (kept by ingest in the shop's zone) and click counts. */
  readonly kpis: { store: KpiStore; calendar: MonthCalendar };
  readonly clickCounts: ClickCounts;
  readonly delivery: DeliveryStore;
  /** Issued coupons and code pools (core/coupons.ts). */
  readonly coupons: CouponStore & RedemptionStore;
  /** Funnel counters per campaign, occurrence and A/B arm; attributions (core/attribution.ts). */
  readonly funnels: FunnelStore;
  /**
   * The first minute after `afterMs` holding a due delivery put through this runtime (seasonal,
   * quiet hours, triggered delays, …): replay ticks there. Undefined when none is pending.
   */
  nextDueMinute(afterMs: number): number | undefined;
  /** SES feedback items: markers, soft-bounce runs, reputation counters (feedback handler). */
  readonly feedback: FeedbackStore;
  /** The reputation circuit breaker's state (`stammkunde status` on AWS). */
  readonly breaker: BreakerStore;
  /**
   * SES events (EventBridge envelopes) handed to the feedback handler as one SQS batch, as the
   * feedback queue does on AWS: suppression, soft-bounce runs, counters, then the breaker check.
   */
  sesFeedback(envelopes: readonly unknown[]): Promise<SQSBatchResponse>;
  /** Set for the local-aws backend. */
  readonly aws?: LocalAws;
  /** The customer endpoint (functions/track/app.ts) on this runtime's stores: `local` serves it. */
  readonly track: Hono;
  /** Our own events the track app emitted (ConsentConfirmed, ConsentWithdrawn), in order. */
  readonly ownEvents: readonly OwnEvent[];
  /** The referral program's store (codes, referrals, rejections, stats). */
  readonly referrals: ReferralStore;
  /** Publishes a prepared folder with the very code `stammkunde publish` runs on AWS (core/publish.ts). */
  publish(set: PublishSet): Promise<PublishPlan>;
  /**
   * Simulates the customer's click on the double opt-in link: a confirm token for the pending
   * request is POSTed to the track app, so the proof is recorded exactly as for a real click
   * (user agent "stammkunde-simulated-click", no IP). True when it confirmed now.
   */
  confirmConsent(customerId: string): Promise<boolean>;
  /** One tick at the clock's current minute, as EventBridge Scheduler invokes it. */
  tick(): Promise<TickResult>;
  /**
   * Simulated clock: runs the consumers until events, audience and send queues are empty
   * (advancing time for redeliveries, which end in the DLQs). Real clock: waits for the live
   * consumers to go idle with nothing visible.
   */
  settle(): Promise<void>;
  /** Real clock only: starts the queue consumers and the minute ticks. */
  startLive(options?: { onTickError?: (error: unknown) => void }): void;
  stop(): Promise<void>;
}

/** A delivery WorkQueue (port of core/delivery) on an in-process Queue: SendMessageBatch in tens. */
export const workQueueOn = <T>(queue: Queue): WorkQueue<T> => ({
  async sendBatch(messages: readonly QueuedMessage<T>[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((m, j) => ({
        id: String(j),
        body: JSON.stringify(m.body),
        ...(m.delaySeconds ? { delaySeconds: m.delaySeconds } : {}),
      }));
      const result = queue.sendBatch(entries);
      if (result.failed.length > 0) throw new Error(`queue ${queue.name}: ${result.failed.map((f) => `${f.code}: ${f.message}`).join('; ')}`);
    }
  },
});

/** The in-memory twin of SES: accepts every mail with a deterministic message id. */
export const memoryMailer = (namespace: string): Mailer => {
  const ids = sequentialIds(`ses:${namespace}`);
  return { send: async (): Promise<MailResult> => ({ ok: true, messageId: ids() }) };
};

/** Wraps a mailer so every accepted mail is reported with its ledger ids (from the `ledger` tag). */
const recording = (mailer: Mailer, clock: SchedulingClock, onSent: ((sent: SentMail) => void) | undefined): Mailer => ({
  async send(mail) {
    const result = await mailer.send(mail);
    if (result.ok && onSent) {
      const tag = mail.tags.find((t) => t.name === 'ledger');
      const key = tag ? decodeLedgerTag(tag.value) : undefined;
      const campaignId = mail.tags.find((t) => t.name === 'campaign')?.value ?? '';
      onSent({ at: clock.now(), messageId: result.messageId, customerId: key?.customerId ?? '', campaignId, occurrenceId: key?.occurrenceId ?? '', mail });
    }
    return result;
  },
});

/**
 * Remembers the minute of every due delivery put through the store it watches (any backend, any
 * producer), so a simulated clock can jump straight to the next one, and forgets a minute whose
 * deliveries were all removed before it came (a win-back check a newer order made obsolete).
 * Deterministic: a sorted list of minutes.
 */
class DueMinutes {
  private readonly minutes: number[] = [];
  /** Per minute: the deliveries put for it and not removed. */
  private readonly pending = new Map<number, number>();
  /** Per delivery id: its minute (a delivery put again with another due time moves). */
  private readonly minuteOf = new Map<string, number>();
  /** Minute buckets ever written (kept for a store whose questions are slow: dynalite). */
  private readonly buckets = new Set<string>();
  watch(store: DeliveryStore, options: { askOnlyWrittenBuckets: boolean }): DeliveryStore {
    const put = store.putDueDelivery.bind(store);
    store.putDueDelivery = async (delivery) => {
      await put(delivery);
      if (options.askOnlyWrittenBuckets) this.buckets.add(minuteBucket(new Date(delivery.dueAt)));
      this.add(delivery.deliveryId, Math.ceil(Date.parse(delivery.dueAt) / 60_000) * 60_000);
    };
    const remove = store.removeDueDeliveries.bind(store);
    store.removeDueDeliveries = async (deliveries) => {
      await remove(deliveries);
      for (const { deliveryId } of deliveries) this.forget(deliveryId);
    };
    if (!options.askOnlyWrittenBuckets) return store;
    // A replay's tick after a day's gap spans 24 hour partitions of dynalite's index; the runtime
    // is the only writer of its store, so only a bucket it wrote to can hold anything: tick is
    // pointed at those alone and reads each with one Query (the store's own answer is the contract
    // test's, on dynalite too).
    store.nextDueBucket = async (from, until) => {
      for (let t = Date.parse(`${from}Z`); ; t += 60_000) {
        const bucket = minuteBucket(new Date(t));
        if (bucket > until) return undefined;
        if (this.buckets.has(bucket)) return bucket;
      }
    };
    return store;
  }
  private add(deliveryId: string, minute: number): void {
    const was = this.minuteOf.get(deliveryId);
    if (was === minute) return;
    if (was !== undefined) this.drop(was);
    this.minuteOf.set(deliveryId, minute);
    const count = this.pending.get(minute);
    this.pending.set(minute, (count ?? 0) + 1);
    if (count === undefined) this.minutes.splice(this.indexOf(minute), 0, minute);
  }
  private forget(deliveryId: string): void {
    const minute = this.minuteOf.get(deliveryId);
    if (minute === undefined) return;
    this.minuteOf.delete(deliveryId);
    this.drop(minute);
  }
  private drop(minute: number): void {
    const count = this.pending.get(minute);
    if (count === undefined) return;
    if (count > 1) return void this.pending.set(minute, count - 1);
    this.pending.delete(minute);
    const at = this.indexOf(minute);
    if (this.minutes[at] === minute) this.minutes.splice(at, 1);
  }
  /** Where `minute` is or would go in the sorted list. */
  private indexOf(minute: number): number {
    let lo = 0;
    let hi = this.minutes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.minutes[mid]! < minute) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** The first remembered minute after `afterMs`; earlier ones are forgotten (time only moves on). */
  next(afterMs: number): number | undefined {
    let drop = 0;
    while (drop < this.minutes.length && this.minutes[drop]! <= afterMs) this.pending.delete(this.minutes[drop++]!);
    if (drop > 0) this.minutes.splice(0, drop);
    return this.minutes[0];
  }
}

/** Starts the runtime: stores, queues with DLQs, bus routes and the handlers as consumers. */
export const createRuntime = async (options: RuntimeOptions): Promise<Runtime> => {
  const backend = options.backend ?? 'local-aws';
  const { clock } = options;
  const namespace = options.idNamespace ?? 'stammkunde';
  const ownsAws = backend === 'local-aws' && !options.aws;
  // dynalite and aws-ses-v2-local load only when they run (half a second of start-up a memory runtime does not need).
  const aws = backend === 'local-aws' ? (options.aws ?? (await (await import('./servers')).startLocalAws('stammkunde-local'))) : undefined;
  // One SDK client per service for the whole runtime (as a warm Lambda holds it at module scope).
  const documentClient = aws ? createDocumentClient({ endpoint: aws.dynamoEndpoint, region: 'local' }) : undefined;
  const sesClient = aws ? createSesClient({ endpoint: aws.sesEndpoint, region: 'local', maxAttempts: 1 }) : undefined;
  if (documentClient && sesClient) options.instrument?.clients?.({ dynamo: documentClient, ses: sesClient });
  const observe = <A extends unknown[], R>(functionName: string, handler: (...args: A) => Promise<R>) => options.instrument?.handler?.(functionName, handler) ?? handler;
  const customers: CustomerStore = aws && documentClient ? createDynamoStore({ client: documentClient, tableName: aws.tableName }) : createMemoryStore();
  const clicks: ClickRecorder = aws && documentClient ? createDynamoClickStore({ client: documentClient, tableName: aws.tableName }) : createMemoryClickStore();
  const coupons: CouponStore & RedemptionStore = aws && documentClient ? createDynamoCouponStore({ client: documentClient, tableName: aws.tableName }) : createMemoryCouponStore();
  // Funnel counters, last clicks, A/B memberships and attributions (core/attribution.ts).
  const funnels: FunnelStore = aws && documentClient ? createDynamoFunnelStore({ client: documentClient, tableName: aws.tableName }) : createMemoryFunnelStore();
  const attributionDays = options.shop.attribution?.windowDays;
  // The shop's delivery settings (default zone, quiet hours): ingest, tick, send and the KPI months read them.
  const shopDelivery = shopDeliveryOf(options.shop);
  const kpis = { store: aws && documentClient ? createDynamoKpiStore({ client: documentClient, tableName: aws.tableName }) : createMemoryKpiStore(), calendar: new MonthCalendar(shopDelivery.timeZone, options.reportActiveDays ?? DEFAULT_ACTIVE_DAYS) };
  const clickCounts: ClickCounts = aws && documentClient ? createDynamoClickCounts({ client: documentClient, tableName: aws.tableName }) : (clicks as ReturnType<typeof createMemoryClickStore>);
  const dueMinutes = new DueMinutes();
  const delivery: DeliveryStore = dueMinutes.watch(
    aws && documentClient ? createDynamoDeliveryStore({ client: documentClient, tableName: aws.tableName }) : createMemoryDeliveryStore(),
    { askOnlyWrittenBuckets: Boolean(aws) },
  );
  const feedback: FeedbackStore = aws && documentClient ? createDynamoFeedbackStore({ client: documentClient, tableName: aws.tableName }) : createMemoryFeedbackStore();
  // The circuit breaker as on AWS: send's gate (cached a minute), tick's release, feedback's check.
  const breaker: BreakerStore = aws && documentClient ? createDynamoBreakerStore({ client: documentClient, tableName: aws.tableName }) : createMemoryBreakerStore();
  const breakerConfig = checkBreakerConfig({ ...DEFAULT_BREAKER_CONFIG, ...options.breaker });
  const baseMailer: Mailer = sesClient ? new SesMailer(sesClient) : memoryMailer(namespace);
  const mailer = recording(baseMailer, clock, options.onSent);

  const dlq = (name: string) => new Queue({ name: `${name}-dlq`, clock, ids: sequentialIds(`${namespace}:${name}-dlq`) });
  const queue = (name: string, deadLetter: Queue, visibilityTimeoutSeconds: number) =>
    new Queue({ name, clock, visibilityTimeoutSeconds, deadLetter: { queue: deadLetter, maxReceiveCount: 3 }, ids: sequentialIds(`${namespace}:${name}`) });
  const eventsDlq = dlq('events');
  const audienceDlq = dlq('audience');
  const sendDlq = dlq('send');
  const queues: RuntimeQueues = {
    events: queue('events', eventsDlq, 30),
    eventsDlq,
    audience: queue('audience', audienceDlq, 120),
    audienceDlq,
    send: queue('send', sendDlq, 120),
    sendDlq,
  };

  const bus = busFromRoutes('shop', { clock, ids: sequentialIds(`${namespace}:bus`) });
  bus.connect('ingest', queueTarget(queues.events));

  const logLevel = options.logLevel ?? 'WARN';
  const logger = (serviceName: string) => new Logger({ serviceName, logLevel });
  const doubleOptIn = options.doubleOptIn ?? false;
  // Our own events go on the in-process shop bus (source "stammkunde", which no ingest route
  // matches), through the same batching and retry as PutEvents on AWS.
  const ownEventBus = createPutEventsPublisher(
    async (entries) => {
      const result = await bus.putEvents(entries);
      return { FailedEntryCount: result.FailedEntryCount, Entries: result.Entries.map((e) => ('ErrorCode' in e ? e : {})) };
    },
    { busName: 'shop' },
  );
  // The referral program's ports, shared by ingest (conversion), track (/r, /reward) and send (offers).
  const referralStore: ReferralStore = aws && documentClient ? createDynamoReferralStore({ client: documentClient, tableName: aws.tableName }) : createMemoryReferralStore();
  const referralDeps: ReferralDeps = {
    referrals: referralStore,
    customers,
    program: referralProgramSource(delivery, clock),
    deliveries: delivery,
    triggeredCampaigns: triggeredCampaignSource(delivery, clock),
    events: ownEventBus,
    clock,
    issueCoupon: rewardCouponIssuer({ store: coupons, random: hmacKeyedRandom(`coupons:${options.keyRing.current.secret}`) }),
  };
  queues.events.setConsumer(
    observe(
      'ingest',
      createIngestHandler({
        store: customers,
        loyalty: defaultLoyaltyConfig,
        clock,
        logger: logger('ingest'),
        deliveries: delivery,
        doubleOptIn,
        // Cached for a minute of the runtime's clock, as a warm Lambda container holds it.
        triggeredCampaigns: triggeredCampaignSource(delivery, clock),
        ownEventBus,
        referralProgram: referralDeps,
        coupons,
        funnels,
        ...(attributionDays ? { attributionDays } : {}),
        kpis,
        shop: shopDelivery,
      }),
    ),
    { batchSize: 10, concurrency: options.ingestConcurrency ?? 8, functionName: 'ingest' },
  );

  const audienceQueue = workQueueOn<AudienceShard>(queues.audience);
  const sendQueue = workQueueOn<SendWork>(queues.send);
  const people = profilePortsFrom(customers);
  // The factories of functions/<name>/handler.ts: the very handlers the Lambdas export, given
  // local adapters instead of the ones they build from their environment.
  const tickHandler = createTickHandler(
    {
      store: delivery, audienceQueue, sendQueue, config: { ...DEFAULT_TICK_CONFIG, ...options.tick }, shop: shopDelivery, breakerReleases: () => breakerReleases(breaker, breakerConfig, clock.now()),
      // CouponExpiring on the in-process shop bus, which routes it back to ingest (triggered reminders).
      couponReminders: { coupons, events: { publish: async (events) => { await ownEvents.publish(events); await ownEventBus.publish(events); } } },
    },
    { now: () => clock.now(), logger: logger('tick') },
  );
  const audienceHandler = createAudienceHandler(
    {
      store: delivery,
      scanner: people,
      birthdays: people,
      shop: shopDelivery,
      sendQueue,
      audienceQueue,
      compileAudience: compilePublishedAudience,
      config: { ...DEFAULT_AUDIENCE_CONFIG, ...(options.sendRatePerSecond ? { sendRatePerSecond: options.sendRatePerSecond } : {}) },
    },
    logger('audience'),
  );
  const owners = sequentialIds(`${namespace}:owner`);
  const links = createSignedLinks({ baseUrl: options.unsubscribeBaseUrl, ring: options.keyRing, ...(options.confirmTtlDays ? { confirmTtlDays: options.confirmTtlDays } : {}) });
  const ring = options.keyRing;
  const ownEvents = createMemoryEventBus();
  const track = createTrackApp({
    customers,
    campaigns: delivery,
    clicks,
    funnels,
    // Kept for tests (runtime.ownEvents) and put on the in-process shop bus, as on AWS.
    events: { publish: async (events) => { await ownEvents.publish(events); await ownEventBus.publish(events); } },
    keys: () => ring,
    clock,
    shop: options.shop,
    // One person on a laptop (or a replay's simulated clicks) is no scanner.
    requestsPerMinute: 1_000_000,
    ...(options.clientIp ? { clientIp: options.clientIp } : {}),
    logger: logger('track'),
    referrals: referralDeps,
  });
  const sendHandler = createSendHandler({
    store: delivery,
    profiles: people,
    mailer,
    renderer: createTemplateMailRenderer({ shop: options.shop, ...(options.html ? { html: options.html } : {}), ...links }),
    links,
    limiter: createRateLimiter({ ratePerSecond: options.sendRatePerSecond ?? 1_000_000, now: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
    pool: createPool(32),
    sendQueue,
    clock,
    // Throttle backoff waits in wall time (short), so a simulated clock never deadlocks on it.
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    random: () => 0.5,
    newOwner: owners,
    breaker: cachedBreaker(breaker, breakerConfig, () => clock.now()),
    offers: createReferralOffers({ referrals: referralDeps, baseUrl: options.unsubscribeBaseUrl, rewardUrl: links.rewardUrl }),
    // Codes keyed by the link signing key: the same inputs give the same codes (replay's outbox
    // is the same bytes on both backends); CouponIssued goes on the shop bus like every own event.
    coupons: { store: coupons, random: hmacKeyedRandom(`coupons:${ring.current.secret}`), events: { publish: async (events) => { await ownEvents.publish(events); await ownEventBus.publish(events); } } },
    funnels,
    ...(attributionDays ? { attributionDays } : {}),
    config: { ...DEFAULT_SEND_CONFIG, shop: shopDelivery, ...options.send, from: options.from },
  }, logger('send'));
  const feedbackLogger = logger('feedback');
  const feedbackHandler = createFeedbackHandler(
    { store: delivery, suppressions: suppressionsFrom(customers), feedback },
    { logger: feedbackLogger, afterBatch: breakerCheck({ breaker, feedback }, breakerConfig, feedbackLogger) },
  );
  queues.audience.setConsumer(observe('audience', audienceHandler), { batchSize: 10, concurrency: 4, functionName: 'audience' });
  queues.send.setConsumer(observe('send', sendHandler), { batchSize: 10, concurrency: 4, functionName: 'send' });

  // The double opt-in needs the built-in confirmation campaign (publish writes it with every folder).
  // The referral program's mails (choice, reward) are published always: ingest may ask for them.
  const system = await systemCampaigns({ ...(options.templatesDir ? { templatesDir: options.templatesDir } : {}), publishedAt: clock.now() });
  await publishSet(delivery, { campaigns: system.filter((s) => doubleOptIn || s.campaign.id !== CONFIRMATION_CAMPAIGN_ID), segments: [], rewardCatalogs: [] });

  let tickTimer: TimerHandle | undefined;
  let live = false;
  const work = [queues.events, queues.audience, queues.send];

  const runtime: Runtime = {
    clock,
    backend,
    bus,
    queues,
    customers,
    kpis,
    clickCounts,
    delivery,
    coupons,
    funnels,
    nextDueMinute: (afterMs) => dueMinutes.next(afterMs),
    feedback,
    breaker,
    sesFeedback: (envelopes) => observe('feedback', feedbackHandler)({ Records: envelopes.map((e, i) => ({ messageId: `ses-${i}`, body: JSON.stringify(e) })) } as unknown as Parameters<typeof feedbackHandler>[0]),
    ...(aws ? { aws } : {}),
    track,
    ownEvents: ownEvents.published,
    referrals: referralStore,
    publish: (set) => publishSet(delivery, set),
    async confirmConsent(customerId) {
      const profile = await customers.getProfile(customerId);
      const requestAt = profile ? requestKeyOf(profile.consent) : undefined;
      if (profile?.consent.status !== 'pending' || requestAt === undefined) return false;
      // The path below the link base, as the track app routes it wherever it is mounted.
      const path = links.confirmUrl({ customerId, requestAt, at: clock.now() }).slice(options.unsubscribeBaseUrl.replace(/\/+$/, '').length);
      const response = await track.request(path, { method: 'POST', headers: { 'user-agent': 'stammkunde-simulated-click' } });
      return response.status === 200 && (await customers.getProfile(customerId))?.consent.status === 'confirmed';
    },
    tick: () => observe('tick', tickHandler)({ scheduledTime: clock.now().toISOString() }),
    async settle() {
      if (live) {
        for (let i = 0; i < 1000; i++) {
          await Promise.all(work.map((q) => q.idle()));
          if (work.every((q) => q.visibleCount === 0)) return;
          await new Promise((r) => setTimeout(r, 10));
        }
        return;
      }
      // Each stage's output feeds the next; loop until none holds a message (redeliveries
      // advance the simulated clock, and poison messages end in the DLQs after 3 receives).
      for (;;) {
        for (const q of work) await q.drain({ advanceTime: clock instanceof SimClock });
        if (work.every((q) => q.size === 0)) return;
      }
    },
    startLive(liveOptions = {}) {
      if (clock.simulated) throw new Error('startLive needs the real clock; drive a SimClock with tick() and settle()');
      live = true;
      for (const q of work) q.start();
      const next = () => {
        const now = clock.now().getTime();
        tickTimer = clock.schedule(new Date(Math.floor(now / 60_000) * 60_000 + 60_000), async () => {
          try {
            await runtime.tick();
          } catch (error) {
            (liveOptions.onTickError ?? ((e) => console.error(`tick failed: ${e instanceof Error ? e.message : String(e)}`)))(error);
          }
          if (live) next();
        });
      };
      next();
    },
    async stop() {
      live = false;
      tickTimer?.cancel();
      await Promise.all(work.map((q) => q.stop()));
      documentClient?.destroy();
      sesClient?.destroy();
      if (ownsAws && aws) await aws.stop();
    },
  };
  return runtime;
};
