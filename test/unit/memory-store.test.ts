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
});
