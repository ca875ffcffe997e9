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
    // What the writer wrote is stored as it is, frozen: neither the writer nor a reader can change it.
    expect(applied.profile).toBe(read);
    expect(() => {
      written.attributes.plan = 'silver';
    }).toThrow(TypeError);
    expect((await store.getProfile('c1'))?.attributes).toEqual({ plan: 'gold' });
  });

  it('gives a mutation the stored profile without a copy, frozen, so it builds the next one instead of changing it', async () => {
    const store = createMemoryStore();
    await store.applyAtomically('c1', 'e1', () => ({ profile: { ...emptyProfile('c1', '2026-01-01T00:00:00.000Z'), attributes: { plan: 'gold' } }, ownEvents: [] }));
    const [stored] = (await store.getProfiles(['c1'])).values();
    let seen: unknown;
    await expect(
      store.applyAtomically('c1', 'e2', (current) => {
        seen = current;
        current!.points = 7;
        return { profile: current!, ownEvents: [] };
      }),
    ).rejects.toThrow(TypeError);
    expect(seen).toBe(stored);
    const next = await store.applyAtomically('c1', 'e3', (current) => ({ profile: { ...current!, points: 7 }, ownEvents: [] }));
    expect(next.status).toBe('applied');
    expect((await store.getProfile('c1'))?.points).toBe(7);
    // The next profile shares what the mutation left unchanged.
    expect((await store.getProfiles(['c1'])).get('c1')?.attributes).toBe(stored!.attributes);
  });
});
