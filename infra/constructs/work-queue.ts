// WorkQueue: an SQS queue with its dead-letter queue and an alarm on the DLQ. Every asynchronous
// hop in Stammkunde has one (DESIGN §1): what cannot be processed lands here, never nowhere.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface WorkQueueProps {
  /**
   * How long a received message stays invisible to other consumers. For a Lambda consumer AWS
   * advises at least 6x the function timeout, so a batch that is retried by the poller is not
   * handed to a second invocation while the first still runs (QueueWorker sets this).
   */
  readonly visibilityTimeout: Duration;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unprocessed message is kept in the main queue. SQS drops expired messages
   * without moving them to the DLQ, so the default is the longest SQS allows.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

export interface DeadLetterQueueProps {
  /**
   * Acknowledge cdk-nag's AwsSolutions-SQS3 ("queue is not a DLQ and has no DLQ") with this reason.
   * Needed when the queue is the dead-letter target of a service (Scheduler, an EventBridge target)
   * rather than of another SQS queue, which cdk-nag cannot see.
   * @default - nothing acknowledged (the queue is the redrive target of an SQS queue)
   */
  readonly serviceDeadLetterReason?: string;
}

/** An encrypted, TLS-only queue kept 14 days, with an alarm while it holds messages. */
export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  /** In ALARM while the queue holds at least one visible message. */
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps = {}) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (props.serviceDeadLetterReason) {
      Validations.of(this.queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: props.serviceDeadLetterReason });
    }
    this.alarm = this.queue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'Alarm', {
        alarmDescription: `Messages in the dead-letter queue ${this.node.path}: inspect and redrive them.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
  }
}

/** An encrypted, TLS-only SQS queue with a dead-letter queue and an alarm when the DLQ fills. */
export class WorkQueue extends Construct {
  /** The queue work is sent to. */
  public readonly queue: sqs.Queue;
  /** Where messages go after `maxReceiveCount` failed receives; kept 14 days for inspection/redrive. */
  public readonly deadLetterQueue: sqs.Queue;
  /** In ALARM while the DLQ holds at least one visible message. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);

    const deadLetters = new DeadLetterQueue(this, 'DeadLetters');
    this.deadLetterQueue = deadLetters.queue;
    this.deadLetterAlarm = deadLetters.alarm;

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Lets `grantee` send messages to the work queue (not to the DLQ). */
  public grantSendMessages(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }
}
