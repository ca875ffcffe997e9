// The CustomerStore contract, one suite for both stores: memory (test/unit/memory-store.test.ts)
// and DynamoDB on dynalite (test/integration/dynamo-store.test.ts).
import { describe, expect, it } from 'vitest';
import { emptyProfile, type OwnEvent } from '#core/ingest';
import type { Profile } from '#core/profile';
import { PROFILE_ITEM_LIMIT_BYTES, type CustomerStore, type ProfileMutation } from '#core/store';

const AT = '2026-03-01T10:00:00.000Z';

const registered = (customerId: string, patch: Partial<Profile> = {}): Profile => ({
  ...emptyProfile(customerId, AT),
  placeholder: undefined,
  email: `${customerId}@shop.example`,
  locale: 'de-DE',
  timeZone: 'Europe/Berlin',
  ...patch,
});

/** A mutation that adds `points` to the profile (creating it when missing). */
const addPoints =
  (customerId: string, points: number, own: OwnEvent[] = []): ProfileMutation =>
  (current) => ({ profile: { ...(current ?? registered(customerId)), points: (current?.points ?? 0) + points }, ownEvents: own });

export const customerStoreContract = (name: string, createStore: () => Promise<CustomerStore>): void => {
  describe(`customer store contract: ${name}`, () => {
    it('answers undefined for a customer it does not know', async () => {
      const store = await createStore();
      expect(await store.getProfile('nobody')).toBeUndefined();
    });

    it('reads many profiles at once, leaving out unknown ids, past the 100-key BatchGet limit', async () => {
      const store = await createStore();
      const ids = Array.from({ length: 130 }, (_, i) => `b${i}`);
      await Promise.all(ids.map((id, i) => store.applyAtomically(id, `e-${id}`, addPoints(id, i))));
      const found = await store.getProfiles([...ids, 'nobody', 'b7']);
      expect(found.size).toBe(130);
      expect(found.has('nobody')).toBe(false);
      expect(found.get('b129')?.points).toBe(129);
      expect(found.get('b7')?.customerId).toBe('b7');
    });

    it('creates a profile on the first applied event and returns it', async () => {
      const store = await createStore();
      const outcome = await store.applyAtomically('c1', 'e1', addPoints('c1', 5));
      expect(outcome.status).toBe('applied');
      expect((await store.getProfile('c1'))?.points).toBe(5);
    });

    it('applies an event id once and answers a replay as duplicate with the own events of the first time', async () => {
      const store = await createStore();
      const own: OwnEvent[] = [{ type: 'TierChanged', id: 'e1#TierChanged', customerId: 'c1', from: 'bronze', to: 'silver', at: AT, causeEventId: 'e1' }];
      await store.applyAtomically('c1', 'e1', addPoints('c1', 5, own));
      const replay = await store.applyAtomically('c1', 'e1', addPoints('c1', 5));
      expect(replay.status).toBe('duplicate');
      expect(replay.status === 'duplicate' && replay.ownEvents).toEqual(own);
      expect((await store.getProfile('c1'))?.points).toBe(5);
    });

    it('still knows an event id applied before 150 newer events of the same customer, with its own events', async () => {
      const store = await createStore();
      const own: OwnEvent[] = [{ type: 'TierChanged', id: 'e0#TierChanged', customerId: 'c1', from: 'bronze', to: 'silver', at: AT, causeEventId: 'e0' }];
      await store.applyAtomically('c1', 'e0', addPoints('c1', 1, own));
      for (let i = 1; i <= 150; i++) await store.applyAtomically('c1', `e${i}`, addPoints('c1', 1));
      const replay = await store.applyAtomically('c1', 'e0', addPoints('c1', 1));
      expect(replay.status).toBe('duplicate');
      expect(replay.status === 'duplicate' && replay.ownEvents).toEqual(own);
      expect((await store.applyAtomically('c1', 'e150', addPoints('c1', 1))).status).toBe('duplicate');
      expect((await store.getProfile('c1'))?.points).toBe(151);
    });

    it('rejects a profile that would outgrow the item limit, writing nothing and remembering no event id', async () => {
      const store = await createStore();
      await store.applyAtomically('c1', 'e1', addPoints('c1', 1));
      const huge: ProfileMutation = (current) => ({ profile: { ...current!, attributes: { blob: 'x'.repeat(PROFILE_ITEM_LIMIT_BYTES) } }, ownEvents: [] });
      const outcome = await store.applyAtomically('c1', 'e2', huge);
      expect(outcome.status).toBe('rejected');
      expect(outcome.status === 'rejected' && outcome.reason).toMatch(/customer c1: the profile would take \d+ bytes, over the 389120-byte limit/);
      expect((await store.getProfile('c1'))?.attributes).toEqual({});
      expect((await store.applyAtomically('c1', 'e2', addPoints('c1', 1))).status).toBe('applied');
    });

    it('applies the same event id delivered 5 times concurrently exactly once', async () => {
      const store = await createStore();
      await store.applyAtomically('c1', 'e0', addPoints('c1', 1));
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.applyAtomically('c1', 'e1', addPoints('c1', 10))));
      expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(4);
      expect((await store.getProfile('c1'))?.points).toBe(11);
    });

    it('loses no update when different events for one customer apply concurrently', async () => {
      const store = await createStore();
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.applyAtomically('c1', `e${i}`, addPoints('c1', 1))));
      expect((await store.getProfile('c1'))?.points).toBe(8);
    });

    it('writes nothing and remembers no event id when the mutation returns undefined', async () => {
      const store = await createStore();
      const skipped = await store.applyAtomically('c1', 'e1', () => undefined);
      expect(skipped.status).toBe('unchanged');
      expect(await store.getProfile('c1')).toBeUndefined();
      expect((await store.applyAtomically('c1', 'e1', addPoints('c1', 3))).status).toBe('applied');
    });

    it('finds a profile by email regardless of case, and no longer by an old address', async () => {
      const store = await createStore();
      await store.applyAtomically('c1', 'e1', () => ({ profile: registered('c1', { email: 'Anna.Berg@Shop.example' }), ownEvents: [] }));
      expect((await store.findByEmail('anna.berg@shop.example'))?.customerId).toBe('c1');
      await store.applyAtomically('c1', 'e2', (p) => ({ profile: { ...p!, email: 'anna@new.example' }, ownEvents: [] }));
      expect(await store.findByEmail('anna.berg@shop.example')).toBeUndefined();
      expect((await store.findByEmail('ANNA@new.example'))?.customerId).toBe('c1');
    });

    it('does not find placeholders (no email) by email', async () => {
      const store = await createStore();
      await store.applyAtomically('c1', 'e1', () => ({ profile: emptyProfile('c1', AT), ownEvents: [] }));
      expect(await store.findByEmail('')).toBeUndefined();
      expect((await store.getProfile('c1'))?.placeholder).toBe(true);
    });

    it('finds profiles by birthday month and day, with or without a birth year', async () => {
      const store = await createStore();
      await store.applyAtomically('c1', 'e1', () => ({ profile: registered('c1', { birthday: '1990-03-14' }), ownEvents: [] }));
      await store.applyAtomically('c2', 'e1', () => ({ profile: registered('c2', { birthday: '--03-14' }), ownEvents: [] }));
      await store.applyAtomically('c3', 'e1', () => ({ profile: registered('c3', { birthday: '1990-03-15' }), ownEvents: [] }));
      const page = await store.findByBirthday('03-14');
      expect(page.items.map((p) => p.customerId).sort()).toEqual(['c1', 'c2']);
    });

    it('finds a profile by birthday only under its current birthday once it changed or was removed', async () => {
      const store = await createStore();
      await store.applyAtomically('c1', 'e1', () => ({ profile: registered('c1', { birthday: '1990-03-14' }), ownEvents: [] }));
      await store.applyAtomically('c2', 'e1', () => ({ profile: registered('c2', { birthday: '1991-03-14' }), ownEvents: [] }));
      await store.applyAtomically('c1', 'e2', (p) => ({ profile: { ...p!, birthday: '1990-04-01' }, ownEvents: [] }));
      await store.applyAtomically('c2', 'e2', (p) => {
        const { birthday: _dropped, ...rest } = p!;
        return { profile: rest, ownEvents: [] };
      });
      expect((await store.findByBirthday('03-14')).items).toEqual([]);
      expect((await store.findByBirthday('04-01')).items.map((p) => p.customerId)).toEqual(['c1']);
    });

    it('keeps the event history ordered by time and replaces a record written twice', async () => {
      const store = await createStore();
      await store.appendEvents('c1', [
        { eventId: 'b', origin: 'shop', type: 'OrderPlaced', at: '2026-03-02T00:00:00.000Z', detail: { n: 2 } },
        { eventId: 'a', origin: 'shop', type: 'CustomerRegistered', at: '2026-03-01T00:00:00.000Z', detail: { n: 1 } },
      ]);
      await store.appendEvents('c1', [{ eventId: 'b', origin: 'shop', type: 'OrderPlaced', at: '2026-03-02T00:00:00.000Z', detail: { n: 2 } }]);
      const page = await store.listEvents('c1');
      expect(page.items.map((r) => r.eventId)).toEqual(['a', 'b']);
      expect(page.items[1]).toEqual({ eventId: 'b', origin: 'shop', type: 'OrderPlaced', at: '2026-03-02T00:00:00.000Z', detail: { n: 2 } });
    });

    it('pages the event history with a cursor', async () => {
      const store = await createStore();
      await store.appendEvents('c1', Array.from({ length: 5 }, (_, i) => ({ eventId: `e${i}`, origin: 'shop' as const, type: 'NpsSubmitted', at: `2026-03-0${i + 1}T00:00:00.000Z`, detail: {} })));
      const first = await store.listEvents('c1', { limit: 3 });
      expect(first.items.map((r) => r.eventId)).toEqual(['e0', 'e1', 'e2']);
      const rest = await store.listEvents('c1', { limit: 3, cursor: first.cursor! });
      expect(rest.items.map((r) => r.eventId)).toEqual(['e3', 'e4']);
    });

    it('keeps a rejection by day with its reason and body, counting redeliveries as attempts', async () => {
      const store = await createStore();
      const rejection = { key: 'ev-9', eventId: 'ev-9', detailType: 'OrderPlaced', receivedAt: '2026-03-01T08:00:00.000Z', reason: 'detail.totalCents: Invalid input', body: '{"id":"ev-9"}' };
      await store.putRejection(rejection);
      await store.putRejection({ ...rejection, receivedAt: '2026-03-01T08:05:00.000Z' });
      const page = await store.listRejections('2026-03-01');
      expect(page.items).toEqual([{ ...rejection, receivedAt: '2026-03-01T08:05:00.000Z', attempts: 2 }]);
      expect((await store.listRejections('2026-03-02')).items).toEqual([]);
    });

    it('splits all profiles over parallel scan segments, each exactly once, across pages', async () => {
      const store = await createStore();
      const ids = Array.from({ length: 23 }, (_, i) => `cust-${i}`);
      for (const id of ids) await store.applyAtomically(id, 'e1', () => ({ profile: registered(id), ownEvents: [] }));
      await store.appendEvents('cust-0', [{ eventId: 'x', origin: 'shop', type: 'NpsSubmitted', at: AT, detail: {} }]);
      const seen: string[] = [];
      for (let segment = 0; segment < 3; segment++) {
        let cursor: string | undefined;
        do {
          const page = await store.scanProfiles(segment, 3, { limit: 4, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((p) => p.customerId));
          cursor = page.cursor;
        } while (cursor);
      }
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it('rejects a scan segment outside 0..totalSegments-1', async () => {
      const store = await createStore();
      await expect(store.scanProfiles(3, 3)).rejects.toThrow(/segment 3 of 3/);
    });
  });
};
