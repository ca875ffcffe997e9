// DeliveryPipeline: tick -> audience -> send (DESIGN §1). EventBridge Scheduler invokes tick every
// minute; tick creates due occurrences and fans their audience out as shards onto the audience
// queue, and releases due deliveries onto the send queue; audience scans one shard and enqueues
// send work; send mails each recipient once through SES. Every hop has a DLQ.
//
// Environment variable names are those of functions/{tick,audience,send}/config.ts.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { MailSending } from './mail-sending';
import { QueueWorker } from './queue-worker';
import { StammkundeFunction } from './stammkunde-function';
import { grantTableActions, grantTableDescribe, grantTableIndexQuery, grantTableIndexScan } from './stammkunde-table';
import { DEFAULT_AUDIENCE_CONCURRENCY } from '#core/delivery/audience';
import { PROFILE_INDEX } from '#adapters/table';
import { DeadLetterQueue } from './work-queue';
import { sendBatchSize, sendSizing } from '#core/delivery/pacing';
import { RECIPIENTS_PER_MESSAGE } from '#core/delivery/messages';

/** What the mail templates show about the shop (send's SHOP_INFO). */
export interface ShopInfo {
  readonly name: string;
  readonly url: string;
  readonly imprint: string;
  readonly address: string;
  readonly email?: string;
  /**
   * Attribution (core/attribution.ts): days after a click, or an A/B mail, that an order counts for it.
   * @default - 5 days
   */
  readonly attribution?: { readonly windowDays: number };
}

export interface DeliveryPipelineProps {
  /** The Stammkunde table (campaigns, occurrences, profiles, ledger, stats). */
  readonly table: dynamodb.ITable;
  /** The SES configuration set and identity send uses. */
  readonly mail: MailSending;
  /** From address of every mail ("news@shop.example" or "Shop <news@shop.example>"). */
  readonly senderAddress: string;
  /**
   * Reply-To of every mail (comma-separated for several).
   * @default - no Reply-To header: replies go to the sender address
   */
  readonly replyToAddress?: string;
  /** HTTPS origin of the track app; one-click unsubscribe URLs are `<publicBaseUrl>/u/<token>`. */
  readonly publicBaseUrl: string;
  /** Shop name, URL, imprint and address for the templates. */
  readonly shopInfo: ShopInfo;
  /**
   * Mails per second for the whole account, instead of the account's MaxSendRate.
   * @default - the MaxSendRate send reads with SES GetAccount
   */
  readonly maxSendRate?: number;
  /**
   * Concurrent send invocations (the event source's maximum concurrency). Each paces itself to
   * rate / concurrency, so together they stay under the SES rate.
   * @default - from the rate (core/delivery/pacing.ts sendSizing): 2 up to 100 mails/s, one more per 50/s
   */
  readonly sendConcurrency?: number;
  /**
   * Marketing mails per customer per `frequencyCapDays`.
   * @default - send's default (3)
   */
  readonly frequencyCap?: number;
  /**
   * The frequency cap's rolling window in days.
   * @default - send's default (7)
   */
  readonly frequencyCapDays?: number;
  /**
   * Fixed parallel scan segments (audience shards) per occurrence.
   * @default - one shard per 100,000 profiles (tick reads the profile index's ItemCount)
   */
  readonly audienceSegments?: number;
  /**
   * Concurrent audience invocations (the event source's maximum concurrency), so a large fan-out
   * never takes the Lambda concurrency send needs.
   * @default 10
   */
  readonly audienceConcurrency?: number;
  /**
   * Id of the first token signing key, generated into the keys secret at creation. Later keys are
   * added to the secret itself (README, "Key rotation"); changing this prop rotates nothing.
   * @default 'k1'
   */
  readonly tokenKeyId?: string;
  /**
   * The shop bus: send puts a CouponIssued event there for every coupon it issues, so the shop's
   * checkout knows the code before the mail arrives; tick puts CouponExpiring N days before an
   * unredeemed coupon expires.
   * @default - no coupon events (codes reach the shop through `stammkunde coupons export`)
   */
  readonly eventBus?: events.IEventBus;
}

export class DeliveryPipeline extends Construct {
  public readonly tick: nodejs.NodejsFunction;
  public readonly schedule: scheduler.Schedule;
  /** Where Scheduler puts tick invocations that failed all retries. */
  public readonly tickDeadLetters: DeadLetterQueue;
  public readonly audience: QueueWorker;
  public readonly send: QueueWorker;
  /**
   * The token signing keys (functions/adapters/token-keys.ts): JSON {"current": id, <id>: secret, ...},
   * the first key generated (64 characters). Functions read it at run time; grant with `grantTokenKeysRead`.
   */
  public readonly tokenSecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const tableName = props.table.tableName;
    const optional = (name: string, value: number | undefined): Record<string, string> => (value === undefined ? {} : { [name]: String(value) });

    const firstKeyId = props.tokenKeyId ?? 'k1';
    this.tokenSecret = new secretsmanager.Secret(this, 'TokenSecret', {
      description: 'HMAC keys for Stammkunde unsubscribe/preference/confirmation tokens: {"current": id, <id>: secret, ...}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: firstKeyId }),
        generateStringKey: firstKeyId,
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
    Validations.of(this.tokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Automatic rotation would replace the key every mailed unsubscribe link is signed with (RFC 8058 links must keep working); keys rotate by adding a key to the secret and making it current while the old ones keep verifying (README, "Key rotation").',
    });

    const sendTimeout = Duration.seconds(60);
    // Sized from the rate (SES's production default 14/s when the rate is read at run time): a
    // paced instance is billed while it waits, so slow accounts get two small instances.
    const sizing = sendSizing(props.maxSendRate ?? 14);
    const sendConcurrency = props.sendConcurrency ?? sizing.concurrency;
    this.send = new QueueWorker(this, 'Send', {
      folder: 'send',
      description: 'Gates, exactly-once claim, render and SES SendEmail per recipient',
      timeout: sendTimeout,
      memorySize: sizing.memoryMb,
      // A batch fits the timeout at this instance's share of the rate (SES's production default
      // 14/s when the rate is read at run time); what does not fit is handed back, not lost.
      batchSize: sendBatchSize({
        ratePerSecond: props.maxSendRate ?? 14,
        concurrency: sendConcurrency,
        timeoutSeconds: sendTimeout.toSeconds(),
        marginSeconds: 10,
        recipientsPerMessage: RECIPIENTS_PER_MESSAGE,
      }),
      maxConcurrency: sendConcurrency,
      environment: {
        TABLE_NAME: tableName,
        SENDER_ADDRESS: props.senderAddress,
        ...(props.replyToAddress ? { REPLY_TO: props.replyToAddress } : {}),
        CONFIGURATION_SET: props.mail.configurationSet.configurationSetName,
        UNSUBSCRIBE_BASE_URL: props.publicBaseUrl,
        // Only the secret's ARN: send reads the keys at run time (Powertools Parameters, cached),
        // so no key is visible through lambda:GetFunctionConfiguration.
        TOKEN_KEYS_SECRET: this.tokenSecret.secretArn,
        SHOP_INFO: JSON.stringify(props.shopInfo),
        SEND_CONCURRENCY: String(sendConcurrency),
        // A claim's lease must outlive the invocation that holds it (config.ts: > timeout).
        LEASE_SECONDS: String(sendTimeout.toSeconds() * 5),
        ...optional('MAX_SEND_RATE', props.maxSendRate),
        ...optional('FREQUENCY_CAP', props.frequencyCap),
        ...optional('FREQUENCY_CAP_DAYS', props.frequencyCapDays),
        ...(props.eventBus ? { EVENT_BUS_NAME: props.eventBus.eventBusName } : {}),
      },
    });
    // CouponIssued (core/delivery/coupon-step.ts) on the shop bus: events:PutEvents on that bus only.
    props.eventBus?.grantPutEventsTo(this.send.fn);
    // Send re-queues throttled work onto its own queue, which exists only once the worker does.
    this.send.fn.addEnvironment('SEND_QUEUE_URL', this.send.queue.queueUrl);

    this.audience = new QueueWorker(this, 'Audience', {
      folder: 'audience',
      description: 'Scans one audience shard, evaluates the segment, enqueues send work',
      timeout: Duration.seconds(120),
      memorySize: 1024,
      batchSize: 1,
      maxConcurrency: props.audienceConcurrency ?? DEFAULT_AUDIENCE_CONCURRENCY,
      // The rate its back-pressure paces continuations to (else it reads SES GetAccount, below).
      environment: {
        TABLE_NAME: tableName,
        SEND_QUEUE_URL: this.send.queue.queueUrl,
        ...optional('MAX_SEND_RATE', props.maxSendRate),
        // The shop's delivery defaults (zone, country, 29 February rule) for seasonal audiences.
        SHOP_INFO: JSON.stringify(props.shopInfo),
      },
    });
    // A shard that runs out of time continues on its own queue with a cursor.
    this.audience.fn.addEnvironment('AUDIENCE_QUEUE_URL', this.audience.queue.queueUrl);

    const tick = new StammkundeFunction(this, 'Tick', {
      folder: 'tick',
      description: 'Every minute: creates due occurrences once, fans out audience shards, releases due deliveries',
      timeout: Duration.seconds(60),
      environment: {
        TABLE_NAME: tableName,
        AUDIENCE_QUEUE_URL: this.audience.queue.queueUrl,
        SEND_QUEUE_URL: this.send.queue.queueUrl,
        ...optional('AUDIENCE_SEGMENTS', props.audienceSegments),
        // The shop's delivery defaults: the country of its occasions (Mother's Day, holidays).
        SHOP_INFO: JSON.stringify(props.shopInfo),
      },
    });
    this.tick = tick.fn;
    // CouponExpiring (core/coupon-reminders.ts) on the shop bus: the coupons-by-campaign index and PutEvents.
    if (props.eventBus) {
      this.tick.addEnvironment('EVENT_BUS_NAME', props.eventBus.eventBusName);
      props.eventBus.grantPutEventsTo(this.tick);
    }

    this.tickDeadLetters = new DeadLetterQueue(this, 'TickDeadLetters', {
      serviceDeadLetterReason:
        'This queue is the dead-letter queue of the EventBridge Scheduler tick target; a DLQ of a DLQ would only move the same failed invocations again.',
    });
    // An own role (instead of the stack-wide one LambdaInvoke would create) keeps the
    // acknowledgement below on this schedule's role only.
    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler invoke the Stammkunde tick function',
    });
    Validations.of(scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(tick.fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason:
        'LambdaInvoke grants through Function.grantInvoke, which adds "<function ARN>:*" for versions and aliases of this one function; the schedule targets the unqualified ARN.',
    });
    this.schedule = new scheduler.Schedule(this, 'EveryMinute', {
      description: 'Stammkunde tick',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new schedulerTargets.LambdaInvoke(this.tick, {
        role: scheduleRole,
        // The minute Scheduler meant, so a late or retried invocation still computes the same occurrences.
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        deadLetterQueue: this.tickDeadLetters.queue,
        retryAttempts: 5,
        maxEventAge: Duration.hours(1),
      }),
    });

    // Queues: tick fans out to audience and send; audience feeds send and continues its own
    // shards; send re-queues throttled or held work onto itself.
    this.audience.grantSendMessages(this.tick);
    this.send.grantSendMessages(this.tick);
    this.send.grantSendMessages(this.audience.fn);
    this.audience.grantSendMessages(this.audience.fn);
    this.send.grantSendMessages(this.send.fn);

    if (props.maxSendRate === undefined) {
      props.mail.grantReadSendingQuota(this.audience.fn);
      Validations.of(this.audience.fn.role as iam.Role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:GetAccount (audience reads MaxSendRate to pace its continuations) has no resource type in IAM, so "*" is the only possible resource; the statement allows that one read-only action.',
      });
    }
    this.grantTokenKeysRead(this.send.fn);
    props.mail.grantSendEmail(this.send.fn);
    props.mail.grantReadSendingQuota(this.send.fn);
    // tick resumes occurrences the account paused once GetAccount says SES can send again.
    props.mail.grantReadSendingQuota(this.tick);
    for (const fn of [this.send.fn, this.tick]) {
      Validations.of(fn.role as iam.Role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:GetAccount (send reads MaxSendRate and the quota; tick whether sending is enabled and the quota has room) has no resource type in IAM, so "*" is the only possible resource; the statement allows that one read-only action.',
      });
    }

    // Table calls per function, from the DeliveryStore/CustomerStore methods each one uses
    // (functions/adapters/dynamo-delivery-store.ts, dynamo-store.ts).
    // tick: listCampaigns (Query), createOccurrence (conditional Put), getOccurrence (Get),
    //   setOccurrenceState (Update), nextDueBucket (Query gsi1 DUEHOUR#), listDueDeliveries
    //   (Query gsi3), removeDueDeliveries
    //   (BatchWriteItem deletes), the profile count for the shard count (DescribeTable),
    //   resume: pause markers and held work (Query), resumeOccurrence (Update, Delete).
    grantTableActions(props.table, this.tick, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Query');
    // gsi1: the next non-empty due bucket (DUEHOUR#<hour>), and each campaign's coupons expiring
    // on a day (COUPONS#<campaign>, by expiry) for CouponExpiring.
    grantTableIndexQuery(props.table, this.tick, 'gsi1');
    grantTableIndexQuery(props.table, this.tick, 'gsi3');
    if (props.audienceSegments === undefined) grantTableDescribe(props.table, this.tick);
    // audience: getCampaign, getOccurrence (Get), scanProfiles (parallel Scan of the sparse
    //   profiles index only: never the table with its events, ledger and rejections).
    grantTableActions(props.table, this.audience.fn, 'GetItem');
    grantTableIndexScan(props.table, this.audience.fn, PROFILE_INDEX.indexName);
    // send: profiles and campaign (Get), cap slots (BatchGet), claim/transition/stats/cap/pause
    //   (conditional Update), held work and pause markers (Put, Query, Delete); coupons: the
    //   issuing conditional Update, the code secret (Get, Put once), pool draws (Update, Get) and
    //   pool claims (Get, conditional Put).
    grantTableActions(props.table, this.send.fn, 'GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query');
  }

  /** Lets a function read the token keys secret: secretsmanager:GetSecretValue on it, nothing else. */
  public grantTokenKeysRead(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [this.tokenSecret.secretArn] });
  }
}
