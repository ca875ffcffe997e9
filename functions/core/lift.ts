// Lift of an A/B variant against the holdout: the difference of two conversion proportions
// with a 95 % confidence interval. Pure.
//
// Method: Newcombe's hybrid score interval (Newcombe 1998, "Interval estimation for the difference
// between independent proportions", Statistics in Medicine 17:873-890, method 10). Each
// proportion gets its Wilson score interval (l, u); for d = p1 - p2
//   lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)
//   upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)
// Unlike the Wald interval (d ± z·sqrt(p1(1-p1)/n1 + p2(1-p2)/n2)) it keeps its coverage near 95 %
// with the small counts and rates near 0 that mail conversions have, never leaves [-1, 1], and is
// not degenerate (zero width) when an arm has no or only conversions.
export const Z_95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/** Wilson score interval of x successes in n trials (n > 0). */
export const wilsonInterval = (x: number, n: number, z = Z_95): Interval => {
  if (!(n > 0) || x < 0 || x > n) throw new Error(`wilsonInterval: need 0 <= x <= n and n > 0 (x=${x}, n=${n})`);
  const p = x / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  return { lower: Math.max(0, (centre - spread) / denominator), upper: Math.min(1, (centre + spread) / denominator) };
};

export interface ArmCounts {
  /** Members of the arm: mails sent (a variant) or customers held out. */
  members: number;
  /** Members with a conversion. */
  conversions: number;
}

export interface Lift {
  /** Conversion rate of the variant and of the holdout, in percent (0-100). */
  variantRate: number;
  holdoutRate: number;
  /** variantRate - holdoutRate, in percentage points. */
  difference: number;
  /** Newcombe's hybrid score interval for the difference, 95 %, in percentage points. */
  ci95: Interval;
  /** The difference relative to the holdout's rate, in percent; null when the holdout never converted. */
  relative: number | null;
  method: 'newcombe-hybrid-score';
}

/** The variant's lift in conversion against the holdout; null when either arm has no members. */
export const liftAgainstHoldout = (variant: ArmCounts, holdout: ArmCounts): Lift | null => {
  if (variant.members <= 0 || holdout.members <= 0) return null;
  const p1 = variant.conversions / variant.members;
  const p2 = holdout.conversions / holdout.members;
  const w1 = wilsonInterval(variant.conversions, variant.members);
  const w2 = wilsonInterval(holdout.conversions, holdout.members);
  const d = p1 - p2;
  const lower = d - Math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2);
  const upper = d + Math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2);
  return {
    variantRate: p1 * 100,
    holdoutRate: p2 * 100,
    difference: d * 100,
    ci95: { lower: lower * 100, upper: upper * 100 },
    relative: p2 > 0 ? (d / p2) * 100 : null,
    method: 'newcombe-hybrid-score',
  };
};
