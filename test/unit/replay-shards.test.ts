// How a replay's customers are split over workers (functions/local/replay-shards.ts): referral
// friends with their referrers, balanced by events, and no split where it would not be exact.
import { describe, expect, it } from 'vitest';
import { planShares, workersFor, SPLIT_FROM_CUSTOMERS } from '#local/replay-shards';
import { referralCodeCandidate } from '#core/referral';
import type { BusEvent } from '#local/bus';

const event = (customerId: string | undefined, detail: Record<string, unknown> = {}): BusEvent => ({
  version: '0',
  id: `e-${Math.random()}`,
  'detail-type': 'OrderPlaced',
  source: 'shop',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'local',
  resources: [],
  detail: { ...(customerId === undefined ? {} : { customerId }), ...detail },
});

describe('planShares', () => {
  it('puts a friend in the share of the referrer whose code (attempt 0) it used, however the code was typed', () => {
    const code = referralCodeCandidate('c-1', 0);
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`;
    const feed = [event('c-1'), event('c-2'), event('c-3'), event('c-4'), event('c-9', { referralCode: typed }), event('c-8', { referralCode: code })];
    const shares = planShares(feed, 2)!;
    const shareOf = (id: string) => shares.findIndex((s) => s.includes(id));
    expect(shareOf('c-9')).toBe(shareOf('c-1'));
    expect(shareOf('c-8')).toBe(shareOf('c-1'));
    expect(shares.flat().sort()).toEqual(['c-1', 'c-2', 'c-3', 'c-4', 'c-8', 'c-9']);
  });

  it('balances the shares by events, biggest groups first', () => {
    const feed = [...Array.from({ length: 10 }, () => event('heavy')), ...['a', 'b', 'c', 'd', 'e', 'f'].map((id) => event(id))];
    const shares = planShares(feed, 2)!;
    expect(shares.find((s) => s.includes('heavy'))).toEqual(['heavy']);
    expect(shares.find((s) => !s.includes('heavy'))!.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('is deterministic: the same feed gives the same shares', () => {
    const feed = Array.from({ length: 50 }, (_, i) => event(`c-${i % 17}`));
    expect(planShares(feed, 3)).toEqual(planShares([...feed], 3));
  });

  it('refuses a split when an event names no customer', () => {
    expect(planShares([event('c-1'), event(undefined)], 2)).toBeUndefined();
  });
});

describe('workersFor', () => {
  const many = Array.from({ length: SPLIT_FROM_CUSTOMERS }, (_, i) => event(`c-${i}`));
  const base = { campaigns: 'campaigns', events: 'e.jsonl', from: new Date(0), to: new Date(1) };
  it('splits big replays by default and small ones not', () => {
    expect(workersFor(base, { feed: many })).toBeGreaterThanOrEqual(1);
    expect(workersFor(base, { feed: many.slice(0, 10) })).toBe(1);
    expect(workersFor({ ...base, workers: 3 }, { feed: many.slice(0, 10) })).toBe(3);
  });
  it('never splits with local AWS servers or an inspect of the runtime', () => {
    expect(workersFor({ ...base, workers: 3, backend: 'local-aws' }, { feed: many })).toBe(1);
    expect(workersFor({ ...base, workers: 3, inspect: async () => undefined }, { feed: many })).toBe(1);
  });
});
