// The tick Lambda (EventBridge Scheduler, every minute): runTick at the scheduled time. Thin.
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { createEventBusPublisher } from '#adapters/event-bus';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createLogger, infoEnabled } from '#adapters/logger';
import type { Logger } from '@aws-lambda-powertools/logger';
import { runTick, DEFAULT_TICK_CONFIG, type TickDeps, type TickResult } from '#core/delivery/tick';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { DynamoProfileCounter } from '#adapters/profile-count';
import { SqsWorkQueue, createSqsClient } from '#adapters/sqs-work-queue';
import { SesMailer } from '#adapters/ses-mailer';
import { shopDeliveryOf } from '#core/delivery/local-time';
import { breakerReleases, parseBreakerConfig } from '#core/delivery/breaker';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';
import { readTickConfig } from './config';

/** The target input the construct gives Scheduler: `{ "scheduledTime": "<aws.scheduler.scheduled-time>" }`. */
export type TickHandler = (event?: { scheduledTime?: string }) => Promise<TickResult>;

/**
 * Ticks at the time Scheduler meant (`scheduledTime`, ISO), so a late or retried invocation judges
 * the same window; without it (a manual invocation), the clock's now.
 */
export const createTickHandler = (deps: TickDeps, options: { now?: () => Date; logger?: Logger } = {}): TickHandler => {
  const logger = options.logger ?? createLogger('tick');
  return async (event) => {
    const at = event?.scheduledTime ? new Date(event.scheduledTime) : (options.now ?? (() => new Date()))();
    if (Number.isNaN(at.getTime())) throw new Error(`event.scheduledTime "${event?.scheduledTime}" is not an ISO time`);
    const result = await runTick(deps, at);
    for (const error of result.errors) logger.error('campaign schedule unusable', { campaignId: error.campaignId, reason: error.message });
    if (result.missed.length > 0) logger.warn('occurrences missed: due longer ago than the catch-up limit', { missed: result.missed });
    if (infoEnabled(logger)) logger.info('tick', {
      created: result.created,
      refanned: result.refanned,
      shardsQueued: result.shardsQueued,
      deliveriesReleased: result.deliveriesReleased,
      watermark: result.watermark,
      backlog: result.backlog,
    });
    return result;
  };
};

let lazy: TickHandler | undefined;
export const handler: TickHandler = (event) => {
  if (!lazy) {
    const config = readTickConfig(process.env);
    const sqs = createSqsClient(config.SQS_ENDPOINT);
    const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    lazy = createTickHandler({
      store: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
      audienceQueue: new SqsWorkQueue(sqs, config.AUDIENCE_QUEUE_URL),
      sendQueue: new SqsWorkQueue(sqs, config.SEND_QUEUE_URL),
      account: new SesMailer(createSesClient()),
      shop: shopDeliveryOf(config.SHOP_INFO),
      ...(config.EVENT_BUS_NAME
        ? {
            couponReminders: {
              coupons: createDynamoCouponStore({ client, tableName: config.TABLE_NAME }),
              events: createEventBusPublisher({ client: new EventBridgeClient({}), busName: config.EVENT_BUS_NAME }),
              daysBefore: config.COUPON_EXPIRING_DAYS,
            },
          }
        : {}),
      breakerReleases: ((breaker, breakerConfig) => () => breakerReleases(breaker, breakerConfig, new Date()))(createDynamoBreakerStore({ client, tableName: config.TABLE_NAME }), parseBreakerConfig(config.BREAKER_CONFIG)),
      config: {
        ...DEFAULT_TICK_CONFIG,
        totalSegments: config.AUDIENCE_SEGMENTS ?? DEFAULT_TICK_CONFIG.totalSegments,
        catchUpLimitMs: config.CATCH_UP_LIMIT_MINUTES * 60_000,
        maxOccurrencesPerTick: config.MAX_OCCURRENCES_PER_TICK,
      },
      // A fixed AUDIENCE_SEGMENTS wins; otherwise shards follow the profile count.
      ...(config.AUDIENCE_SEGMENTS === undefined ? { profileCounter: new DynamoProfileCounter(client, config.TABLE_NAME) } : {}),
    });
  }
  return lazy(event);
};
