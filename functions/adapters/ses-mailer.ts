// SES v2 SendEmail with Simple content (HTML + text), the List-Unsubscribe headers, the
// configuration set and tags; classifies SES errors into the core's failure kinds. The client
// must not retry SendEmail on its own (maxAttempts 1): an SDK retry after a timeout could send
// a mail twice. Throttling is retried by the core, which knows the mail was not accepted.
import { GetAccountCommand, SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { AccountStatus, AccountStatusReader, MailFailureKind, MailResult, Mailer, OutgoingMail } from '#core/delivery/ports';

const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);
const PAUSED = new Set(['SendingPausedException', 'AccountSuspendedException', 'LimitExceededException']);
const REJECTED = new Set(['MessageRejected', 'BadRequestException', 'MailFromDomainNotVerifiedException', 'NotFoundException', 'InvalidParameterValue']);
/** Network errors where the request provably never reached SES. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export const classifySesError = (error: unknown): { kind: MailFailureKind; reason: string } => {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const reason = `${name}: ${e.message ?? ''}`.slice(0, 500);
  // SES sends a spent 24-hour quota as a throttling error; only its message tells it apart.
  if (/daily message quota exceeded|sending quota exceeded/i.test(e.message ?? '')) return { kind: 'quota', reason };
  if (THROTTLED.has(name) || /maximum sending rate exceeded/i.test(e.message ?? '')) return { kind: 'throttled', reason };
  if (PAUSED.has(name)) return { kind: 'paused', reason };
  if (REJECTED.has(name)) return { kind: 'rejected', reason };
  if (e.code && NOT_SENT_CODES.has(e.code)) return { kind: 'throttled', reason };
  return { kind: 'ambiguous', reason };
};

/** RFC 2047 B encoded-words (UTF-8), each at most 75 characters, split between characters. */
const encodeWords = (text: string): string => {
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    // 75 - "=?UTF-8?B?" - "?=" leaves 63 base64 characters: 45 bytes of UTF-8.
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
};

/**
 * SES requires a non-ASCII display name as RFC 2047 encoded-words ("Kaffeerösterei <news@…>").
 * ASCII names pass unchanged; quotes around the name are dropped before encoding.
 */
export const encodeAddress = (address: string): string => {
  const match = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(address);
  if (!match) return address;
  const name = (match[1] ?? '').replace(/^"(.*)"$/, '$1');
  // eslint-disable-next-line no-control-regex
  if (!name || /^[\x00-\x7f]*$/.test(name)) return address;
  return `${encodeWords(name)} <${match[2]}>`;
};

export const toSendEmailInput = (mail: OutgoingMail) => ({
  FromEmailAddress: encodeAddress(mail.from),
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

export class SesMailer implements Mailer, AccountStatusReader {
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
    const rate = (await this.accountStatus()).maxSendRate;
    if (!rate || rate <= 0) throw new Error('SES GetAccount returned no MaxSendRate; set MAX_SEND_RATE');
    return rate;
  }

  /** GetAccount: sending enabled, enforcement status, and the 24-hour quota. */
  async accountStatus(): Promise<AccountStatus> {
    const account = await this.client.send(new GetAccountCommand({}));
    return {
      sendingEnabled: account.SendingEnabled ?? false,
      enforcementStatus: account.EnforcementStatus ?? 'HEALTHY',
      // -1 means unlimited in SES's quota fields.
      max24HourSend: account.SendQuota?.Max24HourSend === -1 ? Number.POSITIVE_INFINITY : (account.SendQuota?.Max24HourSend ?? 0),
      sentLast24Hours: account.SendQuota?.SentLast24Hours ?? 0,
      maxSendRate: account.SendQuota?.MaxSendRate ?? 0,
    };
  }
}
