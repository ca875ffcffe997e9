// The feedback Lambda: SES events from the default EventBridge bus (rule: source aws.ses).
// Thin: rules in core/delivery/feedback.ts. Store errors throw, so EventBridge retries (then DLQ).
import { createLogger } from '#adapters/logger';
import type { EventBridgeEvent } from 'aws-lambda';
import { handleSesEvent, suppressionsFrom, type FeedbackDeps, type FeedbackResult } from '#core/delivery/feedback';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { readFeedbackConfig } from './config';

export type FeedbackHandler = (event: EventBridgeEvent<string, unknown>) => Promise<FeedbackResult>;

export const createFeedbackHandler = (deps: FeedbackDeps, logger = createLogger('feedback')): FeedbackHandler => async (event) => {
  const at = new Date(event.time);
  const result = await handleSesEvent(deps, event.id, event.detail, Number.isNaN(at.getTime()) ? new Date() : at);
  if (!result.handled) logger.info('SES event ignored', { id: event.id, detailType: event['detail-type'], reason: result.reason });
  else logger.info('SES event', { id: event.id, customerId: result.customerId, occurrenceId: result.occurrenceId, suppressed: result.suppressed });
  return result;
};

let lazy: FeedbackHandler | undefined;
export const handler: FeedbackHandler = (event) => {
  if (!lazy) {
    const config = readFeedbackConfig(process.env);
    const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    lazy = createFeedbackHandler({
      store: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
      suppressions: suppressionsFrom(createDynamoStore({ client, tableName: config.TABLE_NAME })),
    });
  }
  return lazy(event);
};
