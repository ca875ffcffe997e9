// The feedback Lambda: SES events (configuration set -> default bus -> rule -> feedback queue) in
// SQS batches. Thin: the policy is core/delivery/feedback.ts. Per batch: one read of the
// delivered recipients' soft-bounce runs, each event's effects, then one stats write per
// occurrence and one reputation write (a random shard). Partial batch failures: a record whose
// store call failed, or whose detail is malformed (the reason names the field), is retried on its
// own and then dead-lettered; mails of other senders (no ledger tag) are acknowledged.
import { createLogger } from '#adapters/logger';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  SesEnvelope,
  addFeedbackCounts,
  collectCounts,
  deliveryRecipients,
  handleSesEvent,
  suppressionsFrom,
  type FeedbackDeps,
  type FeedbackResult,
} from '#core/delivery/feedback';
import { processRecords } from '#core/delivery/batch';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoFeedbackStore } from '#adapters/dynamo-feedback-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { checkReputation, parseBreakerConfig, type BreakerConfig, type BreakerStore } from '#core/delivery/breaker';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';
import { readFeedbackConfig } from './config';

export type FeedbackHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/** Counter shards of the reputation window (feedback.ts addReputation). */
export const REPUTATION_SHARDS = 4;

export interface FeedbackHandlerOptions {
  logger?: Logger;
  /** Picks the reputation shard; default random. */
  shard?: () => number;
  /** Runs after the batch's counts are stored (the circuit breaker's check). */
  afterBatch?: (results: readonly FeedbackResult[], at: Date) => Promise<void>;
}

export const createFeedbackHandler = (deps: FeedbackDeps, options: FeedbackHandlerOptions = {}): FeedbackHandler => {
  const logger = options.logger ?? createLogger('feedback');
  const shard = options.shard ?? (() => Math.floor(Math.random() * REPUTATION_SHARDS));
  return async (event) => {
    const envelopes = event.Records.map((r) => {
      try {
        return SesEnvelope.safeParse(JSON.parse(r.body)).data;
      } catch {
        return undefined;
      }
    });
    const runs = await deps.feedback.softBounceRuns(deliveryRecipients(envelopes.map((e) => e?.detail)));
    const results: FeedbackResult[] = [];
    let latest = new Date(0);
    const { batchItemFailures, failures } = await processRecords(
      event.Records.map((r) => ({ messageId: r.messageId, body: r.body })),
      SesEnvelope,
      async (envelope) => {
        const parsedAt = envelope.time ? new Date(envelope.time) : new Date();
        const at = Number.isNaN(parsedAt.getTime()) ? new Date() : parsedAt;
        const result = await handleSesEvent(deps, envelope.detail, at, runs);
        if (!result.handled) {
          if (result.reason !== 'no ledger tag') throw new Error(result.reason);
          logger.info('SES event ignored', { id: envelope.id, reason: result.reason });
          return;
        }
        if (at > latest) latest = at;
        results.push(result);
        logger.info('SES event', { id: envelope.id, customerId: result.customerId, occurrenceId: result.occurrenceId, suppressed: result.suppressed, duplicate: result.duplicate, ...(result.softBounceRun !== undefined ? { softBounceRun: result.softBounceRun } : {}) });
      },
    );
    for (const failure of failures) logger.error('SES event failed', { messageId: failure.messageId, reason: failure.reason });
    // Markers are written: counts not stored here are lost to the stats, so say so loudly.
    try {
      await addFeedbackCounts(deps, collectCounts(results), latest.getTime() > 0 ? latest : new Date(), shard());
    } catch (error) {
      logger.error('feedback counts not stored', { reason: (error as Error).message, events: results.length });
    }
    // The breaker check never fails the batch: its records are handled and marked; the next batch checks again.
    if (options.afterBatch && results.length) {
      try {
        await options.afterBatch(results, latest);
      } catch (error) {
        logger.error('circuit breaker check failed; the next batch checks again', { reason: (error as Error).message });
      }
    }
    return { batchItemFailures };
  };
};

/** The EMF metric the breaker alarm watches (namespace Stammkunde, service feedback). */
export const BREAKER_TRIPPED_METRIC = 'ReputationBreakerTripped';

/**
 * The circuit breaker's check after each batch (afterBatch): trips on the window or judges the
 * test batch; a trip is logged with its reason and leaves the EMF metric the alarm watches.
 */
export const breakerCheck =
  (deps: { breaker: BreakerStore; feedback: FeedbackDeps['feedback'] }, config: BreakerConfig, logger: Logger, metrics?: Metrics) =>
  async (results: readonly FeedbackResult[], at: Date): Promise<void> => {
    const change = await checkReputation({ breaker: deps.breaker, readWindow: (buckets) => deps.feedback.readReputation(buckets, REPUTATION_SHARDS) }, collectCounts(results).reputation, config, at);
    if (!change) return;
    if (change.state === 'tripped') {
      logger.warn('reputation circuit breaker tripped: marketing paused', { reason: change.reason, coolDownUntil: change.coolDownUntil });
      if (metrics) {
        metrics.addMetric(BREAKER_TRIPPED_METRIC, MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      }
    } else {
      logger.info('reputation circuit breaker lifted', { liftedBy: change.liftedBy });
    }
  };

let lazy: FeedbackHandler | undefined;
export const handler: FeedbackHandler = (event) => {
  if (!lazy) {
    const config = readFeedbackConfig(process.env);
    const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    const feedback = createDynamoFeedbackStore({ client, tableName: config.TABLE_NAME });
    const logger = createLogger('feedback');
    const check = breakerCheck(
      { breaker: createDynamoBreakerStore({ client, tableName: config.TABLE_NAME }), feedback },
      parseBreakerConfig(config.BREAKER_CONFIG),
      logger,
      new Metrics({ namespace: 'Stammkunde', serviceName: 'feedback' }),
    );
    lazy = createFeedbackHandler(
      {
        store: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
        suppressions: suppressionsFrom(createDynamoStore({ client, tableName: config.TABLE_NAME })),
        feedback,
        policy: { softBounceLimit: config.SOFT_BOUNCE_LIMIT },
      },
      { logger, afterBatch: check },
    );
  }
  return lazy(event);
};
