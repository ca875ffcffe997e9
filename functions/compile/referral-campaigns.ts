// The referral program's built-in mails, published beside the double opt-in mail
// (system-campaigns.ts): "choose your reward" to the referrer of a selectable catalog, and the
// reward mail (what was issued, with the coupon when the reward is one). Both are transactional
// (the customer earned the reward; no advertising beyond the share link), in German (Sie/du) and
// English, and sent once per referral through the exactly-once send path: ingest and the choice
// page ask for them as due deliveries with deterministic occurrence ids
// (core/referral-program.ts). The audience matches nobody, so no trigger ever fans them out.
import type { Campaign } from '#core/campaign';
import { TRANSACTIONAL_LAYOUT } from '#core/consent';
import { REWARD_CHOICE_CAMPAIGN_ID, REWARD_ISSUED_CAMPAIGN_ID } from '#core/referral-program';

const informal = (du: string, sie: string) => `{% if customer.formality == "informal" %}${du}{% else %}${sie}{% endif %}`;
const nobody = { rule: { type: 'not' as const, rule: { type: 'tier' as const, in: ['bronze' as const, 'silver' as const, 'gold' as const] } } };

/** The fields both mails share: transactional, topic "referral", never fanned out by a trigger. */
const programMail = (id: string, name: string, content: Campaign['template']['content']): Campaign => ({
  kind: 'triggered',
  id: id as Campaign['id'],
  name,
  status: 'active',
  topic: 'referral',
  capClass: 'transactional',
  trigger: { event: 'ReferralCompleted', delay: {} },
  audience: nobody,
  template: { layout: TRANSACTIONAL_LAYOUT, defaultLocale: 'en', content },
});

export const rewardChoiceCampaign = (): Campaign =>
  programMail(REWARD_CHOICE_CAMPAIGN_ID, 'Referral: choose your reward', {
    de: {
      subject: `${informal('Deine', 'Ihre')} Empfehlung hat bestellt – ${informal('wähle dein', 'wählen Sie Ihr')} Dankeschön`,
      preheader: 'Ein Klick genügt.',
      blocks: [
        { type: 'text', text: `{{ salutation }}\n\n${informal('deine Freundin oder dein Freund hat', 'Ihre Freundin oder Ihr Freund hat')} zum ersten Mal bei {{ shop.name }} bestellt. Danke! ${informal('Wähle', 'Wählen Sie')} ${informal('dein', 'Ihr')} Dankeschön:` },
        { type: 'reward' },
        { type: 'text', text: `${informal('Wählst du', 'Wählen Sie')} nicht, ${informal('bekommst du', 'erhalten Sie')} nach einigen Tagen automatisch die vom Shop vorgesehene Prämie.` },
      ],
    },
    en: {
      subject: 'Your friend ordered – choose your thank-you',
      preheader: 'One click is all it takes.',
      blocks: [
        { type: 'text', text: '{{ salutation }}\n\nyour friend placed a first order at {{ shop.name }}. Thank you! Choose your reward:' },
        { type: 'reward' },
        { type: 'text', text: 'If you do not choose, you get the shop\'s default reward after a few days.' },
      ],
    },
  });

export const rewardIssuedCampaign = (): Campaign =>
  programMail(REWARD_ISSUED_CAMPAIGN_ID, 'Referral: your reward', {
    de: {
      subject: `${informal('Dein', 'Ihr')} Dankeschön: {{ reward.label }}`,
      preheader: `Danke für ${informal('deine', 'Ihre')} Empfehlung.`,
      blocks: [
        { type: 'text', text: `{{ salutation }}\n\ndanke für ${informal('deine', 'Ihre')} Empfehlung! Als Dankeschön ${informal('bekommst du', 'erhalten Sie')} {{ reward.label }}.` },
        { type: 'coupon' },
        { type: 'reward' },
      ],
    },
    en: {
      subject: 'Your thank-you: {{ reward.label }}',
      preheader: 'Thank you for your referral.',
      blocks: [
        { type: 'text', text: '{{ salutation }}\n\nthank you for your referral! As a thank-you you get {{ reward.label }}.' },
        { type: 'coupon' },
        { type: 'reward' },
      ],
    },
  });
