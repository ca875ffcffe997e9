// In-memory twin of ses-mailer.ts: records every accepted mail with a message id.
import type { MailResult, Mailer, OutgoingMail } from '#core/delivery/ports';

export class OutboxMailer implements Mailer {
  readonly sent: (OutgoingMail & { messageId: string })[] = [];
  async send(mail: OutgoingMail): Promise<MailResult> {
    const messageId = `outbox-${this.sent.length + 1}`;
    this.sent.push({ ...mail, messageId });
    return { ok: true, messageId };
  }
}
