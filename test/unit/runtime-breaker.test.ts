// The reputation circuit breaker on the memory runtime, wired as on AWS: feedback's check trips it,
// send's gate holds marketing (transactional mail flows), tick resumes once it is lifted.
import { describe, expect, it } from 'vitest';
import { createRuntime, type SentMail } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { CONFIRMATION_CAMPAIGN_ID } from '#core/consent';
import { BREAKER_PAUSE_REASON, liftBreaker } from '#core/delivery/breaker';
import { exampleShop, makeProfile, publishExampleNewsletter, testSigningKey } from './delivery-fixtures';
import { sesEvent } from './ses-events';

const registered = {
  version: '0' as const, id: 'reg-1', source: 'shop', 'detail-type': 'CustomerRegistered', account: '0', region: 'local', resources: [], time: '2026-03-01T10:00:00Z',
  detail: {
    customerId: 'c-doi', email: 'doi@example.com', firstName: 'Anna', lastName: 'Müller', salutation: 'ms', formality: 'informal', locale: 'de-DE', timeZone: 'Europe/Berlin',
    consent: { marketing: true, at: '2026-03-01T10:00:00Z', source: 'checkout', ip: '203.0.113.7', text: 'Ja, Newsletter', textVersion: 'v1' },
  },
};

describe('circuit breaker on the memory runtime', () => {
  it('trips on bounce events, holds the newsletter while the confirmation mail flows, and resumes it after resume', async () => {
    const clock = new SimClock(new Date('2026-03-01T10:00:00Z'));
    const sent: SentMail[] = [];
    const runtime = await createRuntime({
      clock, backend: 'memory', idNamespace: 'breaker', shop: await exampleShop(), from: 'news@shop.example', unsubscribeBaseUrl: 'https://shop.example',
      keyRing: { current: testSigningKey, accepted: [testSigningKey] }, doubleOptIn: true, logLevel: 'ERROR', onSent: (s) => sent.push(s),
    });
    try {
      const audience = { rule: { type: 'tier' as const, in: ['bronze' as const, 'silver' as const, 'gold' as const] } };
      await runtime.publish({ campaigns: [await publishExampleNewsletter({ id: 'nl', audience, schedule: { type: 'once', at: '2026-03-01T10:05:00Z' } })], segments: [], rewardCatalogs: [] });
      for (const i of [1, 2]) await runtime.customers.applyAtomically(`c0000${i}`, 'seed', () => ({ profile: makeProfile(i), ownEvents: [] }));
      // 480 earlier mails delivered, then 21 permanent bounces: 4.19% of 501, above the 4% limit.
      await runtime.feedback.addReputation('2026-03-01T09', 0, { sends: 480, bounces: 0, complaints: 0 });
      const bounces = Array.from({ length: 21 }, (_, i) => sesEvent('bounce-permanent', { occurrenceId: 'old:2026-03-01T09:00Z', customerId: `gone${i}` }, { time: '2026-03-01T10:00:10Z' }));
      expect(await runtime.sesFeedback(bounces)).toEqual({ batchItemFailures: [] });
      expect(await runtime.breaker.getBreaker()).toMatchObject({ state: 'tripped', reason: expect.stringMatching(/^bounce rate 4\.19% \(21 of 501 mails\)/) });

      await runtime.bus.publish(registered);
      for (const minute of ['10:00', '10:01', '10:05', '10:06']) {
        await clock.advanceTo(Date.parse(`2026-03-01T${minute}:00Z`));
        await runtime.settle();
        await runtime.tick();
        await runtime.settle();
      }
      expect(sent.map((s) => s.campaignId)).toEqual([CONFIRMATION_CAMPAIGN_ID]);
      const [occurrence] = await runtime.delivery.listOccurrences('nl');
      expect(occurrence).toMatchObject({ state: 'paused', pausedReason: BREAKER_PAUSE_REASON });
      expect((await runtime.delivery.listPausedOccurrences()).map((m) => m.cause)).toEqual(['breaker']);

      // A person lifts it (`stammkunde resume --breaker`): the next tick resumes the newsletter.
      expect(await liftBreaker(runtime.breaker, clock.now())).toBe(true);
      for (const minute of ['10:08', '10:09']) {
        await clock.advanceTo(Date.parse(`2026-03-01T${minute}:00Z`));
        await runtime.tick();
        await runtime.settle();
      }
      expect(sent.filter((s) => s.campaignId === 'nl').map((s) => s.customerId).sort()).toEqual(['c00001', 'c00002']);
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});
