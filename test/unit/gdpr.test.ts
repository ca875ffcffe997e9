// GDPR export and erasure on the memory twins (the dynalite run, with a table scan, is
// test/integration/gdpr.test.ts).
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { createMemoryFeedbackStore } from '#adapters/memory-feedback-store';
import { createMemoryPersonalData } from '#adapters/memory-personal-data';
import { createMemoryReferralStore } from '#adapters/memory-referral-store';
import { hashEmail } from '#adapters/dynamo-personal-data';
import { suppressionsFrom } from '#core/delivery/feedback';
import { eraseCustomer, exportCustomer, type GdprDeps } from '#core/gdpr';
import { makeProfile, publishExampleNewsletter } from './delivery-fixtures';

const now = new Date('2026-12-02T00:00:00Z');
const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
const pausedOccurrence = 'newsletter-monthly:2026-12-15T08:00Z';

const setup = async (complain: boolean) => {
  const customers = createMemoryStore();
  const delivery = createMemoryDeliveryStore();
  const clicks = createMemoryClickStore();
  const feedback = createMemoryFeedbackStore();
  const personal = createMemoryPersonalData({ customers, delivery, clicks, feedback });
  await delivery.putCampaign(await publishExampleNewsletter());
  await delivery.createOccurrence({ occurrenceId, campaignId: 'newsletter-monthly', scheduledAt: '2026-12-01T08:00:00.000Z', state: 'running', totalSegments: 1, createdAt: '2026-12-01T08:00:00.000Z', stats: {} });
  const profile = makeProfile(9, { customerId: 'c-9', email: 'nine@example.org' });
  await customers.applyAtomically('c-9', 'seed', () => ({ profile, ownEvents: [] }));
  await customers.appendEvents('c-9', [{ eventId: 'o1', origin: 'shop', type: 'OrderPlaced', at: '2026-11-01T00:00:00.000Z', detail: { orderId: 'o1' } }]);
  await delivery.claim({ occurrenceId, customerId: 'c-9' }, 'owner', Date.parse('2026-12-01T08:00:01Z'), 60_000, 'sending');
  await delivery.transition({ occurrenceId, customerId: 'c-9' }, { states: ['sending'] }, { state: 'sent', messageId: 'ses-9', atMs: Date.parse('2026-12-01T08:00:02Z') });
  await clicks.recordClick({ occurrenceId, customerId: 'c-9', campaignId: 'newsletter-monthly', link: 2, atMs: Date.parse('2026-12-01T09:00:00Z') });
  await feedback.addSoftBounce('c-9', 'k1', 0);
  await customers.putRejection({ key: 'r1', receivedAt: '2026-12-01T10:00:00.000Z', reason: 'x', body: '{"customerId":"c-9"}' });
  await delivery.pauseOccurrence(pausedOccurrence, 'paused by a person', 'person', 0);
  await delivery.holdWork({ occurrenceId: pausedOccurrence, campaignId: 'newsletter-monthly', customerIds: ['c-1', 'c-9'], hop: 0 }, 'shared');
  await delivery.holdWork({ occurrenceId: pausedOccurrence, campaignId: 'newsletter-monthly', customerIds: ['c-9'], hop: 0 }, 'alone');
  for (const customerId of ['c-9', 'c-1']) {
    await delivery.putDueDelivery({ deliveryId: `xmas:2026#${customerId}`, dueAt: '2026-12-24T09:00:00.000Z', occurrenceId: 'xmas:2026', campaignId: 'xmas', customerId });
    await delivery.putDueDelivery({ deliveryId: `welcome:${customerId}:first`, dueAt: '2026-12-24T09:00:00.000Z', occurrenceId: `welcome:${customerId}:first`, campaignId: 'welcome', customerId });
  }
  if (complain) await suppressionsFrom(customers).suppress('c-9', { reason: 'complaint', at: '2026-12-01T12:00:00.000Z' }, 'k2');
  const deps: GdprDeps = { customers, delivery, personal, hashEmail };
  return { customers, delivery, clicks, feedback, personal, deps };
};

describe('gdpr on the memory twins', () => {
  it('exports profile, consent, events, the mail with its campaign and dates, and the click', async () => {
    const t = await setup(true);
    const data = (await exportCustomer(t.deps, 'c-9', now))!;
    expect(data.profile.email).toBe('nine@example.org');
    expect(data.consent.status).toBe('withdrawn');
    expect(data.events.map((e) => e.type)).toEqual(['OrderPlaced', 'ConsentWithdrawn']);
    expect(data.mails).toEqual([{ occurrenceId, campaignId: 'newsletter-monthly', state: 'sent', claimedAt: '2026-12-01T08:00:01.000Z', updatedAt: '2026-12-01T08:00:02.000Z', messageId: 'ses-9' }]);
    expect(data.clicks).toEqual([{ occurrenceId, kind: 'click', link: 2, at: '2026-12-01T09:00:00.000Z' }]);
    expect(data.referrals).toEqual([]);
  });

  it('exports the customer\'s referral code and the referral that brought them', async () => {
    const t = await setup(false);
    const referrals = createMemoryReferralStore();
    await referrals.setCodeOf('c-9', 'ABCD2345');
    const referral = { friendId: 'c-9', referrerId: 'c-1', code: 'WXYZ2345', orderId: 'o1', orderAt: '2026-11-01T00:00:00.000Z', campaignId: 'referral-friends', catalogId: 'r', state: 'issued' as const, rewardId: 'p', issued: { kind: 'points' as const, rewardId: 'p', points: 100 } };
    await referrals.createReferral(referral);
    const data = (await exportCustomer({ ...t.deps, referrals }, 'c-9', now))!;
    expect(data.referrals).toEqual([{ kind: 'code', code: 'ABCD2345' }, { kind: 'referredBy', referral }]);
    await eraseCustomer({ ...t.deps, referrals }, 'c-9', now);
    expect((await exportCustomer({ ...t.deps, referrals }, 'c-9', now))?.referrals ?? []).toEqual([]);
    expect(await referrals.getReferral('c-9')).toBeUndefined();
  });

  it('erases profile, history, ledger, cap slots, clicks, soft-bounce run, rejections, held work and due deliveries, keeping a hashed record after a complaint', async () => {
    const t = await setup(true);
    const result = await eraseCustomer(t.deps, 'c-9', now);
    expect(result).toMatchObject({ found: true, rejectionsDeleted: 1, keptSuppression: true, heldWorkChanged: 2 });
    expect(await t.delivery.listHeldWork(pausedOccurrence)).toEqual([{ key: 'shared', work: expect.objectContaining({ customerIds: ['c-1'] }) }]);
    expect((await t.delivery.listDueDeliveries('2026-12-24T09:00')).items.map((d) => d.deliveryId).sort()).toEqual(['welcome:c-1:first', 'xmas:2026#c-1']);
    expect(await t.delivery.dueDeliveryIdsOf('c-9')).toEqual([]);
    expect(await t.customers.getProfile('c-9')).toBeUndefined();
    expect((await t.customers.listEvents('c-9')).items).toEqual([]);
    expect(await t.delivery.getLedger({ occurrenceId, customerId: 'c-9' })).toBeUndefined();
    expect(t.clicks.clicksOf('c-9', [occurrenceId])).toEqual([]);
    expect((await t.feedback.softBounceRuns(['c-9'])).size).toBe(0);
    expect((await t.customers.listRejections('2026-12-01')).items).toEqual([]);
    expect(await t.personal.getErasure(hashEmail(await t.personal.salt(), 'NINE@example.org'))).toEqual({ reason: 'complained', erasedAt: now.toISOString() });
    expect(await exportCustomer(t.deps, 'c-9', now)).toBeUndefined();
  });

  it('keeps nothing for a customer who never unsubscribed or complained', async () => {
    const t = await setup(false);
    expect((await eraseCustomer(t.deps, 'c-9', now)).keptSuppression).toBe(false);
    expect(await t.personal.getErasure(hashEmail(await t.personal.salt(), 'nine@example.org'))).toBeUndefined();
  });
});
