// SES v2 SendEmail with Simple content (HTML + text), the List-Unsubscribe headers, the
// configuration set and tags; classifies SES errors into the core's failure kinds. The client
// must not retry SendEmail on its own (maxAttempts 1): an SDK retry after a timeout could send
// a mail twice. Throttling is retried by the core, which knows the mail was not accepted.
import { GetAccountCommand, SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailFailureKind, MailResult, Mailer, OutgoingMail } from '#core/delivery/ports';

const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);
const PAUSED = new Set(['SendingPausedException', 'AccountSuspendedException', 'LimitExceededException']);
const REJECTED = new Set(['MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'NotFoundException', 'InvalidParameterValue']);
/** Network errors where the request provably never reached SES. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export const classifySesError = (error: unknown): { kind: MailFailureKind; reason: string } => {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const reason = `${name}: ${e.message ?? ''}`.slice(0, 500);
  if (THROTTLED.has(name) || /maximum sending rate exceeded/i.test(e.message ?? '')) return { kind: 'throttled', reason };
  if (PAUSED.has(name)) return { kind: 'paused', reason };
  if (REJECTED.has(name)) return { kind: 'rejected', reason };
  if (e.code && NOT_SENT_CODES.has(e.code)) return { kind: 'throttled', reason };
  return { kind: 'ambiguous', reason };
};

export const toSendEmailInput = (mail: OutgoingMail) => ({
  FromEmailAddress: mail.from,
  Destination: { ToAddresses: [mail.to] },
  ...(mail.replyTo?.length ? { ReplyToAddresses: mail.replyTo } : {}),
  Content: {
    Simple: {
      Subject: { Data: mail.subject, Charset: 'UTF-8' },
      Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
      ...(mail.headers.length ? { Headers: mail.headers.map((h) => ({ Name: h.name, Value: h.value })) } : {}),
    },
  },
  ...(mail.configurationSet ? { ConfigurationSetName: mail.configurationSet } : {}),
  EmailTags: mail.tags.map((t) => ({ Name: t.name, Value: t.value })),
});

export class SesMailer implements Mailer {
  constructor(private readonly client: SESv2Client) {}

  async send(mail: OutgoingMail): Promise<MailResult> {
    try {
      const { MessageId } = await this.client.send(new SendEmailCommand(toSendEmailInput(mail)));
      if (!MessageId) return { ok: false, kind: 'ambiguous', reason: 'SES answered without a MessageId' };
      return { ok: true, messageId: MessageId };
    } catch (error) {
      return { ok: false, ...classifySesError(error) };
    }
  }

  /** The account's MaxSendRate (mails per second), for the token bucket. */
  async maxSendRate(): Promise<number> {
    const account = await this.client.send(new GetAccountCommand({}));
    const rate = account.SendQuota?.MaxSendRate;
    if (!rate || rate <= 0) throw new Error('SES GetAccount returned no MaxSendRate; set MAX_SEND_RATE');
    return rate;
  }
}
