import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '#adapters/memory-store';
import { emptyProfile } from '#core/ingest';
import { APPLIED_WINDOW } from '#core/store';
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

  it(`forgets event ids older than the last ${APPLIED_WINDOW} applied to a customer`, async () => {
    const store = createMemoryStore();
    const bump = () => (p: ReturnType<typeof emptyProfile> | undefined) => ({ profile: { ...(p ?? emptyProfile('c1', '2026-01-01T00:00:00.000Z')), points: (p?.points ?? 0) + 1 }, ownEvents: [] });
    for (let i = 0; i <= APPLIED_WINDOW; i++) await store.applyAtomically('c1', `e${i}`, bump());
    expect((await store.applyAtomically('c1', `e${APPLIED_WINDOW}`, bump())).status).toBe('duplicate');
    expect((await store.applyAtomically('c1', 'e0', bump())).status).toBe('applied');
  });
});
