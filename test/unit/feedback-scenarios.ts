// The feedback policy, end to end through the feedback handler (SQS batches of SES event JSON
// as the SES documentation shows it), on any set of stores: memory in unit tests, DynamoDB on
// dynalite in integration tests.
import { describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import type { DeliveryStore } from '#core/delivery-store';
import type { CustomerStore } from '#core/store';
import { suppressionsFrom, type FeedbackStore } from '#core/delivery/feedback';
import { createFeedbackHandler } from '../../functions/feedback/handler';
import { makeProfile } from './delivery-fixtures';
import { sesEvent, sqsBatch, type SesFixture } from './ses-events';

export interface FeedbackStores {
  delivery: DeliveryStore;
  customers: CustomerStore;
  feedback: FeedbackStore;
}

const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
const quiet = new Logger({ serviceName: 'feedback', logLevel: 'SILENT' });

export const feedbackScenarios = (name: string, make: () => Promise<FeedbackStores>): void => {
  describe(`feedback policy: ${name}`, () => {
    const setup = async (softBounceLimit = 5) => {
      const stores = await make();
      await stores.customers.applyAtomically('c00001', 'seed', () => ({ profile: makeProfile(1), ownEvents: [] }));
      const due = '2026-12-01T08:00:00.000Z';
      await stores.delivery.createOccurrence({ occurrenceId, campaignId: 'newsletter-monthly', scheduledAt: due, state: 'running', totalSegments: 1, createdAt: due, stats: {} });
      const handler = createFeedbackHandler(
        { store: stores.delivery, suppressions: suppressionsFrom(stores.customers), feedback: stores.feedback, policy: { softBounceLimit } },
        { logger: quiet, shard: () => 0 },
      );
      const key = { occurrenceId, customerId: 'c00001' };
      let mail = 0;
      /** Each call is another mail to the customer, unless `messageId` repeats one. */
      const feed = (names: SesFixture[], messageId?: string) =>
        handler(sqsBatch(names.map((n) => sesEvent(n, key, { messageId: messageId ?? `msg-${++mail}` }))) as unknown as SQSEvent);
      const profile = async () => (await stores.customers.getProfile('c00001'))!;
      const stats = async () => (await stores.delivery.getOccurrence(occurrenceId))?.stats ?? {};
      return { ...stores, handler, feed, profile, stats, key };
    };

    it('suppresses the customer on a permanent bounce and counts it on the occurrence', async () => {
      const t = await setup();
      expect(await t.feed(['bounce-permanent'])).toEqual({ batchItemFailures: [] });
      expect((await t.profile()).suppression).toEqual({ reason: 'bounce', at: '2026-12-01T08:00:05.000Z' });
      expect(await t.stats()).toMatchObject({ bounced: 1 });
    });

    it('suppresses a "Transient" bounce whose diagnostic is a 5.x.x permanent failure', async () => {
      const t = await setup();
      await t.feed(['bounce-transient-5xx']);
      expect((await t.profile()).suppression?.reason).toBe('bounce');
    });

    it('suppresses on a complaint and unsubscribes from all marketing through the consent model', async () => {
      const t = await setup();
      await t.feed(['complaint']);
      const p = await t.profile();
      expect(p.suppression?.reason).toBe('complaint');
      expect(p.consent).toMatchObject({ status: 'withdrawn', withdrawnAt: '2026-12-01T08:00:05.000Z' });
      const history = await t.customers.listEvents('c00001');
      expect(history.items.map((e) => e.type)).toEqual(['ConsentWithdrawn']);
      expect(await t.stats()).toMatchObject({ complained: 1 });
    });

    it('suppresses after five transient bounces in a row, not after four', async () => {
      const t = await setup();
      for (let i = 0; i < 4; i++) await t.feed(['bounce-transient']);
      expect((await t.profile()).suppression).toBeUndefined();
      await t.feed(['bounce-transient']);
      expect((await t.profile()).suppression?.reason).toBe('bounce');
    });

    it('starts the soft-bounce run again after a delivery', async () => {
      const t = await setup();
      for (let i = 0; i < 4; i++) await t.feed(['bounce-transient']);
      await t.feed(['delivery']);
      for (let i = 0; i < 4; i++) await t.feed(['bounce-transient']);
      expect((await t.profile()).suppression).toBeUndefined();
      expect((await t.feedback.softBounceRuns(['c00001'])).get('c00001')).toBe(4);
    });

    it('takes the soft-bounce limit from the policy', async () => {
      const t = await setup(2);
      await t.feed(['bounce-transient']);
      await t.feed(['bounce-transient']);
      expect((await t.profile()).suppression?.reason).toBe('bounce');
    });

    it('counts a redelivered event once: same message id, event type and recipient', async () => {
      const t = await setup();
      await t.feed(['delivery'], 'msg-a');
      await t.feed(['delivery'], 'msg-a');
      await t.feed(['bounce-transient'], 'msg-b');
      await t.feed(['bounce-transient'], 'msg-b');
      expect(await t.stats()).toMatchObject({ delivered: 1, bounced: 1 });
      expect((await t.feedback.softBounceRuns(['c00001'])).get('c00001')).toBe(1);
    });

    it('turns an uncertain ledger entry into sent on the Send event, and writes nothing when send recorded it', async () => {
      const t = await setup();
      await t.delivery.claim(t.key, 'o', 0, 1);
      await t.delivery.transition(t.key, { states: ['claimed'] }, { state: 'uncertain', atMs: 1 });
      await t.feed(['send'], 'msg-s');
      expect(await t.delivery.getLedger(t.key)).toMatchObject({ state: 'sent', messageId: 'msg-s' });
      await t.feed(['send'], 'msg-s');
      expect(await t.delivery.getLedger(t.key)).toMatchObject({ state: 'sent', messageId: 'msg-s' });
    });

    it('counts a reject as failed and leaves a delivery delay alone', async () => {
      const t = await setup();
      await t.feed(['reject', 'delivery-delay']);
      expect(await t.stats()).toEqual({ failed: 1 });
      expect((await t.profile()).suppression).toBeUndefined();
    });

    it('adds a batch of deliveries to the occurrence in one stats write', async () => {
      const t = await setup();
      await t.feed(['delivery']);
      const calls: string[] = [];
      const original = t.delivery.addStats.bind(t.delivery);
      t.delivery.addStats = async (id, tally) => {
        calls.push(id);
        return original(id, tally);
      };
      const batch = [1, 2, 3].map((i) => sesEvent('delivery', t.key, { messageId: `x-${i}` }));
      await t.handler(sqsBatch(batch) as unknown as SQSEvent);
      expect(calls).toEqual([occurrenceId]);
      expect(await t.stats()).toMatchObject({ delivered: 4 });
    });

    it('fails only the malformed record of a batch, naming the field, and handles the rest', async () => {
      const t = await setup();
      const good = sesEvent('bounce-permanent', t.key);
      const bad = { ...sesEvent('delivery', t.key), detail: { eventType: 'Delivery' } };
      const result = await t.handler(sqsBatch([bad, 'not json', good]) as unknown as SQSEvent);
      expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-0', 'm-1']);
      expect((await t.profile()).suppression?.reason).toBe('bounce');
    });

    it('acknowledges mail without the ledger tag (another sender on the account)', async () => {
      const t = await setup();
      const foreign = sesEvent('bounce-permanent', t.key);
      delete foreign.detail.mail.tags.ledger;
      expect(await t.handler(sqsBatch([foreign]) as unknown as SQSEvent)).toEqual({ batchItemFailures: [] });
      expect((await t.profile()).suppression).toBeUndefined();
    });
  });
};
