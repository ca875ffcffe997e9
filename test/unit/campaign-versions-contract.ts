// Contract of the campaign-version part of a DeliveryStore (publish, rollback, holds, segment and
// reward catalog definitions). Run against the in-memory twin (unit) and DynamoDB on dynalite
// (integration), so both behave alike.
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryStore, PublishedCampaign } from '#core/delivery-store';
import { publishExampleNewsletter } from './delivery-fixtures';

export const campaignVersionContract = (name: string, makeStore: () => Promise<DeliveryStore>): void => {
  describe(`${name}: campaign versions`, () => {
    let store: DeliveryStore;
    let base: PublishedCampaign;
    const version = (n: number, subject = `v${n}`): PublishedCampaign & { version: number } => ({
      ...base,
      campaign: { ...base.campaign, name: subject },
      version: n,
      contentHash: `hash-${subject}`,
      publishedAt: `2026-11-0${n}T00:00:00.000Z`,
    });

    beforeEach(async () => {
      store = await makeStore();
      base = await publishExampleNewsletter({ id: 'nl' });
    });

    it('makes a new version current and keeps it readable by number', async () => {
      expect(await store.putCampaignVersion(version(1), 10)).toBe(true);
      expect(await store.putCampaignVersion(version(2), 10)).toBe(true);
      expect((await store.getCampaign('nl'))?.version).toBe(2);
      expect((await store.getCampaignVersion('nl', 1))?.campaign.name).toBe('v1');
      const [summary] = await store.listCampaigns();
      expect(summary).toMatchObject({ campaignId: 'nl', version: 2, contentHash: 'hash-v2', status: 'active' });
      expect((await store.listCampaignVersions('nl')).map((v) => v.version)).toEqual([1, 2]);
    });

    it('rejects a version that exists already and leaves the current one alone', async () => {
      await store.putCampaignVersion(version(1), 10);
      expect(await store.putCampaignVersion(version(1, 'other'), 10)).toBe(false);
      expect((await store.getCampaign('nl'))?.campaign.name).toBe('v1');
    });

    it('keeps only the newest N versions', async () => {
      for (let n = 1; n <= 5; n++) await store.putCampaignVersion(version(n), 3);
      expect((await store.listCampaignVersions('nl')).map((v) => v.version)).toEqual([3, 4, 5]);
      expect(await store.getCampaignVersion('nl', 2)).toBeUndefined();
    });

    it('keeps an old version an unfinished occurrence still sends, and prunes it once only a missed one names it', async () => {
      const occurrence = (suffix: string, campaignVersion: number, state: 'created' | 'running' | 'paused' | 'missed') => ({
        occurrenceId: `nl:${suffix}`, campaignId: 'nl', scheduledAt: '2026-11-01T08:00:00.000Z', state, totalSegments: 1, createdAt: '2026-11-01T08:00:05.000Z', campaignVersion, stats: {},
      });
      await store.putCampaignVersion(version(1), 2);
      await store.createOccurrence(occurrence('2026-11-01T08:00Z', 1, 'running'));
      await store.putCampaignVersion(version(2), 2);
      await store.createOccurrence(occurrence('2026-11-02T08:00Z', 2, 'created'));
      await store.createOccurrence(occurrence('2026-11-02T09:00Z', 3, 'missed'));
      await store.putCampaignVersion(version(3), 2);
      await store.pauseOccurrence('nl:2026-11-02T08:00Z', 'paused by marketer', 'person');
      for (let n = 4; n <= 6; n++) await store.putCampaignVersion(version(n), 2);
      expect((await store.listCampaignVersions('nl')).map((v) => v.version)).toEqual([1, 2, 5, 6]);
      expect((await store.getCampaignVersion('nl', 1))?.campaign.name).toBe('v1');
      expect(await store.getCampaignVersion('nl', 3)).toBeUndefined();
    });

    it('keeps a hold across a new version and shows it as the status tick acts on', async () => {
      await store.putCampaignVersion(version(1), 10);
      expect(await store.setCampaignHold('nl', 'paused')).toBe(true);
      await store.putCampaignVersion(version(2), 10);
      expect((await store.listCampaigns())[0]).toMatchObject({ status: 'paused', hold: 'paused', version: 2 });
      await store.setCampaignHold('nl', undefined);
      expect((await store.listCampaigns())[0]?.status).toBe('active');
      expect((await store.listCampaigns())[0]?.hold).toBeUndefined();
    });

    it('fails to hold a campaign that was never published', async () => {
      expect(await store.setCampaignHold('nope', 'archived')).toBe(false);
    });

    it('lists segment and reward catalog definitions by type', async () => {
      await store.putDefinition({ type: 'segment', id: 'b', value: { x: 1 }, contentHash: 'h1', publishedAt: '2026-11-01T00:00:00.000Z' });
      await store.putDefinition({ type: 'segment', id: 'a', value: { x: 2 }, contentHash: 'h2', publishedAt: '2026-11-01T00:00:00.000Z' });
      await store.putDefinition({ type: 'rewardCatalog', id: 'r', value: {}, contentHash: 'h3', publishedAt: '2026-11-01T00:00:00.000Z' });
      expect((await store.listDefinitions('segment')).map((d) => d.id).sort()).toEqual(['a', 'b']);
      expect((await store.listDefinitions('rewardCatalog')).map((d) => d.contentHash)).toEqual(['h3']);
    });
  });
};
