// Stammkunde: the whole engine as one L3 construct a shop embeds in its own CDK app (DESIGN §1).
//   shop backend -> EventBridge bus -> rule (routes.shopEvents) -> events queue (+DLQ) -> ingest
//   Scheduler (every minute) -> tick -> audience queue -> audience -> send queue -> send -> SES
//   SES events (default bus) -> rule (routes.sesFeedback) -> [feedback queue] -> feedback (batches, +DLQ)
// The rule patterns come from functions/core/routes.ts, shared with the embedded runtime's bus.
//
//   new Stammkunde(this, 'Stammkunde', {
//     sender: 'Kaffeerösterei <news@shop.example>',
//     publicBaseUrl: 'https://mail.shop.example',
//     shopInfo: { name, url, imprint, address },
//   }).grantPutEvents(shopBackendRole);
//
// Child ids are stable (Data, ShopBus, Ingest, Mail, Delivery, Feedback, ...): renaming one
// replaces the resource, and for Data that is the customers' table.
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { routes, sesFeedbackPattern, type EventPattern } from '#core/routes';
import { FEEDBACK_BATCH_SIZE } from '#core/delivery/feedback';
import { DEFAULT_EXPORT_LINK_SECONDS, GDPR_REQUEST_PATTERN } from '#core/gdpr';
import { DEFAULT_BREAKER_CONFIG, checkBreakerConfig, type BreakerConfig } from '#core/delivery/breaker';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { CustomerEndpoint } from './customer-endpoint';
import { DeliveryPipeline, type ShopInfo } from './delivery-pipeline';
import { MailSending } from './mail-sending';
import { QueueWorker } from './queue-worker';
import { StammkundeFunction } from './stammkunde-function';
import { StammkundeTable } from './stammkunde-table';
import { DeadLetterQueue } from './work-queue';
import { RetentionReport } from './retention-report';
import { privateBucket } from './private-bucket';
import { DEFAULT_ACTIVE_DAYS } from '#core/kpis';
import { DEFAULT_SHOP_DELIVERY } from '#core/delivery/local-time';

export type { ShopInfo };

export interface StammkundeProps {
  /** From address of every mail: "news@shop.example" or "Shop <news@shop.example>". */
  readonly sender: string;
  /**
   * The SES identity (domain or address) mails are sent as; SendEmail is granted on it only.
   * @default - the domain of `sender`
   */
  readonly senderIdentity?: string;
  /**
   * Create the SES domain identity (Easy DKIM, 2048-bit) here instead of using one verified
   * elsewhere. Its three DKIM CNAME records appear as the outputs `DkimRecord1..3` unless
   * `hostedZone` is given, which gets them directly.
   * @default false
   */
  readonly createEmailIdentity?: boolean;
  /**
   * Route 53 public hosted zone of the sender domain; with `createEmailIdentity` the DKIM
   * records are written into it.
   * @default - no records are written; add the DkimRecord outputs at your DNS provider
   */
  readonly hostedZone?: route53.IPublicHostedZone;
  /** HTTPS origin of the customer endpoint: unsubscribe, preference and confirm links start with it. */
  readonly publicBaseUrl: string;
  /** Shop name, URL, imprint and address for the mail templates. */
  readonly shopInfo: ShopInfo;
  /**
   * Reply-To of every mail.
   * @default - no Reply-To: replies go to the sender address
   */
  readonly replyToAddress?: string;
  /**
   * Mails per second, instead of the account's MaxSendRate that send reads from SES.
   * @default - the account's MaxSendRate
   */
  readonly maxSendRate?: number;
  /**
   * Keep the table when the stack is deleted and refuse DeleteTable (customer data).
   * @default true
   */
  readonly protectData?: boolean;
  /**
   * The shop's own host for mail links (CloudFront in front of the customer endpoint); needs
   * `linkCertificateArn`.
   * @default - links use the customer endpoint's Function URL host
   */
  readonly linkDomain?: string;
  /**
   * ACM certificate (in us-east-1) for `linkDomain`.
   * @default - none
   */
  readonly linkCertificateArn?: string;
  /**
   * An address that gets every alarm of the stack (an SNS e-mail subscription; the address must
   * confirm it once).
   * @default - alarms go to the `AlarmTopic` only; subscribe to it yourself
   */
  readonly alarmEmail?: string;
  /**
   * The reputation circuit breaker's limits (functions/core/delivery/breaker.ts BreakerConfig):
   * minSends (>= 500), maxBounceRate (< 0.05), maxComplaintRate (< 0.001), windowHours,
   * coolDownMinutes, testBatch.
   * @default - 500 mails, 4% bounces, 0.08% complaints, 24 h window, 24 h cool-down, 100 test recipients
   */
  readonly breaker?: Partial<BreakerConfig>;
  /**
   * The retention report (weekly, to S3): the zone of its months, which ingest keeps the month
   * counters in, the activity window W in days, its language, and an optional marketer address
   * for a summary mail with a link.
   * @default - Europe/Berlin, 365 days, German, no mail
   */
  readonly report?: { readonly timeZone?: string; readonly activeDays?: number; readonly language?: 'de' | 'en'; readonly mailTo?: string };
}

/** Converts a shared route pattern into the CDK's event pattern shape. */
export const toCdkEventPattern = (pattern: EventPattern): events.EventPattern => ({
  source: [...pattern.source],
  detailType: [...pattern['detail-type']],
  ...(pattern.detail ? { detail: { ...pattern.detail } } : {}),
});

/** The mailbox part of "Name <box@domain>" or "box@domain". */
const mailboxOf = (sender: string): string => /<([^<>]+)>\s*$/.exec(sender)?.[1] ?? sender.trim();

/** Checks the props a synth can check, with one line naming the prop (never "Invalid URL" with a stack). */
const checkProps = (props: StammkundeProps): void => {
  let url: URL | undefined;
  try {
    url = new URL(props.publicBaseUrl);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') throw new Error(`Stammkunde publicBaseUrl "${props.publicBaseUrl}" must be https (https://mail.shop.example)`);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(mailboxOf(props.sender))) throw new Error(`Stammkunde sender "${props.sender}" must be an address such as "news@shop.example" or "Shop <news@shop.example>"`);
};

export class Stammkunde extends Construct {
  public readonly table: StammkundeTable;
  public readonly shopBus: events.EventBus;
  public readonly ingest: QueueWorker;
  public readonly mail: MailSending;
  public readonly delivery: DeliveryPipeline;
  /** The links in every mail: unsubscribe, preferences, double opt-in, clicks. */
  public readonly customerEndpoint: CustomerEndpoint;
  /** SES feedback: the rule's queue and the function that drains it in batches. */
  public readonly feedbackWorker: QueueWorker;
  public readonly feedback: nodejs.NodejsFunction;
  public readonly feedbackDeadLetters: sqs.IQueue;
  /** Set when `createEmailIdentity` is true. */
  public readonly emailIdentity?: ses.EmailIdentity;
  /** GDPR export and erasure (invoke it, or put CustomerErasureRequested on the shop bus). */
  public readonly gdpr: nodejs.NodejsFunction;
  /** GDPR exports (exports/<customerId>/<requestId>.json): private, SSE-S3, TLS only, expired after 7 days. */
  public readonly exportBucket: s3.Bucket;
  /** Every alarm of the construct notifies this topic (KMS-encrypted, TLS only). */
  public readonly alarmTopic: sns.Topic;
  /** Raised when the reputation circuit breaker trips (EMF metric of the feedback function). */
  public readonly breakerAlarm: cloudwatch.Alarm;
  /** Raised when a coupon pool runs out of codes (EMF metric of the send function). */
  public readonly couponPoolAlarm: cloudwatch.Alarm;
  /** The weekly retention report: function, schedule and its private bucket. */
  public readonly report: RetentionReport;

  constructor(scope: Construct, id: string, props: StammkundeProps) {
    super(scope, id);
    checkProps(props);
    const protectData = props.protectData ?? true;
    const identityName = props.senderIdentity ?? mailboxOf(props.sender).split('@')[1]!;

    this.table = new StammkundeTable(this, 'Data', {
      deletionProtection: protectData,
      ...(protectData ? {} : { removalPolicy: RemovalPolicy.DESTROY }),
    });

    this.shopBus = new events.EventBus(this, 'ShopBus', {
      description: 'Shop events (CustomerRegistered, OrderPlaced, ...) put by the shop backend',
    });

    this.ingest = new QueueWorker(this, 'Ingest', {
      folder: 'ingest',
      description: 'Applies shop events to customer profiles, points and tiers, once per event id',
      timeout: Duration.seconds(30),
      environment: {
        TABLE_NAME: this.table.tableName,
        EVENT_BUS_NAME: this.shopBus.eventBusName,
        // The attribution window from the shop's settings (core/attribution.ts; unset: 5 days).
        ...(props.shopInfo.attribution ? { ATTRIBUTION_DAYS: String(props.shopInfo.attribution.windowDays) } : {}),
        // Its "delivery" zone and quiet hours: follow-ups due at night are planned for the morning.
        SHOP_INFO: JSON.stringify(props.shopInfo),
      },
    });
    // The DynamoStore calls ingest makes: BatchGetItem (profile + dedup marker) and conditional
    // PutItem (profile, markers) to apply once, PutItem (history, due deliveries), UpdateItem
    // (rejections); GetItem and Query on the campaign list (triggered campaigns, cached per
    // container); GetItem also for the erasure salt and records (core/gdpr.ts); attribution
    // (core/attribution.ts): GetItem (last click), Query (A/B memberships), conditional PutItem
    // (one attribution per order) and UpdateItem (counters, refunds); BatchWriteItem deletes the
    // win-back check a newer order made obsolete (core/triggers.ts). No Scan, no index access.
    this.table.grantItemActions(this.ingest.fn, 'BatchGetItem', 'GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem');
    // Our own events (TierChanged, FirstOrderPlaced, ...) on the shop bus, source "stammkunde".
    this.shopBus.grantPutEventsTo(this.ingest.fn);

    // Events EventBridge could not put into the queue land with the ingest failures.
    const ingestTarget = new targets.SqsQueue(this.ingest.queue, {
      deadLetterQueue: this.ingest.deadLetterQueue,
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
    });
    new events.Rule(this, 'ShopEventsRule', {
      eventBus: this.shopBus,
      description: 'routes.shopEvents: the shop events ingest applies',
      eventPattern: toCdkEventPattern(routes.shopEvents.pattern),
      targets: [ingestTarget],
    });
    // Our own events made outside ingest (the double opt-in click) back into ingest, where they
    // start triggered campaigns (routes.ownTriggerEvents).
    new events.Rule(this, 'OwnTriggerEventsRule', {
      eventBus: this.shopBus,
      description: 'routes.ownTriggerEvents: own events that start triggered campaigns',
      eventPattern: toCdkEventPattern(routes.ownTriggerEvents.pattern),
      targets: [ingestTarget],
    });

    let identity: ses.IEmailIdentity;
    if (props.createEmailIdentity) {
      this.emailIdentity = new ses.EmailIdentity(this, 'EmailIdentity', {
        identity: props.hostedZone ? ses.Identity.publicHostedZone(props.hostedZone) : ses.Identity.domain(identityName),
        dkimSigning: true,
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
      });
      identity = this.emailIdentity;
      if (!props.hostedZone) {
        this.emailIdentity.dkimRecords.forEach((record, i) => {
          new CfnOutput(this, `DkimRecord${i + 1}`, { value: `${record.name} CNAME ${record.value}`, description: `DKIM record ${i + 1} of 3 to add to the DNS of ${identityName}` });
        });
      }
    } else {
      identity = ses.EmailIdentity.fromEmailIdentityName(this, 'SenderIdentity', identityName);
    }
    this.mail = new MailSending(this, 'Mail', { identity });

    this.delivery = new DeliveryPipeline(this, 'Delivery', {
      table: this.table.table,
      mail: this.mail,
      senderAddress: props.sender,
      publicBaseUrl: props.publicBaseUrl,
      shopInfo: props.shopInfo,
      ...(props.replyToAddress ? { replyToAddress: props.replyToAddress } : {}),
      ...(props.maxSendRate !== undefined ? { maxSendRate: props.maxSendRate } : {}),
      // CouponIssued for every issued coupon, on the bus the shop listens to.
      eventBus: this.shopBus,
    });

    // The links in every mail (unsubscribe, preferences, double opt-in, clicks); its own events
    // go on the shop bus with source "stammkunde": the shop-events rule does not match them, the
    // own-trigger-events rule takes ConsentConfirmed back to ingest.
    this.customerEndpoint = new CustomerEndpoint(this, 'CustomerEndpoint', {
      table: this.table.table,
      tokenSecret: this.delivery.tokenSecret,
      shopInfo: props.shopInfo,
      eventBus: this.shopBus,
      ...(props.linkDomain && props.linkCertificateArn ? { domainName: props.linkDomain, certificateArn: props.linkCertificateArn } : {}),
    });

    // SES events go through a queue to feedback, which handles them in batches (up to
    // FEEDBACK_BATCH_SIZE within a 5 s window): one invocation per 100 events instead of one per
    // event, and one stats write per occurrence and batch instead of one per mail. Events the rule
    // could not put into the queue, and records that failed maxReceiveCount times, share its DLQ.
    this.feedbackWorker = new QueueWorker(this, 'Feedback', {
      folder: 'feedback',
      description: 'SES events in batches: bounces and complaints -> suppression (soft-bounce runs), deliveries -> stats, Send -> ledger',
      timeout: Duration.seconds(30),
      batchSize: FEEDBACK_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(5),
      environment: { TABLE_NAME: this.table.tableName },
    });
    this.feedback = this.feedbackWorker.fn;
    this.feedbackDeadLetters = this.feedbackWorker.deadLetterQueue;
    // feedback: applyAtomically for suppression (BatchGet + conditional Put), history (Put), the
    // ledger (Get, conditional Update), stats and reputation counters (Update), markers (Put),
    // soft-bounce runs (BatchGet, Update, Delete).
    this.table.grantItemActions(this.feedback, 'GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem');

    new events.Rule(this, 'SesFeedbackRule', {
      eventBus: this.mail.eventBus,
      description: 'routes.sesFeedback: SES events of the Stammkunde configuration set',
      eventPattern: toCdkEventPattern(sesFeedbackPattern(this.mail.configurationSet.configurationSetName)),
      targets: [
        new targets.SqsQueue(this.feedbackWorker.queue, {
          deadLetterQueue: this.feedbackDeadLetters,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // GDPR requests: invoked by the shop (grantGdpr), or its events on the shop bus.
    this.gdpr = new StammkundeFunction(this, 'Gdpr', {
      folder: 'gdpr',
      description: 'GDPR export (Art. 15/20) and erasure (Art. 17) of one customer',
      timeout: Duration.minutes(5),
      environment: { TABLE_NAME: this.table.tableName },
    }).fn;
    // Reads by key and per-customer/per-day Query; deletes by BatchWrite; the erasure record and salt by Put.
    // Coupons: each campaign's by its gsi1 key (export, erase), anonymised by Update, pool claims deleted.
    this.table.grantItemActions(this.gdpr, 'GetItem', 'BatchGetItem', 'Query', 'PutItem', 'BatchWriteItem', 'UpdateItem', 'DeleteItem');
    this.table.grantIndexQuery(this.gdpr, 'gsi1');
    // Exports: one object per request, written by the gdpr function and read through its
    // presigned link (signed with the function's role, so it may GetObject its prefix). Private,
    // encrypted at rest, TLS only, no versions (an expired export is gone), expired after 7 days.
    // Server access logs (who downloaded an export, when) go to a log bucket kept 90 days.
    const removal = protectData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.exportBucket = privateBucket(new Construct(this, 'Exports'), { prefix: 'exports/', expiration: Duration.days(7), removalPolicy: removal, describedAs: 'the GDPR export bucket' });
    // PutObject and GetObject (HeadObject, the presigned link) on the exports/ prefix only.
    this.gdpr.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [this.exportBucket.arnForObjects('exports/*')] }));
    Validations.of(this.gdpr.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.exportBucket.node.defaultChild as s3.CfnBucket)}.Arn>/exports/*]`,
      reason: 'Every export is a new object named by its customer and request id, unknown at deploy time; the exports/ prefix of the one export bucket is the narrowest resource, with PutObject and GetObject only.',
    });
    this.gdpr.addEnvironment('EXPORT_BUCKET', this.exportBucket.bucketName);
    this.gdpr.addEnvironment('EXPORT_LINK_SECONDS', String(DEFAULT_EXPORT_LINK_SECONDS));
    const gdprDeadLetters = new DeadLetterQueue(this, 'GdprDeadLetters', {
      serviceDeadLetterReason: 'This queue is the dead-letter queue of the GDPR request rule target, not of an SQS queue that cdk-nag could see.',
    });
    new events.Rule(this, 'GdprRequestsRule', {
      eventBus: this.shopBus,
      description: 'The shop\'s CustomerErasureRequested / CustomerExportRequested -> gdpr',
      eventPattern: { source: [...GDPR_REQUEST_PATTERN.source], detailType: [...GDPR_REQUEST_PATTERN['detail-type']] },
      targets: [new targets.LambdaFunction(this.gdpr, { deadLetterQueue: gdprDeadLetters.queue, retryAttempts: 3, maxEventAge: Duration.hours(24) })],
    });
    this.gdpr.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(gdprDeadLetters.queue), retryAttempts: 2 });

    // The retention report: ingest keeps month counters in its zone and window; a weekly
    // schedule stores the report in a private bucket (infra/constructs/retention-report.ts).
    const reportTimeZone = props.report?.timeZone ?? DEFAULT_SHOP_DELIVERY.timeZone;
    const reportActiveDays = props.report?.activeDays ?? DEFAULT_ACTIVE_DAYS;
    this.ingest.fn.addEnvironment('REPORT_TIME_ZONE', reportTimeZone);
    this.ingest.fn.addEnvironment('REPORT_ACTIVE_DAYS', String(reportActiveDays));
    this.report = new RetentionReport(this, 'Report', {
      table: this.table,
      timeZone: reportTimeZone,
      activeDays: reportActiveDays,
      removalPolicy: removal,
      ...(props.report?.language ? { language: props.report.language } : {}),
      ...(props.report?.mailTo ? { mailTo: props.report.mailTo, mail: this.mail, senderAddress: props.sender } : {}),
    });

    // The breaker's limits go to the three functions that read them (checked here, at synth).
    const breakerConfig = props.breaker ? JSON.stringify(checkBreakerConfig({ ...DEFAULT_BREAKER_CONFIG, ...props.breaker })) : undefined;
    if (breakerConfig) for (const fn of [this.feedback, this.delivery.send.fn, this.delivery.tick]) fn.addEnvironment('BREAKER_CONFIG', breakerConfig);
    // The breaker: feedback publishes ReputationBreakerTripped (EMF, namespace Stammkunde) when it trips.
    this.breakerAlarm = new cloudwatch.Metric({
      namespace: 'Stammkunde',
      metricName: 'ReputationBreakerTripped',
      dimensionsMap: { service: 'feedback' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    }).createAlarm(this, 'BreakerAlarm', {
      alarmDescription: 'The reputation circuit breaker tripped: marketing mail is paused. See `stammkunde status`; fix the list, then `stammkunde resume --breaker` or wait for the test batch.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // A coupon pool ran dry (send's CouponPoolExhausted, EMF): its occurrence waits for codes and a resume.
    this.couponPoolAlarm = new cloudwatch.Metric({
      namespace: 'Stammkunde',
      metricName: 'CouponPoolExhausted',
      dimensionsMap: { service: 'send' },
      statistic: 'Sum',
      period: Duration.minutes(5),
    }).createAlarm(this, 'CouponPoolAlarm', {
      alarmDescription: 'A coupon pool ran out of codes: its occurrence is paused (no mail goes out without a code). See `stammkunde status`; `stammkunde coupons import <pool> <csv>`, then `stammkunde resume <occurrence>`.',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Alarms notify one topic. CloudWatch can publish to an encrypted topic only with a customer
    // managed key whose policy lets it use the key (the AWS-managed SNS key does not).
    const alarmKey = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the Stammkunde alarm topic' });
    alarmKey.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: alarmKey, enforceSSL: true, displayName: 'Stammkunde alarms' });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new cwActions.SnsAction(this.alarmTopic);
    for (const child of this.node.findAll()) if (child instanceof cloudwatch.Alarm) child.addAlarmAction(action);

    new CfnOutput(this, 'ShopEventBusName', {
      value: this.shopBus.eventBusName,
      description: `Shop backends PutEvents here with source "${routes.shopEvents.pattern.source[0]}"`,
    });
    new CfnOutput(this, 'ShopEventBusArn', { value: this.shopBus.eventBusArn, description: 'The shop bus ARN, for the shop backend\'s events:PutEvents policy' });
    // `stammkunde publish --stack` reads these two (functions/cli/aws-target.ts OUTPUT_KEYS).
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'SendQueueUrl', { value: this.delivery.send.queue.queueUrl, description: 'stammkunde resume <occurrence> queues held mails here' });
    new CfnOutput(this, 'ConfigurationSetName', { value: this.mail.configurationSet.configurationSetName });
    new CfnOutput(this, 'ExportBucketName', { value: this.exportBucket.bucketName, description: 'GDPR exports (private; the gdpr function answers a 15-minute link per export)' });
    new CfnOutput(this, 'GdprFunctionName', { value: this.gdpr.functionName, description: 'Invoke with {"action":"export"|"erase","customerId":"..."} (grantGdpr)' });
    new CfnOutput(this, 'ReportBucketName', { value: this.report.bucket.bucketName, description: 'Weekly retention reports: reports/<last day>/report.{json,html} (private)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Every Stammkunde alarm notifies this topic (subscribe, or set stammkunde:alarmEmail)' });
    // The customer endpoint's outputs sit here, not in its construct, so their ids stay readable.
    new CfnOutput(this, 'CustomerEndpointUrl', { value: this.customerEndpoint.url, description: 'Set stammkunde:publicBaseUrl to this origin so mail links reach the customer endpoint' });
    new CfnOutput(this, 'CustomerEndpointFunctionUrl', { value: this.customerEndpoint.functionUrl.url, description: 'The customer endpoint (Lambda Function URL); mail links start here unless a custom domain is set' });
    if (this.customerEndpoint.distribution && props.linkDomain) {
      new CfnOutput(this, 'DistributionDomainName', { value: this.customerEndpoint.distribution.distributionDomainName, description: `Point ${props.linkDomain} (CNAME or alias) here` });
    }
  }

  /** Lets the shop backend put its events on the shop bus (events:PutEvents on this bus only). */
  public grantPutEvents(grantee: iam.IGrantable): iam.Grant {
    return this.shopBus.grantPutEventsTo(grantee);
  }

  /** Lets the shop's backend invoke the GDPR function (export and erase of one customer). */
  public grantGdpr(grantee: iam.IGrantable): iam.Grant {
    return this.gdpr.grantInvoke(grantee);
  }

  /**
   * Lets a CI role run `stammkunde publish`, `campaigns`, `pause`, `resume` and `archive`: the table
   * calls of the publish and control paths (no Scan, no profile reads), DescribeStacks for
   * `--stack`, and SendMessage to the send queue for resuming an occurrence.
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    const table = this.table.grantItemActions(grantee, 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query');
    this.delivery.send.grantSendMessages(grantee);
    // AWS::StackId is this stack's full ARN (with its id): no wildcard for cdk-nag to question.
    iam.Grant.addToPrincipal({ grantee, actions: ['cloudformation:DescribeStacks'], resourceArns: [Stack.of(this).stackId] });
    return table;
  }
}
