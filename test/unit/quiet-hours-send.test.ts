// The quiet-hours gate at send time (core/delivery/recipient.ts): marketing mail due inside the
// recipient's local quiet window waits for the window's end as a due delivery, released by tick;
// a campaign may turn the window off, and transactional mail is exempt.
import { describe, expect, it } from 'vitest';
import type { Mailer, OutgoingMail } from '#core/delivery/ports';
import type { PublishedCampaign } from '#core/delivery-store';
import { DEFAULT_SHOP_DELIVERY } from '#core/delivery/local-time';
import { createPipeline, exampleShop, makeProfile, publishExampleNewsletter } from './delivery-fixtures';

// The monthly newsletter: 09:00 Europe/Berlin on the 1st, i.e. 08:00Z on 1 December 2026.
const DUE = new Date('2026-12-01T08:00:00Z');

const setup = async (published: PublishedCampaign) => {
  const sent: { to: string; atMs: number }[] = [];
  let clockNow = () => DUE.getTime();
  const mailer: Mailer = {
    async send(mail: OutgoingMail) {
      sent.push({ to: mail.to, atMs: clockNow() });
      return { ok: true, messageId: `m-${sent.length}` };
    },
  };
  const profiles = [
    makeProfile(1, { timeZone: 'Europe/Berlin', locale: 'de-DE' }),
    // 22:00 on 30 November in Honolulu: inside 21:00–08:00, so 08:00 HST (18:00Z) it is.
    makeProfile(3, { timeZone: 'Pacific/Honolulu', locale: 'de-DE' }),
  ];
  const pipeline = await createPipeline({ profiles, mailer, published, shop: await exampleShop(), now: DUE, send: { shop: DEFAULT_SHOP_DELIVERY } });
  clockNow = () => pipeline.clock.now().getTime();
  return { pipeline, sent, profiles };
};

describe('quiet hours at send time', () => {
  it('holds a mail due at night in the recipient’s zone until the window ends there, then sends it once', async () => {
    const { pipeline, sent } = await setup(await publishExampleNewsletter());
    await pipeline.tick();
    await pipeline.drain();
    expect(sent.map((s) => s.to)).toEqual(['customer1@example.com']);
    const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
    expect((await pipeline.store.getOccurrence(occurrenceId))?.stats.quietHours).toBe(1);
    const waiting = await pipeline.store.listDueDeliveries('2026-12-01T18:00');
    expect(waiting.items.map((d) => [d.customerId, d.dueAt])).toEqual([['c00003', '2026-12-01T18:00:00.000Z']]);

    pipeline.advance(10 * 3_600_000 - 60_000);
    await pipeline.tick();
    await pipeline.drain();
    expect(sent).toHaveLength(1);
    pipeline.advance(60_000);
    await pipeline.tick();
    await pipeline.drain();
    expect(sent.map((s) => [s.to, new Date(s.atMs).toISOString()])).toEqual([
      ['customer1@example.com', '2026-12-01T08:00:00.000Z'],
      ['customer3@example.com', '2026-12-01T18:00:00.000Z'],
    ]);
  });

  it('sends at once when the campaign turns quiet hours off', async () => {
    const { pipeline, sent } = await setup(await publishExampleNewsletter({ quietHours: false }));
    await pipeline.tick();
    await pipeline.drain();
    expect(sent).toHaveLength(2);
  });

  it('sends transactional mail at once, at any hour', async () => {
    const published = await publishExampleNewsletter();
    const { pipeline, sent } = await setup({ ...published, campaign: { ...published.campaign, capClass: 'transactional' } });
    await pipeline.tick();
    await pipeline.drain();
    expect(sent).toHaveLength(2);
  });

  it('holds mail by a campaign’s own window instead of the shop’s', async () => {
    const published = await publishExampleNewsletter({ quietHours: { start: '08:00', end: '12:00' } });
    const { pipeline, sent } = await setup(published);
    await pipeline.tick();
    await pipeline.drain();
    // 09:00 in Berlin is inside 08:00–12:00 now; 22:00 in Honolulu is not.
    expect(sent.map((s) => s.to)).toEqual(['customer3@example.com']);
  });
});
