// The retention report: its JSON shape (field names as issue 14 fixes them), the monthly KPIs
// from the kept month counters (core/kpis.ts), and the campaign funnels from the occurrences'
// stats counters and the click counts. Conversions, attributed revenue and A/B variants come
// from the CampaignOutcomes port (core/attribution.ts implements it); without one they are null.
// Cost: one read of the month counters plus, per campaign, its occurrences and click counts:
// it grows with months and campaigns, never with customers.
import { DateTime } from 'luxon';
import type { KpiScope, KpiStore, MonthChanges } from '#core/kpis';
import { COUNTERS, MonthCalendar, STOCK_COUNTERS, changesFromProfiles, monthsBetween, previousMonth, type Counters } from '#core/kpis';
import type { CustomerStore } from '#core/store';
import type { Profile } from '#core/profile';
import type { CampaignSummary } from '#core/delivery-store';
import type { Occurrence } from '#core/delivery/occurrence';

/** One calendar month's KPIs in the report's zone. Rates in percent (0-100), unrounded; null where the base is 0. */
export interface MonthKpis {
  month: string;
  customers: number;
  repeatCustomers: number;
  repeatPurchaseRate: number | null;
  activeAtStart: number;
  retainedAtEnd: number;
  churnRate: number | null;
  npsResponses: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
  orders: number;
  revenueCents: number;
  newCustomers: number;
  activeCustomers: number;
}

/** A/B variant (or the holdout) of a campaign, as the CampaignOutcomes port reports it. */
export interface VariantFunnel {
  variantId: string;
  /** The holdout: recorded, never mailed. */
  holdout: boolean;
  /** Customers assigned to it (holdout included). */
  assigned: number;
  sent: number;
  clicked: number;
  conversions: number;
  revenueCents: number;
  /** Conversion lift against the holdout in percentage points, with its 95% interval and method. */
  lift?: { percentPoints: number; low: number; high: number; method: string };
}

/** What the funnel counts of a campaign or one occurrence hold. */
export interface FunnelCounts {
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
  /** Unique clicks: first clicks per recipient and link (the click store's counters). */
  clicked: number;
  /**
   * Recipients who unsubscribed through the campaign's link (stats `optedOut`, all time): counted
   * per campaign, so null on an occurrence row.
   */
  unsubscribed: number | null;
  /** Orders attributed to it (coupon first, else last click); null without an attribution source. */
  conversions: number | null;
  revenueCents: number | null;
}

export interface OccurrenceFunnel extends FunnelCounts {
  occurrenceId: string;
  scheduledAt: string;
}

export interface CampaignFunnel extends FunnelCounts {
  campaignId: string;
  kind?: CampaignSummary['kind'];
  variants?: VariantFunnel[];
  occurrences: OccurrenceFunnel[];
}

export interface Report {
  /** The period asked for, "YYYY-MM-DD" (first and last day, in timeZone). */
  from: string;
  to: string;
  timeZone: string;
  activeDays: number;
  /** Where the KPIs came from: the kept counters, or every profile (another zone or W). */
  kpiSource: 'aggregates' | 'profiles';
  months: MonthKpis[];
  campaigns: CampaignFunnel[];
}

/** Conversions and revenue of one occurrence (and of its variants, if it had any). */
export interface OccurrenceOutcome {
  conversions: number;
  revenueCents: number;
  variants?: VariantFunnel[];
}

/**
 * THE PORT the funnels/attribution side implements: for one campaign and the occurrences in the
 * report's period, the attributed orders per occurrence and the campaign's variants (with the
 * lift against the holdout, computed over these occurrences together).
 */
export interface CampaignOutcomes {
  outcomesOf(campaignId: string, occurrences: readonly Occurrence[], period: { fromMs: number; toMs: number }): Promise<{
    occurrences: Map<string, OccurrenceOutcome>;
    /** The campaign's own totals; required for triggered campaigns (passed no occurrences), else the sum is used. */
    total?: OccurrenceOutcome;
    variants?: VariantFunnel[];
  }>;
}

/** Unique clicks per occurrence id of one campaign (the click store's counters). */
export interface ClickCounts {
  uniqueClicks(campaignId: string): Promise<Map<string, number>>;
}

export interface FunnelSources {
  deliveries: { listCampaigns(): Promise<CampaignSummary[]>; listOccurrences(campaignId: string): Promise<Occurrence[]>; campaignStats(campaignId: string): Promise<Record<string, number>> };
  clicks: ClickCounts;
  outcomes?: CampaignOutcomes;
}

const percent = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);

/**
 * The months from..to from the stored month changes (which must reach back to the first month
 * with any data: stock counters are summed up from there).
 */
export const monthlyKpis = (changes: MonthChanges, fromMonth: string, toMonth: string): MonthKpis[] => {
  const stock: Record<string, number> = Object.fromEntries(STOCK_COUNTERS.map((c) => [c, 0]));
  const sorted = [...changes.keys()].filter((m) => m <= toMonth).sort();
  const first = sorted[0] && sorted[0] < fromMonth ? sorted[0] : previousMonth(fromMonth);
  const out: MonthKpis[] = [];
  let activeBefore = 0;
  for (const month of monthsBetween(first, toMonth)) {
    const c = changes.get(month) ?? {};
    const values = {} as Counters;
    for (const counter of COUNTERS) {
      if ((STOCK_COUNTERS as readonly string[]).includes(counter)) {
        stock[counter] = (stock[counter] ?? 0) + (c[counter] ?? 0);
        values[counter] = stock[counter]!;
      } else values[counter] = c[counter] ?? 0;
    }
    if (month >= fromMonth) {
      out.push({
        month,
        customers: values.customers,
        repeatCustomers: values.repeatCustomers,
        repeatPurchaseRate: percent(values.repeatCustomers, values.customers),
        activeAtStart: activeBefore,
        retainedAtEnd: values.retainedAtEnd,
        churnRate: percent(activeBefore - values.retainedAtEnd, activeBefore),
        npsResponses: values.npsResponses,
        promoters: values.promoters,
        passives: values.passives,
        detractors: values.detractors,
        nps: percent(values.promoters - values.detractors, values.npsResponses),
        orders: values.orders,
        revenueCents: values.revenueCents,
        newCustomers: values.newCustomers,
        activeCustomers: values.activeCustomers,
      });
    }
    activeBefore = values.activeCustomers;
  }
  return out;
};

const stat = (occurrence: Occurrence, name: string): number => occurrence.stats[name] ?? 0;

const addOutcome = (a: number | null, b: number | undefined): number | null => (a === null || b === undefined ? null : a + b);

/**
 * A triggered campaign's funnel: its follow-ups are one occurrence per customer, so the counts
 * come from the campaign's stats rollup (one read; all time, not only the period) and its clicks.
 */
const triggeredFunnel = async (sources: FunnelSources, summary: CampaignSummary, period: { fromMs: number; toMs: number }): Promise<CampaignFunnel | undefined> => {
  const [stats, clicks, outcomes] = await Promise.all([
    sources.deliveries.campaignStats(summary.campaignId),
    sources.clicks.uniqueClicks(summary.campaignId),
    sources.outcomes?.outcomesOf(summary.campaignId, [], period),
  ]);
  if (Object.keys(stats).length === 0) return undefined;
  const funnel: CampaignFunnel = {
    campaignId: summary.campaignId,
    kind: summary.kind,
    sent: stats.sent ?? 0,
    delivered: stats.delivered ?? 0,
    bounced: stats.bounced ?? 0,
    complained: stats.complained ?? 0,
    clicked: [...clicks.values()].reduce((a, b) => a + b, 0),
    unsubscribed: stats.optedOut ?? 0,
    conversions: outcomes ? (outcomes.total?.conversions ?? 0) : null,
    revenueCents: outcomes ? (outcomes.total?.revenueCents ?? 0) : null,
    occurrences: [],
  };
  if (outcomes?.variants && outcomes.variants.length > 0) funnel.variants = outcomes.variants;
  return funnel;
};

/**
 * The funnel of every campaign with an occurrence scheduled in [fromMs, toMs]: occurrence stats
 * (sent, delivered, bounced, complained, optedOut), unique clicks, and the outcomes port's
 * conversions and revenue. Campaigns without an occurrence in the period are left out.
 */
export const campaignFunnels = async (sources: FunnelSources, period: { fromMs: number; toMs: number }): Promise<CampaignFunnel[]> => {
  const campaigns = await sources.deliveries.listCampaigns();
  const funnels = await Promise.all(
    campaigns.map(async (summary): Promise<CampaignFunnel | undefined> => {
      if (summary.kind === 'triggered') return triggeredFunnel(sources, summary, period);
      const occurrences = (await sources.deliveries.listOccurrences(summary.campaignId))
        .filter((o) => {
          const at = Date.parse(o.scheduledAt);
          return at >= period.fromMs && at <= period.toMs;
        })
        .sort((a, b) => a.scheduledAt.localeCompare(b.scheduledAt) || a.occurrenceId.localeCompare(b.occurrenceId));
      if (occurrences.length === 0) return undefined;
      const [clicks, rollup, outcomes] = await Promise.all([
        sources.clicks.uniqueClicks(summary.campaignId),
        sources.deliveries.campaignStats(summary.campaignId),
        sources.outcomes?.outcomesOf(summary.campaignId, occurrences, period),
      ]);
      const rows: OccurrenceFunnel[] = occurrences.map((o) => {
        const outcome = outcomes?.occurrences.get(o.occurrenceId);
        return {
          occurrenceId: o.occurrenceId,
          scheduledAt: o.scheduledAt,
          sent: stat(o, 'sent'),
          delivered: stat(o, 'delivered'),
          bounced: stat(o, 'bounced'),
          complained: stat(o, 'complained'),
          clicked: clicks.get(o.occurrenceId) ?? 0,
          unsubscribed: null,
          conversions: outcomes ? (outcome?.conversions ?? 0) : null,
          revenueCents: outcomes ? (outcome?.revenueCents ?? 0) : null,
        };
      });
      const total: CampaignFunnel = {
        campaignId: summary.campaignId,
        kind: summary.kind,
        sent: 0,
        delivered: 0,
        bounced: 0,
        complained: 0,
        clicked: 0,
        unsubscribed: rollup.optedOut ?? 0,
        conversions: outcomes ? 0 : null,
        revenueCents: outcomes ? 0 : null,
        occurrences: rows,
      };
      for (const r of rows) {
        total.sent += r.sent;
        total.delivered += r.delivered;
        total.bounced += r.bounced;
        total.complained += r.complained;
        total.clicked += r.clicked;
        total.conversions = addOutcome(total.conversions, r.conversions ?? undefined);
        total.revenueCents = addOutcome(total.revenueCents, r.revenueCents ?? undefined);
      }
      if (outcomes?.total) Object.assign(total, { conversions: outcomes.total.conversions, revenueCents: outcomes.total.revenueCents });
      if (outcomes?.variants && outcomes.variants.length > 0) total.variants = outcomes.variants;
      return total;
    }),
  );
  return funnels.filter((f): f is CampaignFunnel => f !== undefined).sort((a, b) => a.campaignId.localeCompare(b.campaignId));
};

/** Where the month counters come from: the kept aggregates, or (other zone or W) every profile. */
export interface KpiSource {
  /** The month changes for `scope` up to `toMonth`, from the first month with data. */
  monthChanges(scope: KpiScope, toMonth: string): Promise<{ changes: MonthChanges; source: Report['kpiSource'] }>;
}

export interface ReportRequest {
  /** "YYYY-MM-DD" or "YYYY-MM": the first and last day (month) of the period, in timeZone. */
  from: string;
  to: string;
  timeZone: string;
  activeDays: number;
}

const DAY = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/;

/** The period's first and last day, checked; names the bad field. */
export const reportPeriod = (request: Pick<ReportRequest, 'from' | 'to'>): { from: string; to: string } => {
  const day = (field: 'from' | 'to', value: string): string => {
    const m = DAY.exec(value);
    const month = Number(m?.[2]);
    if (!m || month < 1 || month > 12) throw new Error(`--${field} "${value}" must be a date "YYYY-MM-DD" or a month "YYYY-MM"`);
    if (m[3]) {
      const d = new Date(`${value}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw new Error(`--${field} "${value}" is not a calendar date`);
      return value;
    }
    if (field === 'from') return `${value}-01`;
    const last = new Date(Date.UTC(Number(m[1]), month, 0)).getUTCDate();
    return `${value}-${String(last).padStart(2, '0')}`;
  };
  const period = { from: day('from', request.from), to: day('to', request.to) };
  if (period.from > period.to) throw new Error(`--from ${period.from} is after --to ${period.to}`);
  return period;
};

/** The whole report: months from the KPI source, funnels of the campaigns that ran in the period. */
export const buildReport = async (deps: { kpis: KpiSource; funnels: FunnelSources }, request: ReportRequest): Promise<Report> => {
  const { from, to } = reportPeriod(request);
  const zone = { zone: request.timeZone };
  const fromMs = DateTime.fromISO(from, zone).startOf('day').toMillis();
  const toMs = DateTime.fromISO(to, zone).endOf('day').toMillis();
  if (!Number.isFinite(fromMs)) throw new Error(`--time-zone "${request.timeZone}" is not an IANA time zone`);
  const scope = { timeZone: request.timeZone, activeDays: request.activeDays };
  const [{ changes, source }, campaigns] = await Promise.all([
    deps.kpis.monthChanges(scope, to.slice(0, 7)),
    campaignFunnels(deps.funnels, { fromMs, toMs }),
  ]);
  return { from, to, timeZone: request.timeZone, activeDays: request.activeDays, kpiSource: source, months: monthlyKpis(changes, from.slice(0, 7), to.slice(0, 7)), campaigns };
};

/** Every profile, shard by shard (the CustomerStore's parallel scan, run one shard after another). */
export async function* everyProfile(store: Pick<CustomerStore, 'scanProfiles'>, shards = 4): AsyncIterable<Profile> {
  for (let segment = 0; segment < shards; segment++) {
    let cursor: string | undefined;
    do {
      const page = await store.scanProfiles(segment, shards, cursor ? { cursor } : {});
      yield* page.items;
      cursor = page.cursor;
    } while (cursor);
  }
}

/**
 * The month counters of a scope: the kept aggregates when ingest keeps that scope (they exist),
 * otherwise computed from every profile (another zone or W than ingest's REPORT_TIME_ZONE and
 * REPORT_ACTIVE_DAYS: cost grows with customers, and orders beyond a profile's bounded history
 * count at its first order's time).
 */
export const kpiSourceOf = (deps: { store: KpiStore; customers?: Pick<CustomerStore, 'scanProfiles'> }): KpiSource => ({
  async monthChanges(scope, toMonth) {
    const kept = await deps.store.monthChanges(scope, toMonth);
    if (kept.size > 0 || !deps.customers) return { changes: kept, source: 'aggregates' };
    const calendar = new MonthCalendar(scope.timeZone, scope.activeDays);
    const all = await changesFromProfiles(everyProfile(deps.customers), calendar);
    return { changes: new Map([...all].filter(([month]) => month <= toMonth)), source: 'profiles' };
  },
});

/** Recomputes the kept counters of a scope from every profile (after a crash lost some, or for a new scope). */
export const rebuildKpis = async (deps: { store: KpiStore; customers: Pick<CustomerStore, 'scanProfiles'> }, scope: KpiScope): Promise<number> => {
  const changes = await changesFromProfiles(everyProfile(deps.customers), new MonthCalendar(scope.timeZone, scope.activeDays));
  await deps.store.replaceAll(scope, changes);
  return changes.size;
};
