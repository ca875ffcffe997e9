// The send Lambda (SQS, up to 100 recipients per message): partial batch failures per record;
// the pacing limiter lives at module scope so it spans invocations of a warm instance. Thin:
// rules are in core/delivery/send.ts. Its bundle has no mjml (render.ts renders precompiled Liquid).
import { createLogger } from '#adapters/logger';
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createSender, DEFAULT_SEND_CONFIG, type SendDeps } from '#core/delivery/send';
import { SendWork } from '#core/delivery/messages';
import { processRecords } from '#core/delivery/batch';
import { createRateLimiter, perSenderRate } from '#core/delivery/pacing';
import { createPool } from '#core/delivery/pool';
import { createSignedLinks, createTemplateMailRenderer, profilePortsFrom } from '#core/delivery/seams';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { SesMailer } from '#adapters/ses-mailer';
import { SqsWorkQueue, createSqsClient } from '#adapters/sqs-work-queue';
import { readSendConfig } from './config';

export type SendHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export const createSendHandler = (deps: SendDeps, logger = createLogger('send')): SendHandler => {
  const send = createSender(deps);
  return async (event) => {
    const { batchItemFailures, failures } = await processRecords(
      event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
      SendWork,
      async (work, record) => {
        const result = await send(work, record.messageId);
        logger.info('send message', { occurrenceId: work.occurrenceId, campaignId: work.campaignId, ...result });
        if (result.paused) logger.warn('occurrence paused', { occurrenceId: work.occurrenceId, reason: result.paused });
      },
    );
    for (const failure of failures) logger.error('send record failed', { messageId: failure.messageId, reason: failure.reason });
    return { batchItemFailures };
  };
};

/** Builds the real deps from the environment (also used by the local runtime with endpoints set). */
export const createSendDepsFromEnv = async (env: Record<string, string | undefined>): Promise<SendDeps> => {
  const config = readSendConfig(env);
  const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  const mailer = new SesMailer(createSesClient({ endpoint: config.SES_ENDPOINT, maxAttempts: 1 }));
  const accountRate = config.MAX_SEND_RATE ?? (await mailer.maxSendRate());
  const links = createSignedLinks({ baseUrl: config.UNSUBSCRIBE_BASE_URL, key: { id: config.TOKEN_KEY_ID, secret: config.TOKEN_SECRET }, confirmTtlDays: config.CONFIRM_TTL_DAYS, openPixel: config.OPEN_PIXEL });
  return {
    store: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
    profiles: profilePortsFrom(createDynamoStore({ client, tableName: config.TABLE_NAME })),
    mailer,
    // Unsubscribe, preference centre (its own token), double opt-in and click links: one key.
    renderer: createTemplateMailRenderer({ shop: config.SHOP_INFO, ...links }),
    links,
    limiter: createRateLimiter({
      ratePerSecond: perSenderRate(accountRate, config.SEND_CONCURRENCY),
      now: () => performance.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }),
    pool: createPool(config.SEND_PARALLELISM),
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
    },
  };
};

let lazy: Promise<SendHandler> | undefined;
export const handler: SendHandler = async (event) => {
  lazy ??= createSendDepsFromEnv(process.env).then((deps) => createSendHandler(deps));
  return (await lazy)(event);
};
