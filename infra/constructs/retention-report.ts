// RetentionReport: EventBridge Scheduler (weekly) -> report function -> JSON and HTML in a
// private, encrypted S3 bucket (reports/<last day>/report.{json,html}), optionally a summary mail
// with a link to a marketer's address. The function reads only the month counters (Query), the
// campaign catalog, occurrences and stats rollups (Query, GetItem) and the click counters
// (Query): its cost grows with months and campaigns, never with customers.
import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { MailSending } from './mail-sending';
import { StammkundeFunction } from './stammkunde-function';
import type { StammkundeTable } from './stammkunde-table';
import { DeadLetterQueue } from './work-queue';
import { privateBucket } from './private-bucket';

export interface RetentionReportProps {
  readonly table: StammkundeTable;
  /** The zone of the report's months; ingest keeps its counters in the same zone. */
  readonly timeZone: string;
  /** The activity window W (days) for churn. */
  readonly activeDays: number;
  /**
   * The report's language.
   * @default 'de'
   */
  readonly language?: 'de' | 'en';
  /**
   * A marketer's address for a weekly summary mail with a link to the HTML report.
   * @default - no mail
   */
  readonly mailTo?: string;
  /** Needed with `mailTo`: the SES identity and the sender address the summary goes out from. */
  readonly mail?: MailSending;
  readonly senderAddress?: string;
  /**
   * When the report runs (Scheduler cron, in `timeZone`).
   * @default - Mondays 06:00
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class RetentionReport extends Construct {
  public readonly fn: nodejs.NodejsFunction;
  /** reports/<YYYY-MM-DD>/report.{json,html}: private, SSE-S3, TLS only, versioned off, kept 400 days. */
  public readonly bucket: s3.Bucket;
  public readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: RetentionReportProps) {
    super(scope, id);
    if (props.mailTo && (!props.mail || !props.senderAddress)) throw new Error('RetentionReport mailTo needs mail and senderAddress');
    const removal = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = privateBucket(this, { prefix: 'reports/', expiration: Duration.days(400), removalPolicy: removal, describedAs: 'the report bucket' });

    const fn = new StammkundeFunction(this, 'Function', {
      folder: 'report',
      description: 'Weekly retention report (KPIs from month counters, campaign funnels) -> S3, optional summary mail',
      timeout: Duration.minutes(2),
      environment: {
        TABLE_NAME: props.table.tableName,
        REPORT_BUCKET: this.bucket.bucketName,
        REPORT_TIME_ZONE: props.timeZone,
        REPORT_ACTIVE_DAYS: String(props.activeDays),
        REPORT_LANG: props.language ?? 'de',
        ...(props.mailTo && props.senderAddress ? { REPORT_MAIL_TO: props.mailTo, SENDER_ADDRESS: props.senderAddress } : {}),
      },
    });
    this.fn = fn.fn;
    // Reads by key and Query only: no Scan, no write to the table.
    props.table.grantItemActions(this.fn, 'GetItem', 'Query');
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('reports/*')] }));
    Validations.of(this.fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/reports/*]`,
      reason: 'Every week writes new objects named by the report\'s last day, unknown at deploy time; the reports/ prefix of the one report bucket is the narrowest resource, with PutObject only.',
    });
    if (props.mailTo && props.mail) props.mail.grantSendEmail(this.fn);

    const deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      serviceDeadLetterReason: 'This queue is the dead-letter queue of the EventBridge Scheduler report target; a DLQ of a DLQ would only move the same failed invocations again.',
    });
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Lets EventBridge Scheduler invoke the Stammkunde report function',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'LambdaInvoke grants through Function.grantInvoke, which adds "<function ARN>:*" for versions and aliases of this one function; the schedule targets the unqualified ARN.',
    });
    this.schedule = new scheduler.Schedule(this, 'Weekly', {
      description: 'Stammkunde weekly retention report',
      schedule: props.schedule ?? scheduler.ScheduleExpression.cron({ weekDay: 'MON', hour: '6', minute: '0', timeZone: TimeZone.of(props.timeZone) }),
      target: new schedulerTargets.LambdaInvoke(this.fn, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        deadLetterQueue: deadLetters.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
      }),
    });
  }

  /** Lets a person or role read the reports (GetObject on reports/). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.bucket.grantRead(grantee, 'reports/*');
  }
}
