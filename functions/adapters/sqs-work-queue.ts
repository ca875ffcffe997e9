// WorkQueue on SQS: SendMessageBatch in tens, failed entries retried, then an error naming them.
import { SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { QueuedMessage, WorkQueue } from '#core/delivery/ports';

export const createSqsClient = (endpoint?: string): SQSClient =>
  new SQSClient({
    region: process.env.AWS_REGION ?? 'eu-central-1',
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });

export class SqsWorkQueue<T> implements WorkQueue<T> {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async sendBatch(messages: readonly QueuedMessage<T>[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      let entries = messages.slice(i, i + 10).map((m, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify(m.body),
        ...(m.delaySeconds ? { DelaySeconds: Math.min(900, Math.max(0, Math.round(m.delaySeconds))) } : {}),
      }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((result.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
        if (entries.length && attempt >= 3) throw new Error(`SQS kept refusing ${entries.length} messages: ${result.Failed?.[0]?.Message ?? ''}`);
        if (entries.length) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }
}
