import { describe, expect, it } from 'vitest';
import { RewardCatalog, availableRewards, currentReward, rotationPeriod } from '#core/rewards';

const catalog = (over: Partial<Record<string, unknown>> = {}): RewardCatalog =>
  RewardCatalog.parse({
    kind: 'rewardCatalog',
    id: 'rotation',
    name: 'Rotation',
    mode: 'rotate',
    rotateEvery: 'week',
    timeZone: 'Europe/Berlin',
    defaultLocale: 'de',
    rewards: [
      { id: 'a', label: { de: 'A' }, value: { type: 'percent', percent: 10 }, weight: 2 },
      { id: 'b', label: { de: 'B' }, value: { type: 'freeShipping' } },
    ],
    ...over,
  });

const at = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

describe('rewards: rotation by period and weight', () => {
  it('keeps one reward for a whole week, Monday to Sunday in the catalog zone', () => {
    const c = catalog();
    // Monday 2026-03-02 00:00 Berlin is 2026-03-01T23:00Z; Sunday 23:59 Berlin is the week's end.
    const monday = currentReward(c, at('2026-03-01T23:00:00Z'));
    expect(currentReward(c, at('2026-03-08T22:59:00Z'))?.id).toBe(monday?.id);
    expect(rotationPeriod(c, at('2026-03-01T22:59:00Z'))).toBe(rotationPeriod(c, at('2026-03-01T23:00:00Z')) - 1);
  });

  it('gives a reward of weight 2 twice as many weeks as one of weight 1', () => {
    const c = catalog();
    const counts: Record<string, number> = {};
    for (let week = 0; week < 30; week++) {
      const id = currentReward(c, at('2026-01-07T12:00:00Z') + week * 7 * DAY)!.id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 20, b: 10 });
  });

  it('changes the reward every day with rotateEvery "day", and every month with "month"', () => {
    const daily = catalog({ rotateEvery: 'day', rewards: [
      { id: 'a', label: { de: 'A' }, value: { type: 'percent', percent: 10 } },
      { id: 'b', label: { de: 'B' }, value: { type: 'freeShipping' } },
    ] });
    expect(currentReward(daily, at('2026-03-02T12:00:00Z'))?.id).not.toBe(currentReward(daily, at('2026-03-03T12:00:00Z'))?.id);
    const monthly = catalog({ rotateEvery: 'month', rewards: daily.rewards });
    expect(currentReward(monthly, at('2026-03-01T12:00:00Z'))?.id).toBe(currentReward(monthly, at('2026-03-31T12:00:00Z'))?.id);
    expect(currentReward(monthly, at('2026-03-31T12:00:00Z'))?.id).not.toBe(currentReward(monthly, at('2026-04-01T12:00:00Z'))?.id);
  });

  it('switches a monthly reward at local midnight, not at UTC midnight', () => {
    const monthly = catalog({ rotateEvery: 'month', rewards: [
      { id: 'a', label: { de: 'A' }, value: { type: 'percent', percent: 10 } },
      { id: 'b', label: { de: 'B' }, value: { type: 'freeShipping' } },
    ] });
    // 2026-03-31T22:30Z is already 1 April in Berlin (CEST, UTC+2).
    expect(currentReward(monthly, at('2026-03-31T22:30:00Z'))?.id).toBe(currentReward(monthly, at('2026-04-01T12:00:00Z'))?.id);
  });
});

describe('rewards: seasonal windows', () => {
  const seasonal = catalog({
    rotateEvery: 'day',
    rewards: [
      { id: 'winter', label: { de: 'Winter' }, value: { type: 'gift', sku: 'MUG' }, validity: { months: [12, 1] } },
      { id: 'newyear', label: { de: 'Neujahr' }, value: { type: 'percent', percent: 20 }, validity: { from: '2026-12-28', to: '2027-01-03' } },
      { id: 'always', label: { de: 'Immer' }, value: { type: 'freeShipping' } },
    ],
  });

  it('offers a December-January reward on both sides of the year boundary and not in February', () => {
    expect(availableRewards(seasonal, at('2026-12-31T12:00:00Z')).map((r) => r.id)).toContain('winter');
    expect(availableRewards(seasonal, at('2027-01-15T12:00:00Z')).map((r) => r.id)).toContain('winter');
    expect(availableRewards(seasonal, at('2027-02-01T12:00:00Z')).map((r) => r.id)).toEqual(['always']);
  });

  it('offers a from/to window across New Year inclusive of both days, by the catalog zone', () => {
    expect(availableRewards(seasonal, at('2026-12-27T22:59:00Z')).map((r) => r.id)).not.toContain('newyear'); // 27 Dec 23:59 Berlin
    expect(availableRewards(seasonal, at('2026-12-27T23:00:00Z')).map((r) => r.id)).toContain('newyear'); // 28 Dec 00:00 Berlin
    expect(availableRewards(seasonal, at('2027-01-03T22:59:00Z')).map((r) => r.id)).toContain('newyear');
    expect(availableRewards(seasonal, at('2027-01-03T23:00:00Z')).map((r) => r.id)).not.toContain('newyear');
  });

  it('rotates among the rewards valid that day only, across the year boundary', () => {
    const seen = new Set<string>();
    for (let d = 0; d < 14; d++) seen.add(currentReward(seasonal, at('2026-12-25T12:00:00Z') + d * DAY)!.id);
    expect([...seen].sort()).toEqual(['always', 'newyear', 'winter']);
    for (let d = 0; d < 10; d++) expect(currentReward(seasonal, at('2027-03-01T12:00:00Z') + d * DAY)!.id).toBe('always');
  });

  it('answers no current reward when nothing is valid, and none for a selectable catalog', () => {
    const onlyWinter = catalog({ rewards: [{ id: 'w', label: { de: 'W' }, value: { type: 'freeShipping' }, validity: { months: [12] } }] });
    expect(currentReward(onlyWinter, at('2026-06-01T12:00:00Z'))).toBeUndefined();
    const selectable = catalog({ mode: 'selectable', rotateEvery: undefined });
    expect(currentReward(selectable, at('2026-06-01T12:00:00Z'))).toBeUndefined();
  });
});
