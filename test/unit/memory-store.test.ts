import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '#adapters/memory-store';
import { emptyProfile } from '#core/ingest';
import { customerStoreContract } from './store-contract';

customerStoreContract('memory', async () => createMemoryStore());

describe('memory store', () => {
  it('hands out copies, so changing a returned profile changes nothing stored', async () => {
    const store = createMemoryStore();
    await store.applyAtomically('c1', 'e1', () => ({ profile: emptyProfile('c1', '2026-01-01T00:00:00.000Z'), ownEvents: [] }));
    const copy = await store.getProfile('c1');
    copy!.points = 999;
    expect((await store.getProfile('c1'))?.points).toBe(0);
  });

  it('hands the delivery path its stored profiles without a copy each, frozen so that no reader can change them', async () => {
    const store = createMemoryStore();
    const written = { ...emptyProfile('c1', '2026-01-01T00:00:00.000Z'), birthday: '1990-07-04', attributes: { plan: 'gold' } };
    const applied = await store.applyAtomically('c1', 'e1', () => ({ profile: written, ownEvents: [] }));
    const [read] = (await store.getProfiles(['c1'])).values();
    expect((await store.getProfiles(['c1'])).get('c1')).toBe(read);
    expect((await store.scanProfiles(0, 1)).items[0]).toBe(read);
    expect((await store.findByBirthday('07-04')).items[0]).toBe(read);
    expect(() => {
      read!.attributes.plan = 'none';
    }).toThrow(TypeError);
    // The writer's own objects are neither frozen nor shared with the store.
    written.attributes.plan = 'silver';
    applied.profile!.points = 5;
    expect((await store.getProfile('c1'))?.attributes).toEqual({ plan: 'gold' });
    expect((await store.getProfile('c1'))?.points).toBe(0);
  });
});
