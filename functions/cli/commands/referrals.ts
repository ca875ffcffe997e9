// `stammkunde referrals stats [--campaign id] [--format table|json]` against a deployed table
// (--table | --stack): per referral campaign and reward, the invitations sent, share-link clicks,
// conversions, rewards issued, redeemed and revoked, and rejected conversions by reason
// (core/referral-program.ts referralStats). Modelled on `coupons stats`.
import type { Command } from 'commander';
import { RewardCatalog } from '#core/rewards';
import { referralStats } from '#core/referral-program';
import { rejectionReasons, statCounters, type ReferralStats, type StatCounter } from '#core/referral';
import type { DeliveryStore } from '#core/delivery-store';
import type { ReferralStore } from '#core/referral-store';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import { grid } from '../../report/table';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';

/** One referral campaign's stats, reward by reward ("-": no reward known, e.g. a click or a rejection). */
export interface CampaignReferralStats {
  campaignId: string;
  rewards: ReferralStats;
}

export const REFERRAL_STAT_COLUMNS: readonly StatCounter[] = [...statCounters, ...rejectionReasons.map((r) => `rejected.${r}` as const)];

/**
 * The stats of the referral campaigns (all published ones, or the one named), each with the
 * invitations put under the reward current at each send (the campaign's published catalog).
 */
export const collectReferralStats = async (
  deps: { referrals: Pick<ReferralStore, 'stats'>; deliveries: Pick<DeliveryStore, 'listCampaigns' | 'getCampaign' | 'listDefinitions' | 'listOccurrences'> },
  campaign: string | undefined,
): Promise<CampaignReferralStats[]> => {
  const referralCampaigns = (await deps.deliveries.listCampaigns()).filter((c) => c.kind === 'referral').map((c) => c.campaignId).sort();
  if (campaign !== undefined && !referralCampaigns.includes(campaign)) {
    throw new Error(`--campaign: "${campaign}" is no published referral campaign (${referralCampaigns.length > 0 ? `published: ${referralCampaigns.join(', ')}` : 'none is published'})`);
  }
  const catalogs = await deps.deliveries.listDefinitions('rewardCatalog');
  const out: CampaignReferralStats[] = [];
  for (const campaignId of campaign !== undefined ? [campaign] : referralCampaigns) {
    const published = await deps.deliveries.getCampaign(campaignId);
    const catalogId = published?.campaign.kind === 'referral' ? published.campaign.rewards : undefined;
    const parsed = RewardCatalog.safeParse(catalogs.find((d) => d.id === catalogId)?.value);
    out.push({ campaignId, rewards: await referralStats(deps, campaignId, parsed.success ? parsed.data : undefined) });
  }
  return out;
};

const HEADS: Record<string, string> = { invitations: 'invited', clicks: 'clicks', conversions: 'converted', issued: 'issued', redeemed: 'redeemed', revoked: 'revoked' };

/** A table: one row per (campaign, reward), a column per counter and per rejection reason. */
export const referralStatsTable = (stats: readonly CampaignReferralStats[]): string[] => {
  if (stats.length === 0) return ['no referral campaign is published'];
  const rows: string[][] = [];
  for (const { campaignId, rewards } of stats) {
    const ids = Object.keys(rewards).sort();
    if (ids.length === 0) rows.push([campaignId, '-', ...REFERRAL_STAT_COLUMNS.map(() => '0')]);
    for (const rewardId of ids) rows.push([campaignId, rewardId, ...REFERRAL_STAT_COLUMNS.map((c) => String(rewards[rewardId]![c] ?? 0))]);
  }
  return grid(['campaign', 'reward', ...REFERRAL_STAT_COLUMNS.map((c) => HEADS[c] ?? c)], rows);
};

export const runReferralsStats = async (flags: TargetFlags & { campaign?: string; format?: string }, clients: AwsClients = {}): Promise<string> => {
  const format = flags.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new Error(`--format must be table or json, got "${format}"`);
  const target = await resolveTarget(flags, clients);
  try {
    const referrals = createDynamoReferralStore({ client: target.client, tableName: target.tableName });
    const stats = await collectReferralStats({ referrals, deliveries: target.store }, flags.campaign);
    return format === 'json' ? `${JSON.stringify(stats, null, 2)}\n` : `${referralStatsTable(stats).join('\n')}\n`;
  } finally {
    target.close();
  }
};

export const register = (program: Command): void => {
  const referrals = program.command('referrals').description('the referral program');
  addTargetOptions(
    referrals
      .command('stats')
      .description('per referral campaign and reward: invitations sent, link clicks, conversions, rewards issued, redeemed and revoked, rejected conversions by reason')
      .option('--campaign <id>', 'only this referral campaign')
      .option('--format <format>', 'table or json', 'table'),
  ).action(async (flags: TargetFlags & { campaign?: string; format?: string }) => {
    process.stdout.write(await runReferralsStats(flags));
  });
};
