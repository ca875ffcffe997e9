// The report as a terminal table (the CLI's default format): months, then campaigns. Rates with
// one decimal, "-" where there is no base (no customers, nobody active, no NPS answer).
// `grid` also lays out `stammkunde referrals stats`.
import type { Report } from '#core/report';

const rate = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
const money = (v: number | null): string => (v === null ? '-' : (v / 100).toFixed(2));
const count = (v: number | null): string => (v === null ? '-' : String(v));

export const grid = (head: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
};

export const reportTable = (report: Report): string => {
  const lines = [`retention ${report.from} .. ${report.to} (${report.timeZone}, active = purchase in ${report.activeDays} days${report.kpiSource === 'profiles' ? ', computed from every profile' : ''})`, ''];
  lines.push(
    ...grid(
      ['month', 'customers', 'repeat', 'repeat%', 'activeStart', 'retained', 'churn%', 'nps n', 'P/P/D', 'nps', 'orders', 'revenue', 'new', 'active'],
      report.months.map((m) => [m.month, count(m.customers), count(m.repeatCustomers), rate(m.repeatPurchaseRate), count(m.activeAtStart), count(m.retainedAtEnd), rate(m.churnRate), count(m.npsResponses), `${m.promoters}/${m.passives}/${m.detractors}`, rate(m.nps), count(m.orders), money(m.revenueCents), count(m.newCustomers), count(m.activeCustomers)]),
    ),
  );
  lines.push('');
  if (report.campaigns.length === 0) lines.push('campaigns: none ran in this period');
  else {
    const rows: string[][] = [];
    for (const c of report.campaigns) {
      rows.push([c.campaignId, count(c.sent), count(c.delivered), count(c.bounced), count(c.complained), count(c.clicked), count(c.unsubscribed), count(c.conversions), money(c.revenueCents)]);
      for (const v of c.variants ?? []) rows.push([`  ${v.holdout ? 'holdout' : 'variant'} ${v.variantId}`, count(v.sent), '', '', '', count(v.clicked), '', count(v.conversions), money(v.revenueCents)]);
    }
    lines.push(...grid(['campaign', 'sent', 'delivered', 'bounced', 'complained', 'clicked', 'unsubscribed', 'conversions', 'revenue'], rows));
  }
  return `${lines.join('\n')}\n`;
};
