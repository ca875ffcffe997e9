// The report's campaign outcomes (core/report.ts CampaignOutcomes) from the funnel rows: one
// Query per campaign (occurrences × arms rows; a triggered campaign's totals per arm, since its
// occurrences are one per customer), never per customer.
//
// Per occurrence: conversions and revenue are the attributed ones (coupon, else last click,
// core/attribution.ts), summed over the arms. Per variant (campaigns with an A/B test, over the
// report's occurrences together): sent, unique clicks, and the experiment's conversions: members
// of the arm with an order within the attribution window after their mail (the holdout: after
// their holdout record), with those orders' revenue. Those, not the attributed ones, are what the
// lift compares, since the holdout can neither click nor redeem; the lift is each variant's
// conversion rate minus the holdout's, in percentage points, with Newcombe's hybrid score 95 %
// interval (core/lift.ts).
import type { CampaignOutcomes, OccurrenceOutcome, VariantFunnel } from '#core/report';
import type { FunnelCounts, FunnelStore } from '#core/funnel-store';
import { HOLDOUT_ARM, NO_VARIANT_ARM } from '#core/experiments';
import { liftAgainstHoldout } from '#core/lift';

/** How the report names the one mailed arm of a campaign that has a holdout but no variants. */
export const MAILED_ARM_LABEL = 'mailed';

const add = (into: FunnelCounts, from: FunnelCounts): FunnelCounts => {
  for (const name of Object.keys(into) as (keyof FunnelCounts)[]) into[name] += from[name];
  return into;
};
const zero = (): FunnelCounts => ({ sent: 0, clicks: 0, conversions: 0, revenueCents: 0, members: 0, converted: 0, convertedRevenueCents: 0 });

/** The arms of an experiment as the report's variant rows, with the lift of each against the holdout. */
export const variantFunnels = (arms: ReadonlyMap<string, FunnelCounts>): VariantFunnel[] | undefined => {
  const experiment = [...arms.keys()].some((arm) => arm !== NO_VARIANT_ARM);
  if (!experiment) return undefined;
  const holdout = arms.get(HOLDOUT_ARM);
  const rows: VariantFunnel[] = [];
  for (const [arm, counts] of [...arms].sort(([a], [b]) => (a === HOLDOUT_ARM ? 1 : b === HOLDOUT_ARM ? -1 : a < b ? -1 : 1))) {
    const row: VariantFunnel = {
      variantId: arm === NO_VARIANT_ARM ? MAILED_ARM_LABEL : arm,
      holdout: arm === HOLDOUT_ARM,
      assigned: counts.members,
      sent: counts.sent,
      clicked: counts.clicks,
      conversions: counts.converted,
      revenueCents: counts.convertedRevenueCents,
    };
    const lift = arm !== HOLDOUT_ARM && holdout ? liftAgainstHoldout({ members: counts.members, conversions: counts.converted }, { members: holdout.members, conversions: holdout.converted }) : null;
    if (lift) row.lift = { percentPoints: lift.difference, low: lift.ci95.lower, high: lift.ci95.upper, method: lift.method };
    rows.push(row);
  }
  return rows;
};

export const createCampaignOutcomes = (funnels: Pick<FunnelStore, 'listFunnel' | 'campaignTotals'>): CampaignOutcomes => ({
  async outcomesOf(campaignId, occurrences) {
    if (occurrences.length === 0) {
      // A triggered campaign (one occurrence per customer): its totals per arm, one Query, all time.
      const byArm = new Map((await funnels.campaignTotals(campaignId)).map(({ campaignId: _c, arm, ...counts }) => [arm, counts]));
      const total = [...byArm.values()].reduce((sum, counts) => add(sum, counts), zero());
      const variants = variantFunnels(byArm);
      return { occurrences: new Map(), total: { conversions: total.conversions, revenueCents: total.revenueCents }, ...(variants ? { variants } : {}) };
    }
    const wanted = new Set(occurrences.map((o) => o.occurrenceId));
    const rows = (await funnels.listFunnel(campaignId)).filter((row) => wanted.has(row.occurrenceId));
    const byOccurrence = new Map<string, Map<string, FunnelCounts>>();
    const byArm = new Map<string, FunnelCounts>();
    for (const { campaignId: _c, occurrenceId, arm, ...counts } of rows) {
      const arms = byOccurrence.get(occurrenceId) ?? new Map<string, FunnelCounts>();
      arms.set(arm, add(arms.get(arm) ?? zero(), counts));
      byOccurrence.set(occurrenceId, arms);
      byArm.set(arm, add(byArm.get(arm) ?? zero(), counts));
    }
    const outcomes = new Map<string, OccurrenceOutcome>();
    for (const [occurrenceId, arms] of byOccurrence) {
      const total = [...arms.values()].reduce((sum, counts) => add(sum, counts), zero());
      const variants = variantFunnels(arms);
      outcomes.set(occurrenceId, { conversions: total.conversions, revenueCents: total.revenueCents, ...(variants ? { variants } : {}) });
    }
    const variants = variantFunnels(byArm);
    return { occurrences: outcomes, ...(variants ? { variants } : {}) };
  },
});
