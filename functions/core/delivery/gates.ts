// Send-time gates: checked per recipient just before the claim, so a customer who unsubscribes
// or bounces while an occurrence runs gets nothing more. Pure over the profile.
import type { Profile } from '#core/profile';
import { CONFIRMATION_TOPIC, confirmationStillWanted } from '#core/consent';

export type CapClass = 'marketing' | 'transactional';
export type GateVerdict = 'ok' | 'suppressed' | 'noConsent' | 'unsubscribed';

export interface GatedMail {
  topic: string;
  capClass: CapClass;
}

/**
 * Suppression (bounce/complaint/manual) stops every mail. Consent confirmed by double opt-in and
 * the topic subscription gate marketing mail only: a transactional mail (an order follow-up)
 * does not rely on marketing consent. A topic missing from the profile counts as subscribed.
 */
export const gateRecipient = (profile: Profile, mail: GatedMail): GateVerdict => {
  if (profile.suppression) return 'suppressed';
  // The double opt-in mail goes only while its request is pending: a confirmation or withdrawal
  // that arrived while it waited in a queue wins.
  if (mail.topic === CONFIRMATION_TOPIC) return confirmationStillWanted(profile) ? 'ok' : 'noConsent';
  if (mail.capClass === 'transactional') return 'ok';
  if (profile.consent.status !== 'confirmed') return 'noConsent';
  if (profile.topics[mail.topic] === false) return 'unsubscribed';
  return 'ok';
};
