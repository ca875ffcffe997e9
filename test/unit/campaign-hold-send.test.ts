// A paused or archived campaign holds mail that has no occurrence record of its own (triggered
// follow-ups, one occurrence per customer): send re-checks it an hour later, or drops it once the
// campaign is archived. Scheduled occurrences are paused with the campaign (campaign-control.ts).
import { describe, expect, it } from 'vitest';
import type { Mailer, OutgoingMail } from '#core/delivery/ports';
import { HOLD_RECHECK_MS } from '#core/delivery/send';
import { createPipeline, exampleShop, makeProfile, publishExampleNewsletter } from './delivery-fixtures';

const NOW = new Date('2026-12-02T10:00:00Z');
const FOLLOW_UP = 'newsletter-monthly:c00001:once';

const setup = async () => {
  const sent: string[] = [];
  const mailer: Mailer = {
    async send(mail: OutgoingMail) {
      sent.push(mail.to);
      return { ok: true, messageId: `m-${sent.length}` };
    },
  };
  const pipeline = await createPipeline({ profiles: [makeProfile(1)], mailer, published: await publishExampleNewsletter({ quietHours: false }), shop: await exampleShop(), now: NOW });
  await pipeline.store.putDueDelivery({ deliveryId: `${FOLLOW_UP}#c00001`, dueAt: NOW.toISOString(), occurrenceId: FOLLOW_UP, campaignId: 'newsletter-monthly', customerId: 'c00001' });
  return { pipeline, sent };
};

describe('send: mail of a held campaign without an occurrence record', () => {
  it('holds a follow-up while its campaign is paused and sends it once after the resume', async () => {
    const { pipeline, sent } = await setup();
    expect(await pipeline.store.setCampaignHold('newsletter-monthly', 'paused')).toBe(true);
    await pipeline.tick();
    await pipeline.drain();
    expect(sent).toEqual([]);
    const recheck = new Date(NOW.getTime() + HOLD_RECHECK_MS).toISOString().slice(0, 16);
    expect((await pipeline.store.listDueDeliveries(recheck)).items.map((d) => d.occurrenceId)).toEqual([FOLLOW_UP]);

    await pipeline.store.setCampaignHold('newsletter-monthly', undefined);
    pipeline.advance(HOLD_RECHECK_MS + 60_000);
    await pipeline.tick();
    await pipeline.drain();
    expect(sent).toEqual(['customer1@example.com']);
  });

  it('drops a follow-up of an archived campaign and counts it cancelled', async () => {
    const { pipeline, sent } = await setup();
    await pipeline.store.setCampaignHold('newsletter-monthly', 'archived');
    await pipeline.tick();
    await pipeline.drain();
    pipeline.advance(HOLD_RECHECK_MS + 60_000);
    await pipeline.tick();
    await pipeline.drain();
    expect(sent).toEqual([]);
    const recheck = new Date(NOW.getTime() + HOLD_RECHECK_MS).toISOString().slice(0, 16);
    expect((await pipeline.store.listDueDeliveries(recheck)).items).toEqual([]);
  });
});
