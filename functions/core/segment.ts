// Segments: the rule language marketers write (zod, exported as JSON Schema) and its compiler.
// A rule compiles ONCE into a predicate `(profile, at) => boolean`; evaluating it allocates
// nothing per profile: thresholds are precomputed (as epoch ms and as an ISO string, refreshed
// only when the evaluation time changes), canonical timestamps compare as strings and others are
// parsed with charCode arithmetic, and the one time-zone lookup (birthday) is cached per zone and
// 15-minute bucket.
//
// Every node is an object discriminated on `type`, so a typo yields a precise error path:
//   { "type": "all", "rules": [
//       { "type": "tier", "in": ["gold"] },
//       { "type": "time", "field": "orders.lastOrderAt", "op": "moreThanDaysAgo", "days": 90 } ] }
//
// Semantics worth knowing (documented in README "Segment rules"):
// - A missing value makes a comparison false, except `ne`, which is exactly `not eq`.
// - `moreThanDaysAgo: N` is strict (exactly N days ago is not more than N); `withinLastDays: N`
//   includes exactly N days ago and anything later (also timestamps after `at`).
// - Times in days are 24-hour spans counted back from `at`; calendar days only matter for birthdays.
import * as z from 'zod';
import { IANAZone } from 'luxon';
import type { Profile, Tier } from '#core/profile';
import { orderCounts, tiers } from '#core/profile';

export const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');

export const numberFields = [
  'points',
  'orders.count',
  'orders.netSpendCents',
  'orders.refundedCents',
  'orders.averageOrderCents',
  'nps.score',
] as const;
export type NumberField = (typeof numberFields)[number];

export const timeFields = ['orders.firstOrderAt', 'orders.lastOrderAt', 'registeredAt', 'consent.confirmedAt', 'tierSince'] as const;
export type TimeField = (typeof timeFields)[number];

export const comparisons = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type Comparison = (typeof comparisons)[number];

export const timeOps = ['moreThanDaysAgo', 'withinLastDays', 'never', 'ever'] as const;
export type TimeOp = (typeof timeOps)[number];

export type SegmentRule =
  | { type: 'all'; rules: SegmentRule[] }
  | { type: 'any'; rules: SegmentRule[] }
  | { type: 'not'; rule: SegmentRule }
  | { type: 'segment'; segment: string }
  | { type: 'tier'; in: Tier[] }
  | { type: 'number'; field: NumberField; op: Comparison; value: number }
  | { type: 'time'; field: TimeField; op: TimeOp; days?: number }
  | { type: 'locale'; in: string[] }
  | { type: 'language'; in: string[] }
  | { type: 'timeZone'; in: string[] }
  | { type: 'attribute'; name: string; op: Comparison | 'exists'; value?: string | number | boolean }
  | {
      type: 'orders';
      category?: string;
      withinLastDays?: number;
      measure?: 'count' | 'netCents';
      op?: Comparison;
      value?: number;
    }
  | { type: 'birthday'; withinDays: number }
  | { type: 'consent'; status: Profile['consent']['status'] }
  | { type: 'topic'; topic: string };

const lazyRule = z.lazy(() => SegmentRule);
const Days = z.number().int().min(0).max(36_500);

export const SegmentRule: z.ZodType<SegmentRule> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all'), rules: z.array(lazyRule).min(1).max(100) }).strict().describe('true when every rule is true'),
  z.object({ type: z.literal('any'), rules: z.array(lazyRule).min(1).max(100) }).strict().describe('true when at least one rule is true'),
  z.object({ type: z.literal('not'), rule: lazyRule }).strict().describe('true when the rule is false'),
  z.object({ type: z.literal('segment'), segment: Slug }).strict().describe('the rule of another segment, by id'),
  z.object({ type: z.literal('tier'), in: z.array(z.enum(tiers as [Tier, ...Tier[]])).min(1) }).strict(),
  z
    .object({ type: z.literal('number'), field: z.enum(numberFields), op: z.enum(comparisons), value: z.number() })
    .strict()
    .describe('compares a number on the profile; a missing value (no NPS answer) is false except for ne'),
  z
    .object({ type: z.literal('time'), field: z.enum(timeFields), op: z.enum(timeOps), days: Days.optional() })
    .strict()
    .superRefine((c, ctx) => {
      const needsDays = c.op === 'moreThanDaysAgo' || c.op === 'withinLastDays';
      if (needsDays && c.days === undefined) ctx.addIssue({ code: 'custom', path: ['days'], message: `is required with op "${c.op}"` });
      if (!needsDays && c.days !== undefined) ctx.addIssue({ code: 'custom', path: ['days'], message: `is not allowed with op "${c.op}"` });
    })
    .describe('a time on the profile relative to the evaluation time: moreThanDaysAgo, withinLastDays, never (missing), ever'),
  z.object({ type: z.literal('locale'), in: z.array(z.string().min(2).max(35)).min(1) }).strict().describe('exact locale tags, e.g. "de-AT"'),
  z
    .object({ type: z.literal('language'), in: z.array(z.string().regex(/^[a-z]{2,3}$/, 'must be a language code such as "de"')).min(1) })
    .strict()
    .describe('the language part of the locale: "de" matches "de", "de-DE", "de-AT"'),
  z.object({ type: z.literal('timeZone'), in: z.array(z.string().min(1).max(64)).min(1) }).strict(),
  z
    .object({
      type: z.literal('attribute'),
      name: z.string().min(1).max(64),
      op: z.enum([...comparisons, 'exists']),
      value: z.union([z.string().max(1000), z.number(), z.boolean()]).optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
      if (c.op === 'exists') {
        if (c.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'is not allowed with op "exists"' });
      } else if (c.value === undefined) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `is required with op "${c.op}"` });
      } else if (c.op !== 'eq' && c.op !== 'ne' && typeof c.value !== 'number') {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `must be a number with op "${c.op}"` });
      }
    })
    .describe('a custom attribute the shop sent (attributes.<name>)'),
  z
    .object({
      type: z.literal('orders'),
      category: z.string().min(1).max(200).optional(),
      withinLastDays: Days.optional(),
      measure: z.enum(['count', 'netCents']).optional(),
      op: z.enum(comparisons).optional(),
      value: z.number().optional(),
    })
    .strict()
    .describe('orders (optionally in a category, within the last N days) counted or summed (net of refunds); defaults: count gte 1'),
  z
    .object({ type: z.literal('birthday'), withinDays: z.number().int().min(0).max(366) })
    .strict()
    .describe("birthday today (0) or within the next N days, in the customer's time zone; 29 Feb counts as 28 Feb in other years"),
  z.object({ type: z.literal('consent'), status: z.enum(['none', 'pending', 'confirmed', 'withdrawn']) }).strict(),
  z
    .object({ type: z.literal('topic'), topic: Slug })
    .strict()
    .describe('subscribed to a topic: consent confirmed and the topic not switched off (missing = subscribed)'),
]).meta({ id: 'SegmentRule', description: 'A segment rule: a condition, or all/any/not of rules.' });

export const Segment = z
  .object({
    $schema: z.string().optional(),
    kind: z.literal('segment'),
    id: Slug,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    rule: SegmentRule,
  })
  .strict();
export type Segment = z.infer<typeof Segment>;

// ---------------------------------------------------------------------------------------------
// Compiler

export type Predicate = (profile: Profile, at: number) => boolean;
export type SegmentLookup = (id: string) => SegmentRule | undefined;
export interface CompileOptions {
  /** Resolves `{ "type": "segment" }` references; a Map or a function. */
  segments?: SegmentLookup | ReadonlyMap<string, SegmentRule>;
}

/** Thrown by compileRule for an unknown segment reference or a reference cycle. */
export class SegmentRuleError extends Error {
  override name = 'SegmentRuleError';
}

const DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
};

/** The year of a day number (inverse of daysFromCivil, year part only). */
const yearOfDays = (days: number): number => {
  const z0 = days + 719_468;
  const era = Math.floor(z0 / 146_097);
  const doe = z0 - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
};

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;

/**
 * Epoch milliseconds of an ISO 8601 timestamp, NaN when missing or unparseable. The common
 * forms ("2026-11-23T09:41:54Z", "...54.123Z", "...54+01:00") are parsed without allocating;
 * anything else falls back to Date.parse.
 */
export const isoToMs = (s: string | undefined): number => {
  if (s === undefined) return NaN;
  const n = s.length;
  if (n < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) {
    return Date.parse(s);
  }
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const hour = digit(s, 11) * 10 + digit(s, 12);
  const minute = digit(s, 14) * 10 + digit(s, 15);
  const second = digit(s, 17) * 10 + digit(s, 18);
  let i = 19;
  let millis = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    for (let c = digit(s, i); i < n && c >= 0 && c <= 9; c = digit(s, ++i)) {
      millis += c * scale;
      scale /= 10;
    }
    millis = Math.floor(millis);
  }
  let offsetMinutes: number;
  const sign = s.charCodeAt(i);
  if (sign === 90 && i === n - 1) offsetMinutes = 0;
  else if ((sign === 43 || sign === 45) && n - i === 6 && s.charCodeAt(i + 3) === 58) {
    offsetMinutes = (digit(s, i + 1) * 10 + digit(s, i + 2)) * 60 + digit(s, i + 4) * 10 + digit(s, i + 5);
    if (sign === 45) offsetMinutes = -offsetMinutes;
  } else return Date.parse(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return Date.parse(s);
  return daysFromCivil(year, month, day) * DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis - offsetMinutes * 60_000;
};

/**
 * `at - span` as epoch ms and as a canonical ISO string ("2026-11-23T09:41:54.123Z"), refreshed
 * only when `at` changes (once per occurrence). Canonical timestamps on the profile (what
 * toISOString writes) then compare as strings, without parsing; other forms are parsed.
 */
interface Threshold {
  at: number;
  ms: number;
  iso: string;
}
const makeThreshold = (): Threshold => ({ at: NaN, ms: NaN, iso: '' });
const refresh = (th: Threshold, span: number, at: number): void => {
  if (at === th.at) return;
  th.at = at;
  th.ms = at - span;
  const iso = Number.isFinite(th.ms) && Math.abs(th.ms) < 8.64e15 ? new Date(th.ms).toISOString() : '';
  th.iso = iso.length === 24 ? iso : '';
};
const isCanonical = (s: string): boolean => s.length === 24 && s.charCodeAt(23) === 90 && s.charCodeAt(10) === 84 && s.charCodeAt(19) === 46;
/** t < threshold; false when missing or unreadable. */
const isBefore = (s: string | undefined, th: Threshold): boolean => {
  if (s === undefined) return false;
  if (th.iso !== '' && isCanonical(s)) return s < th.iso;
  return isoToMs(s) < th.ms;
};
/** t >= threshold; false when missing or unreadable. */
const isAtOrAfter = (s: string | undefined, th: Threshold): boolean => {
  if (s === undefined) return false;
  if (th.iso !== '' && isCanonical(s)) return s >= th.iso;
  return isoToMs(s) >= th.ms;
};

/** Local calendar day of `at` in a zone, cached per 15-minute bucket (offsets change only on quarter hours). */
interface ZoneDay {
  bucket: number;
  today: number;
  year: number;
}
const QUARTER_HOUR = 900_000;

const makeLocalDay = () => {
  const cache = new Map<string, ZoneDay>();
  // Returns the cache entry, updated in place: after the first profile of a zone in a bucket,
  // this is one Map lookup and no allocation.
  return (timeZone: string, at: number): ZoneDay => {
    const bucket = Math.floor(at / QUARTER_HOUR);
    let entry = cache.get(timeZone);
    if (entry !== undefined && entry.bucket === bucket) return entry;
    const zone = IANAZone.create(timeZone);
    const offsetMinutes = zone.isValid ? zone.offset(at) : 0;
    const today = Math.floor((at + offsetMinutes * 60_000) / DAY);
    if (entry === undefined) {
      entry = { bucket, today, year: yearOfDays(today) };
      cache.set(timeZone, entry);
    } else {
      entry.bucket = bucket;
      entry.today = today;
      entry.year = yearOfDays(today);
    }
    return entry;
  };
};

/** Days from local `today` to the next birthday (0 = today); -1 when the birthday is unreadable. */
const daysToBirthday = (birthday: string, today: number, year: number): number => {
  const n = birthday.length;
  if (n !== 10 && n !== 7) return -1;
  const month = digit(birthday, n - 5) * 10 + digit(birthday, n - 4);
  const day = digit(birthday, n - 2) * 10 + digit(birthday, n - 1);
  if (month < 1 || month > 12 || day < 1 || day > 31) return -1;
  const leapDay = month === 2 && day === 29;
  let candidate = daysFromCivil(year, month, leapDay && !isLeap(year) ? 28 : day);
  if (candidate < today) candidate = daysFromCivil(year + 1, month, leapDay && !isLeap(year + 1) ? 28 : day);
  return candidate - today;
};

const numberGetters: Record<NumberField, (p: Profile) => number | undefined> = {
  points: (p) => p.points,
  'orders.count': (p) => p.orders.count,
  'orders.netSpendCents': (p) => p.orders.netSpendCents,
  'orders.refundedCents': (p) => p.orders.refundedCents,
  'orders.averageOrderCents': (p) => p.orders.averageOrderCents,
  'nps.score': (p) => p.nps?.score,
};

const timeGetters: Record<TimeField, (p: Profile) => string | undefined> = {
  'orders.firstOrderAt': (p) => p.orders.firstOrderAt,
  'orders.lastOrderAt': (p) => p.orders.lastOrderAt,
  registeredAt: (p) => p.registeredAt,
  'consent.confirmedAt': (p) => p.consent.confirmedAt,
  tierSince: (p) => p.tierSince,
};

/** `ne` is exactly `not eq`; every other comparison with a missing value is false. */
const compareNumbers = (op: Comparison, actual: number | undefined, expected: number): boolean => {
  if (actual === undefined || Number.isNaN(actual)) return op === 'ne';
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'gt':
      return actual > expected;
    case 'gte':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'lte':
      return actual <= expected;
  }
};

// Specialised comparators so the hot path does not switch on `op` per profile.
const comparator = (op: Comparison, expected: number): ((actual: number | undefined) => boolean) => {
  switch (op) {
    case 'eq':
      return (a) => a === expected;
    case 'ne':
      return (a) => a !== expected;
    case 'gt':
      return (a) => a !== undefined && a > expected;
    case 'gte':
      return (a) => a !== undefined && a >= expected;
    case 'lt':
      return (a) => a !== undefined && a < expected;
    case 'lte':
      return (a) => a !== undefined && a <= expected;
  }
};

/** "de" matches "de", "de-DE", "DE-at"; compares ASCII letters case-insensitively without allocating. */
const hasLanguage = (locale: string, language: string): boolean => {
  const n = language.length;
  if (locale.length < n) return false;
  for (let i = 0; i < n; i++) {
    const c = locale.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== language.charCodeAt(i)) return false;
  }
  return locale.length === n || locale.charCodeAt(n) === 45 || locale.charCodeAt(n) === 95;
};

const equalsIgnoreCase = (value: string, lower: string): boolean => {
  if (value.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = value.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
};

const toLookup = (segments: CompileOptions['segments']): SegmentLookup => {
  if (segments === undefined) return () => undefined;
  if (typeof segments === 'function') return segments;
  return (id) => segments.get(id);
};

/**
 * Compiles a rule once into a predicate over a profile and the evaluation time (epoch ms).
 * Segment references are resolved now (each referenced segment compiled once); an unknown
 * reference or a cycle throws SegmentRuleError naming the segments involved.
 *
 * Cost per evaluation: property reads and arithmetic; `time` and `orders` windows compare
 * canonical ISO strings ("...T09:41:54.123Z") with a cached threshold string (rebuilt, one small
 * string, only when `at` changes) and parse other forms with charCode arithmetic; `birthday` does
 * one Map lookup per profile (zone -> local day, recomputed through luxon only when the zone is
 * first seen in a 15-minute bucket). These caches live in the predicate; reusing it with any
 * mix of evaluation times stays correct (each cache is keyed by the time it was built for).
 */
export const compileRule = (rule: SegmentRule, options: CompileOptions = {}): Predicate => {
  const lookup = toLookup(options.segments);
  const compiledSegments = new Map<string, Predicate>();
  const localDay = makeLocalDay();

  const compile = (node: SegmentRule, stack: readonly string[]): Predicate => {
    switch (node.type) {
      case 'all': {
        const parts = node.rules.map((r) => compile(r, stack));
        if (parts.length === 1) return parts[0]!;
        return (p, at) => {
          for (let i = 0; i < parts.length; i++) if (!parts[i]!(p, at)) return false;
          return true;
        };
      }
      case 'any': {
        const parts = node.rules.map((r) => compile(r, stack));
        if (parts.length === 1) return parts[0]!;
        return (p, at) => {
          for (let i = 0; i < parts.length; i++) if (parts[i]!(p, at)) return true;
          return false;
        };
      }
      case 'not': {
        const inner = compile(node.rule, stack);
        return (p, at) => !inner(p, at);
      }
      case 'segment': {
        const id = node.segment;
        if (stack.includes(id)) throw new SegmentRuleError(`segment cycle: ${[...stack, id].join(' -> ')}`);
        const done = compiledSegments.get(id);
        if (done) return done;
        const target = lookup(id);
        if (target === undefined) throw new SegmentRuleError(`unknown segment "${id}"`);
        const compiled = compile(target, [...stack, id]);
        compiledSegments.set(id, compiled);
        return compiled;
      }
      case 'tier': {
        const wanted = new Set<string>(node.in);
        return (p) => wanted.has(p.tier);
      }
      case 'number': {
        const get = numberGetters[node.field];
        const test = comparator(node.op, node.value);
        return (p) => test(get(p));
      }
      case 'time': {
        const get = timeGetters[node.field];
        if (node.op === 'never') return (p) => get(p) === undefined;
        if (node.op === 'ever') return (p) => get(p) !== undefined;
        const span = (node.days ?? 0) * DAY;
        const th = makeThreshold();
        if (node.op === 'moreThanDaysAgo') {
          return (p, at) => {
            refresh(th, span, at);
            return isBefore(get(p), th);
          };
        }
        return (p, at) => {
          refresh(th, span, at);
          return isAtOrAfter(get(p), th);
        };
      }
      case 'locale': {
        const exact = new Set(node.in);
        const lower = node.in.map((l) => l.toLowerCase());
        // Exact tags hit the Set; other casings ("de-de") are compared without allocating.
        return (p) => {
          if (exact.has(p.locale)) return true;
          for (let i = 0; i < lower.length; i++) if (equalsIgnoreCase(p.locale, lower[i]!)) return true;
          return false;
        };
      }
      case 'language': {
        const languages = node.in.map((l) => l.toLowerCase());
        return (p) => {
          for (let i = 0; i < languages.length; i++) if (hasLanguage(p.locale, languages[i]!)) return true;
          return false;
        };
      }
      case 'timeZone': {
        const wanted = new Set(node.in);
        return (p) => wanted.has(p.timeZone);
      }
      case 'attribute': {
        const { name, op, value } = node;
        if (op === 'exists') return (p) => p.attributes[name] !== undefined;
        if (op === 'eq') return (p) => p.attributes[name] === value;
        if (op === 'ne') return (p) => p.attributes[name] !== value;
        const expected = value as number;
        return (p) => {
          const actual = p.attributes[name];
          return typeof actual === 'number' && compareNumbers(op, actual, expected);
        };
      }
      case 'orders': {
        const { category, withinLastDays } = node;
        const measure = node.measure ?? 'count';
        const test = comparator(node.op ?? 'gte', node.value ?? 1);
        const span = withinLastDays === undefined ? Infinity : withinLastDays * DAY;
        const th = makeThreshold();
        const fromHistory = (p: Profile, at: number): boolean => {
          const history = p.orderHistory;
          if (span !== Infinity) refresh(th, span, at);
          let total = 0;
          for (let i = history.length - 1; i >= 0; i--) {
            const order = history[i]!;
            if (span !== Infinity && isBefore(order.at, th)) break; // oldest first: the rest is older
            if (category !== undefined && !order.categories.includes(category)) continue;
            if (measure === 'count') {
              if (orderCounts(order)) total += 1;
            } else total += order.totalCents - order.refundedCents;
          }
          return test(total);
        };
        // "Ever ordered in category X" reads ingest's running per-category counts of orders not
        // fully refunded (all orders, not only the bounded history): the same rule as above.
        // Profiles from before those counts existed fall back to the history.
        if (category !== undefined && withinLastDays === undefined && measure === 'count' && (node.op ?? 'gte') === 'gte' && (node.value ?? 1) === 1) {
          return (p, at) => (p.categoryOrders ? (p.categoryOrders[category] ?? 0) >= 1 : fromHistory(p, at));
        }
        return fromHistory;
      }
      case 'birthday': {
        const within = node.withinDays;
        return (p, at) => {
          if (p.birthday === undefined) return false;
          const day = localDay(p.timeZone, at);
          const days = daysToBirthday(p.birthday, day.today, day.year);
          return days >= 0 && days <= within;
        };
      }
      case 'consent': {
        const status = node.status;
        return (p) => p.consent.status === status;
      }
      case 'topic': {
        const topic = node.topic;
        return (p) => p.consent.status === 'confirmed' && p.topics[topic] !== false;
      }
    }
  };

  return compile(rule, []);
};

/** Every segment reference in a rule with its path below the rule (for validation messages). */
export const segmentReferences = (rule: SegmentRule, path: (string | number)[] = []): { segment: string; path: (string | number)[] }[] => {
  switch (rule.type) {
    case 'all':
    case 'any':
      return rule.rules.flatMap((r, i) => segmentReferences(r, [...path, 'rules', i]));
    case 'not':
      return segmentReferences(rule.rule, [...path, 'rule']);
    case 'segment':
      return [{ segment: rule.segment, path: [...path, 'segment'] }];
    default:
      return [];
  }
};
