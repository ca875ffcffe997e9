// Step "offer" for the referral program's mails (ports.ts OfferStep):
// - a referral campaign's invitation: the reward current at the send (rotating catalogs; a
//   selectable catalog shows its valid rewards) and the recipient's share link
//   `<publicBaseUrl>/r/<code>`, the code made on first need;
// - "choose your reward" (REWARD_CHOICE_CAMPAIGN_ID): one signed link per locked option, or
//   cancelled when the choice was made meanwhile;
// - the reward mail (REWARD_ISSUED_CAMPAIGN_ID): due at once after an issue, and at the end of the
//   choice window, when it issues the documented default if no choice came (first choice wins).
// Other campaigns get no offer.
import type { Profile } from '#core/profile';
import type { PublishedCampaign } from '#core/delivery-store';
import { availableRewards, currentReward, rewardLabel, type RewardCatalog } from '#core/rewards';
import { couponVariables } from '#core/render';
import { rewardById, type Referral } from '#core/referral';
import {
  REWARD_CHOICE_CAMPAIGN_ID,
  REWARD_ISSUED_CAMPAIGN_ID,
  chooseReward,
  choiceOptions,
  referralCodeFor,
  referralOfOccurrence,
  type ReferralDeps,
} from '#core/referral-program';
import type { MailOffer, OfferStep } from './ports';

export interface ReferralOfferOptions {
  referrals: ReferralDeps;
  /** The customer endpoint's public base URL. */
  baseUrl: string;
  /** A signed `/reward/<token>` link choosing one reward of one referral. */
  rewardUrl: (input: { customerId: string; referralOf: string; rewardId: string }) => string;
}

export const createReferralOffers = (options: ReferralOfferOptions): OfferStep => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const { referrals } = options;

  const catalogFor = async (catalogId: string): Promise<RewardCatalog> => {
    const program = await referrals.program();
    if (!program || program.catalog.id !== catalogId) throw new Error(`reward catalog "${catalogId}" is not the published catalog of the active referral campaign`);
    return program.catalog;
  };
  const shareLink = async (customerId: string) => `${base}/r/${await referralCodeFor(referrals, customerId)}`;

  const invitation = async (published: PublishedCampaign, profile: Profile, at: Date): Promise<MailOffer> => {
    if (published.campaign.kind !== 'referral') return {};
    const catalog = await catalogFor(published.campaign.rewards);
    const link = await shareLink(profile.customerId);
    const current = currentReward(catalog, at.getTime());
    if (current) return { reward: { label: rewardLabel(catalog, current, profile.locale), link }, rewardId: current.id };
    const valid = availableRewards(catalog, at.getTime());
    if (valid.length === 0) return { cancelled: 'no reward is valid today' };
    return { reward: { label: valid.map((r) => rewardLabel(catalog, r, profile.locale)).join(' / '), link } };
  };

  const referralOf = async (occurrenceId: string, profile: Profile): Promise<Referral | undefined> => {
    const ids = referralOfOccurrence(occurrenceId);
    const referral = ids ? await referrals.referrals.getReferral(ids.friendId) : undefined;
    return referral && referral.referrerId === profile.customerId ? referral : undefined;
  };

  const choice = async (profile: Profile, occurrenceId: string): Promise<MailOffer> => {
    const referral = await referralOf(occurrenceId, profile);
    if (!referral) return { cancelled: 'no such referral' };
    if (referral.state !== 'choosing') return { cancelled: 'the reward was chosen already' };
    const catalog = await catalogFor(referral.catalogId);
    const choices = choiceOptions(catalog, referral).map((reward) => ({
      label: rewardLabel(catalog, reward, profile.locale),
      link: options.rewardUrl({ customerId: profile.customerId, referralOf: referral.friendId, rewardId: reward.id }),
    }));
    return { reward: { label: choices.map((c) => c.label).join(' / '), link: await shareLink(profile.customerId), choices } };
  };

  const issued = async (profile: Profile, occurrenceId: string, at: Date): Promise<MailOffer> => {
    let referral = await referralOf(occurrenceId, profile);
    if (!referral) return { cancelled: 'no such referral' };
    if (referral.state === 'choosing') {
      // The choice window ended without a choice: the default is issued now (the first choice wins).
      if (referral.choiceDueAt && Date.parse(referral.choiceDueAt) > at.getTime()) return { cancelled: 'the choice window is still open' };
      const result = await chooseReward(referrals, referral.friendId, undefined, 'default');
      if (result.kind === 'chosen' || result.kind === 'already') referral = result.referral;
    }
    if (referral.state !== 'issued' || !referral.issued) return { cancelled: referral.state === 'revoked' ? 'the reward was revoked' : 'the reward is not issued yet' };
    const catalog = await catalogFor(referral.catalogId);
    const reward = rewardById(catalog, referral.issued.rewardId);
    const label = reward ? rewardLabel(catalog, reward, profile.locale) : referral.issued.rewardId;
    const offer: MailOffer = { reward: { label, link: await shareLink(profile.customerId) }, rewardId: referral.issued.rewardId };
    if (referral.issued.kind === 'coupon' && reward && reward.value.type !== 'gift' && reward.value.type !== 'points') {
      const variables = couponVariables({ value: reward.value, validDays: reward.validDays, ...(reward.minimumOrderCents !== undefined ? { minimumOrderCents: reward.minimumOrderCents } : {}) }, referral.issued.code, at, profile.locale);
      offer.coupon = { ...variables, expiresAt: referral.issued.expiresAt };
    }
    return offer;
  };

  return async (published, profile, occurrenceId, at) => {
    const { campaign } = published;
    if (campaign.kind === 'referral') return invitation(published, profile, at);
    if (campaign.id === REWARD_CHOICE_CAMPAIGN_ID) return choice(profile, occurrenceId);
    if (campaign.id === REWARD_ISSUED_CAMPAIGN_ID) return issued(profile, occurrenceId, at);
    return undefined;
  };
};
