// The retention report of an embedded runtime (replay, demo): the same builder as the CLI and the
// weekly Lambda, on the runtime's stores. The period is the replayed one, as days in the zone
// ingest kept the month counters in (the shop's delivery.timeZone).
import { DateTime } from 'luxon';
import { buildReport, kpiSourceOf, type Report } from '#core/report';
import type { Runtime } from './runtime';
import { createCampaignOutcomes } from '#core/funnel-report';

export const runtimeReport = async (runtime: Pick<Runtime, 'kpis' | 'customers' | 'delivery' | 'clickCounts' | 'funnels'>, period: { from: Date; to: Date }): Promise<Report> => {
  const { timeZone, activeDays } = runtime.kpis.calendar;
  const day = (ms: number) => DateTime.fromMillis(ms, { zone: timeZone }).toISODate()!;
  // Whole days of the zone inside [from, to): a replay to 2026-01-01T00:00Z ends on 31 December
  // in Berlin too, not one hour into January.
  const toLocal = DateTime.fromMillis(period.to.getTime(), { zone: timeZone });
  const lastDay = toLocal.startOf('day').toMillis() - 1;
  return buildReport(
    {
      kpis: kpiSourceOf({ store: runtime.kpis.store, customers: runtime.customers }),
      // Attributed conversions and revenue, A/B variants with their lift (core/funnel-report.ts).
      funnels: { deliveries: runtime.delivery, clicks: runtime.clickCounts, outcomes: createCampaignOutcomes(runtime.funnels) },
    },
    { from: day(period.from.getTime()), to: day(Math.max(period.from.getTime(), lastDay)), timeZone, activeDays },
  );
};
