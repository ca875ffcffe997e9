// Step "render" of the send path: the outgoing mail for one recipient (rendered template,
// one-click unsubscribe headers for marketing mail, SES tags carrying the ledger key). Pure.
import type { Clock } from '#core/clock';
import type { LedgerKey, PublishedCampaign } from '#core/delivery-store';
import type { Profile } from '#core/profile';
import type { MailOffer, MailRenderer, OutgoingMail, UnsubscribeLinks } from './ports';
import type { CapClass } from './gates';
import type { IssuedCoupon } from '#core/coupons';

/** The SES tag value alphabet is [A-Za-z0-9_-]: base64url carries the ledger key losslessly. */
export const encodeLedgerTag = (key: LedgerKey): string => Buffer.from(JSON.stringify([key.occurrenceId, key.customerId])).toString('base64url');
export const decodeLedgerTag = (value: string): LedgerKey | undefined => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { occurrenceId: parsed[0], customerId: parsed[1] };
    }
  } catch {
    // not one of ours
  }
  return undefined;
};
const tagSafe = (value: string): string => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);

export interface ComposeDeps {
  renderer: MailRenderer;
  links: UnsubscribeLinks;
  clock: Clock;
  from: string;
  replyTo?: string[];
  configurationSet?: string;
}

/** What one recipient's mail carries beyond the template: their coupon, their A/B arm, their referral offer. */
export interface MailExtras {
  coupon?: IssuedCoupon | undefined;
  arm?: string | undefined;
  offer?: MailOffer | undefined;
}

export const composeMail = (deps: ComposeDeps, published: PublishedCampaign, profile: Profile, key: LedgerKey, capClass: CapClass, extras: MailExtras = {}): OutgoingMail => {
  const { coupon, arm, offer } = extras;
  const { campaign } = published;
  const headers: OutgoingMail['headers'] = [];
  let unsubscribeUrl = '';
  if (capClass === 'marketing') {
    unsubscribeUrl = deps.links.url({ customerId: profile.customerId, topic: campaign.topic, campaignId: campaign.id });
    headers.push({ name: 'List-Unsubscribe', value: `<${unsubscribeUrl}>` }, { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
  }
  const rendered = deps.renderer.render({
    published,
    profile,
    occurrenceId: key.occurrenceId,
    at: deps.clock.now(),
    unsubscribeUrl,
    ...(coupon ? { coupon } : {}),
    ...(arm !== undefined ? { arm } : {}),
    ...(offer ? { offer } : {}),
  });
  return {
    from: deps.from,
    to: profile.email,
    ...(deps.replyTo?.length ? { replyTo: deps.replyTo } : {}),
    subject: rendered.subject,
    // Read when the mailer reads it: the renderer may make it then (its link tracking, seams.ts).
    get html() {
      return rendered.html;
    },
    text: rendered.text,
    headers,
    ...(deps.configurationSet ? { configurationSet: deps.configurationSet } : {}),
    ...(coupon ? { couponCode: coupon.code } : offer?.coupon ? { couponCode: offer.coupon.code } : {}),
    tags: [
      { name: 'campaign', value: tagSafe(campaign.id) },
      { name: 'occurrence', value: tagSafe(key.occurrenceId) },
      { name: 'ledger', value: encodeLedgerTag(key) },
      // The A/B arm (core/experiments.ts), so feedback and clicks can be counted per variant.
      ...(arm !== undefined ? [{ name: 'variant', value: tagSafe(arm) }] : []),
      ...(offer?.rewardId ? [{ name: 'reward', value: tagSafe(offer.rewardId) }] : []),
    ],
  };
};
