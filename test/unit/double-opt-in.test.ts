import { describe, expect, it } from 'vitest';
import { createRuntime } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { runDoubleOptInScenario } from './double-opt-in-scenario';
import { exampleShop, makeProfile, publishExampleNewsletter, testSigningKey } from './delivery-fixtures';

describe('double opt-in on the memory runtime', () => {
  it('confirms through the mailed link, sends a newsletter, and after the one-click POST sends nothing more', async () => {
    await runDoubleOptInScenario('memory');
  }, 60_000);
});

describe('consent revoked wins over queued mail', () => {
  it('skips a newsletter already in the send queue when the customer withdrew consent meanwhile', async () => {
    const clock = new SimClock(new Date('2026-03-03T08:59:00Z'));
    const sent: string[] = [];
    const runtime = await createRuntime({ clock, backend: 'memory', shop: await exampleShop(), from: 'n@shop.example', unsubscribeBaseUrl: 'https://shop.example', keyRing: { current: testSigningKey, accepted: [testSigningKey] }, onSent: (s) => sent.push(s.customerId) });
    try {
      const audience = { rule: { type: 'tier' as const, in: ['bronze' as const, 'silver' as const, 'gold' as const] } };
      await runtime.publish({ campaigns: [await publishExampleNewsletter({ id: 'nl', audience, schedule: { type: 'once', at: '2026-03-03T09:00:00Z' } })], segments: [], rewardCatalogs: [] });
      for (const i of [1, 2]) await runtime.customers.applyAtomically(`c0000${i}`, 'seed', () => ({ profile: makeProfile(i), ownEvents: [] }));
      await clock.advanceTo(Date.parse('2026-03-03T09:00:00Z'));
      await runtime.tick();
      await runtime.queues.audience.drain({ advanceTime: false });
      expect(runtime.queues.send.size).toBeGreaterThan(0);
      // The shop reports the withdrawal while the send work waits in its queue.
      await runtime.bus.publish({ version: '0' as const, id: 'upd-1', source: 'shop', 'detail-type': 'CustomerUpdated', account: '0', region: 'local', resources: [], time: '2026-03-03T09:00:10Z', detail: { customerId: 'c00001', consent: { marketing: false, at: '2026-03-03T09:00:10Z', source: 'account-settings' } } });
      await runtime.queues.events.drain({ advanceTime: false });
      await runtime.settle();
      expect(sent).toEqual(['c00002']);
      expect((await runtime.delivery.listOccurrences('nl'))[0]?.stats.noConsent).toBe(1);
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});
