// The audience Lambda (SQS, one shard per message): partial batch failures per record. Thin.
import { createLogger } from '#adapters/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createAudienceWorker, DEFAULT_AUDIENCE_CONFIG, type AudienceDeps } from '#core/delivery/audience';
import { AudienceShard } from '#core/delivery/messages';
import { processRecords } from '#core/delivery/batch';
import { compilePublishedAudience, profilePortsFrom } from '#core/delivery/seams';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { SesMailer } from '#adapters/ses-mailer';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { SqsWorkQueue, createSqsClient } from '#adapters/sqs-work-queue';
import { shopDeliveryOf } from '#core/delivery/local-time';
import { readAudienceConfig } from './config';

export type AudienceHandler = (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SQSBatchResponse>;

export const createAudienceHandler = (deps: AudienceDeps, logger = createLogger('audience')): AudienceHandler => {
  const work = createAudienceWorker(deps);
  return async (event, context) => {
    const remaining = context ? () => context.getRemainingTimeInMillis() : undefined;
    const { batchItemFailures, failures } = await processRecords(
      event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
      AudienceShard,
      async (shard) => {
        const result = await work(shard, remaining);
        logger.info('audience shard', { occurrenceId: shard.occurrenceId, segment: shard.segment, ...result });
      },
    );
    for (const failure of failures) logger.error('audience record failed', { messageId: failure.messageId, reason: failure.reason });
    return { batchItemFailures };
  };
};

/** The account's mail rate for back-pressure: MAX_SEND_RATE, else SES GetAccount's MaxSendRate. */
const build = async (): Promise<AudienceHandler> => {
  const config = readAudienceConfig(process.env);
  const sendRatePerSecond = config.MAX_SEND_RATE ?? (await new SesMailer(createSesClient({ endpoint: config.SES_ENDPOINT })).maxSendRate());
  const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  const sqs = createSqsClient(config.SQS_ENDPOINT);
  const people = profilePortsFrom(createDynamoStore({ client, tableName: config.TABLE_NAME }));
  return createAudienceHandler({
    store: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
    scanner: people,
    birthdays: people,
    shop: shopDeliveryOf(config.SHOP_INFO),
    sendQueue: new SqsWorkQueue(sqs, config.SEND_QUEUE_URL),
    audienceQueue: new SqsWorkQueue(sqs, config.AUDIENCE_QUEUE_URL),
    compileAudience: compilePublishedAudience,
    config: { ...DEFAULT_AUDIENCE_CONFIG, pageSize: config.SCAN_PAGE_SIZE, recipientsPerMessage: config.RECIPIENTS_PER_MESSAGE, sendRatePerSecond },
  });
};

// Built once per container; a failed start-up (GetAccount unreachable) is retried on the next invocation.
let lazy: Promise<AudienceHandler> | undefined;
export const handler: AudienceHandler = async (event, context) => {
  lazy ??= build().catch((error: unknown) => {
    lazy = undefined;
    throw error;
  });
  return (await lazy)(event, context);
};
