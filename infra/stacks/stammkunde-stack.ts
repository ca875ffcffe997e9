// StammkundeStack: everything Stammkunde runs on in one AWS account (DESIGN §1).
//   shop backend -> EventBridge bus -> rule (routes.shopEvents) -> events queue (+DLQ) -> ingest
//   Scheduler (every minute) -> tick -> audience queue -> audience -> send queue -> send -> SES
//   SES events (default bus) -> rule (routes.sesFeedback) -> feedback (async invoke, +DLQ)
// The rule patterns come from functions/core/routes.ts, shared with the embedded runtime's bus.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { routes, sesFeedbackPattern, type EventPattern } from '#core/routes';
import { CustomerEndpoint } from '../constructs/customer-endpoint';
import { DeliveryPipeline } from '../constructs/delivery-pipeline';
import { MailSending } from '../constructs/mail-sending';
import { QueueWorker } from '../constructs/queue-worker';
import { StammkundeFunction } from '../constructs/stammkunde-function';
import { StammkundeTable } from '../constructs/stammkunde-table';
import { DeadLetterQueue } from '../constructs/work-queue';
import type { ShopInfo } from '../constructs/delivery-pipeline';

export interface StammkundeStackProps extends StackProps {
  /** From address of every mail, e.g. "shop@example.com"; must belong to `senderIdentity`. */
  readonly senderAddress: string;
  /** The verified SES identity (domain or address) mails are sent as; SendEmail is granted on it only. */
  readonly senderIdentity: string;
  /** HTTPS origin of the track app: unsubscribe and click links start with it. */
  readonly publicBaseUrl: string;
  /** Shop name, URL, imprint and address for the mail templates. */
  readonly shopInfo: ShopInfo;
  /**
   * Reply-To of every mail.
   * @default - the sender address
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
   * The shop's own host for mail links, served by CloudFront in front of the customer endpoint.
   * @default - the Function URL
   */
  readonly linkDomain?: string;
  /**
   * ACM certificate (us-east-1) for `linkDomain`.
   * @default - none
   */
  readonly linkCertificateArn?: string;
}

/** Converts a shared route pattern into the CDK's event pattern shape. */
export const toCdkEventPattern = (pattern: EventPattern): events.EventPattern => ({
  source: [...pattern.source],
  detailType: [...pattern['detail-type']],
  ...(pattern.detail ? { detail: { ...pattern.detail } } : {}),
});

export class StammkundeStack extends Stack {
  public readonly table: StammkundeTable;
  public readonly shopBus: events.EventBus;
  public readonly ingest: QueueWorker;
  public readonly mail: MailSending;
  public readonly delivery: DeliveryPipeline;
  public readonly customerEndpoint: CustomerEndpoint;
  public readonly feedback: nodejs.NodejsFunction;
  public readonly feedbackDeadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: StammkundeStackProps) {
    super(scope, id, props);
    const protectData = props.protectData ?? true;

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
      environment: { TABLE_NAME: this.table.tableName },
    });
    // The DynamoStore calls ingest makes: GetItem + conditional PutItem (apply once), PutItem
    // (history), UpdateItem (rejections). No Query/Scan, no index access.
    this.table.grantItemActions(this.ingest.fn, 'GetItem', 'PutItem', 'UpdateItem');

    new events.Rule(this, 'ShopEventsRule', {
      eventBus: this.shopBus,
      description: 'routes.shopEvents: the shop events ingest applies',
      eventPattern: toCdkEventPattern(routes.shopEvents.pattern),
      targets: [
        new targets.SqsQueue(this.ingest.queue, {
          // Events EventBridge could not put into the queue land with the ingest failures.
          deadLetterQueue: this.ingest.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.mail = new MailSending(this, 'Mail', {
      identity: ses.EmailIdentity.fromEmailIdentityName(this, 'SenderIdentity', props.senderIdentity),
    });

    this.delivery = new DeliveryPipeline(this, 'Delivery', {
      table: this.table.table,
      mail: this.mail,
      senderAddress: props.senderAddress,
      publicBaseUrl: props.publicBaseUrl,
      shopInfo: props.shopInfo,
      ...(props.replyToAddress ? { replyToAddress: props.replyToAddress } : {}),
      ...(props.maxSendRate !== undefined ? { maxSendRate: props.maxSendRate } : {}),
    });

    // The links in every mail (unsubscribe, preferences, double opt-in, clicks); its own events
    // go on the shop bus with source "stammkunde", which the shop-events rule does not match.
    this.customerEndpoint = new CustomerEndpoint(this, 'CustomerEndpoint', {
      table: this.table.table,
      tokenSecret: this.delivery.tokenSecret,
      shopInfo: props.shopInfo,
      eventBus: this.shopBus,
      ...(props.linkDomain && props.linkCertificateArn ? { domainName: props.linkDomain, certificateArn: props.linkCertificateArn } : {}),
    });

    // feedback takes the EventBridge event itself (functions/feedback/handler.ts), so the rule
    // invokes it directly (asynchronously). One DLQ catches both kinds of failure: events
    // EventBridge could not deliver, and invocations that failed after Lambda's async retries.
    const feedback = new StammkundeFunction(this, 'Feedback', {
      folder: 'feedback',
      description: 'SES bounces and complaints -> suppression; deliveries and failures -> ledger and stats',
      timeout: Duration.seconds(30),
      environment: { TABLE_NAME: this.table.tableName },
    });
    this.feedback = feedback.fn;
    this.feedbackDeadLetters = new DeadLetterQueue(this, 'FeedbackDeadLetters', {
      serviceDeadLetterReason:
        'This queue is the dead-letter queue of the SES feedback rule target and of the feedback function\'s asynchronous invocations, not of an SQS queue that cdk-nag could see.',
    });
    this.feedback.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.feedbackDeadLetters.queue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    // feedback: applyAtomically for suppression (Get + conditional Put), ledger transition and
    // stats (conditional Update).
    this.table.grantItemActions(this.feedback, 'GetItem', 'PutItem', 'UpdateItem');

    new events.Rule(this, 'SesFeedbackRule', {
      eventBus: this.mail.eventBus,
      description: 'routes.sesFeedback: SES events of the Stammkunde configuration set',
      eventPattern: toCdkEventPattern(sesFeedbackPattern(this.mail.configurationSet.configurationSetName)),
      targets: [
        new targets.LambdaFunction(this.feedback, {
          deadLetterQueue: this.feedbackDeadLetters.queue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    new CfnOutput(this, 'ShopEventBusName', {
      value: this.shopBus.eventBusName,
      description: `Shop backends PutEvents here with source "${routes.shopEvents.pattern.source[0]}"`,
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'ConfigurationSetName', { value: this.mail.configurationSet.configurationSetName });
  }
}
