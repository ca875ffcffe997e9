// Triggered campaigns on the memory runtime: the customer endpoint's ConsentConfirmed goes on the
// in-process shop bus, comes back to ingest (routes.ownTriggerEvents) and starts its follow-up.
import { describe, expect, it } from 'vitest';
import { Campaign } from '#core/campaign';
import { compileCampaignTemplates } from '../../functions/compile/compile-template';
import { createRuntime, type SentMail } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { exampleShop, testSigningKey } from './delivery-fixtures';

describe('triggered campaigns: own events from the customer endpoint', () => {
  it('sends the ConsentConfirmed follow-up one hour after the double opt-in click, once', async () => {
    const clock = new SimClock(new Date('2026-03-01T10:00:00Z'));
    const sent: SentMail[] = [];
    const runtime = await createRuntime({
      clock, backend: 'memory', idNamespace: 'trg', shop: await exampleShop(), from: 'news@shop.example', unsubscribeBaseUrl: 'https://shop.example',
      keyRing: { current: testSigningKey, accepted: [testSigningKey] }, doubleOptIn: true, onSent: (s) => sent.push(s),
    });
    try {
      const campaign = Campaign.parse({
        kind: 'triggered', id: 'thanks-for-confirming', name: 'T', status: 'active', topic: 'newsletter', audience: { rule: { type: 'consent', status: 'confirmed' } },
        trigger: { event: 'ConsentConfirmed', delay: { hours: 1 } },
        template: { layout: 'greeting', defaultLocale: 'de', content: { de: { subject: 'Schön, dass {% if customer.formality == "informal" %}du{% else %}Sie{% endif %} dabei bist', preheader: '', blocks: [{ type: 'text', text: '{{ salutation }}' }] } } },
      });
      await runtime.publish({ campaigns: [{ campaign, segments: {}, template: await compileCampaignTemplates(campaign), publishedAt: '2026-03-01T00:00:00.000Z' }], segments: [], rewardCatalogs: [] });
      await runtime.bus.publish({
        version: '0', id: 'reg-1', source: 'shop', 'detail-type': 'CustomerRegistered', account: '0', region: 'local', resources: [], time: '2026-03-01T10:00:00Z',
        detail: { customerId: 'c-1', email: 'c1@example.com', firstName: 'Jana', formality: 'informal', locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: '2026-03-01T10:00:00Z', source: 'checkout' } },
      });
      await runtime.settle();
      expect(await runtime.confirmConsent('c-1')).toBe(true);
      await runtime.settle();
      for (const at of ['2026-03-01T10:01:00Z', '2026-03-01T11:01:00Z', '2026-03-01T12:00:00Z']) {
        await clock.advanceTo(Date.parse(at));
        await runtime.tick();
        await runtime.settle();
      }
      const follow = sent.filter((s) => s.campaignId === 'thanks-for-confirming');
      expect(follow.map((s) => [s.occurrenceId, s.mail.subject])).toEqual([['thanks-for-confirming:c-1:once', 'Schön, dass du dabei bist']]);
    } finally {
      await runtime.stop();
    }
  });
});
