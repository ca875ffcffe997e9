// The DeliveryStore contract, one suite for both stores: memory
// (test/unit/memory-delivery-store.test.ts) and DynamoDB on dynalite
// (test/integration/dynamo-delivery-store.test.ts). Every port method, every conditional path.
import { describe, expect, it } from 'vitest';
import type { DeliveryStore, LedgerKey } from '#core/delivery-store';
import type { Occurrence } from '#core/delivery/occurrence';
import { capSlotValue } from '#core/delivery/frequency-cap';
import { publishExampleNewsletter } from './delivery-fixtures';

const T = Date.parse('2026-12-01T08:00:00.000Z');
const occurrence = (occurrenceId: string, patch: Partial<Occurrence> = {}): Occurrence => ({
  occurrenceId,
  campaignId: occurrenceId.split(':')[0]!,
  scheduledAt: '2026-12-01T08:00:00.000Z',
  state: 'created',
  totalSegments: 4,
  createdAt: '2026-12-01T08:00:10.000Z',
  stats: {},
  ...patch,
});
const key = (customerId: string): LedgerKey => ({ occurrenceId: 'news:2026-12-01T08:00Z', customerId });

export const deliveryStoreContract = (name: string, createStore: () => Promise<DeliveryStore>): void => {
  describe(`delivery store contract: ${name}`, () => {
    it('stores a published campaign and lists its summary without content', async () => {
      const store = await createStore();
      const published = await publishExampleNewsletter({ id: 'news' });
      await store.putCampaign(published);
      expect((await store.getCampaign('news'))?.campaign.id).toBe('news');
      expect(await store.getCampaign('nothing')).toBeUndefined();
      expect(await store.listCampaigns()).toEqual([
        { campaignId: 'news', kind: published.campaign.kind, status: published.campaign.status, schedule: (published.campaign as { schedule?: unknown }).schedule, publishedAt: published.publishedAt },
      ]);
    });

    it('creates an occurrence once, reads it and lists it under its campaign', async () => {
      const store = await createStore();
      expect(await store.createOccurrence(occurrence('news:2026-12-01T08:00Z'))).toBe(true);
      expect(await store.createOccurrence(occurrence('news:2026-12-01T08:00Z', { totalSegments: 9 }))).toBe(false);
      expect(await store.getOccurrence('news:2026-12-01T08:00Z')).toMatchObject({ state: 'created', totalSegments: 4, stats: {} });
      expect(await store.getOccurrence('news:2026-12-02T08:00Z')).toBeUndefined();
      expect((await store.listOccurrences('news')).map((o) => o.occurrenceId)).toEqual(['news:2026-12-01T08:00Z']);
    });

    it('changes an occurrence state only from one of the named states', async () => {
      const store = await createStore();
      await store.createOccurrence(occurrence('news:2026-12-01T08:00Z'));
      expect(await store.setOccurrenceState('news:2026-12-01T08:00Z', ['paused'], 'running')).toBe(false);
      expect(await store.setOccurrenceState('news:2026-12-01T08:00Z', ['created'], 'running')).toBe(true);
      expect((await store.getOccurrence('news:2026-12-01T08:00Z'))?.state).toBe('running');
    });

    it('adds stats atomically, also before the occurrence exists', async () => {
      const store = await createStore();
      await store.addStats('news:2026-12-01T08:00Z', { sent: 2 });
      await Promise.all([store.addStats('news:2026-12-01T08:00Z', { sent: 3, capped: 1 }), store.addStats('news:2026-12-01T08:00Z', { sent: 1 })]);
      await store.createOccurrence(occurrence('news:2026-12-01T08:00Z'));
      expect((await store.getOccurrence('news:2026-12-01T08:00Z'))?.stats).toEqual({ sent: 6, capped: 1 });
    });

    it('adds every occurrence\'s stats to the campaign\'s rollup too (triggered occurrences included)', async () => {
      const store = await createStore();
      await store.addStats('news:2026-12-01T08:00Z', { sent: 2 });
      await Promise.all([store.addStats('news:c7:order-1', { sent: 1, failed: 1 }), store.addStats('other:2026-12-01T08:00Z', { sent: 9 })]);
      expect(await store.campaignStats('news')).toEqual({ sent: 3, failed: 1 });
      expect(await store.campaignStats('unknown')).toEqual({});
    });

    it('pauses once, keeps a person pause from being taken over by the account, and resumes', async () => {
      const store = await createStore();
      await store.createOccurrence(occurrence('news:2026-12-01T08:00Z', { state: 'running' }));
      expect(await store.pauseOccurrence('news:2026-12-01T08:00Z', 'checking the text', 'person', T)).toBe(true);
      expect(await store.pauseOccurrence('news:2026-12-01T08:00Z', 'SendingPausedException', 'account', T + 1)).toBe(false);
      expect(await store.getOccurrence('news:2026-12-01T08:00Z')).toMatchObject({ state: 'paused', pausedReason: 'checking the text' });
      expect(await store.listPausedOccurrences()).toEqual([{ occurrenceId: 'news:2026-12-01T08:00Z', reason: 'checking the text', cause: 'person', pausedAtMs: T }]);
      expect(await store.resumeOccurrence('news:2026-12-01T08:00Z')).toBe(true);
      expect(await store.resumeOccurrence('news:2026-12-01T08:00Z')).toBe(false);
      expect((await store.getOccurrence('news:2026-12-01T08:00Z'))?.state).toBe('running');
      expect(await store.listPausedOccurrences()).toEqual([]);
    });

    it('pauses an occurrence that has no item yet (triggered sends)', async () => {
      const store = await createStore();
      expect(await store.pauseOccurrence('flow:2026-12-01', 'quota', 'account', T)).toBe(true);
      expect((await store.listPausedOccurrences()).map((p) => p.cause)).toEqual(['account']);
      expect(await store.resumeOccurrence('flow:2026-12-01')).toBe(true);
    });

    it('claims a new entry, refuses a live claim, and takes over one whose lease ended', async () => {
      const store = await createStore();
      const first = await store.claim(key('c1'), 'a', T, 1000);
      expect(first).toMatchObject({ claimed: true, entry: { state: 'claimed', owner: 'a', leaseUntilMs: T + 1000, claims: 1 } });
      expect(await store.claim(key('c1'), 'b', T + 1000, 1000)).toMatchObject({ claimed: false, existing: { owner: 'a' } });
      expect(await store.claim(key('c1'), 'b', T + 1001, 1000)).toMatchObject({ claimed: true, entry: { owner: 'b', claims: 2 } });
    });

    it('claims straight to sending, and never takes over a sending or final entry', async () => {
      const store = await createStore();
      expect(await store.claim(key('c2'), 'a', T, 1000, 'sending')).toMatchObject({ claimed: true, entry: { state: 'sending', owner: 'a' } });
      expect(await store.claim(key('c2'), 'b', T + 5000, 1000, 'sending')).toMatchObject({ claimed: false, existing: { state: 'sending', owner: 'a' } });
      await store.transition(key('c2'), { states: ['sending'], owner: 'a' }, { state: 'sent', messageId: 'm-1', atMs: T + 10 });
      expect(await store.claim(key('c2'), 'b', T + 5000, 1000, 'sending')).toMatchObject({ claimed: false, existing: { state: 'sent' } });
    });

    it('records a held-out recipient in one write as the final state holdout, never claimed again', async () => {
      const store = await createStore();
      expect(await store.claim(key('c7'), 'a', T, 0, 'holdout')).toMatchObject({ claimed: true, entry: { state: 'holdout' } });
      expect(await store.claim(key('c7'), 'b', T + 60_000, 0, 'holdout')).toMatchObject({ claimed: false, existing: { state: 'holdout', owner: 'a' } });
      expect(await store.claim(key('c7'), 'b', T + 60_000, 1000, 'sending')).toMatchObject({ claimed: false, existing: { state: 'holdout' } });
    });

    it('transitions only when state, owner and lease conditions all hold, and writes the patch', async () => {
      const store = await createStore();
      await store.claim(key('c3'), 'a', T, 1000, 'sending');
      expect(await store.transition(key('c3'), { states: ['claimed'], owner: 'a' }, { state: 'sent', atMs: T + 1 })).toBe(false);
      expect(await store.transition(key('c3'), { states: ['sending'], owner: 'b' }, { state: 'sent', atMs: T + 1 })).toBe(false);
      expect(await store.transition(key('c3'), { states: ['sending'], leaseEndedBeforeMs: T + 1000 }, { state: 'uncertain', atMs: T + 1 })).toBe(false);
      expect(await store.transition(key('c3'), { states: ['sending'], owner: 'a' }, { state: 'claimed', leaseUntilMs: 0, atMs: T + 2 })).toBe(true);
      expect(await store.getLedger(key('c3'))).toMatchObject({ state: 'claimed', leaseUntilMs: 0, updatedAtMs: T + 2 });
      expect(await store.claim(key('c3'), 'a', T + 3, 1000, 'sending')).toMatchObject({ claimed: true });
      expect(await store.transition(key('c3'), { states: ['sending'], leaseEndedBeforeMs: T + 1004 }, { state: 'uncertain', reason: 'died', atMs: T + 1004 })).toBe(true);
      expect(await store.transition(key('c3'), { states: ['uncertain'] }, { state: 'sent', messageId: 'm-9', atMs: T + 2000 })).toBe(true);
      expect(await store.getLedger(key('c3'))).toMatchObject({ state: 'sent', messageId: 'm-9', reason: 'died', claims: 2 });
      expect(await store.transition(key('nobody'), { states: ['sending'] }, { state: 'sent', atMs: T })).toBe(false);
      expect(await store.getLedger(key('nobody'))).toBeUndefined();
    });

    it('takes a cap slot only while it holds the expected value, and reads many customers at once', async () => {
      const store = await createStore();
      const v1 = capSlotValue(T, 'news:1');
      expect(await store.takeCapSlot('c1', 0, undefined, v1)).toBe(true);
      expect(await store.takeCapSlot('c1', 0, undefined, capSlotValue(T, 'news:2'))).toBe(false);
      expect(await store.takeCapSlot('c1', 0, 'something else', capSlotValue(T, 'news:2'))).toBe(false);
      expect(await store.takeCapSlot('c1', 0, v1, capSlotValue(T + 1, 'news:2'))).toBe(true);
      expect(await store.takeCapSlot('c1', 2, undefined, v1)).toBe(true);
      const ids = Array.from({ length: 120 }, (_, i) => `x${i}`);
      await store.takeCapSlot('x119', 1, undefined, v1);
      const slots = await store.getCapSlots(['c1', 'nobody', ...ids]);
      expect(slots.get('c1')?.slice(0, 3)).toEqual([capSlotValue(T + 1, 'news:2'), undefined, v1]);
      expect(slots.get('x119')?.[1]).toBe(v1);
      expect(slots.has('nobody')).toBe(false);
    });

    it('holds work under its message key idempotently, lists it per occurrence and removes it', async () => {
      const store = await createStore();
      const work = { occurrenceId: 'news:2026-12-01T08:00Z', campaignId: 'news', customerIds: ['c1', 'c2'], hop: 1 };
      await store.holdWork(work, 'm1');
      await store.holdWork(work, 'm1');
      await store.holdWork({ ...work, customerIds: ['c3'] }, 'm2');
      await store.holdWork({ ...work, occurrenceId: 'news:2026-12-02T08:00Z' }, 'm1');
      const held = await store.listHeldWork('news:2026-12-01T08:00Z');
      expect(held.map((h) => [h.key, h.work.customerIds])).toEqual([['m1', ['c1', 'c2']], ['m2', ['c3']]]);
      await store.removeHeldWork('news:2026-12-01T08:00Z', 'm1');
      expect((await store.listHeldWork('news:2026-12-01T08:00Z')).map((h) => h.key)).toEqual(['m2']);
    });

    it('lists due deliveries by their minute bucket and removes them', async () => {
      const store = await createStore();
      const d = { deliveryId: 'd1', dueAt: '2026-12-01T08:00:30.000Z', occurrenceId: 'flow:1', campaignId: 'flow', customerId: 'c1' };
      await store.putDueDelivery(d);
      await store.putDueDelivery({ ...d, deliveryId: 'd2', dueAt: '2026-12-01T08:01:00.000Z' });
      expect((await store.listDueDeliveries('2026-12-01T08:00')).items).toEqual([d]);
      await store.removeDueDeliveries([d]);
      expect((await store.listDueDeliveries('2026-12-01T08:00')).items).toEqual([]);
      expect((await store.listDueDeliveries('2026-12-01T08:01')).items.map((x) => x.deliveryId)).toEqual(['d2']);
    });

    it('names the next minute bucket holding a due delivery, across hours and days, and no longer one that was emptied', async () => {
      const store = await createStore();
      const d = { deliveryId: 'n1', dueAt: '2030-03-01T08:05:59.999Z', occurrenceId: 'flow:1', campaignId: 'flow', customerId: 'c1' };
      const later = { ...d, deliveryId: 'n2', dueAt: '2030-03-01T10:40:00.000Z' };
      const nextDay = { ...d, deliveryId: 'n3', dueAt: '2030-03-02T00:00:00.000Z' };
      for (const delivery of [nextDay, later, d]) await store.putDueDelivery(delivery);
      expect(await store.nextDueBucket('2030-03-01T07:00', '2030-03-01T23:59')).toBe('2030-03-01T08:05');
      expect(await store.nextDueBucket('2030-03-01T08:05', '2030-03-01T08:05')).toBe('2030-03-01T08:05');
      expect(await store.nextDueBucket('2030-03-01T08:06', '2030-03-01T23:59')).toBe('2030-03-01T10:40');
      expect(await store.nextDueBucket('2030-03-01T08:06', '2030-03-01T10:39')).toBeUndefined();
      expect(await store.nextDueBucket('2030-03-01T10:41', '2030-03-02T06:00')).toBe('2030-03-02T00:00');
      await store.removeDueDeliveries([d, later]);
      expect(await store.nextDueBucket('2030-03-01T07:00', '2030-03-02T06:00')).toBe('2030-03-02T00:00');
      expect(await store.nextDueBucket('2030-03-01T07:00', '2030-03-01T23:59')).toBeUndefined();
      await store.putDueDelivery({ ...nextDay, dueAt: '2030-03-01T09:00:00.000Z' });
      expect(await store.nextDueBucket('2030-03-01T07:00', '2030-03-02T06:00')).toBe('2030-03-01T09:00');
      await store.putDueDelivery(d);
      expect(await store.nextDueBucket('2030-03-01T07:00', '2030-03-02T06:00')).toBe('2030-03-01T08:05');
    });

    it('names a customer\'s due deliveries by their reference, found without a scan (GDPR erase)', async () => {
      const store = await createStore();
      const d = { deliveryId: 'xmas:2026#ref-c1', dueAt: '2026-12-24T09:00:00.000Z', occurrenceId: 'xmas:2026', campaignId: 'xmas', customerId: 'ref-c1' };
      await store.putDueDelivery(d);
      await store.putDueDelivery({ ...d, deliveryId: 'welcome:ref-c1:first', occurrenceId: 'welcome:ref-c1:first', campaignId: 'welcome' });
      await store.putDueDelivery({ ...d, deliveryId: 'xmas:2026#ref-c2', customerId: 'ref-c2' });
      expect((await store.dueDeliveryIdsOf('ref-c1')).sort()).toEqual(['welcome:ref-c1:first', 'xmas:2026#ref-c1']);
      expect(await store.dueDeliveryIdsOf('ref-c3')).toEqual([]);
    });
  });
};
