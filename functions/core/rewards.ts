// Reward catalogs (`kind: "rewardCatalog"`): the rewards a referral campaign offers, either
// rotating (one current reward per day/week/month, weighted, deterministic) or selectable (the
// customer picks one of those currently valid). Pure: time is passed in as epoch milliseconds.
import * as z from 'zod';
import { DateTime } from 'luxon';
import { Cents, Currency, TimeZone, isLocaleKey } from '#core/events';
import { Slug } from '#core/segment';

const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date "YYYY-MM-DD"')
  .refine((d) => DateTime.fromISO(d, { zone: 'UTC' }).isValid, 'is not a calendar day');


export const RewardValue = z.discriminatedUnion('type', [
  z.object({ type: z.literal('percent'), percent: z.number().min(1).max(100) }).strict(),
  z.object({ type: z.literal('amount'), amountCents: Cents.min(1), currency: Currency }).strict(),
  z.object({ type: z.literal('freeShipping') }).strict(),
  /** A free product, added to the next order. */
  z.object({ type: z.literal('gift'), sku: z.string().min(1).max(128) }).strict(),
  /** Loyalty points added to the customer's profile. */
  z.object({ type: z.literal('points'), points: z.number().int().min(1).max(1_000_000) }).strict(),
]);
export type RewardValue = z.infer<typeof RewardValue>;

/** When a reward may be offered, as local dates in the catalog's time zone (inclusive) and/or months. */
export const RewardValidity = z
  .object({
    from: LocalDate.optional(),
    to: LocalDate.optional(),
    /** Seasonal rewards: the months (1-12) in which the reward is offered, every year. */
    months: z.array(z.number().int().min(1).max(12)).min(1).max(12).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.from !== undefined && v.to !== undefined && v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: `is before from (${v.from})` });
  });
export type RewardValidity = z.infer<typeof RewardValidity>;

export const Reward = z
  .object({
    id: Slug,
    /** What the mail shows, per locale ("de", "en", "de-AT"). */
    label: z.record(z.string().refine(isLocaleKey, 'must be a locale such as "de" or "de-AT"'), z.string().min(1).max(200)),
    value: RewardValue,
    /** Who receives it: the customer who referred, the referred friend, or both. */
    for: z.enum(['referrer', 'friend', 'both']).default('referrer'),
    validity: RewardValidity.optional(),
    /** Relative frequency in rotation (2 = twice as many periods as weight 1). */
    weight: z.number().int().min(1).max(100).default(1),
    /** Days the issued coupon stays redeemable. */
    validDays: z.number().int().min(1).max(366).default(30),
    minimumOrderCents: Cents.optional(),
  })
  .strict();
export type Reward = z.infer<typeof Reward>;

export const RewardCatalog = z
  .object({
    $schema: z.string().optional(),
    kind: z.literal('rewardCatalog'),
    id: Slug,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    /** "rotate": one current reward per period; "selectable": the customer picks from the valid ones. */
    mode: z.enum(['rotate', 'selectable']),
    /** Rotation period, required with mode "rotate". Weeks start on Monday. */
    rotateEvery: z.enum(['day', 'week', 'month']).optional(),
    /** Where periods and validity dates begin and end. */
    timeZone: TimeZone,
    /** The label used when a reward has none for the customer's locale or language. */
    defaultLocale: z.string().min(2),
    rewards: z.array(Reward).min(1).max(200),
    /** Selectable catalogs: the reward issued when the referrer has not chosen within `program.choiceDays` (default: the first valid one). */
    defaultReward: Slug.optional(),
    /** The referral program's limits (core/referral.ts DEFAULT_PROGRAM_RULES for what is left out). */
    program: z
      .object({
        /** Conversions one referrer may earn per period (in the catalog's zone); more are rejected as "referrerCap". */
        referrerCap: z.object({ count: z.number().int().min(1).max(10_000), per: z.enum(['day', 'week', 'month', 'year']) }).strict().optional(),
        /** A full refund of the friend's first order within this many days revokes a reward not yet redeemed. */
        refundWindowDays: z.number().int().min(0).max(366).optional(),
        /** Selectable catalogs: days the referrer has to choose before the default is issued. */
        choiceDays: z.number().int().min(1).max(90).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.mode === 'rotate' && c.rotateEvery === undefined) ctx.addIssue({ code: 'custom', path: ['rotateEvery'], message: 'is required with mode "rotate"' });
    if (c.mode === 'selectable' && c.rotateEvery !== undefined) ctx.addIssue({ code: 'custom', path: ['rotateEvery'], message: 'is only allowed with mode "rotate"' });
    if (c.defaultReward !== undefined && c.mode !== 'selectable') ctx.addIssue({ code: 'custom', path: ['defaultReward'], message: 'is only allowed with mode "selectable"' });
    if (c.defaultReward !== undefined && !c.rewards.some((r) => r.id === c.defaultReward)) {
      ctx.addIssue({ code: 'custom', path: ['defaultReward'], message: `"${c.defaultReward}" is not a reward of this catalog` });
    }
    const seen = new Set<string>();
    c.rewards.forEach((reward, i) => {
      if (seen.has(reward.id)) ctx.addIssue({ code: 'custom', path: ['rewards', i, 'id'], message: `duplicate reward id "${reward.id}"` });
      seen.add(reward.id);
      if (!(c.defaultLocale in reward.label)) {
        ctx.addIssue({ code: 'custom', path: ['rewards', i, 'label'], message: `needs a label for the default locale "${c.defaultLocale}"` });
      }
    });
  });
export type RewardCatalog = z.infer<typeof RewardCatalog>;

const isValidAt = (reward: Reward, local: DateTime): boolean => {
  const v = reward.validity;
  if (v === undefined) return true;
  const day = local.toISODate() ?? '';
  if (v.from !== undefined && day < v.from) return false;
  if (v.to !== undefined && day > v.to) return false;
  if (v.months !== undefined && !v.months.includes(local.month)) return false;
  return true;
};

const isFor = (reward: Reward, recipient: 'referrer' | 'friend'): boolean => reward.for === 'both' || reward.for === recipient;

/** The rewards valid at `at` for that recipient, in catalog order. */
export const availableRewards = (catalog: RewardCatalog, at: number, recipient: 'referrer' | 'friend' = 'referrer'): Reward[] => {
  const local = DateTime.fromMillis(at, { zone: catalog.timeZone });
  return catalog.rewards.filter((r) => isFor(r, recipient) && isValidAt(r, local));
};

/** Index of the rotation period containing `at` (days since 1970, Monday-based weeks, months). */
export const rotationPeriod = (catalog: RewardCatalog, at: number): number => {
  const local = DateTime.fromMillis(at, { zone: catalog.timeZone });
  const days = Math.floor(Date.UTC(local.year, local.month - 1, local.day) / 86_400_000);
  switch (catalog.rotateEvery ?? 'week') {
    case 'day':
      return days;
    case 'week':
      return Math.floor((days + 3) / 7); // 1970-01-01 was a Thursday
    case 'month':
      return local.year * 12 + local.month - 1;
  }
};

/**
 * The current reward of a rotating catalog: the valid rewards take turns, each for `weight`
 * consecutive periods, so every reader (audience, send, preview, replay) agrees without state.
 * Selectable catalogs have no single current reward: undefined (use availableRewards).
 */
export const currentReward = (catalog: RewardCatalog, at: number, recipient: 'referrer' | 'friend' = 'referrer'): Reward | undefined => {
  if (catalog.mode !== 'rotate') return undefined;
  const valid = availableRewards(catalog, at, recipient);
  const total = valid.reduce((sum, r) => sum + r.weight, 0);
  if (total === 0) return undefined;
  let slot = ((rotationPeriod(catalog, at) % total) + total) % total;
  for (const reward of valid) {
    if (slot < reward.weight) return reward;
    slot -= reward.weight;
  }
  return undefined;
};

/** The label for a locale: exact tag, then its language, then the catalog's default locale. */
export const rewardLabel = (catalog: RewardCatalog, reward: Reward, locale: string): string => {
  const language = locale.split(/[-_]/)[0] ?? locale;
  return reward.label[locale] ?? reward.label[language] ?? reward.label[catalog.defaultLocale] ?? reward.id;
};
