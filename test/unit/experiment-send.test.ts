import { beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { createMemoryFunnelStore } from '#adapters/memory-funnel-store';
import { SendWork } from '#core/delivery/messages';
import { HOLDOUT_ARM, assignArm } from '#core/experiments';
import type { PublishedCampaign } from '#core/delivery-store';
import type { ShopInfo } from '#core/render';
import { createPipeline, exampleShop, makeProfile, publishExampleNewsletter } from './delivery-fixtures';

// The example newsletter runs at 09:00 Berlin on the 1st: 08:00 UTC on 2026-12-01.
const due = new Date('2026-12-01T08:00:30.000Z');
const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
const experiment = {
  variants: [
    { id: 'short', weight: 1, subject: { de: 'Kurz und gut, {{ customer.firstName }}', en: 'Short and sweet, {{ customer.firstName }}' } },
    { id: 'long', weight: 1 },
  ],
  holdoutPercent: 20,
};
let published: PublishedCampaign;
let shop: ShopInfo;
beforeAll(async () => {
  published = await publishExampleNewsletter(experiment);
  shop = await exampleShop();
});

const run = async (n = 100) => {
  const profiles = Array.from({ length: n }, (_, i) => makeProfile(i));
  const mailer = new OutboxMailer();
  const funnels = createMemoryFunnelStore();
  const p = await createPipeline({ profiles, mailer, published, shop, now: due, funnels });
  await p.tick();
  expect(await p.drain()).toEqual([]);
  const arms = new Map(profiles.map((profile) => [profile.customerId, assignArm(published.campaign, profile.customerId)]));
  return { p, mailer, funnels, profiles, arms };
};

describe('A/B test with holdout: the send path', () => {
  it('sends no mail to the holdout and one to everyone else', async () => {
    const { mailer, profiles, arms } = await run();
    const held = profiles.filter((profile) => arms.get(profile.customerId) === HOLDOUT_ARM);
    expect(held.length).toBeGreaterThan(5);
    const mailed = new Set(mailer.sent.map((mail) => mail.to));
    expect(held.filter((profile) => mailed.has(profile.email))).toEqual([]);
    expect(mailer.sent).toHaveLength(profiles.length - held.length);
  });

  it('records each held-out recipient in the ledger and counts them once per occurrence', async () => {
    const { p, funnels, profiles, arms } = await run();
    const held = profiles.filter((profile) => arms.get(profile.customerId) === HOLDOUT_ARM);
    const entry = await p.store.getLedger({ occurrenceId, customerId: held[0]!.customerId });
    expect(entry?.state).toBe('holdout');
    expect((await p.store.getOccurrence(occurrenceId))?.stats.holdout).toBe(held.length);
    const rows = await funnels.listFunnel('newsletter-monthly');
    expect(rows.find((row) => row.arm === HOLDOUT_ARM)).toMatchObject({ members: held.length, sent: 0 });
    expect(await funnels.membershipsOf(held[0]!.customerId)).toEqual([{ campaignId: 'newsletter-monthly', occurrenceId, arm: HOLDOUT_ARM, atMs: due.getTime() }]);
  });

  it('counts nothing again and sends nothing when a message with held-out recipients is redelivered', async () => {
    const { p, mailer, funnels, profiles } = await run();
    const before = await funnels.listFunnel('newsletter-monthly');
    const statsBefore = (await p.store.getOccurrence(occurrenceId))?.stats;
    const work = SendWork.parse({ occurrenceId, campaignId: 'newsletter-monthly', customerIds: profiles.map((profile) => profile.customerId) });
    const again = await p.sender(work, 'redelivered');
    expect(again.tally).toEqual({ alreadySent: profiles.length });
    expect(mailer.sent).toHaveLength(profiles.length - (statsBefore?.holdout ?? 0));
    expect(await funnels.listFunnel('newsletter-monthly')).toEqual(before);
    expect((await p.store.getOccurrence(occurrenceId))?.stats.holdout).toBe(statsBefore?.holdout);
  });

  it('renders each variant\'s subject, tags the mail with its arm and counts sent per variant', async () => {
    const { mailer, funnels, profiles, arms } = await run();
    const byAddress = new Map(profiles.map((profile) => [profile.email, profile]));
    for (const mail of mailer.sent) {
      const arm = arms.get(byAddress.get(mail.to)!.customerId)!;
      expect(mail.tags).toContainEqual({ name: 'variant', value: arm });
      expect(/^(Kurz und gut|Short and sweet)/.test(mail.subject)).toBe(arm === 'short');
    }
    const sent = (arm: string) => mailer.sent.filter((mail) => arms.get(byAddress.get(mail.to)!.customerId) === arm).length;
    const rows = await funnels.listFunnel('newsletter-monthly');
    expect(rows.find((row) => row.arm === 'short')).toMatchObject({ sent: sent('short'), members: sent('short') });
    expect(rows.find((row) => row.arm === 'long')).toMatchObject({ sent: sent('long'), members: sent('long') });
    expect(sent('short')).toBeGreaterThan(10);
    expect(sent('long')).toBeGreaterThan(10);
  });

  it('sends and counts the mails when the arm counters cannot be written, reporting the failure', async () => {
    const funnels = createMemoryFunnelStore();
    funnels.addCounts = () => Promise.reject(new Error('throttled'));
    const mailer = new OutboxMailer();
    const profiles = Array.from({ length: 30 }, (_, i) => makeProfile(i));
    const p = await createPipeline({ profiles, mailer, published, shop, now: due, funnels });
    await p.tick();
    for (const { body } of p.audienceQueue.drain()) void body;
    const work = SendWork.parse({ occurrenceId, campaignId: 'newsletter-monthly', customerIds: profiles.map((profile) => profile.customerId) });
    const result = await p.sender(work, 'm1');
    expect(result.tally.sent).toBe(mailer.sent.length);
    expect((result.tally.sent ?? 0) + (result.tally.holdout ?? 0)).toBe(30);
    expect(result.failures).toEqual([{ customerId: '-', reason: 'arm counters not added: throttled' }]);
    expect((await p.store.getOccurrence(occurrenceId))?.stats.sent).toBe(mailer.sent.length);
  });

  it('holds out nobody and tags nothing in a campaign without an experiment', async () => {
    const plain = await publishExampleNewsletter();
    const mailer = new OutboxMailer();
    const funnels = createMemoryFunnelStore();
    const p = await createPipeline({ profiles: Array.from({ length: 20 }, (_, i) => makeProfile(i)), mailer, published: plain, shop, now: due, funnels });
    await p.tick();
    await p.drain();
    expect(mailer.sent).toHaveLength(20);
    expect(mailer.sent.flatMap((mail) => mail.tags.map((tag) => tag.name))).not.toContain('variant');
    expect(await funnels.listFunnel('newsletter-monthly')).toEqual([]);
  });
});
