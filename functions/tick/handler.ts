// The tick Lambda (EventBridge Scheduler, every minute): runTick at the scheduled time. Thin.
import { createLogger } from '#adapters/logger';
import type { Logger } from '@aws-lambda-powertools/logger';
import { runTick, DEFAULT_TICK_CONFIG, type TickDeps, type TickResult } from '#core/delivery/tick';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { SqsWorkQueue, createSqsClient } from '#adapters/sqs-work-queue';
import { SesMailer } from '#adapters/ses-mailer';
import { readTickConfig } from './config';

export type TickHandler = (event?: { time?: string }) => Promise<TickResult>;

/** Scheduler passes the scheduled time as `time` (ISO); without it, the clock's now. */
export const createTickHandler = (deps: TickDeps, options: { now?: () => Date; logger?: Logger } = {}): TickHandler => {
  const logger = options.logger ?? createLogger('tick');
  return async (event) => {
    const at = event?.time ? new Date(event.time) : (options.now ?? (() => new Date()))();
    if (Number.isNaN(at.getTime())) throw new Error(`event.time "${event?.time}" is not an ISO time`);
    const result = await runTick(deps, at);
    for (const error of result.errors) logger.error('campaign schedule unusable', { campaignId: error.campaignId, reason: error.message });
    logger.info('tick', { created: result.created, refanned: result.refanned, shardsQueued: result.shardsQueued, deliveriesReleased: result.deliveriesReleased });
    return result;
  };
};

let lazy: TickHandler | undefined;
export const handler: TickHandler = (event) => {
  if (!lazy) {
    const config = readTickConfig(process.env);
    const sqs = createSqsClient(config.SQS_ENDPOINT);
    lazy = createTickHandler({
      store: createDynamoDeliveryStore({ client: createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT }), tableName: config.TABLE_NAME }),
      audienceQueue: new SqsWorkQueue(sqs, config.AUDIENCE_QUEUE_URL),
      sendQueue: new SqsWorkQueue(sqs, config.SEND_QUEUE_URL),
      account: new SesMailer(createSesClient()),
      config: { ...DEFAULT_TICK_CONFIG, totalSegments: config.AUDIENCE_SEGMENTS, lookbackMs: config.LOOKBACK_MINUTES * 60_000 },
    });
  }
  return lazy(event);
};
