// SES event fixtures: EventBridge envelopes in the shape the SES developer guide documents for
// event publishing (Bounce, Complaint, Delivery, Send, Reject, DeliveryDelay), stored as JSON in
// test/fixtures/ses/. `sesEvent` fills in the ledger tag our send path sets, a message id and an
// event id, so one fixture serves many mails.
import { readFileSync } from 'node:fs';
import { encodeLedgerTag } from '#core/delivery/send';
import type { LedgerKey } from '#core/delivery-store';

export type SesFixture = 'bounce-permanent' | 'bounce-transient' | 'bounce-transient-5xx' | 'complaint' | 'delivery' | 'send' | 'reject' | 'delivery-delay';

interface Envelope {
  id: string;
  time: string;
  detail: { mail: { messageId: string; tags: Record<string, string[]> } } & Record<string, unknown>;
}

const load = (name: SesFixture): Envelope => JSON.parse(readFileSync(new URL(`../fixtures/ses/${name}.json`, import.meta.url), 'utf8')) as Envelope;

export const sesEvent = (name: SesFixture, key: LedgerKey, options: { messageId?: string; id?: string; time?: string } = {}): Envelope => {
  const event = load(name);
  const messageId = options.messageId ?? `msg-${key.customerId}`;
  event.id = options.id ?? `${name}-${messageId}`;
  if (options.time) event.time = options.time;
  event.detail.mail.messageId = messageId;
  event.detail.mail.tags.ledger = [encodeLedgerTag(key)];
  return event;
};

/** An SQS batch as the feedback queue's event source hands it over (bodies are the envelopes). */
export const sqsBatch = (events: readonly unknown[]) => ({
  Records: events.map((e, i) => ({ messageId: `m-${i}`, body: typeof e === 'string' ? e : JSON.stringify(e) })),
});
