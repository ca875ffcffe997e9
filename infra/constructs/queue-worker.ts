// QueueWorker: a function fed by its own WorkQueue, the shape of ingest, audience, send and
// feedback. It fixes the two settings that are easy to get wrong: the queue's visibility timeout
// follows the function timeout (6x, AWS guidance for SQS event sources), and the event source
// reports partial batch failures, so one bad record never retries its whole batch.
import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { StammkundeFunction, type StammkundeFunctionProps } from './stammkunde-function';
import { WorkQueue } from './work-queue';

/** Visibility timeout = this many function timeouts (AWS: at least 6 for Lambda consumers). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface QueueWorkerProps extends StammkundeFunctionProps {
  /**
   * Messages per invocation (SQS standard queues allow up to 10 without a batching window).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the poller may wait to fill a batch.
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Upper bound of concurrent invocations this queue drives (2..1000).
   * @default - no limit beyond the account's
   */
  readonly maxConcurrency?: number;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

export class QueueWorker extends Construct {
  public readonly fn: nodejs.NodejsFunction;
  public readonly workQueue: WorkQueue;

  constructor(scope: Construct, id: string, props: QueueWorkerProps) {
    super(scope, id);

    const timeout = props.timeout ?? Duration.seconds(30);
    const worker = new StammkundeFunction(this, 'Worker', { ...props, timeout });
    this.fn = worker.fn;

    this.workQueue = new WorkQueue(this, 'Work', {
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      ...(props.maxReceiveCount !== undefined ? { maxReceiveCount: props.maxReceiveCount } : {}),
    });

    this.fn.addEventSource(
      new sources.SqsEventSource(this.workQueue.queue, {
        batchSize: props.batchSize ?? 10,
        reportBatchItemFailures: true,
        ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
        ...(props.maxConcurrency !== undefined ? { maxConcurrency: props.maxConcurrency } : {}),
      }),
    );
  }

  /** The queue this worker consumes. */
  public get queue(): sqs.Queue {
    return this.workQueue.queue;
  }

  /** Where records land that failed `maxReceiveCount` times. */
  public get deadLetterQueue(): sqs.Queue {
    return this.workQueue.deadLetterQueue;
  }

  /** Lets `grantee` enqueue work for this worker. */
  public grantSendMessages(grantee: iam.IGrantable): iam.Grant {
    return this.workQueue.grantSendMessages(grantee);
  }
}
