import { describe, expect, it } from 'vitest';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryStore } from '#adapters/memory-store';
import { handleSesEvent, suppressionsFrom } from '#core/delivery/feedback';
import { encodeLedgerTag } from '#core/delivery/send';
import { makeProfile } from './delivery-fixtures';
import { PROFILE_ITEM_LIMIT_BYTES, itemBytes } from '#core/store';

const key = { occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', customerId: 'c00001' };
const at = new Date('2026-12-01T08:05:00Z');
const detail = (eventType: string, extra: object = {}) => ({ eventType, mail: { messageId: 'ses-1', tags: { ledger: [encodeLedgerTag(key)] } }, ...extra });

const setup = async () => {
  const store = createMemoryDeliveryStore();
  const customers = createMemoryStore();
  await customers.applyAtomically('c00001', 'seed', () => ({ profile: makeProfile(1), ownEvents: [] }));
  return { store, customers, deps: { store, suppressions: suppressionsFrom(customers) } };
};

describe('delivery: feedback', () => {
  it('suppresses the customer on a permanent bounce and counts it on the occurrence', async () => {
    const { store, customers, deps } = await setup();
    const result = await handleSesEvent(deps, 'ev-1', detail('Bounce', { bounce: { bounceType: 'Permanent' } }), at);
    expect(result).toMatchObject({ handled: true, suppressed: true });
    expect((await customers.getProfile('c00001'))?.suppression).toEqual({ reason: 'bounce', at: at.toISOString() });
    expect(store.occurrences.get(key.occurrenceId)).toMatchObject({ stats: { bounced: 1 } });
  });

  it('keeps a transient bounce from suppressing', async () => {
    const { customers, deps } = await setup();
    await handleSesEvent(deps, 'ev-2', detail('Bounce', { bounce: { bounceType: 'Transient' } }), at);
    expect((await customers.getProfile('c00001'))?.suppression).toBeUndefined();
  });

  it('fails, rather than drops, a suppression the store refuses for the item limit', async () => {
    const store = createMemoryDeliveryStore();
    const customers = createMemoryStore();
    const base = makeProfile(1);
    const filler = PROFILE_ITEM_LIMIT_BYTES - itemBytes({ profile: { ...base, attributes: { blob: '' } }, version: 1, applied: [{ id: 'seed', own: [] }] }) - 10;
    await customers.applyAtomically('c00001', 'seed', () => ({ profile: { ...base, attributes: { blob: 'x'.repeat(filler) } }, ownEvents: [] }));
    const deps = { store, suppressions: suppressionsFrom(customers) };
    await expect(handleSesEvent(deps, 'ev-9', detail('Complaint'), at)).rejects.toThrow(/suppression of customer c00001 not stored: profile: customer c00001: the profile would take/);
  });

  it('suppresses on a complaint', async () => {
    const { customers, deps } = await setup();
    await handleSesEvent(deps, 'ev-3', detail('Complaint'), at);
    expect((await customers.getProfile('c00001'))?.suppression?.reason).toBe('complaint');
  });

  it('turns an uncertain ledger entry into sent when SES reports the send', async () => {
    const { store, deps } = await setup();
    await store.claim(key, 'o', 0, 1);
    await store.transition(key, { states: ['claimed'] }, { state: 'uncertain', atMs: 1 });
    await handleSesEvent(deps, 'ev-4', detail('Send'), at);
    expect(await store.getLedger(key)).toMatchObject({ state: 'sent', messageId: 'ses-1' });
  });

  it('ignores mail without the ledger tag and rejects a detail without mail, naming the field', async () => {
    const { deps } = await setup();
    expect(await handleSesEvent(deps, 'ev-5', { eventType: 'Bounce', mail: { messageId: 'x', tags: {} } }, at)).toEqual({ handled: false, reason: 'no ledger tag' });
    const bad = await handleSesEvent(deps, 'ev-6', { eventType: 'Bounce' }, at);
    expect(bad.handled === false && bad.reason).toMatch(/^detail\.mail: /);
  });
});
