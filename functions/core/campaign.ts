// The marketer's campaign format: one schema per file kind, discriminated on `kind`
// (newsletter | seasonal | triggered | discount | referral). Segment files (`kind: "segment"`)
// live in segment.ts, reward catalogs (`kind: "rewardCatalog"`) in rewards.ts.
// Delivery of each kind is built by later work; the format already expresses all of them.
import * as z from 'zod';
import { CronExpressionParser } from 'cron-parser';
import { Locale, TimeZone, Cents, Currency, IsoTime, isLocaleKey } from '#core/events';
import type { ShopDetailType } from '#core/events';
import { SegmentRule, Slug } from '#core/segment';
import { capClassProblems } from '#core/consent';
import { QuietHours } from '#core/quiet-hours';
import { experimentProblems } from '#core/experiments';

export { Slug };

/** Liquid text; links are checked to be https/http/mailto when templates compile. */
export const LiquidText = z.string().max(20_000);
export const LinkUrl = z
  .string()
  .max(2000)
  .refine((url) => /^(https?:|mailto:|\{\{)/i.test(url.trim()), 'links must use https, http or mailto');

export const Block = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heading'), text: LiquidText }).strict(),
  z.object({ type: z.literal('text'), text: LiquidText }).strict(),
  z.object({ type: z.literal('button'), label: LiquidText, url: LinkUrl }).strict(),
  z.object({ type: z.literal('image'), src: z.url({ protocol: /^https$/ }), alt: z.string().max(300), href: LinkUrl.optional() }).strict(),
  z.object({ type: z.literal('divider') }).strict(),
  /** The recipient's coupon (campaigns with a `coupon`: discount, and seasonal or triggered ones that carry one). */
  z.object({ type: z.literal('coupon'), text: LiquidText.optional() }).strict(),
  /** The recipient's current referral reward and link (referral campaigns). */
  z.object({ type: z.literal('reward'), text: LiquidText.optional() }).strict(),
]);
export type Block = z.infer<typeof Block>;

export const Content = z.object({
  subject: LiquidText.min(1).max(500),
  preheader: LiquidText.max(500),
  blocks: z.array(Block).min(1).max(100),
  /** Optional hand-written plain-text body; generated from the HTML when missing. */
  text: LiquidText.optional(),
}).strict();
export type Content = z.infer<typeof Content>;

export const SalutationOverride = z.object({
  formality: z.enum(['formal', 'informal']).optional(),
  /** "name" ("Liebe Anna" / "Sehr geehrte Frau Müller"), "neutral" ("Hallo Alex"/"Guten Tag"). */
  style: z.enum(['name', 'neutral']).optional(),
}).strict();


export const Template = z
  .object({
    /** A layout in templates/layouts (e.g. "newsletter", "greeting"). */
    layout: Slug,
    /** Content per locale ("de", "en", or full tags like "de-AT"); the profile locale picks one. */
    content: z
      .record(z.string().refine(isLocaleKey, 'must be a locale such as "de" or "de-AT"'), Content)
      .refine((c) => Object.keys(c).length > 0, 'needs content for at least one locale'),
    /** The content used when no key matches the profile's locale or language; must be a key of content. */
    defaultLocale: z.string().min(2),
    salutation: SalutationOverride.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!(t.defaultLocale in t.content)) {
      ctx.addIssue({ code: 'custom', path: ['defaultLocale'], message: `"${t.defaultLocale}" has no content (have: ${Object.keys(t.content).join(', ')})` });
    }
  });
export type Template = z.infer<typeof Template>;

/**
 * One arm of an A/B test (core/experiments.ts): a share of the audience by `weight` (relative to
 * the other variants), with its own subject and/or content per locale. What a variant leaves out
 * comes from the campaign's template.
 */
export const Variant = z
  .object({
    id: Slug,
    weight: z.number().int().min(1).max(1000),
    /** Subject per content locale (a key of template.content); replaces that locale's subject. */
    subject: z.record(z.string(), LiquidText.min(1).max(500)).optional(),
    /** Whole content per content locale (a key of template.content); `subject` above still wins. */
    content: z.record(z.string(), Content).optional(),
  })
  .strict();
export type Variant = z.infer<typeof Variant>;

/** Exactly one of: a segment file's id, or an inline rule. (One object, not a union, so errors name the field.) */
export const Audience = z
  .object({ segment: Slug.optional(), rule: SegmentRule.optional() })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.segment === undefined) === (a.rule === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs exactly one of "segment" (a segment id) or "rule" (an inline rule)' });
    }
  });
export type Audience = z.infer<typeof Audience>;

export const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (24-hour)');

export const Schedule = z.discriminatedUnion('type', [
  /** Five-field cron (minute hour day-of-month month day-of-week) in a time zone. */
  z.object({
    type: z.literal('cron'),
    cron: z
      .string()
      .max(100)
      .refine((c) => c.trim().split(/\s+/).length === 5, 'must have five fields: minute hour day-of-month month day-of-week')
      .refine(isCron, 'is not a valid cron expression'),
    timeZone: TimeZone,
  }).strict(),
  z.object({ type: z.literal('once'), at: IsoTime }).strict(),
]);
export type Schedule = z.infer<typeof Schedule>;

function isCron(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression, { currentDate: 0 });
    return true;
  } catch {
    return false;
  }
}

export const Occasion = z.discriminatedUnion('type', [
  z.object({ type: z.literal('birthday') }).strict(),
  /** Easter Sunday plus offsetDays (-2 Good Friday, 1 Easter Monday). */
  z.object({ type: z.literal('easter'), offsetDays: z.number().int().min(-60).max(60).default(0) }).strict(),
  z.object({ type: z.literal('christmas'), day: z.enum(['advent1', 'advent2', 'advent3', 'advent4', 'eve', 'first', 'second']) }).strict(),
  z.object({ type: z.literal('newYear'), day: z.enum(['eve', 'day']).default('day') }).strict(),
  z.object({ type: z.literal('valentinesDay') }).strict(),
  /** By the recipient's country (core/occasions.ts): second Sunday of May (DE, AT, CH, US, ...), UK Mothering Sunday (Easter - 21), ... */
  z.object({ type: z.literal('mothersDay') }).strict(),
  /** By the recipient's country: DE Ascension Day, US/UK third Sunday of June, ... */
  z.object({ type: z.literal('fathersDay') }).strict(),
  /** A public holiday of the recipient's country (and `region` attribute) by its English date-holidays name, e.g. "Reformation Day". */
  z.object({ type: z.literal('publicHoliday'), holiday: z.string().min(2).max(100) }).strict(),
  z.object({ type: z.literal('signupAnniversary') }).strict(),
  z.object({ type: z.literal('firstOrderAnniversary') }).strict(),
  z
    .object({ type: z.literal('fixedDate'), month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31) })
    .strict()
    .refine((d) => d.day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][d.month - 1]!, { path: ['day'], message: 'is not a day of that month' }),
]);
export type Occasion = z.infer<typeof Occasion>;

export const Delay = z
  .object({ minutes: z.number().int().min(0).optional(), hours: z.number().int().min(0).optional(), days: z.number().int().min(0).optional() })
  .strict();

/**
 * Events engine-made, beside the shop's detail-types, that triggered campaigns can wait for
 * (the README's "Our own events"). Open list: a new own event is one more name here.
 */
export const ownEventTypes = ['TierChanged', 'ConsentConfirmed', 'FirstOrderPlaced', 'ReferralCompleted', 'CouponExpiring'] as const;
export const TriggerEvent = z.enum([
  'CustomerRegistered',
  'CustomerUpdated',
  'OrderPlaced',
  'OrderRefunded',
  'NpsSubmitted',
  ...ownEventTypes,
] satisfies (ShopDetailType | (typeof ownEventTypes)[number])[]);
export type TriggerEvent = z.infer<typeof TriggerEvent>;

/** Trigger events that carry an order id (a follow-up per order, cancelled by its full refund). */
export const ORDER_CAUSE_EVENTS: readonly string[] = ['OrderPlaced', 'FirstOrderPlaced'];

/**
 * How often one customer can enter a triggered campaign (core/triggers.ts):
 * - oncePerCustomer (the default): one mail per customer, ever;
 * - oncePerOrder: one per order (order triggers and win-back only);
 * - oncePerDays: at most one per window of `days` days (windows counted from 1970-01-01 UTC).
 */
export const Reentry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('oncePerCustomer') }).strict(),
  z.object({ type: z.literal('oncePerOrder') }).strict(),
  z.object({ type: z.literal('oncePerDays'), days: z.number().int().min(1).max(3660) }).strict(),
]);
export type Reentry = z.infer<typeof Reentry>;

export const Trigger = z
  .object({
    /** A shop detail-type (OrderPlaced, ...) or one of ours (TierChanged, FirstOrderPlaced, ...). */
    event: TriggerEvent.optional(),
    /** Win-back: no order for this many days after the last one (each order schedules the check). */
    noOrderForDays: z.number().int().min(1).max(3660).optional(),
    delay: Delay.default({}),
    /** Conditions on the customer's profile, checked when the event arrives and again at send time. */
    when: SegmentRule.optional(),
    /** Default: once per customer (win-back: once per order, i.e. once per lapse). */
    reentry: Reentry.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.event === undefined) === (t.noOrderForDays === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs exactly one of "event" (an event name) or "noOrderForDays" (a win-back)' });
    }
    if (t.reentry?.type === 'oncePerOrder' && t.event !== undefined && !ORDER_CAUSE_EVENTS.includes(t.event)) {
      ctx.addIssue({ code: 'custom', path: ['reentry'], message: `"oncePerOrder" needs an order trigger (${ORDER_CAUSE_EVENTS.join(', ')}) or noOrderForDays` });
    }
    if (t.reentry !== undefined && t.event === 'CouponExpiring') {
      ctx.addIssue({ code: 'custom', path: ['reentry'], message: 'is not used on CouponExpiring: a reminder is sent once per expiring coupon' });
    }
  });
export type Trigger = z.infer<typeof Trigger>;

export const CouponSpec = z.object({
  value: z.discriminatedUnion('type', [
    z.object({ type: z.literal('percent'), percent: z.number().min(1).max(100) }).strict(),
    z.object({ type: z.literal('amount'), amountCents: Cents.min(1), currency: Currency }).strict(),
    z.object({ type: z.literal('freeShipping') }).strict(),
  ]),
  /** Days the coupon stays valid from the send. */
  validDays: z.number().int().min(1).max(366),
  minimumOrderCents: Cents.optional(),
  prefix: z.string().regex(/^[A-Z0-9]{0,10}$/, 'must be up to 10 upper-case letters or digits').default(''),
  /** One code per recipient (default); false sends everyone the same `code`. */
  unique: z.boolean().default(true),
  code: z.string().regex(/^[A-Z0-9-]{4,32}$/, 'must be 4 to 32 upper-case letters, digits or dashes').optional(),
  /** Hand out codes imported into this pool (`stammkunde coupons import <pool> <csv>`) instead of generating them. */
  pool: Slug.optional(),
  /** How many codes may live at once; sets the generated code length (core/coupons.ts codeLength). Default 100,000. */
  expectedCodes: z.number().int().min(1).max(1_000_000_000).optional(),
}).superRefine((c, ctx) => {
  if (c.pool !== undefined && !c.unique) ctx.addIssue({ code: 'custom', path: ['pool'], message: 'needs unique codes (unique: true)' });
  if (!c.unique && c.code === undefined) ctx.addIssue({ code: 'custom', path: ['code'], message: 'is required when unique is false' });
  if (c.unique && c.code !== undefined) ctx.addIssue({ code: 'custom', path: ['code'], message: 'is only allowed when unique is false' });
});
export type CouponSpec = z.infer<typeof CouponSpec>;

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
  /** Local window without marketing mail (core/quiet-hours.ts); absent: the shop's, false: none. */
  quietHours: z.union([QuietHours, z.literal(false)]).optional(),
  /** A/B test: the audience split by weight; each recipient's variant fixed by a hash (core/experiments.ts). */
  variants: z.array(Variant).min(1).max(10).optional(),
  /** Percent of the audience that gets no mail but is recorded, to measure lift against (0 to 50). */
  holdoutPercent: z.number().min(0).max(50).optional(),
};

/** Consent cannot be bypassed: `transactional` only on order-event triggers (core/consent.ts). */
const checkCapClass = (
  campaign: { kind: string; capClass?: string; trigger?: { event?: string | undefined }; template: { layout: string; content: Record<string, unknown> }; variants?: Variant[] | undefined; holdoutPercent?: number | undefined },
  ctx: z.RefinementCtx,
): void => {
  for (const problem of capClassProblems(campaign)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  for (const problem of experimentProblems(campaign)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
};

export const NewsletterCampaign = z.object({ ...common, kind: z.literal('newsletter'), schedule: Schedule }).strict().superRefine(checkCapClass);
export const SeasonalCampaign = z
  .object({ ...common, kind: z.literal('seasonal'), occasion: Occasion, sendAt: LocalTime.default('09:00'), coupon: CouponSpec.optional() })
  .strict()
  .superRefine(checkCapClass);
export const TriggeredCampaign = z
  .object({ ...common, kind: z.literal('triggered'), trigger: Trigger, coupon: CouponSpec.optional() })
  .strict()
  .superRefine(checkCapClass)
  .superRefine((c, ctx) => {
    // A reminder shows the expiring coupon (core/delivery/coupon-step.ts); it never issues one.
    if (c.trigger.event === 'CouponExpiring' && c.coupon !== undefined) ctx.addIssue({ code: 'custom', path: ['coupon'], message: 'is not allowed on CouponExpiring: the reminder shows the expiring coupon' });
  });
export const DiscountCampaign = z
  .object({ ...common, kind: z.literal('discount'), schedule: Schedule, coupon: CouponSpec })
  .strict()
  .superRefine(checkCapClass);
export const ReferralCampaign = z
  .object({ ...common, kind: z.literal('referral'), schedule: Schedule, rewards: Slug.describe('a reward catalog id') })
  .strict()
  .superRefine(checkCapClass);

export const Campaign = z.discriminatedUnion('kind', [
  NewsletterCampaign,
  SeasonalCampaign,
  TriggeredCampaign,
  DiscountCampaign,
  ReferralCampaign,
]);
export type Campaign = z.infer<typeof Campaign>;
export type CampaignKind = Campaign['kind'];

export type NewsletterCampaign = z.infer<typeof NewsletterCampaign>;
export type SeasonalCampaign = z.infer<typeof SeasonalCampaign>;
export type TriggeredCampaign = z.infer<typeof TriggeredCampaign>;
export type DiscountCampaign = z.infer<typeof DiscountCampaign>;
export type ReferralCampaign = z.infer<typeof ReferralCampaign>;
export const campaignKinds = ['newsletter', 'seasonal', 'triggered', 'discount', 'referral'] as const;

export { Locale };
