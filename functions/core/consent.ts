// Consent for marketing mail, the rules nobody can bypass (pure: times and proof are passed in).
// - Consent given in a shop event is `pending` until the customer clicks the double opt-in link;
//   a list migrated from another provider may arrive `confirmed`, but only with its proof.
// - The confirm link binds to one consent request (the pending proof's time): a newer request,
//   a withdrawal or an erased customer make older links void; a replayed link changes nothing.
// - Unsubscribing (a topic, or everything) takes effect at once: the send gate re-reads the profile
//   right before each mail (core/delivery/gates.ts), so queued mail is stopped too.
// - `capClass: "transactional"` belongs only to triggered campaigns on order events; the one
//   built-in exception is the confirmation mail itself, which is no campaign a marketer writes.
// Why there is no reminder for an unconfirmed opt-in: German courts treat a mail that asks again
// for consent as advertising sent without consent (UWG §7); so one confirmation mail per request.
import type { ConsentProof } from '#core/events';
import type { OwnEvent } from '#core/ingest';
import type { Consent, ConsentConfirmation, Profile } from '#core/profile';

/** The built-in confirmation campaign; the underscore keeps it apart from every marketer's slug (and SES tags keep it as is). */
export const CONFIRMATION_CAMPAIGN_ID = 'system_consent-confirmation';
/** Its topic: not a subscription anyone can turn on or off. */
export const CONFIRMATION_TOPIC = 'consent-confirmation';
/** How long a confirm link stays valid by default. */
export const DEFAULT_CONFIRM_TTL_DAYS = 7;
/** Trigger events that make an order follow-up: the only place `transactional` is allowed. */
export const ORDER_TRIGGER_EVENTS: readonly string[] = ['OrderPlaced', 'OrderRefunded', 'FirstOrderPlaced'];

/** The layout without the "you agreed" line and unsubscribe links: transactional mail only. */
export const TRANSACTIONAL_LAYOUT = 'transactional';

/**
 * A campaign's consent-class problems (the rule behind validate), each with its field:
 * transactional only on order-event triggers and with the transactional layout; marketing never
 * with that layout, which lacks the unsubscribe and preference links.
 */
export const capClassProblems = (campaign: {
  kind: string;
  capClass?: string;
  trigger?: { event?: string | undefined };
  template: { layout: string };
}): { path: string[]; message: string }[] => {
  const transactional = campaign.capClass === 'transactional';
  if (!transactional) {
    return campaign.template.layout === TRANSACTIONAL_LAYOUT
      ? [{ path: ['template', 'layout'], message: `"${TRANSACTIONAL_LAYOUT}" has no unsubscribe or preference links; marketing mail needs a layout with them` }]
      : [];
  }
  const problems: { path: string[]; message: string }[] = [];
  if (campaign.kind !== 'triggered' || !campaign.trigger || campaign.trigger.event === undefined || !ORDER_TRIGGER_EVENTS.includes(campaign.trigger.event)) {
    problems.push({ path: ['capClass'], message: `"transactional" is only allowed for triggered campaigns on order events (${ORDER_TRIGGER_EVENTS.join(', ')}); marketing mail needs consent, so use "marketing"` });
  } else if (campaign.template.layout !== TRANSACTIONAL_LAYOUT) {
    problems.push({ path: ['template', 'layout'], message: `transactional mail must use the "${TRANSACTIONAL_LAYOUT}" layout: it carries no "you agreed to receive this" footer` });
  }
  return problems;
};

/** A migrated confirmation counts only with its proof: when, where, and an IP or a record reference. */
export const isProvenConfirmation = (proof: ConsentProof): boolean =>
  proof.marketing && proof.status === 'confirmed' && proof.confirmedAt !== undefined && proof.source.length > 0 && (proof.ip !== undefined || proof.proofRef !== undefined);

/** The confirmed consent an imported, proven confirmation becomes. */
export const importedConsent = (proof: ConsentProof, proofAt: string): Consent => {
  const confirmedAt = new Date(proof.confirmedAt!).toISOString();
  const confirmation: ConsentConfirmation = { method: 'imported', at: confirmedAt, source: proof.source };
  if (proof.ip !== undefined) confirmation.ip = proof.ip;
  if (proof.text !== undefined) confirmation.text = proof.text;
  if (proof.textVersion !== undefined) confirmation.textVersion = proof.textVersion;
  if (proof.proofRef !== undefined) confirmation.proofRef = proof.proofRef;
  return { status: 'confirmed', proof: { ...proof, at: proofAt }, confirmedAt, confirmation };
};

/** Identifies the open consent request: its own time after an email change, else the proof's time. */
export const requestKeyOf = (consent: Consent): string | undefined => consent.requestedAt ?? consent.proof?.at;

/** The occurrence of one consent request's confirmation mail: the ledger sends it once. */
export const confirmationOccurrenceId = (customerId: string, requestAt: string): string => `${CONFIRMATION_CAMPAIGN_ID}:${customerId}:${requestAt}`;

/**
 * The confirmation mail a profile change asks for: when ingest turned consent `pending` (its own
 * ConsentGiven event). Deterministic per consent request, so a redelivered event asks again for
 * the same occurrence, and the send ledger keeps it to one mail.
 */
export const confirmationRequest = (
  profile: Profile,
  ownEvents: readonly OwnEvent[],
  now: Date,
): { deliveryId: string; dueAt: string; occurrenceId: string; campaignId: string; customerId: string } | undefined => {
  const requestAt = requestKeyOf(profile.consent);
  if (profile.consent.status !== 'pending' || requestAt === undefined || profile.placeholder || !profile.email) return undefined;
  if (!ownEvents.some((e) => e.type === 'ConsentGiven')) return undefined;
  const occurrenceId = confirmationOccurrenceId(profile.customerId, requestAt);
  return { deliveryId: occurrenceId, dueAt: now.toISOString(), occurrenceId, campaignId: CONFIRMATION_CAMPAIGN_ID, customerId: profile.customerId };
};

/** Send gate of the confirmation mail: only while that very request is still pending. */
export const confirmationStillWanted = (profile: Profile): boolean => profile.consent.status === 'pending' && !profile.suppression;

export interface ConfirmRequest {
  /** The consent request the link was made for (token `requestAt`). */
  requestAt: string;
  at: Date;
  ip?: string;
  userAgent?: string;
  tokenId: string;
}

export type ConfirmOutcome =
  | { kind: 'confirmed'; profile: Profile; event: OwnEvent }
  /** This request was confirmed before (a replayed or second click): nothing changes. */
  | { kind: 'already' }
  /** The link belongs to an older request, or consent was withdrawn since: nothing changes. */
  | { kind: 'void' };

/** The double opt-in click: records the proof and confirms, once per consent request. */
export const confirmConsent = (profile: Profile, request: ConfirmRequest): ConfirmOutcome => {
  const { consent } = profile;
  if (requestKeyOf(consent) !== request.requestAt) return { kind: 'void' };
  if (consent.status === 'confirmed') return { kind: 'already' };
  if (consent.status !== 'pending' || !consent.proof) return { kind: 'void' };
  const at = request.at.toISOString();
  const confirmation: ConsentConfirmation = { method: 'double-opt-in', at, tokenId: request.tokenId, source: consent.proof.source };
  if (request.ip) confirmation.ip = request.ip.slice(0, 64);
  if (request.userAgent) confirmation.userAgent = request.userAgent.slice(0, 300);
  if (consent.proof.text !== undefined) confirmation.text = consent.proof.text;
  if (consent.proof.textVersion !== undefined) confirmation.textVersion = consent.proof.textVersion;
  return {
    kind: 'confirmed',
    profile: { ...profile, consent: { ...consent, status: 'confirmed', confirmedAt: at, confirmation }, updatedAt: at },
    event: { type: 'ConsentConfirmed', id: `confirm:${request.tokenId}#ConsentConfirmed`, customerId: profile.customerId, at, source: consent.proof.source, causeEventId: request.tokenId },
  };
};

export type PreferenceChange =
  /** One topic off (the List-Unsubscribe link of a mail on that topic). */
  | { kind: 'topicOff'; topic: string }
  /** The preference centre's topic switches. */
  | { kind: 'topics'; topics: Record<string, boolean> }
  /** Unsubscribe from all marketing mail: consent is withdrawn. */
  | { kind: 'all' };

/**
 * Applies a customer's own change; undefined when it changes nothing (so a repeated one-click
 * POST is a no-op). `source` names the page ("one-click", "preference-centre").
 */
export const changePreferences = (
  profile: Profile,
  change: PreferenceChange,
  at: Date,
  source: string,
  causeId: string,
): { profile: Profile; ownEvents: OwnEvent[] } | undefined => {
  const when = at.toISOString();
  if (change.kind === 'all') {
    if (profile.consent.status === 'withdrawn' || profile.consent.status === 'none') return undefined;
    const consent: Consent = { ...profile.consent, status: 'withdrawn', withdrawnAt: when };
    return {
      profile: { ...profile, consent, updatedAt: when },
      ownEvents: [{ type: 'ConsentWithdrawn', id: `${causeId}#ConsentWithdrawn`, customerId: profile.customerId, at: when, source, causeEventId: causeId }],
    };
  }
  const wanted = change.kind === 'topicOff' ? { [change.topic]: false } : change.topics;
  const topics = { ...profile.topics };
  let changed = false;
  for (const [topic, on] of Object.entries(wanted)) {
    if (topic === CONFIRMATION_TOPIC) continue;
    // A missing topic counts as subscribed (gates.ts): only write what differs.
    if ((topics[topic] ?? true) !== on) changed = true;
    topics[topic] = on;
  }
  return changed ? { profile: { ...profile, topics, updatedAt: when }, ownEvents: [] } : undefined;
};

/** Whether a consent proof is older than the customer's own withdrawal (a late shop event). */
export const predatesWithdrawal = (consent: Consent, proofAt: string): boolean =>
  consent.status === 'withdrawn' && consent.withdrawnAt !== undefined && Date.parse(proofAt) < Date.parse(consent.withdrawnAt);
