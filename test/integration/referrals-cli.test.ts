// `stammkunde referrals stats` against dynalite, through the function the CLI runs.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import { RewardCatalog, currentReward } from '#core/rewards';
import { collectReferralStats, runReferralsStats } from '#cli/commands/referrals';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryReferralStore } from '#adapters/memory-referral-store';
import type { DeliveryStore } from '#core/delivery-store';
import type { ReferralStore } from '#core/referral-store';
import { publishExample } from '../unit/delivery-fixtures';

let aws: LocalAws;
let tables = 0;
beforeAll(async () => {
  aws = await startLocalAws('referrals-cli');
});
afterAll(() => aws.stop());

const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });
const SCHEDULED = '2026-12-15T09:00:00.000Z';

/** The shipped referral campaign and its catalog published, one occurrence that sent 3 invitations, and program counters. */
const seed = async (deliveries: DeliveryStore, referrals: ReferralStore): Promise<RewardCatalog> => {
  const catalog = RewardCatalog.parse(JSON.parse(await readFile('campaigns/rewards/referral-rewards.json', 'utf8')));
  await deliveries.putDefinition({ type: 'rewardCatalog', id: catalog.id, value: catalog, contentHash: 'h1', publishedAt: '2026-11-01T00:00:00.000Z' });
  await deliveries.putCampaign(await publishExample('referral-friends.json'));
  await deliveries.putCampaign(await publishExample('newsletter-monthly.json'));
  const occurrenceId = 'referral-friends:2026-12-15T09:00Z';
  await deliveries.createOccurrence({ occurrenceId, campaignId: 'referral-friends', scheduledAt: SCHEDULED, state: 'running', totalSegments: 1, createdAt: SCHEDULED, stats: {} });
  await deliveries.addStats(occurrenceId, { sent: 3, suppressed: 1 });
  await referrals.addStats('referral-friends', '-', { clicks: 5, 'rejected.selfReferral': 2, 'rejected.alreadyCustomer': 1 });
  await referrals.addStats('referral-friends', 'five-euro', { conversions: 2, issued: 2, redeemed: 1 });
  return catalog;
};

describe('referrals stats', () => {
  it('counts invitations under the reward current at the send, beside clicks, conversions, rewards and rejections (memory and dynalite agree)', async () => {
    const tableName = `referrals-${++tables}`;
    await createTable(aws.dynamoEndpoint, tableName);
    const dynamo = { deliveries: createDynamoDeliveryStore({ client: client(), tableName }), referrals: createDynamoReferralStore({ client: client(), tableName }) };
    const memory = { deliveries: createMemoryDeliveryStore(), referrals: createMemoryReferralStore() };
    const catalog = await seed(dynamo.deliveries, dynamo.referrals);
    await seed(memory.deliveries, memory.referrals);
    const current = currentReward(catalog, Date.parse(SCHEDULED))!.id;

    const json = JSON.parse(await runReferralsStats({ table: tableName, format: 'json' }, { documentClient: client() })) as unknown;
    const expected = [
      {
        campaignId: 'referral-friends',
        rewards: {
          '-': { clicks: 5, 'rejected.selfReferral': 2, 'rejected.alreadyCustomer': 1 },
          'five-euro': { conversions: 2, issued: 2, redeemed: 1 },
          [current]: { ...(current === 'five-euro' ? { conversions: 2, issued: 2, redeemed: 1 } : {}), invitations: 3 },
        },
      },
    ];
    expect(json).toEqual(expected);
    expect(await collectReferralStats(memory, undefined)).toEqual(expected);

    const table = (await runReferralsStats({ table: tableName, campaign: 'referral-friends' }, { documentClient: client() })).split('\n');
    expect(table[0]).toMatch(/^campaign\s+reward\s+invited\s+clicks\s+converted\s+issued\s+redeemed\s+revoked\s+rejected\.unknownCode\s+rejected\.selfReferral\s+rejected\.alreadyCustomer\s+rejected\.alreadyReferred\s+rejected\.referrerCap$/);
    expect(table.find((l) => /^referral-friends\s+-\s/.test(l))!.split(/\s+/)).toEqual(['referral-friends', '-', '0', '5', '0', '0', '0', '0', '0', '2', '1', '0', '0']);
  }, 60_000);

  it('rejects a campaign that is no published referral campaign, and an unknown format, in one line', async () => {
    const tableName = `referrals-${++tables}`;
    await createTable(aws.dynamoEndpoint, tableName);
    const deliveries = createDynamoDeliveryStore({ client: client(), tableName });
    await deliveries.putCampaign(await publishExample('newsletter-monthly.json'));
    await expect(runReferralsStats({ table: tableName, campaign: 'newsletter-monthly' }, { documentClient: client() })).rejects.toThrow(/^--campaign: "newsletter-monthly" is no published referral campaign \(none is published\)$/);
    await expect(runReferralsStats({ table: tableName, format: 'csv' }, { documentClient: client() })).rejects.toThrow('--format must be table or json, got "csv"');
    expect(await runReferralsStats({ table: tableName }, { documentClient: client() })).toBe('no referral campaign is published\n');
  }, 60_000);
});
