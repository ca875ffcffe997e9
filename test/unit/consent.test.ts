import { describe, expect, it } from 'vitest';
import { Campaign } from '#core/campaign';
import {
  changePreferences,
  confirmConsent,
  confirmationRequest,
  isProvenConfirmation,
  CONFIRMATION_TOPIC,
} from '#core/consent';
import { applyEvent } from '#core/ingest';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { gateRecipient } from '#core/delivery/gates';
import type { ShopEvent } from '#core/events';
import { aProfile } from '#test/fixtures/profile';

const registered = (consent: Record<string, unknown>, id = 'e1'): ShopEvent => ({
  id,
  time: '2026-03-01T10:00:00Z',
  type: 'CustomerRegistered',
  detail: { customerId: 'c1', email: 'a@example.com', locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: '2026-03-01T10:00:00Z', source: 'checkout', ...consent } },
} as ShopEvent);

const newsletter = (over: Record<string, unknown>) => ({
  id: 'n1', name: 'N', status: 'active', topic: 'newsletter', kind: 'newsletter',
  schedule: { type: 'once', at: '2026-12-01T09:00:00Z' },
  audience: { rule: { type: 'all', rules: [{ type: 'tier', in: ['bronze'] }] } },
  template: { layout: 'newsletter', defaultLocale: 'de', content: { de: { subject: 's', preheader: 'p', blocks: [{ type: 'text', text: 't' }] } } },
  ...over,
});

describe('consent: migration', () => {
  it('confirms an imported consent only with confirmedAt, source and an ip or proof reference', () => {
    const withProof = applyEvent(undefined, registered({ status: 'confirmed', confirmedAt: '2025-01-02T00:00:00Z', proofRef: 'klaviyo:123' }), defaultLoyaltyConfig);
    expect(withProof.profile.consent.status).toBe('confirmed');
    expect(withProof.profile.consent.confirmation).toMatchObject({ method: 'imported', proofRef: 'klaviyo:123', source: 'checkout' });
    expect(withProof.ownEvents.map((e) => e.type)).toContain('ConsentConfirmed');
  });

  it('keeps a "confirmed" claim without ip or proof reference pending', () => {
    const claim = applyEvent(undefined, registered({ status: 'confirmed', confirmedAt: '2025-01-02T00:00:00Z' }), defaultLoyaltyConfig);
    expect(claim.profile.consent.status).toBe('pending');
    expect(isProvenConfirmation({ marketing: true, at: '2026-01-01T00:00:00Z', source: 's', status: 'confirmed' })).toBe(false);
  });
});

describe('consent: double opt-in', () => {
  const pending = applyEvent(undefined, registered({ text: 'Ja, Newsletter', textVersion: 'v3' }), defaultLoyaltyConfig);

  it('asks for one confirmation mail per consent request, with a deterministic occurrence', () => {
    const request = confirmationRequest(pending.profile, pending.ownEvents, new Date('2026-03-01T10:00:05Z'));
    expect(request?.occurrenceId).toBe('system_consent-confirmation:c1:2026-03-01T10:00:00.000Z');
    const again = applyEvent(pending.profile, registered({}, 'e2'), defaultLoyaltyConfig);
    expect(confirmationRequest(again.profile, again.ownEvents, new Date())).toBeUndefined();
  });

  it('records time, ip, user agent, wording, version, source and token id when confirmed', () => {
    const out = confirmConsent(pending.profile, { requestAt: '2026-03-01T10:00:00.000Z', at: new Date('2026-03-02T08:00:00Z'), ip: '203.0.113.9', userAgent: 'UA', tokenId: 'tok1' });
    expect(out.kind).toBe('confirmed');
    if (out.kind !== 'confirmed') return;
    expect(out.profile.consent).toMatchObject({
      status: 'confirmed',
      confirmedAt: '2026-03-02T08:00:00.000Z',
      confirmation: { method: 'double-opt-in', ip: '203.0.113.9', userAgent: 'UA', tokenId: 'tok1', text: 'Ja, Newsletter', textVersion: 'v3', source: 'checkout' },
    });
    expect(out.event.type).toBe('ConsentConfirmed');
    expect(confirmConsent(out.profile, { requestAt: '2026-03-01T10:00:00.000Z', at: new Date(), tokenId: 'tok1' }).kind).toBe('already');
  });

  it('rejects a link of an older consent request', () => {
    expect(confirmConsent(pending.profile, { requestAt: '2026-02-01T00:00:00.000Z', at: new Date(), tokenId: 't' }).kind).toBe('void');
  });

  it('stops the queued confirmation mail once consent is confirmed or withdrawn', () => {
    const mail = { topic: CONFIRMATION_TOPIC, capClass: 'transactional' as const };
    expect(gateRecipient(pending.profile, mail)).toBe('ok');
    expect(gateRecipient({ ...pending.profile, consent: { status: 'withdrawn' } }, mail)).toBe('noConsent');
  });
});

describe('consent: preferences', () => {
  const confirmed = aProfile({ customerId: 'c1', consent: { status: 'confirmed' }, topics: {} });

  it('turns one topic off and is a no-op the second time', () => {
    const once = changePreferences(confirmed, { kind: 'topicOff', topic: 'newsletter' }, new Date('2026-03-03T00:00:00Z'), 'one-click', 'u1');
    expect(once?.profile.topics.newsletter).toBe(false);
    expect(changePreferences(once!.profile, { kind: 'topicOff', topic: 'newsletter' }, new Date(), 'one-click', 'u1')).toBeUndefined();
    expect(gateRecipient(once!.profile, { topic: 'newsletter', capClass: 'marketing' })).toBe('unsubscribed');
  });

  it('withdraws consent on "unsubscribe from all", which stops every marketing mail', () => {
    const out = changePreferences(confirmed, { kind: 'all' }, new Date('2026-03-03T00:00:00Z'), 'preference-centre', 'p1');
    expect(out?.profile.consent.status).toBe('withdrawn');
    expect(gateRecipient(out!.profile, { topic: 'other', capClass: 'marketing' })).toBe('noConsent');
  });

  it('ignores a shop consent older than the customer\'s own withdrawal', () => {
    const withdrawn = changePreferences(applyEvent(undefined, registered({}), defaultLoyaltyConfig).profile, { kind: 'all' }, new Date('2026-03-05T00:00:00Z'), 'p', 'x')!.profile;
    const late = applyEvent(withdrawn, { ...registered({ at: '2026-03-04T00:00:00Z' }, 'e9'), type: 'CustomerUpdated' } as ShopEvent, defaultLoyaltyConfig);
    expect(late.profile.consent.status).toBe('withdrawn');
  });
});

describe('consent: transactional rule', () => {
  it('rejects capClass "transactional" on a newsletter, naming the field', () => {
    const parsed = Campaign.safeParse(newsletter({ capClass: 'transactional' }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['capClass']);
  });

  it('rejects capClass "transactional" on a trigger that is no order event', () => {
    const triggered = { ...newsletter({ capClass: 'transactional', kind: 'triggered', trigger: { event: 'TierChanged' } }) } as Record<string, unknown>;
    delete triggered.schedule;
    expect(Campaign.safeParse(triggered).success).toBe(false);
  });

  it('allows capClass "transactional" for an order follow-up in the transactional layout', () => {
    const triggered = { ...newsletter({ capClass: 'transactional', kind: 'triggered', trigger: { event: 'OrderPlaced', delay: { days: 3 } } }) } as Record<string, unknown>;
    delete triggered.schedule;
    triggered.template = { ...(triggered.template as object), layout: 'transactional' };
    expect(Campaign.safeParse(triggered).success).toBe(true);
  });

  it('rejects an order follow-up in a layout with the "you agreed" footer, naming template.layout', () => {
    const triggered = { ...newsletter({ capClass: 'transactional', kind: 'triggered', trigger: { event: 'OrderPlaced' } }) } as Record<string, unknown>;
    delete triggered.schedule;
    expect(Campaign.safeParse(triggered).error?.issues.map((i) => i.path.join('.'))).toEqual(['template.layout']);
  });

  it('rejects marketing mail in the transactional layout, which has no unsubscribe links', () => {
    const parsed = Campaign.safeParse(newsletter({ template: { layout: 'transactional', defaultLocale: 'de', content: { de: { subject: 's', preheader: 'p', blocks: [{ type: 'text', text: 't' }] } } } }));
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['template.layout']);
  });
});

describe('consent: a changed email address', () => {
  it('asks the new address in a new request, and voids the old confirm link', () => {
    const pending = applyEvent(undefined, registered({}), defaultLoyaltyConfig).profile;
    const confirmed = confirmConsent(pending, { requestAt: '2026-03-01T10:00:00.000Z', at: new Date('2026-03-01T11:00:00Z'), tokenId: 't1' });
    if (confirmed.kind !== 'confirmed') throw new Error('not confirmed');
    const moved = applyEvent(confirmed.profile, { id: 'e5', time: '2026-04-01T09:00:00Z', type: 'CustomerUpdated', detail: { customerId: 'c1', email: 'new@example.com' } } as ShopEvent, defaultLoyaltyConfig);
    const request = confirmationRequest(moved.profile, moved.ownEvents, new Date('2026-04-01T09:00:01Z'));
    expect(request?.occurrenceId).toBe('system_consent-confirmation:c1:2026-04-01T09:00:00.000Z');
    expect(confirmConsent(moved.profile, { requestAt: '2026-03-01T10:00:00.000Z', at: new Date(), tokenId: 't1' }).kind).toBe('void');
    expect(confirmConsent(moved.profile, { requestAt: '2026-04-01T09:00:00.000Z', at: new Date(), tokenId: 't2' }).kind).toBe('confirmed');
  });
});
