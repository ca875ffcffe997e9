import { describe, expect, it } from 'vitest';
import { liftAgainstHoldout, wilsonInterval } from '#core/lift';

describe('lift: Newcombe hybrid score interval', () => {
  it('computes the Wilson interval of 56 of 70 by hand', () => {
    // p = 0.8, z² = 3.841459; centre = 0.8 + 3.841459/140 = 0.827439;
    // spread = 1.959964 · sqrt(0.16/70 + 3.841459/19600) = 1.959964 · 0.049784 = 0.097575;
    // denominator = 1 + 3.841459/70 = 1.054878 -> (0.692 , 0.877).
    const w = wilsonInterval(56, 70);
    expect(w.lower).toBeCloseTo(0.6918, 4);
    expect(w.upper).toBeCloseTo(0.877, 4);
  });

  it('matches Newcombe (1998) table II, method 10, for 56/70 against 48/80', () => {
    // d = 0.8 - 0.6 = 0.2; Wilson 48/80 = (0.4905, 0.7004);
    // lower = 0.2 - sqrt((0.8 - 0.6918)² + (0.7004 - 0.6)²) = 0.2 - 0.1476 = 0.0524
    // upper = 0.2 + sqrt((0.877 - 0.8)² + (0.6 - 0.4905)²) = 0.2 + 0.1339 = 0.3339
    const lift = liftAgainstHoldout({ members: 70, conversions: 56 }, { members: 80, conversions: 48 })!;
    expect(lift.difference).toBeCloseTo(20, 10);
    expect(lift.ci95.lower).toBeCloseTo(5.24, 2);
    expect(lift.ci95.upper).toBeCloseTo(33.39, 2);
    expect(lift.relative).toBeCloseTo(33.333, 3);
    expect(lift.method).toBe('newcombe-hybrid-score');
  });

  it('matches Newcombe (1998) for small counts: 9/10 against 3/10 and 5/56 against 0/29', () => {
    const a = liftAgainstHoldout({ members: 10, conversions: 9 }, { members: 10, conversions: 3 })!;
    expect([a.ci95.lower, a.ci95.upper].map((x) => Number(x.toFixed(2)))).toEqual([17.05, 80.9]);
    const b = liftAgainstHoldout({ members: 56, conversions: 5 }, { members: 29, conversions: 0 })!;
    expect([b.ci95.lower, b.ci95.upper].map((x) => Number(x.toFixed(2)))).toEqual([-3.81, 19.26]);
    expect(b.relative).toBeNull();
  });

  it('gives a symmetric, non-degenerate interval when neither arm converted', () => {
    const none = liftAgainstHoldout({ members: 10, conversions: 0 }, { members: 10, conversions: 0 })!;
    expect(none.difference).toBe(0);
    expect(none.ci95.lower).toBeCloseTo(-27.75, 2);
    expect(none.ci95.upper).toBeCloseTo(27.75, 2);
  });

  it('has no lift while an arm has no members', () => {
    expect(liftAgainstHoldout({ members: 0, conversions: 0 }, { members: 10, conversions: 1 })).toBeNull();
    expect(liftAgainstHoldout({ members: 10, conversions: 1 }, { members: 0, conversions: 0 })).toBeNull();
  });

  it('rejects counts that are not proportions', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(/x <= n/);
  });
});
