// The stack's configuration from CDK context (cdk.json "context" or `cdk deploy -c key=value`),
// validated once with zod so a wrong value fails the synth naming the context key.
import * as z from 'zod';
import type { Construct } from 'constructs';
import { ShopInfo } from '#core/render';
import { isIanaTimeZone } from '#core/events';

/** Context keys the app reads, all under the `stammkunde:` prefix. */
export const CONTEXT_KEYS = {
  senderAddress: 'stammkunde:senderAddress',
  senderIdentity: 'stammkunde:senderIdentity',
  replyToAddress: 'stammkunde:replyToAddress',
  publicBaseUrl: 'stammkunde:publicBaseUrl',
  shopInfo: 'stammkunde:shopInfo',
  maxSendRate: 'stammkunde:maxSendRate',
  protectData: 'stammkunde:protectData',
  createEmailIdentity: 'stammkunde:createEmailIdentity',
  linkDomain: 'stammkunde:linkDomain',
  linkCertificateArn: 'stammkunde:linkCertificateArn',
  alarmEmail: 'stammkunde:alarmEmail',
  reportTimeZone: 'stammkunde:reportTimeZone',
  reportActiveDays: 'stammkunde:reportActiveDays',
  reportMailTo: 'stammkunde:reportMailTo',
} as const;

const booleanish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const numberish = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]);

/** "news@shop.example" or "Shop <news@shop.example>". */
const MailboxAddress = z.string().refine((value) => z.email().safeParse(/<([^<>]+)>\s*$/.exec(value)?.[1] ?? value).success, {
  message: 'must be an address such as "news@shop.example" or "Shop <news@shop.example>"',
});

export { ShopInfo };

export const StackConfig = z.object({
  /** From address of every mail, "news@shop.example" or "Shop <news@shop.example>"; must belong to senderIdentity. */
  senderAddress: MailboxAddress,
  /** The verified SES identity (domain or address) mails are sent as; SendEmail is granted on it only. */
  senderIdentity: z.string().min(3),
  /** Reply-To of every mail. Defaults to senderAddress. */
  replyToAddress: z.email().optional(),
  /** HTTPS origin of the track app: unsubscribe and click links start with it. */
  publicBaseUrl: z.url({ protocol: /^https$/, error: 'must be https (https://mail.shop.example)' }),
  /** Shop name, URL, imprint and address for the mail templates. */
  shopInfo: ShopInfo,
  /** Mails per second; overrides the account's MaxSendRate that send reads from SES. */
  maxSendRate: numberish.pipe(z.number().positive()).optional(),
  /** Keep the table on stack deletion and enable deletion protection. Default true. */
  protectData: booleanish.optional(),
  /** Create the SES domain identity with Easy DKIM in the stack (outputs DkimRecord1..3). Default false. */
  createEmailIdentity: booleanish.optional(),
  /** The shop's own host for mail links (CloudFront in front of the customer endpoint); needs linkCertificateArn. */
  linkDomain: z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a host name such as "links.shop.example"').optional(),
  /** ACM certificate (in us-east-1) for linkDomain. */
  linkCertificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/, 'must be an ACM certificate ARN in us-east-1').optional(),
  /** An address that gets every alarm (SNS e-mail subscription). */
  alarmEmail: z.email().optional(),
  /** The retention report's zone (months) and activity window W in days; ingest keeps its counters for them. */
  reportTimeZone: z.string().refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Berlin"').optional(),
  reportActiveDays: numberish.pipe(z.number().int().min(1).max(3660)).optional(),
  /** A marketer's address for the weekly report's summary mail. */
  reportMailTo: z.email().optional(),
}).superRefine((c, ctx) => {
  if ((c.linkDomain === undefined) !== (c.linkCertificateArn === undefined)) {
    ctx.addIssue({ code: 'custom', path: [c.linkDomain === undefined ? 'linkDomain' : 'linkCertificateArn'], message: 'linkDomain and linkCertificateArn go together' });
  }
});
export type StackConfig = z.infer<typeof StackConfig>;

export class StackConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'StackConfigError';
  }
}

/** Reads and validates the context; throws one line per bad key, named as in cdk.json. */
export const readStackConfig = (scope: Construct): StackConfig => {
  const raw: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(CONTEXT_KEYS)) {
    const value: unknown = scope.node.tryGetContext(key);
    if (value !== undefined) raw[field] = value;
  }
  const parsed = StackConfig.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]) as keyof typeof CONTEXT_KEYS;
      const inner = issue.path.slice(1).map(String);
      const value = raw[field];
      const shown = inner.length === 0 && (typeof value === 'string' || typeof value === 'number') ? ` ${JSON.stringify(value)}` : '';
      return `context "${CONTEXT_KEYS[field] ?? field}"${shown}${inner.length ? ` ${inner.join('.')}` : ''}: ${issue.message}`;
    });
    // One line per bad key; infra/bin/app.ts prints them without a stack trace.
    throw new StackConfigError(lines);
  }
  return parsed.data;
};
