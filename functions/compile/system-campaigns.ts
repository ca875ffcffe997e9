// The built-in campaigns every installation publishes beside the marketer's: today the double
// opt-in confirmation mail. It is transactional (no advertising, no "you agreed" footer, no
// unsubscribe link: it asks for consent, it does not use it), written in German (Sie or du, by the
// profile's formality) and English, and sent once per consent request through the same
// exactly-once send path (ingest queues a due delivery with a deterministic occurrence id;
// core/consent.ts). The confirm link is `{{ links.confirm }}`; it expires after the configured days.
// Its id has an underscore, which no marketer's slug can have, so it never collides with a campaign file.
import type { Campaign } from '#core/campaign';
import type { PublishedCampaign } from '#core/delivery-store';
import { CONFIRMATION_CAMPAIGN_ID, CONFIRMATION_TOPIC, TRANSACTIONAL_LAYOUT } from '#core/consent';
import { compileCampaignTemplates, type CompileOptions } from './compile-template';
import { rewardChoiceCampaign, rewardIssuedCampaign } from './referral-campaigns';

const informal = (du: string, sie: string) => `{% if customer.formality == "informal" %}${du}{% else %}${sie}{% endif %}`;

export const confirmationCampaign = (): Campaign => ({
  kind: 'triggered',
  id: CONFIRMATION_CAMPAIGN_ID as Campaign['id'],
  name: 'Double opt-in confirmation',
  status: 'active',
  topic: CONFIRMATION_TOPIC,
  capClass: 'transactional',
  // Never fanned out by tick: ingest asks for each mail itself (a due delivery per consent request).
  trigger: { event: 'CustomerRegistered', delay: {} },
  audience: { rule: { type: 'not', rule: { type: 'tier', in: ['bronze', 'silver', 'gold'] } } },
  template: {
    layout: TRANSACTIONAL_LAYOUT,
    defaultLocale: 'en',
    content: {
      de: {
        subject: `Bitte ${informal('bestätige deine', 'bestätigen Sie Ihre')} Anmeldung`,
        preheader: `Ein Klick, dann ${informal('bist du', 'sind Sie')} angemeldet.`,
        blocks: [
          { type: 'text', text: `{{ salutation }}\n\n${informal('du hast dich', 'Sie haben sich')} für E-Mails von {{ shop.name }} angemeldet. Bitte ${informal('bestätige', 'bestätigen Sie')} das mit einem Klick:` },
          { type: 'button', label: 'Anmeldung bestätigen', url: '{{ links.confirm }}' },
          { type: 'text', text: `Wenn ${informal('du dich', 'Sie sich')} nicht angemeldet ${informal('hast, ignoriere', 'haben, ignorieren Sie')} diese E-Mail: ohne Bestätigung ${informal('bekommst du', 'erhalten Sie')} von uns keine Werbung.` },
        ],
      },
      en: {
        subject: 'Please confirm your subscription',
        preheader: 'One click and you are subscribed.',
        blocks: [
          { type: 'text', text: '{{ salutation }}\n\nyou signed up for emails from {{ shop.name }}. Please confirm with one click:' },
          { type: 'button', label: 'Confirm subscription', url: '{{ links.confirm }}' },
          { type: 'text', text: 'If you did not sign up, ignore this email: without confirmation we send you no marketing.' },
        ],
      },
    },
  },
});

/** The built-in campaigns with their compiled templates, as publish writes them. */
export const prepareSystemCampaigns = async (options: CompileOptions & { publishedAt: Date }): Promise<PublishedCampaign[]> => {
  const published: PublishedCampaign[] = [];
  // The referral program's mails (referral-campaigns.ts) beside the double opt-in mail.
  for (const campaign of [confirmationCampaign(), rewardChoiceCampaign(), rewardIssuedCampaign()]) {
    published.push({ campaign, segments: {}, template: await compileCampaignTemplates(campaign, options), publishedAt: options.publishedAt.toISOString() });
  }
  return published;
};
