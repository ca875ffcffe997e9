// The marketer's campaign format: one schema per file kind, discriminated on `kind`.
// Delivery of each kind is built by later work; the format already expresses all of them.
import { z } from 'zod';
import { Locale, TimeZone, Cents, Currency, IsoTime } from '#core/events';
import { SegmentRule } from '#core/segment';

export const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');

/** Liquid text; links are checked to be https/http/mailto when templates compile. */
export const LiquidText = z.string().max(20_000);
export const LinkUrl = z
  .string()
  .max(2000)
  .refine((url) => /^(https?:|mailto:|\{\{)/i.test(url.trim()), 'links must use https, http or mailto');

export const Block = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heading'), text: LiquidText }),
  z.object({ type: z.literal('text'), text: LiquidText }),
  z.object({ type: z.literal('button'), label: LiquidText, url: LinkUrl }),
  z.object({ type: z.literal('image'), src: z.url({ protocol: /^https$/ }), alt: z.string().max(300), href: LinkUrl.optional() }),
  z.object({ type: z.literal('divider') }),
  /** The recipient's coupon (discount campaigns). */
  z.object({ type: z.literal('coupon'), text: LiquidText.optional() }),
  /** The recipient's current referral reward and link (referral campaigns). */
  z.object({ type: z.literal('reward'), text: LiquidText.optional() }),
]);
export type Block = z.infer<typeof Block>;

export const Content = z.object({
  subject: LiquidText.min(1).max(500),
  preheader: LiquidText.max(500),
  blocks: z.array(Block).min(1).max(100),
  /** Optional hand-written plain-text body; generated from the HTML when missing. */
  text: LiquidText.optional(),
});
export type Content = z.infer<typeof Content>;

export const SalutationOverride = z.object({
  formality: z.enum(['formal', 'informal']).optional(),
  /** "name" ("Liebe Anna" / "Sehr geehrte Frau Müller"), "neutral" ("Hallo Alex"/"Guten Tag"). */
  style: z.enum(['name', 'neutral']).optional(),
});

export const Template = z.object({
  /** A layout in templates/layouts (e.g. "newsletter", "greeting"). */
  layout: Slug,
  /** Content per locale ("de", "en", or full tags like "de-AT"); the profile locale picks one. */
  content: z.record(z.string(), Content).refine((c) => Object.keys(c).length > 0, 'needs content for at least one locale'),
  defaultLocale: z.string().min(2),
  salutation: SalutationOverride.optional(),
});
export type Template = z.infer<typeof Template>;

export const Audience = z.union([
  z.object({ segment: Slug }).strict(),
  z.object({ rule: SegmentRule }).strict(),
]);
export type Audience = z.infer<typeof Audience>;

export const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (24-hour)');

export const Schedule = z.discriminatedUnion('type', [
  /** Five-field cron (minute hour day-of-month month day-of-week) in a time zone. */
  z.object({ type: z.literal('cron'), cron: z.string().min(9).max(100), timeZone: TimeZone }),
  z.object({ type: z.literal('once'), at: IsoTime }),
]);
export type Schedule = z.infer<typeof Schedule>;

export const Occasion = z.discriminatedUnion('type', [
  z.object({ type: z.literal('birthday') }),
  /** Easter Sunday plus offsetDays (-2 Good Friday, 1 Easter Monday). */
  z.object({ type: z.literal('easter'), offsetDays: z.number().int().min(-60).max(60).default(0) }),
  z.object({ type: z.literal('christmas'), day: z.enum(['advent1', 'advent2', 'advent3', 'advent4', 'eve', 'first', 'second']) }),
  z.object({ type: z.literal('newYear'), day: z.enum(['eve', 'day']).default('day') }),
  /** Second Sunday in May (DE, US, ...); other countries may differ. */
  z.object({ type: z.literal('mothersDay') }),
  z.object({ type: z.literal('signupAnniversary') }),
  z.object({ type: z.literal('fixedDate'), month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31) }),
]);
export type Occasion = z.infer<typeof Occasion>;

export const Delay = z
  .object({ minutes: z.number().int().min(0).optional(), hours: z.number().int().min(0).optional(), days: z.number().int().min(0).optional() })
  .strict();

export const Trigger = z.object({
  /** A shop detail-type or one of ours: TierChanged, ConsentConfirmed, ... */
  event: z.string().min(1).max(100),
  delay: Delay.default({}),
  /** Conditions on the customer's profile at send time. */
  when: SegmentRule.optional(),
});

export const CouponSpec = z.object({
  value: z.discriminatedUnion('type', [
    z.object({ type: z.literal('percent'), percent: z.number().min(1).max(100) }),
    z.object({ type: z.literal('amount'), amountCents: Cents.min(1), currency: Currency }),
    z.object({ type: z.literal('freeShipping') }),
  ]),
  /** Days the coupon stays valid from the send. */
  validDays: z.number().int().min(1).max(366),
  minimumOrderCents: Cents.optional(),
  prefix: z.string().regex(/^[A-Z0-9]{0,10}$/, 'must be up to 10 upper-case letters or digits').default(''),
});

const common = {
  $schema: z.string().optional(),
  id: Slug,
  name: z.string().min(1).max(200),
  status: z.enum(['draft', 'active', 'paused']),
  /** Preference topic customers can unsubscribe from (e.g. "newsletter"). */
  topic: Slug,
  audience: Audience,
  template: Template,
  /** Marketing mail counts against the frequency cap; transactional does not. */
  capClass: z.enum(['marketing', 'transactional']).default('marketing'),
};

export const NewsletterCampaign = z.object({ ...common, kind: z.literal('newsletter'), schedule: Schedule }).strict();
export const SeasonalCampaign = z
  .object({ ...common, kind: z.literal('seasonal'), occasion: Occasion, sendAt: LocalTime.default('09:00') })
  .strict();
export const TriggeredCampaign = z.object({ ...common, kind: z.literal('triggered'), trigger: Trigger }).strict();
export const DiscountCampaign = z
  .object({ ...common, kind: z.literal('discount'), schedule: Schedule, coupon: CouponSpec })
  .strict();
export const ReferralCampaign = z
  .object({ ...common, kind: z.literal('referral'), schedule: Schedule, rewards: Slug.describe('a reward catalog id') })
  .strict();

export const Campaign = z.discriminatedUnion('kind', [
  NewsletterCampaign,
  SeasonalCampaign,
  TriggeredCampaign,
  DiscountCampaign,
  ReferralCampaign,
]);
export type Campaign = z.infer<typeof Campaign>;
export type CampaignKind = Campaign['kind'];

export { Locale };
