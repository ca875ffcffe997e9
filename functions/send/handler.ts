// The send Lambda (SQS, up to 100 recipients per message): partial batch failures per record;
// the pacing limiter lives at module scope so it spans invocations of a warm instance. Thin:
// rules are in core/delivery/send.ts. Its bundle has no mjml (render.ts renders precompiled Liquid).
// The Lambda context's remaining time is the sender's deadline; the outcome counts leave as
// CloudWatch EMF metrics (Powertools Metrics).
import { createLogger, infoEnabled } from '#adapters/logger';
import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createSender, DEFAULT_SEND_CONFIG, type SendDeps } from '#core/delivery/send';
import { createReferralOffers } from '#core/delivery/referral-offer';
import { createDynamoReferralDeps } from '#adapters/referral-deps';
import { SendWork } from '#core/delivery/messages';
import { processRecords } from '#core/delivery/batch';
import { mergeTally, type Tally } from '#core/delivery/outcomes';
import { NO_DEADLINE, type Deadline } from '#core/delivery/ports';
import { createRateLimiter, perSenderRate, sendParallelism } from '#core/delivery/pacing';
import { createPool } from '#core/delivery/pool';
import { createSignedLinks, createTemplateMailRenderer, profilePortsFrom } from '#core/delivery/seams';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { createEventBusPublisher } from '#adapters/event-bus';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createDynamoStore } from '#adapters/dynamo-store';
import { SesMailer } from '#adapters/ses-mailer';
import { SqsWorkQueue, createSqsClient } from '#adapters/sqs-work-queue';
import { keySourceFromEnv, liveKeyRing } from '#adapters/token-keys';
import { shopDeliveryOf } from '#core/delivery/local-time';
import { cachedBreaker, parseBreakerConfig } from '#core/delivery/breaker';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';
import { readSendConfig } from './config';

/** EMF metric (namespace Stammkunde) counted once per send message that found a coupon pool empty: the stack alarms on it. */
export const COUPON_POOL_EXHAUSTED_METRIC = 'CouponPoolExhausted';

export type SendHandler = (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SQSBatchResponse>;

/** Outcome counts of one invocation as EMF metrics (namespace Stammkunde, one metric per outcome). */
const publishOutcomes = (metrics: Metrics, tally: Tally): void => {
  const entries = Object.entries(tally).filter(([, n]) => (n ?? 0) > 0);
  if (entries.length === 0) return;
  for (const [outcome, n] of entries) metrics.addMetric(outcome, MetricUnit.Count, n ?? 0);
  metrics.publishStoredMetrics();
};

export const createSendHandler = (deps: SendDeps, logger = createLogger('send'), metrics?: Metrics): SendHandler => {
  const send = createSender(deps);
  return async (event, context) => {
    const deadline: Deadline = context ? { remainingMs: () => context.getRemainingTimeInMillis() } : NO_DEADLINE;
    const tally: Tally = {};
    let poolsRanDry = 0;
    const info = infoEnabled(logger);
    const { batchItemFailures, failures } = await processRecords(
      event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
      SendWork,
      async (work, record) => {
        const { failures: lost, ...result } = await send(work, record.messageId, deadline);
        mergeTally(tally, result.tally);
        if (info) logger.info('send message', { occurrenceId: work.occurrenceId, campaignId: work.campaignId, ...result });
        for (const failure of lost) logger.warn('recipient not sent', { occurrenceId: work.occurrenceId, customerId: failure.customerId, reason: failure.reason });
        if (result.paused) logger.warn('occurrence paused', { occurrenceId: work.occurrenceId, reason: result.paused });
        if (result.pauseCause === 'pool') poolsRanDry++;
      },
    );
    for (const failure of failures) logger.error('send record failed', { messageId: failure.messageId, reason: failure.reason });
    if (metrics && poolsRanDry > 0) metrics.addMetric(COUPON_POOL_EXHAUSTED_METRIC, MetricUnit.Count, poolsRanDry);
    if (metrics) publishOutcomes(metrics, tally);
    return { batchItemFailures };
  };
};

/** Builds the real deps from the environment (also used by the local runtime with endpoints set). */
export const createSendDepsFromEnv = async (env: Record<string, string | undefined>): Promise<SendDeps> => {
  const config = readSendConfig(env);
  const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  // One SES call (and its recording) must fit the deadline margin: the call gives up at half of it.
  const mailer = new SesMailer(createSesClient({ endpoint: config.SES_ENDPOINT, maxAttempts: 1, requestTimeoutMs: (config.SEND_DEADLINE_MARGIN_SECONDS * 1000) / 2 }));
  const accountRate = config.MAX_SEND_RATE ?? (await mailer.maxSendRate());
  // Signing keys from Secrets Manager, reloaded every maxAge while the loaded ring keeps signing.
  const keys = await liveKeyRing(keySourceFromEnv(config), {
    refreshSeconds: config.TOKEN_KEYS_MAX_AGE_SECONDS,
    onError: (error) => createLogger('send').error('token keys reload failed; signing with the keys loaded before', { error }),
  });
  const rate = perSenderRate(accountRate, config.SEND_CONCURRENCY);
  const links = createSignedLinks({ baseUrl: config.UNSUBSCRIBE_BASE_URL, ring: () => keys.current(), confirmTtlDays: config.CONFIRM_TTL_DAYS, openPixel: config.OPEN_PIXEL });
  return {
    store: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
    profiles: profilePortsFrom(createDynamoStore({ client, tableName: config.TABLE_NAME })),
    mailer,
    // Unsubscribe, preference centre (its own token), double opt-in and click links: one key ring.
    renderer: createTemplateMailRenderer({ shop: config.SHOP_INFO, ...links }),
    links,
    account: mailer,
    breaker: cachedBreaker(createDynamoBreakerStore({ client, tableName: config.TABLE_NAME }), parseBreakerConfig(config.BREAKER_CONFIG), () => new Date()),
    // Codes keyed by the table's coupon secret (made once); CouponIssued on the shop bus when it is set.
    coupons: {
      store: createDynamoCouponStore({ client, tableName: config.TABLE_NAME }),
      ...(config.EVENT_BUS_NAME ? { events: createEventBusPublisher({ client: new EventBridgeClient({}), busName: config.EVENT_BUS_NAME }) } : {}),
    },
    // A/B arms' counters and memberships (core/delivery/experiment.ts), window from the shop's settings.
    funnels: createDynamoFunnelStore({ client, tableName: config.TABLE_NAME }),
    ...(config.SHOP_INFO.attribution ? { attributionDays: config.SHOP_INFO.attribution.windowDays } : {}),
    // The referral link and reward of invitations, the choice and reward mails (referral-offer.ts).
    offers: createReferralOffers({
      referrals: createDynamoReferralDeps({ client, tableName: config.TABLE_NAME, eventBusName: config.EVENT_BUS_NAME, clock: { now: () => new Date() } }),
      baseUrl: config.UNSUBSCRIBE_BASE_URL,
      rewardUrl: links.rewardUrl,
    }),
    limiter: createRateLimiter({
      ratePerSecond: rate,
      now: () => performance.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }),
    pool: createPool(sendParallelism(rate, config.SEND_PARALLELISM)),
    sendQueue: new SqsWorkQueue(createSqsClient(config.SQS_ENDPOINT), config.SEND_QUEUE_URL),
    clock: { now: () => new Date() },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    newOwner: randomUUID,
    config: {
      ...DEFAULT_SEND_CONFIG,
      from: config.SENDER_ADDRESS,
      ...(config.REPLY_TO ? { replyTo: config.REPLY_TO.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
      ...(config.CONFIGURATION_SET ? { configurationSet: config.CONFIGURATION_SET } : {}),
      frequencyCap: config.FREQUENCY_CAP,
      capWindowMs: config.FREQUENCY_CAP_DAYS * 86_400_000,
      leaseMs: config.LEASE_SECONDS * 1000,
      deadlineMarginMs: config.SEND_DEADLINE_MARGIN_SECONDS * 1000,
      // Quiet hours and the default zone from the shop's settings (SHOP_INFO "delivery").
      shop: shopDeliveryOf(config.SHOP_INFO),
    },
  };
};

/** Builds the handler once per instance; a failed start-up (GetAccount, config) is retried next time. */
export const lazyHandler = (build: () => Promise<SendHandler>): SendHandler => {
  let pending: Promise<SendHandler> | undefined;
  return async (event, context) => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return (await pending)(event, context);
  };
};

export const handler: SendHandler = lazyHandler(() =>
  createSendDepsFromEnv(process.env).then((deps) => createSendHandler(deps, createLogger('send'), new Metrics({ namespace: 'Stammkunde', serviceName: 'send' }))),
);
