import { resumePausedOccurrences } from '#core/delivery/resume';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { OutboxMailer } from '#adapters/outbox-mailer';
import { applyPublish, listPublished, planPublish, publishSet, rollbackCampaign } from '#core/publish';
import { archive, CAMPAIGN_ARCHIVE_REASON, CAMPAIGN_PAUSE_REASON, MARKETER_PAUSE_REASON, pause, resume } from '#core/campaign-control';
import type { SendWork, SendWorkInput } from '#core/delivery/messages';
import { campaignVersionContract } from './campaign-versions-contract';
import { createPipeline, exampleShop, makeProfile } from './delivery-fixtures';
import { campaignsFolder, type CampaignsFolder } from './publish-fixtures';

campaignVersionContract('memory delivery store', async () => createMemoryDeliveryStore());

const due = new Date('2026-12-01T08:00:30.000Z');
const nextMonth = new Date('2027-01-01T08:00:30.000Z');
let folder: CampaignsFolder;
beforeAll(async () => {
  folder = await campaignsFolder();
});

describe('publish: diff and versions', () => {
  it('publishes everything as new and then writes nothing the second time', async () => {
    const store = createMemoryDeliveryStore();
    const set = await folder.prepare();
    const first = await planPublish(store, set);
    expect(first.changes.map((c) => `${c.type} ${c.id} ${c.change} ${c.toVersion ?? ''}`)).toEqual([
      'campaign newsletter-monthly new 1',
      'segment newsletter-readers new ',
    ]);
    expect(await applyPublish(store, first)).toBe(2);
    const again = await planPublish(store, await folder.prepare(new Date('2026-11-02T00:00:00Z')));
    expect(again.changes.every((c) => c.change === 'unchanged')).toBe(true);
    expect(await applyPublish(store, again)).toBe(0);
    expect((await store.listCampaignVersions('newsletter-monthly')).map((v) => v.version)).toEqual([1]);
  });

  it('gives a changed campaign the next version and lists what the folder no longer has', async () => {
    const store = createMemoryDeliveryStore();
    const local = await campaignsFolder();
    await local.write('other.json', { ...(await local.prepare()).campaigns[0]!.campaign, id: 'other-news', name: 'Other' });
    await publishSet(store, await local.prepare());
    await local.setSubject('Neu im Dezember');
    const { rm } = await import('node:fs/promises');
    await rm(`${local.dir}/other.json`);
    const plan = await planPublish(store, await local.prepare());
    expect(plan.changes.find((c) => c.id === 'newsletter-monthly')).toMatchObject({ change: 'changed', fromVersion: 1, toVersion: 2 });
    expect(plan.notInFolder).toEqual([{ type: 'campaign', id: 'other-news', status: 'active' }]);
    await applyPublish(store, plan);
    expect((await store.getCampaign('newsletter-monthly'))?.version).toBe(2);
    // Not in the folder is not deleted: archive is an explicit act.
    expect(await store.getCampaign('other-news')).toBeDefined();
  });

  it('rolls back by publishing the previous content as the next version', async () => {
    const store = createMemoryDeliveryStore();
    const local = await campaignsFolder();
    await publishSet(store, await local.prepare());
    await local.setSubject('Zweite Fassung');
    await publishSet(store, await local.prepare());
    const result = await rollbackCampaign(store, 'newsletter-monthly', new Date('2026-11-05T00:00:00Z'));
    expect(result).toEqual({ campaignId: 'newsletter-monthly', fromVersion: 2, restoredVersion: 1, version: 3 });
    const current = await store.getCampaign('newsletter-monthly');
    const first = await store.getCampaignVersion('newsletter-monthly', 1);
    expect(current?.template).toEqual(first?.template);
    expect(current?.publishedAt).toBe('2026-11-05T00:00:00.000Z');
  });

  it('rejects a rollback when no earlier version is stored', async () => {
    const store = createMemoryDeliveryStore();
    await publishSet(store, await folder.prepare());
    await expect(rollbackCampaign(store, 'newsletter-monthly', due)).rejects.toThrow(/no stored version before 1/);
  });
});

describe('publish: a running occurrence keeps its version', () => {
  it('sends the version an occurrence started with and the new one from the next occurrence on', async () => {
    const local = await campaignsFolder();
    const v1 = await local.prepare();
    const mailer = new OutboxMailer();
    // The pipeline starts with an unversioned campaign (written before publish had versions).
    const { contentHash: _hash, ...unversioned } = v1.campaigns[0]!;
    const p = await createPipeline({ profiles: [makeProfile(1)], mailer, published: unversioned, shop: await exampleShop(), now: due });
    await publishSet(p.store, v1);
    const [created] = (await p.tick()).created;
    expect((await p.store.getOccurrence(created!))?.campaignVersion).toBe(1);

    await local.setSubject('Geänderter Betreff');
    await publishSet(p.store, await local.prepare());
    expect(await p.drain()).toEqual([]);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Anna: drei Röstungen für den Monat']);

    p.advance(nextMonth.getTime() - due.getTime());
    await p.tick();
    expect(await p.drain()).toEqual([]);
    expect(mailer.sent.map((m) => m.subject).at(-1)).toBe('Geänderter Betreff');
  });
});

describe('publish: campaigns, pause, resume, archive', () => {
  /** An SES account that can send: tick's automatic resume would lift every pause the account caused. */
  const account = { accountStatus: async () => ({ sendingEnabled: true, enforcementStatus: 'HEALTHY', max24HourSend: 50_000, sentLast24Hours: 0, maxSendRate: 14 }) };
  /** The newsletter published and ticked at its due time: one running occurrence for these customers. */
  const withRunningOccurrence = async (customers: number[]) => {
    const set = await folder.prepare();
    const mailer = new OutboxMailer();
    const p = await createPipeline({ profiles: customers.map((i) => makeProfile(i)), mailer, published: set.campaigns[0]!, shop: await exampleShop(), now: due });
    await publishSet(p.store, set);
    const [occurrenceId] = (await p.tick()).created;
    if (occurrenceId === undefined) throw new Error('tick created no occurrence');
    return { p, mailer, occurrenceId };
  };

  it('lists status, version and next due time in the campaign time zone', async () => {
    const store = createMemoryDeliveryStore();
    await publishSet(store, await folder.prepare());
    expect(await listPublished(store, new Date('2026-11-15T12:00:00Z'))).toEqual([
      { campaignId: 'newsletter-monthly', kind: 'newsletter', status: 'active', version: 1, publishedAt: '2026-11-01T00:00:00.000Z', nextDueAt: '2026-12-01T08:00:00.000Z' },
    ]);
  });

  it('shows the next due time of a discount campaign, which tick schedules like a newsletter', async () => {
    const store = createMemoryDeliveryStore();
    const local = await campaignsFolder();
    const newsletter = (await local.prepare()).campaigns[0]!.campaign;
    await local.write('discount.json', { ...JSON.parse(await (await import('node:fs/promises')).readFile('campaigns/winback-discount.json', 'utf8')), audience: newsletter.audience });
    await publishSet(store, await local.prepare());
    const rows = await listPublished(store, new Date('2026-11-15T12:00:00Z'));
    // The 8th of each month at 10:00 Berlin: 8 December at 09:00 UTC.
    expect(rows.find((r) => r.kind === 'discount')?.nextDueAt).toBe('2026-12-08T09:00:00.000Z');
    expect(rows.find((r) => r.kind === 'newsletter')?.nextDueAt).toBe('2026-12-01T08:00:00.000Z');
  });

  it('starts no occurrence while a campaign is paused or archived, and again after resume', async () => {
    const set = await folder.prepare();
    const p = await createPipeline({ profiles: [makeProfile(1)], mailer: new OutboxMailer(), published: set.campaigns[0]!, shop: await exampleShop(), now: due });
    await publishSet(p.store, set);
    await pause(p.store, 'newsletter-monthly');
    const whilePaused = await p.tick();
    expect(whilePaused.created).toEqual([]);
    // The due time that passed during the pause is recorded, not sent late on resume.
    expect(whilePaused.missed).toHaveLength(1);
    // A republish keeps the hold.
    await publishSet(p.store, set);
    expect((await listPublished(p.store, due))[0]?.status).toBe('paused');
    await resume({ store: p.store }, 'newsletter-monthly');
    expect((await p.tick()).created).toEqual([]);
    p.advance(nextMonth.getTime() - due.getTime());
    expect((await p.tick()).created).toHaveLength(1);
    await archive(p.store, 'newsletter-monthly');
    p.advance(nextMonth.getTime() - due.getTime());
    expect((await p.tick()).created).toEqual([]);
    expect((await listPublished(p.store, due))[0]).toMatchObject({ status: 'archived' });
    const occurrences = await p.store.listOccurrences('newsletter-monthly');
    expect(occurrences).toHaveLength(2);
    expect(occurrences.filter((o) => o.state === 'missed')).toHaveLength(1);
    expect(occurrences.find((o) => o.state === 'missed')?.missedReason).toMatch(/while the campaign was paused/);
  });

  it('pauses an occurrence by id and resume queues its held mails again', async () => {
    const { p, mailer, occurrenceId } = await withRunningOccurrence([1, 3]);
    expect(await pause(p.store, occurrenceId)).toMatch(/paused/);
    // A marketer's pause is not lifted by tick when the SES account can send.
    expect((await resumePausedOccurrences({ store: p.store, sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>(), account })).resumed).toEqual([]);
    expect(await p.drain()).toEqual([]);
    expect(mailer.sent).toEqual([]);
    const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
    expect(await resume({ store: p.store, sendQueue }, occurrenceId)).toMatch(/2 held recipients/);
    expect(sendQueue.messages.flatMap((m) => m.body.customerIds).sort()).toEqual(['c00001', 'c00003']);
  });

  it('pausing a campaign holds the mails of its running occurrence, and resuming the campaign queues them again', async () => {
    const { p, mailer, occurrenceId } = await withRunningOccurrence([1, 3]);
    expect(await pause(p.store, 'newsletter-monthly')).toBe('campaign newsletter-monthly paused: no new occurrences, 1 unfinished occurrence holds its remaining mails until resume');
    expect(await p.store.getOccurrence(occurrenceId)).toMatchObject({ state: 'paused', pausedReason: CAMPAIGN_PAUSE_REASON });
    // A person's pause: tick does not lift it when the SES account can send.
    expect((await resumePausedOccurrences({ store: p.store, sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>(), account })).resumed).toEqual([]);
    expect(await p.drain()).toEqual([]);
    expect(mailer.sent).toEqual([]);
    await expect(resume({ store: p.store }, 'newsletter-monthly')).rejects.toThrow('campaign newsletter-monthly paused 1 occurrence(s); resuming them needs the send queue: pass --stack, or --send-queue <url>');
    const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
    expect(await resume({ store: p.store, sendQueue }, 'newsletter-monthly')).toBe(
      "campaign newsletter-monthly resumed (was paused): it follows its file's status again; 1 occurrence resumed, 2 held recipients queued again",
    );
    expect(sendQueue.messages.flatMap((m) => m.body.customerIds).sort()).toEqual(['c00001', 'c00003']);
    expect((await p.store.getOccurrence(occurrenceId))?.state).toBe('running');
    expect((await listPublished(p.store, due))[0]?.status).toBe('active');
  });

  it('archiving a campaign holds its running occurrence, and resuming the campaign leaves an occurrence a person paused by id alone', async () => {
    const { p, occurrenceId: first } = await withRunningOccurrence([1]);
    expect(await pause(p.store, first)).toMatch(/paused/);
    p.advance(nextMonth.getTime() - due.getTime());
    const [second] = (await p.tick()).created;
    expect(await archive(p.store, 'newsletter-monthly')).toBe('campaign newsletter-monthly archived: no new occurrences, 1 unfinished occurrence holds its remaining mails; its occurrences and stats stay');
    expect(await p.store.getOccurrence(second!)).toMatchObject({ state: 'paused', pausedReason: CAMPAIGN_ARCHIVE_REASON });
    await resume({ store: p.store, sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>() }, 'newsletter-monthly');
    expect((await p.store.getOccurrence(second!))?.state).toBe('running');
    expect(await p.store.getOccurrence(first)).toMatchObject({ state: 'paused', pausedReason: MARKETER_PAUSE_REASON });
  });

  it('pausing a campaign takes over an occurrence the SES account paused, so tick does not resume it when SES can send again', async () => {
    const { p, occurrenceId } = await withRunningOccurrence([1]);
    await p.store.pauseOccurrence(occurrenceId, 'SendingPausedException: sending paused', 'account');
    expect(await pause(p.store, 'newsletter-monthly')).toMatch(/1 unfinished occurrence holds its remaining mails/);
    expect((await resumePausedOccurrences({ store: p.store, sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>(), account })).resumed).toEqual([]);
    expect((await p.store.getOccurrence(occurrenceId))?.state).toBe('paused');
    expect(await resume({ store: p.store, sendQueue: new MemoryWorkQueue<SendWorkInput | SendWork>() }, 'newsletter-monthly')).toMatch(/1 occurrence resumed/);
    expect((await p.store.getOccurrence(occurrenceId))?.state).toBe('running');
  });

  it('rejects pausing an occurrence that does not exist and archiving by occurrence id', async () => {
    const store = createMemoryDeliveryStore();
    await expect(pause(store, 'newsletter-monthly:2026-12-01T08:00Z')).rejects.toThrow(/does not exist/);
    await expect(archive(store, 'newsletter-monthly:2026-12-01T08:00Z')).rejects.toThrow(/campaign id/);
    await expect(pause(store, 'nope')).rejects.toThrow(/not published/);
  });
});
