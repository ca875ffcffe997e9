// Retention KPIs: what one customer contributes to each calendar month's counters, and how a
// profile change (one applied event) changes those contributions. Pure: luxon for the months in
// the report's zone (DST-safe), no clock reads.
//
// Definitions (README "Retention report"):
// - purchase as of t: an order placed at or before t, unless the refunds dated at or before t
//   add up to its total (a 0-total order cannot be refunded and stays a purchase, as orderCounts);
// - end of month M: its last millisecond in the zone; "start of M" is the end of M - 1;
// - customers(M) / repeatCustomers(M): >= 1 / >= 2 purchases as of the end of M;
// - active at t: a purchase (as of t) placed in (t - W days, t], days in the zone;
//   activeCustomers(M) = active at the end of M; activeAtStart(M) = active at the end of M - 1;
//   retainedAtEnd(M) = active at both;
// - orders(M): orders placed in M that are purchases as of the end of M;
// - revenueCents(M): totals of orders placed in M minus refunds dated in M (a refund dated before
//   its order counts in the order's month);
// - newCustomers(M): customers with a purchase as of the end of M and none as of the end of M - 1;
// - NPS: each customer's latest answer in M (submittedAt) counts once: 9-10 promoter, 7-8
//   passive, 0-6 detractor.
//
// Aggregates (core/kpi-store.ts) keep per month the CHANGE of the stock counters against the
// month before (customers, repeatCustomers, activeCustomers, retainedAtEnd: a customer's
// contribution to them lasts beyond the month it starts in) and the VALUE of the flow counters
// (orders, revenue, new customers, NPS): an event then touches a handful of month items.
import { DateTime } from 'luxon';
import type { OrderSummary, Profile } from '#core/profile';
import type { ShopEvent } from '#core/events';
import { minusMonths } from '#core/loyalty';
import { HISTORY_RETENTION_MONTHS } from '#core/store';

export const DEFAULT_ACTIVE_DAYS = 365;

/** The zone and activity window W the aggregates are kept for. */
export interface KpiScope {
  timeZone: string;
  activeDays: number;
}

/** Stored as the change against the previous month; the report sums them up from the first month. */
export const STOCK_COUNTERS = ['customers', 'repeatCustomers', 'activeCustomers', 'retainedAtEnd'] as const;
/** Stored as the month's own value. */
export const FLOW_COUNTERS = ['orders', 'revenueCents', 'newCustomers', 'npsResponses', 'promoters', 'passives', 'detractors'] as const;
export const COUNTERS = [...STOCK_COUNTERS, ...FLOW_COUNTERS] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counters = Record<Counter, number>;
/** "YYYY-MM" -> counter changes as stored (only non-zero entries). */
export type MonthChanges = Map<string, Partial<Counters>>;

/** The order facts the KPIs read: when placed, the total, and each refund's date and amount. */
export interface OrderFact {
  placedMs: number;
  totalCents: number;
  /** Refunds as applied (clamped to what was left), by date. */
  refunds: { ms: number; cents: number }[];
}

export interface CustomerFacts {
  orders: OrderFact[];
  nps: { ms: number; score: number }[];
}

/** How many NPS answers a profile keeps, at most HISTORY_RETENTION_MONTHS older than the latest (data minimisation). */
export const NPS_ANSWERS_LIMIT = 60;

const zeroCounters = (): Counters => ({
  customers: 0,
  repeatCustomers: 0,
  activeCustomers: 0,
  retainedAtEnd: 0,
  orders: 0,
  revenueCents: 0,
  newCustomers: 0,
  npsResponses: 0,
  promoters: 0,
  passives: 0,
  detractors: 0,
});

const orderFact = (order: OrderSummary): OrderFact => {
  const placedMs = Date.parse(order.at);
  let refunds = (order.refundLog ?? []).map((r) => ({ ms: Date.parse(r.at), cents: r.cents }));
  const logged = refunds.reduce((a, r) => a + r.cents, 0);
  // Orders refunded before refunds were logged: the rest counts as refunded when it was placed.
  if (order.refundedCents > logged) refunds = [...refunds, { ms: placedMs, cents: order.refundedCents - logged }];
  return { placedMs, totalCents: order.totalCents, refunds };
};

/** The facts of one profile (orders from its bounded history, NPS answers it keeps). */
export const customerFacts = (profile: Pick<Profile, 'orderHistory' | 'npsAnswers' | 'nps' | 'orders'> | undefined): CustomerFacts => {
  if (!profile) return { orders: [], nps: [] };
  const nps = (profile.npsAnswers ?? (profile.nps ? [profile.nps] : [])).map((a) => ({ ms: Date.parse(a.at), score: a.score }));
  const orders = profile.orderHistory.map(orderFact);
  // Orders ingest pruned from the bounded history still count: as purchases (0 total, so no
  // refund takes them back) placed at the first order's time.
  const pruned = profile.orders.count - profile.orderHistory.length;
  const firstMs = Date.parse(profile.orders.firstOrderAt ?? profile.orderHistory[0]?.at ?? '');
  if (pruned > 0 && Number.isFinite(firstMs)) for (let i = 0; i < pruned; i++) orders.push({ placedMs: firstMs, totalCents: 0, refunds: [] });
  return { orders, nps };
};

/**
 * Month keys and their boundaries in one zone, cached (the report and ingest ask for the same
 * ones). Internally a month is its index (year * 12 + month - 1), so the per-event work of ingest
 * builds no strings.
 */
export class MonthCalendar {
  private readonly starts = new Map<number, number>();
  private readonly windows = new Map<number, number>();
  readonly activeDays: number;
  constructor(readonly timeZone: string, activeDays: number) {
    if (!DateTime.local().setZone(timeZone).isValid) throw new Error(`timeZone "${timeZone}" is not an IANA time zone`);
    if (!Number.isInteger(activeDays) || activeDays < 1) throw new Error(`activeDays ${activeDays} must be a whole number of days, at least 1`);
    this.activeDays = activeDays;
  }
  /** The first millisecond of month index `i` (local midnight of its first day). */
  startAt(i: number): number {
    let start = this.starts.get(i);
    if (start === undefined) {
      start = DateTime.fromObject({ year: Math.floor(i / 12), month: (i % 12) + 1, day: 1 }, { zone: this.timeZone }).toMillis();
      this.starts.set(i, start);
    }
    return start;
  }
  /** The month index of an instant: the UTC month, moved by one where the zone's offset crosses a boundary (offsets < 1 day). */
  indexOf(ms: number): number {
    const d = new Date(ms);
    const guess = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (ms < this.startAt(guess)) return guess - 1;
    return ms >= this.startAt(guess + 1) ? guess + 1 : guess;
  }
  /** The start of the activity window ending at the end of month index `i`: (windowStart, end] counts. */
  windowStartAt(i: number): number {
    let start = this.windows.get(i);
    if (start === undefined) {
      start = DateTime.fromMillis(this.startAt(i + 1) - 1, { zone: this.timeZone }).minus({ days: this.activeDays }).toMillis();
      this.windows.set(i, start);
    }
    return start;
  }
  monthOf(ms: number): string {
    return monthKey(this.indexOf(ms));
  }
  startOf(month: string): number {
    return this.startAt(monthIndex(month));
  }
  endOf(month: string): number {
    return this.startAt(monthIndex(month) + 1) - 1;
  }
}

const monthIndex = (month: string): number => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
const monthKey = (i: number): string => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;

export const nextMonth = (month: string): string => {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
};
export const previousMonth = (month: string): string => {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};
/** Months from `from` to `to`, both included ("YYYY-MM"). */
export const monthsBetween = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let m = from; m <= to; m = nextMonth(m)) out.push(m);
  return out;
};

const npsBucket = (score: number): 'promoters' | 'passives' | 'detractors' => (score >= 9 ? 'promoters' : score >= 7 ? 'passives' : 'detractors');

/** When an order stops being a purchase: the first time its refunds (as of then) add up to its total. */
const voidedAt = (order: OrderFact): number => {
  if (order.totalCents === 0 || order.refunds.length === 0) return Infinity;
  const refunds = order.refunds.map((r) => ({ at: Math.max(r.ms, order.placedMs), cents: r.cents })).sort((a, b) => a.at - b.at);
  let sum = 0;
  for (const r of refunds) {
    sum += r.cents;
    if (sum >= order.totalCents) return r.at;
  }
  return Infinity;
};

/**
 * One customer's counter values per month index (not changes), from the first month anything
 * happens to the month after which nothing changes any more (last order + W days); before it all
 * are 0, after it the stock counters keep the last value and the flows are 0.
 */
export const customerMonths = (facts: CustomerFacts, calendar: MonthCalendar): { first: number; values: Counters[] } => {
  const orders = facts.orders;
  if (orders.length === 0 && facts.nps.length === 0) return { first: 0, values: [] };
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let lastOrder = -Infinity;
  const voids: number[] = [];
  for (const o of orders) {
    firstMs = Math.min(firstMs, o.placedMs);
    lastOrder = Math.max(lastOrder, o.placedMs);
    for (const r of o.refunds) lastMs = Math.max(lastMs, r.ms);
    voids.push(voidedAt(o));
  }
  for (const a of facts.nps) {
    firstMs = Math.min(firstMs, a.ms);
    lastMs = Math.max(lastMs, a.ms);
  }
  lastMs = Math.max(lastMs, lastOrder);
  const first = calendar.indexOf(firstMs);
  // W days after the last order (plus two for DST and the window's open end) nobody is active any more.
  const final = calendar.indexOf(Math.max(lastMs, lastOrder + (calendar.activeDays + 2) * 86_400_000)) + 1;
  const values: Counters[] = [];
  for (let i = first; i <= final; i++) values.push(zeroCounters());
  // Flows by month: revenue of orders and refunds where they happened; NPS: the latest answer.
  for (let k = 0; k < orders.length; k++) {
    const o = orders[k]!;
    values[calendar.indexOf(o.placedMs) - first]!.revenueCents += o.totalCents;
    for (const r of o.refunds) values[calendar.indexOf(Math.max(r.ms, o.placedMs)) - first]!.revenueCents -= r.cents;
  }
  const latest = new Map<number, { ms: number; score: number }>();
  for (const a of facts.nps) {
    const i = calendar.indexOf(a.ms);
    const held = latest.get(i);
    if (!held || a.ms >= held.ms) latest.set(i, a);
  }
  for (const [i, a] of latest) {
    const c = values[i - first]!;
    c.npsResponses = 1;
    c[npsBucket(a.score)] = 1;
  }
  let previousCount = 0;
  let previousActive = false;
  for (let i = first; i <= final; i++) {
    const start = calendar.startAt(i);
    const end = calendar.startAt(i + 1) - 1;
    const windowStart = calendar.windowStartAt(i);
    const c = values[i - first]!;
    let count = 0;
    let active = false;
    for (let k = 0; k < orders.length; k++) {
      const placed = orders[k]!.placedMs;
      if (placed > end || voids[k]! <= end) continue;
      count++;
      if (placed >= start) c.orders++;
      if (placed > windowStart) active = true;
    }
    c.customers = count >= 1 ? 1 : 0;
    c.repeatCustomers = count >= 2 ? 1 : 0;
    c.activeCustomers = active ? 1 : 0;
    c.retainedAtEnd = active && previousActive ? 1 : 0;
    c.newCustomers = count >= 1 && previousCount === 0 ? 1 : 0;
    previousCount = count;
    previousActive = active;
  }
  return { first, values };
};

const STOCK: ReadonlySet<Counter> = new Set(STOCK_COUNTERS);

/** The stored changes of one customer's month values (stock: against the month before; flow: the value). */
const storedForm = ({ first, values }: { first: number; values: Counters[] }): MonthChanges => {
  const out: MonthChanges = new Map();
  let previous: Counters | undefined;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    let changes: Partial<Counters> | undefined;
    for (const counter of COUNTERS) {
      const d = STOCK.has(counter) ? v[counter] - (previous?.[counter] ?? 0) : v[counter];
      if (d !== 0) (changes ??= {})[counter] = d;
    }
    if (changes) out.set(monthKey(first + k), changes);
    previous = v;
  }
  return out;
};

/** Adds `from` into `into` (month by month, counter by counter), dropping what cancels out. */
export const addChanges = (into: MonthChanges, from: MonthChanges, sign: 1 | -1 = 1): MonthChanges => {
  for (const [month, changes] of from) {
    const target = { ...(into.get(month) ?? {}) };
    for (const [counter, v] of Object.entries(changes) as [Counter, number][]) {
      const next = (target[counter] ?? 0) + sign * v;
      if (next === 0) delete target[counter];
      else target[counter] = next;
    }
    if (Object.keys(target).length > 0) into.set(month, target);
    else into.delete(month);
  }
  return into;
};

/** One customer's contribution in stored form (what a rebuild from profiles adds up). */
export const customerContribution = (profile: Profile | undefined, calendar: MonthCalendar): MonthChanges =>
  storedForm(customerMonths(customerFacts(profile), calendar));

/**
 * How one applied event changes the stored counters: the contribution after minus the one
 * before. Orders ingest pruned from the history (older than its window) are kept on the "after"
 * side, so pruning never takes a customer's old purchases out of the counters.
 */
export const contributionChange = (before: Profile | undefined, after: Profile, calendar: MonthCalendar): MonthChanges => {
  // Most events (registrations, consent, updates) change nothing the KPIs read.
  if (before && before.orderHistory === after.orderHistory && before.npsAnswers === after.npsAnswers && before.orders.count === after.orders.count) return new Map();
  const kept = new Set(after.orderHistory.map((o) => o.orderId));
  const pruned = (before?.orderHistory ?? []).filter((o) => !kept.has(o.orderId));
  // The orders this event pruned stay as they were (customerFacts then counts no placeholder for them).
  const keptAnswers = new Set((after.npsAnswers ?? []).map((a) => `${a.at}|${a.score}`));
  const prunedAnswers = (before?.npsAnswers ?? []).filter((a) => !keptAnswers.has(`${a.at}|${a.score}`));
  const afterFacts = customerFacts({
    ...after,
    orderHistory: [...pruned, ...after.orderHistory],
    ...(prunedAnswers.length > 0 ? { npsAnswers: [...prunedAnswers, ...(after.npsAnswers ?? [])] } : {}),
  });
  const changes = storedForm(customerMonths(afterFacts, calendar));
  return addChanges(changes, storedForm(customerMonths(customerFacts(before), calendar)), -1);
};

/** The NPS answers a profile keeps after `answer`: the latest NPS_ANSWERS_LIMIT, oldest first. */
export const withNpsAnswer = (answers: readonly { score: number; at: string }[] | undefined, answer: { score: number; at: string }): { score: number; at: string }[] => {
  const list = [...(answers ?? [])];
  if (list.some((a) => a.at === answer.at && a.score === answer.score)) return list;
  let index = list.length;
  while (index > 0 && list[index - 1]!.at > answer.at) index--;
  list.splice(index, 0, answer);
  const oldest = minusMonths(list[list.length - 1]!.at, HISTORY_RETENTION_MONTHS);
  return list.filter((a) => a.at >= oldest).slice(-NPS_ANSWERS_LIMIT);
};

/**
 * The retention facts ingest keeps on the profile beyond what it needs itself: when each refund
 * happened (OrderSummary.refundLog) and every NPS answer (npsAnswers), so the KPIs can be
 * evaluated as of any time. Called by applyEvent with the profile before and after the event.
 */
export const withRetentionFacts = (
  before: Profile,
  after: Profile,
  event: ShopEvent,
): Profile => {
  if (event.type === 'NpsSubmitted') {
    const answer = { score: event.detail.score, at: new Date(event.detail.submittedAt).toISOString() };
    const seeded = before.npsAnswers ?? (before.nps ? [before.nps] : []);
    return { ...after, npsAnswers: withNpsAnswer(seeded, answer) };
  }
  if (event.type !== 'OrderRefunded' && event.type !== 'OrderPlaced') return after;
  const orderId = event.detail.orderId;
  const index = after.orderHistory.findIndex((o) => o.orderId === orderId);
  const order = after.orderHistory[index];
  if (!order) return after;
  const old = before.orderHistory.find((o) => o.orderId === orderId);
  const cents = order.refundedCents - (old?.refundedCents ?? 0);
  if (cents <= 0) return after;
  // A refund now, or refunds that waited for their order (dated the latest of them).
  const at = event.type === 'OrderRefunded' ? event.detail.refundedAt : before.pendingRefunds[orderId]?.at ?? order.at;
  const history = [...after.orderHistory];
  history[index] = { ...order, refundLog: [...(old?.refundLog ?? []), { at: new Date(at).toISOString(), cents }] };
  return { ...after, orderHistory: history };
};

/** Month items are split in this many shards by customer, so a busy month is not one hot item. */
export const KPI_SHARDS = 4;

/** The shard of a customer's month changes (stable: FNV-1a of the id). */
export const kpiShardOf = (customerId: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) h = Math.imul(h ^ customerId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % KPI_SHARDS;
};

/**
 * The month counters PORT (adapters/dynamo-kpi-store.ts, adapters/memory-kpi-store.ts; held to
 * test/unit/kpi-store-contract.ts). Counters are kept per scope (zone and W).
 */
export interface KpiStore {
  /** ADDs the changes, one atomic update per month (all its counters at once); concurrent adds never lose one. */
  addChanges(scope: KpiScope, shard: number, changes: MonthChanges): Promise<void>;
  /** Every month up to `toMonth` with its changes, summed over the shards. */
  monthChanges(scope: KpiScope, toMonth: string): Promise<MonthChanges>;
  /** Replaces all counters of the scope (a rebuild from the profiles). */
  replaceAll(scope: KpiScope, changes: MonthChanges): Promise<void>;
}

/** The same counters from every profile: the rebuild, and reports for another zone or W. */
export const changesFromProfiles = async (profiles: AsyncIterable<Profile>, calendar: MonthCalendar): Promise<MonthChanges> => {
  const total: MonthChanges = new Map();
  for await (const profile of profiles) addChanges(total, customerContribution(profile, calendar));
  return total;
};

/** What ingest calls after a profile write that applied an event: ADDs the event's changes. */
export const recordContribution = async (
  kpis: { store: KpiStore; calendar: MonthCalendar },
  before: Profile | undefined,
  after: Profile,
): Promise<number> => {
  const changes = contributionChange(before, after, kpis.calendar);
  if (changes.size === 0) return 0;
  await kpis.store.addChanges({ timeZone: kpis.calendar.timeZone, activeDays: kpis.calendar.activeDays }, kpiShardOf(after.customerId), changes);
  return changes.size;
};
