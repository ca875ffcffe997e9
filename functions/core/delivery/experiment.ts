// The send path's part of an A/B test (core/experiments.ts decides the arms):
// - a held-out recipient gets no mail but one ledger entry in the final state `holdout` (one
//   conditional write, so a redelivery finds it and counts `alreadySent`, never a second holdout)
//   and a membership the ingest side counts conversions against;
// - a variant's recipient gets the variant rendered and tagged; once SES accepted the mail, a
//   membership records them for the conversion count;
// - per message, the arms' `sent` and `members` counters are added once (funnel-store.ts).
// The arm is a pure function of (campaign, customer), so a redelivery cannot flip it.
import type { LedgerKey, PublishedCampaign } from '#core/delivery-store';
import type { FunnelCounts, FunnelStore } from '#core/funnel-store';
import { HOLDOUT_ARM, assignArm, hasExperiment, type Arm } from '#core/experiments';
import { membershipExpiresAtMs } from '#core/attribution';
import { FINAL_STATES } from './ledger';
import type { Outcome } from './outcomes';
import type { DeliveryStore } from '#core/delivery-store';

/** What the send path needs for experiments; without `funnels` arms are still applied, nothing is counted. */
export interface ExperimentDeps {
  funnels?: Pick<FunnelStore, 'putMembership' | 'addCounts'>;
  /** The conversion window in days (core/attribution.ts). */
  attributionDays?: number;
}

/** The recipient's arm, or undefined when the campaign runs no experiment. */
export const armOf = (published: PublishedCampaign, customerId: string): Arm | undefined =>
  hasExperiment(published.campaign) ? assignArm(published.campaign, customerId) : undefined;

/**
 * Records a held-out recipient: membership first (idempotent), then the ledger entry `holdout`.
 * A crash between the two leaves a membership whose recipient is held out on the redelivery.
 */
export const holdOut = async (
  deps: ExperimentDeps & { store: Pick<DeliveryStore, 'claim'> },
  published: PublishedCampaign,
  key: LedgerKey,
  owner: string,
  nowMs: number,
): Promise<{ outcome: Outcome; retryAfterMs?: number }> => {
  await deps.funnels?.putMembership(key.customerId, { campaignId: published.campaign.id, occurrenceId: key.occurrenceId, arm: HOLDOUT_ARM, atMs: nowMs }, membershipExpiresAtMs(nowMs, deps.attributionDays));
  const claim = await deps.store.claim(key, owner, nowMs, 0, 'holdout');
  if (claim.claimed) return { outcome: 'holdout' };
  // Someone recorded this recipient first (a redelivery): finished either way, or still busy.
  return FINAL_STATES.includes(claim.existing.state) ? { outcome: 'alreadySent' } : { outcome: 'inProgress', retryAfterMs: 1000 };
};

/** After SES accepted a variant's mail: the recipient is a member of its arm from now on. */
export const recordSentMember = async (deps: ExperimentDeps, published: PublishedCampaign, key: LedgerKey, arm: Arm, nowMs: number): Promise<void> => {
  await deps.funnels?.putMembership(key.customerId, { campaignId: published.campaign.id, occurrenceId: key.occurrenceId, arm, atMs: nowMs }, membershipExpiresAtMs(nowMs, deps.attributionDays));
};

/** One ADD per arm per message: mails sent per variant, and arm sizes (members). */
export const addArmCounts = async (
  deps: ExperimentDeps,
  published: PublishedCampaign,
  occurrenceId: string,
  results: readonly { outcome: Outcome; arm?: Arm | undefined }[],
): Promise<void> => {
  if (!deps.funnels || !hasExperiment(published.campaign)) return;
  const byArm = new Map<Arm, Partial<FunnelCounts>>();
  for (const { outcome, arm } of results) {
    if (arm === undefined || (outcome !== 'sent' && outcome !== 'holdout')) continue;
    const counts = byArm.get(arm) ?? {};
    if (outcome === 'sent') counts.sent = (counts.sent ?? 0) + 1;
    counts.members = (counts.members ?? 0) + 1;
    byArm.set(arm, counts);
  }
  for (const [arm, counts] of [...byArm].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await deps.funnels.addCounts({ campaignId: published.campaign.id, occurrenceId, arm }, counts);
  }
};
