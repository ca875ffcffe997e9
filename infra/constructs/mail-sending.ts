// MailSending: the SES v2 side of Stammkunde. A configuration set every mail is sent with, whose
// events (bounce, complaint, delivery, ...) SES publishes to the account's default EventBridge bus
// (the only bus SES can publish to), and the narrow grants the send function needs.
import { Arn, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { SES_FEEDBACK_EVENT_TYPES } from '#core/routes';

export interface MailSendingProps {
  /** The verified SES identity (domain or address) the mails are sent as. */
  readonly identity: ses.IEmailIdentity;
  /**
   * Name of the configuration set.
   * @default - a name CloudFormation generates
   */
  readonly configurationSetName?: string;
}

export class MailSending extends Construct {
  public readonly identity: ses.IEmailIdentity;
  public readonly configurationSet: ses.ConfigurationSet;
  /** `arn:<partition>:ses:<region>:<account>:configuration-set/<name>` (the L2 exposes no ARN). */
  public readonly configurationSetArn: string;
  /** The account's default bus, where SES publishes this configuration set's events. */
  public readonly eventBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: MailSendingProps) {
    super(scope, id);
    this.identity = props.identity;

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      ...(props.configurationSetName ? { configurationSetName: props.configurationSetName } : {}),
      // SES itself refuses addresses that bounced or complained, on top of our own suppression.
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.configurationSetArn = Arn.format(
      { service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName },
      Stack.of(this),
    );

    this.eventBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    new ses.ConfigurationSetEventDestination(this, 'ToEventBridge', {
      configurationSet: this.configurationSet,
      destination: ses.EventDestination.eventBus(this.eventBus),
      events: SES_FEEDBACK_EVENT_TYPES.map((type) => type as ses.EmailSendingEvent),
    });
  }

  /**
   * Lets `grantee` call SES v2 SendEmail as the identity with this configuration set, and nothing
   * else: SendEmail is authorized against both the identity and the configuration set.
   */
  public grantSendEmail(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [this.identity.emailIdentityArn, this.configurationSetArn],
    });
  }

  /**
   * Lets `grantee` read the account's sending quota (GetAccount: MaxSendRate, sending enabled).
   * GetAccount has no resource type, so IAM only accepts "*" here.
   */
  public grantReadSendingQuota(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['ses:GetAccount'], resourceArns: ['*'] });
  }
}
