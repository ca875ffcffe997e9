import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Audience, Campaign, CouponSpec, Occasion, Schedule, Trigger } from '#core/campaign';
import { validateWorkspace } from '#core/workspace';
import { RewardCatalog, availableRewards, currentReward, rewardLabel, rotationPeriod } from '#core/rewards';

const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('campaigns: format', () => {
  const newsletter = JSON.parse(readFileSync('campaigns/newsletter-monthly.json', 'utf8')) as Record<string, unknown>;

  it('parses the shipped newsletter and fills defaults', () => {
    const campaign = Campaign.parse(newsletter);
    expect(campaign.kind).toBe('newsletter');
    expect(campaign.capClass).toBe('marketing');
  });

  it('rejects an audience with both a segment and a rule, or with neither', () => {
    expect(paths(Audience.safeParse({ segment: 'a', rule: { type: 'tier', in: ['gold'] } }))).toEqual([': needs exactly one of "segment" (a segment id) or "rule" (an inline rule)']);
    expect(Audience.safeParse({}).success).toBe(false);
    expect(Audience.safeParse({ segment: 'vip-gold' }).success).toBe(true);
  });

  it('rejects a cron expression that is not valid', () => {
    expect(paths(Schedule.safeParse({ type: 'cron', cron: '61 9 * * *', timeZone: 'Europe/Berlin' }))).toEqual(['cron: is not a valid cron expression']);
    expect(Schedule.safeParse({ type: 'cron', cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin' }).success).toBe(true);
  });

  it('rejects a fixed date that does not exist', () => {
    expect(paths(Occasion.safeParse({ type: 'fixedDate', month: 2, day: 30 }))).toEqual(['day: is not a day of that month']);
    expect(Occasion.safeParse({ type: 'fixedDate', month: 2, day: 29 }).success).toBe(true);
  });

  it('rejects trigger events nobody emits', () => {
    expect(Trigger.safeParse({ event: 'OrderShipped' }).success).toBe(false);
    expect(Trigger.parse({ event: 'TierChanged', when: { type: 'tier', in: ['gold'] } }).delay).toEqual({});
  });

  it('requires a shared code exactly when coupons are not unique per recipient', () => {
    const value = { type: 'percent', percent: 10 };
    expect(CouponSpec.parse({ value, validDays: 7 }).unique).toBe(true);
    expect(paths(CouponSpec.safeParse({ value, validDays: 7, unique: false }))).toEqual(['code: is required when unique is false']);
    expect(paths(CouponSpec.safeParse({ value, validDays: 7, code: 'WINTER10' }))).toEqual(['code: is only allowed when unique is false']);
    expect(CouponSpec.safeParse({ value, validDays: 7, unique: false, code: 'WINTER10' }).success).toBe(true);
  });

  it('rejects content keys that are not locales, naming the key', () => {
    const template = { ...(newsletter.template as object), content: { deutsch: (newsletter.template as { content: { de: unknown } }).content.de } };
    const { problems } = validateWorkspace([{ file: 'n.json', text: JSON.stringify({ ...newsletter, template }) }]);
    expect(problems.filter((p) => p.path.startsWith('template.content'))).toEqual([
      { file: 'n.json', path: 'template.content.deutsch', message: 'invalid key: must be a locale such as "de" or "de-AT"' },
    ]);
  });
});

describe('campaigns: reward catalogs', () => {
  const catalog = RewardCatalog.parse(JSON.parse(readFileSync('campaigns/rewards/referral-rewards.json', 'utf8')));
  const at = (iso: string) => Date.parse(iso);

  it('offers the seasonal mug only in November and December', () => {
    expect(availableRewards(catalog, at('2026-11-23T12:00:00Z')).map((r) => r.id)).toEqual(['ten-percent', 'five-euro', 'christmas-mug']);
    expect(availableRewards(catalog, at('2026-06-01T12:00:00Z')).map((r) => r.id)).toEqual(['ten-percent', 'five-euro']);
    expect(availableRewards(catalog, at('2026-06-01T12:00:00Z'), 'friend').map((r) => r.id)).toEqual(['ten-percent', 'free-shipping']);
  });

  it('rotates weekly by weight, starting each week on Monday in the catalog time zone', () => {
    // The example rotates monthly; the same rewards weekly.
    const weekly = { ...catalog, rotateEvery: 'week' as const };
    const monday = at('2026-06-01T00:30:00+02:00');
    const sunday = at('2026-05-31T23:30:00+02:00');
    expect(rotationPeriod(weekly, monday)).toBe(rotationPeriod(weekly, sunday) + 1);
    const weeks = [0, 1, 2, 3, 4, 5].map((w) => currentReward(weekly, monday + w * 7 * 86_400_000)?.id);
    // ten-percent has weight 2, five-euro weight 1: a cycle of three weeks.
    expect(weeks.filter((id) => id === 'ten-percent')).toHaveLength(4);
    expect(weeks.filter((id) => id === 'five-euro')).toHaveLength(2);
    expect(weeks.slice(0, 3)).toEqual(weeks.slice(3, 6));
  });

  it('gives every reader the same reward for the same instant', () => {
    const t = at('2026-11-23T12:00:00Z');
    expect(currentReward(catalog, t)).toEqual(currentReward(catalog, t));
  });

  it('has no single current reward in a selectable catalog', () => {
    expect(currentReward({ ...catalog, mode: 'selectable', rotateEvery: undefined }, at('2026-11-23T12:00:00Z'))).toBeUndefined();
  });

  it('picks labels by locale, then language, then the default locale', () => {
    const reward = catalog.rewards[0]!;
    expect(rewardLabel(catalog, reward, 'en-GB')).toBe('10% off your next order');
    expect(rewardLabel(catalog, reward, 'fr-FR')).toBe('10 % auf Ihre nächste Bestellung');
  });
});
