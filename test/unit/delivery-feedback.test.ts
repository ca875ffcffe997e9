import { describe, expect, it } from 'vitest';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryFeedbackStore } from '#adapters/memory-feedback-store';
import { createMemoryStore } from '#adapters/memory-store';
import { classifyBounce, handleSesEvent, suppressionsFrom } from '#core/delivery/feedback';
import { makeProfile } from './delivery-fixtures';
import { PROFILE_ITEM_LIMIT_BYTES, itemBytes } from '#core/store';
import { feedbackScenarios } from './feedback-scenarios';
import { sesEvent } from './ses-events';

feedbackScenarios('memory', async () => ({ delivery: createMemoryDeliveryStore(), customers: createMemoryStore(), feedback: createMemoryFeedbackStore() }));

const key = { occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', customerId: 'c00001' };
const at = new Date('2026-12-01T08:05:00Z');

describe('delivery: feedback', () => {
  it('classifies a Transient bounce by its 5.x.x status or diagnostic, and a 4.x.x one as transient', () => {
    const bounce = (status: string, diagnosticCode: string) => ({ bounceType: 'Transient', bouncedRecipients: [{ status, diagnosticCode }] });
    expect(classifyBounce(bounce('4.0.0', 'smtp; 550 5.7.1 blocked'))).toBe('permanent');
    expect(classifyBounce(bounce('5.1.1', ''))).toBe('permanent');
    expect(classifyBounce(bounce('4.2.2', 'smtp; 452 4.2.2 over quota'))).toBe('transient');
    expect(classifyBounce(bounce('4.4.7', 'smtp; 421 try again, ref 15.2.1'))).toBe('transient');
    expect(classifyBounce({ bounceType: 'Permanent', bouncedRecipients: [] })).toBe('permanent');
    expect(classifyBounce({ bounceType: 'Undetermined', bouncedRecipients: [] })).toBe('transient');
  });

  it('fails, rather than drops, a suppression the store refuses for the item limit', async () => {
    const store = createMemoryDeliveryStore();
    const customers = createMemoryStore();
    const base = makeProfile(1);
    const filler = PROFILE_ITEM_LIMIT_BYTES - itemBytes({ profile: { ...base, attributes: { blob: '' } }, version: 1, applied: [{ id: 'seed', own: [] }] }) - 10;
    await customers.applyAtomically('c00001', 'seed', () => ({ profile: { ...base, attributes: { blob: 'x'.repeat(filler) } }, ownEvents: [] }));
    const deps = { store, suppressions: suppressionsFrom(customers), feedback: createMemoryFeedbackStore() };
    await expect(handleSesEvent(deps, sesEvent('bounce-permanent', key).detail, at)).rejects.toThrow(/suppression of customer c00001 not stored: profile: customer c00001: the profile would take/);
  });

  it('rejects a detail without mail, naming the field', async () => {
    const deps = { store: createMemoryDeliveryStore(), suppressions: suppressionsFrom(createMemoryStore()), feedback: createMemoryFeedbackStore() };
    const bad = await handleSesEvent(deps, { eventType: 'Bounce' }, at);
    expect(bad.handled === false && bad.reason).toMatch(/^detail\.mail: /);
  });
});
