// StammkundeStack: our own deployment of the Stammkunde construct (infra/constructs/stammkunde.ts),
// configured from the CDK context (infra/stacks/config.ts). A shop with its own CDK app uses the
// construct directly (examples/embed/).
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Stammkunde, type ShopInfo } from '../constructs/stammkunde';
import type { BreakerConfig } from '#core/delivery/breaker';

export { toCdkEventPattern } from '../constructs/stammkunde';

export interface StammkundeStackProps extends StackProps {
  /** From address of every mail, e.g. "shop@example.com"; must belong to `senderIdentity`. */
  readonly senderAddress: string;
  /** The verified SES identity (domain or address) mails are sent as; SendEmail is granted on it only. */
  readonly senderIdentity: string;
  /** HTTPS origin of the customer endpoint: unsubscribe and click links start with it. */
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
   * Create the SES domain identity with DKIM in this stack.
   * @default false
   */
  readonly createEmailIdentity?: boolean;
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
  /**
   * An address that gets every alarm (SNS e-mail subscription).
   * @default - none
   */
  readonly alarmEmail?: string;
  /**
   * The reputation circuit breaker's limits (the construct's `breaker` prop).
   * @default - 500 mails, 4% bounces, 0.08% complaints, 24 h cool-down, 100 test recipients
   */
  readonly breaker?: Partial<BreakerConfig>;
  /**
   * The retention report's zone, activity window W (days) and summary mail address.
   * @default - Europe/Berlin, 365 days, no mail
   */
  readonly reportTimeZone?: string;
  readonly reportActiveDays?: number;
  readonly reportMailTo?: string;
}

export class StammkundeStack extends Stack {
  public readonly stammkunde: Stammkunde;

  constructor(scope: Construct, id: string, props: StammkundeStackProps) {
    super(scope, id, props);
    // Id "Default" adds no path segment to logical ids, so the resources keep the logical ids
    // they had before the construct existed: an update never replaces the deployed table.
    this.stammkunde = new Stammkunde(this, 'Default', {
      sender: props.senderAddress,
      senderIdentity: props.senderIdentity,
      publicBaseUrl: props.publicBaseUrl,
      shopInfo: props.shopInfo,
      ...(props.replyToAddress ? { replyToAddress: props.replyToAddress } : {}),
      ...(props.maxSendRate !== undefined ? { maxSendRate: props.maxSendRate } : {}),
      ...(props.protectData !== undefined ? { protectData: props.protectData } : {}),
      ...(props.createEmailIdentity !== undefined ? { createEmailIdentity: props.createEmailIdentity } : {}),
      ...(props.linkDomain && props.linkCertificateArn ? { linkDomain: props.linkDomain, linkCertificateArn: props.linkCertificateArn } : {}),
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
      ...(props.breaker ? { breaker: props.breaker } : {}),
      ...(props.reportTimeZone || props.reportActiveDays || props.reportMailTo
        ? { report: { ...(props.reportTimeZone ? { timeZone: props.reportTimeZone } : {}), ...(props.reportActiveDays ? { activeDays: props.reportActiveDays } : {}), ...(props.reportMailTo ? { mailTo: props.reportMailTo } : {}) } }
        : {}),
    });
  }
}
