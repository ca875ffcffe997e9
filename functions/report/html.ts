// The report as one self-contained HTML page (German or English): KPI cards with the change
// against the previous month, monthly SVG charts (repeat-purchase rate, churn, NPS) drawn here in
// TypeScript, the campaign funnel table and revenue by campaign. No script, no CDN, no external
// request: it works offline, in a mail attachment and without JavaScript. Every value from the
// data is escaped (campaign ids come from marketers' files).
import { escapeHtml } from '../track/pages';
import type { CampaignFunnel, MonthKpis, Report } from '#core/report';
import { formatCents, formatNumber, formatRate, labels, type ReportLanguage } from './text';

const e = (value: string | number): string => escapeHtml(String(value));

interface Series {
  title: string;
  unit: string;
  values: (number | null)[];
  /** Fixed range when the measure has one (rates 0..100, NPS -100..100). */
  min: number;
  max: number;
}

const W = 640;
const H = 220;
const PAD = { left: 48, right: 34, top: 14, bottom: 30 };

/** A line chart of one monthly series; months without a value break the line. */
export const lineChart = (months: readonly string[], series: Series, lang: ReportLanguage): string => {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (months.length <= 1 ? plotW / 2 : (i * plotW) / (months.length - 1));
  const y = (v: number) => PAD.top + plotH - ((v - series.min) / (series.max - series.min)) * plotH;
  const ticks = [series.min, (series.min + series.max) / 2, series.max];
  const grid = ticks
    .map((t) => `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/><text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${e(formatNumber(t, lang))}</text>`)
    .join('');
  const step = Math.max(1, Math.ceil(months.length / 6));
  const labelsX = months
    .map((m, i) => ((months.length - 1 - i) % step === 0 ? `<text x="${x(i).toFixed(1)}" y="${H - 10}" text-anchor="middle">${e(m)}</text>` : ''))
    .join('');
  const segments: string[] = [];
  let current: string[] = [];
  series.values.forEach((v, i) => {
    if (v === null) {
      if (current.length) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(Math.min(series.max, Math.max(series.min, v))).toFixed(1)}`);
  });
  if (current.length) segments.push(current.join(' '));
  const lines = segments.map((points) => `<polyline points="${points}" class="line"/>`).join('');
  const dots = series.values
    .map((v, i) => (v === null ? '' : `<circle cx="${x(i).toFixed(1)}" cy="${y(Math.min(series.max, Math.max(series.min, v))).toFixed(1)}" r="3.5" class="dot"><title>${e(`${months[i]}: ${formatRate(v, lang)}`)}</title></circle>`))
    .join('');
  const summary = months.map((m, i) => `${m}: ${series.values[i] === null ? labels[lang].noData : formatRate(series.values[i]!, lang)}`).join('; ');
  return (
    `<figure class="chart"><figcaption>${e(series.title)}</figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${e(`${series.title}: ${summary}`)}" xmlns="http://www.w3.org/2000/svg">` +
    `${grid}${labelsX}${lines}${dots}</svg></figure>`
  );
};

/** Horizontal bars: attributed revenue (or, without attribution, clicks) per campaign. */
const revenueBars = (campaigns: readonly CampaignFunnel[], lang: ReportLanguage): string => {
  const t = labels[lang];
  if (campaigns.length === 0) return `<p class="empty">${e(t.noCampaigns)}</p>`;
  const withRevenue = campaigns.some((c) => c.revenueCents !== null);
  const value = (c: CampaignFunnel) => (withRevenue ? (c.revenueCents ?? 0) : c.clicked);
  const max = Math.max(1, ...campaigns.map((c) => Math.abs(value(c))));
  const rowH = 26;
  const height = campaigns.length * rowH + 8;
  const bars = campaigns
    .map((c, i) => {
      const width = (Math.abs(value(c)) / max) * 360;
      const shown = withRevenue ? formatCents(value(c), lang) : `${formatNumber(value(c), lang)} ${t.clicked}`;
      return (
        `<text x="0" y="${i * rowH + 18}">${e(c.campaignId.length > 28 ? `${c.campaignId.slice(0, 27)}…` : c.campaignId)}</text>` +
        `<rect x="210" y="${i * rowH + 6}" width="${width.toFixed(1)}" height="16" class="bar"><title>${e(`${c.campaignId}: ${shown}`)}</title></rect>` +
        `<text x="${(216 + width).toFixed(1)}" y="${i * rowH + 18}">${e(shown)}</text>`
      );
    })
    .join('');
  const note = withRevenue ? '' : `<p class="note">${e(t.noAttribution)}</p>`;
  return `<svg class="bars" viewBox="0 0 ${W} ${height}" role="img" aria-label="${e(withRevenue ? t.revenueByCampaign : t.clicksByCampaign)}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>${note}`;
};

const change = (now: number | null, before: number | null | undefined, lang: ReportLanguage, kind: 'points' | 'count' | 'cents', goodWhenUp: boolean): string => {
  const t = labels[lang];
  if (now === null || before === null || before === undefined) return `<span class="delta">${e(t.noComparison)}</span>`;
  const d = now - before;
  const shown = kind === 'points' ? `${formatNumber(d, lang, 1)} ${t.points}` : kind === 'cents' ? formatCents(d, lang) : formatNumber(d, lang);
  const cls = d === 0 ? 'same' : (d > 0) === goodWhenUp ? 'good' : 'bad';
  const arrow = d > 0 ? '▲' : d < 0 ? '▼' : '■';
  return `<span class="delta ${cls}">${arrow} ${e(d > 0 ? `+${shown}` : shown)} ${e(t.vsPrevious)}</span>`;
};

const card = (title: string, value: string, delta: string): string => `<div class="card"><h3>${e(title)}</h3><p class="value">${e(value)}</p>${delta}</div>`;

export const kpiCards = (months: readonly MonthKpis[], lang: ReportLanguage): string => {
  const t = labels[lang];
  const last = months[months.length - 1];
  if (!last) return '';
  const prev = months[months.length - 2];
  const rate = (v: number | null) => (v === null ? '–' : formatRate(v, lang));
  return (
    `<h2>${e(t.kpisOf(last.month))}</h2><div class="cards">` +
    card(t.repeatPurchaseRate, rate(last.repeatPurchaseRate), change(last.repeatPurchaseRate, prev?.repeatPurchaseRate, lang, 'points', true)) +
    card(t.churnRate, rate(last.churnRate), change(last.churnRate, prev?.churnRate, lang, 'points', false)) +
    card(t.nps, last.nps === null ? '–' : formatNumber(last.nps, lang, 1), change(last.nps, prev?.nps, lang, 'points', true)) +
    card(t.revenue, formatCents(last.revenueCents, lang), change(last.revenueCents, prev?.revenueCents, lang, 'cents', true)) +
    card(t.activeCustomers, formatNumber(last.activeCustomers, lang), change(last.activeCustomers, prev?.activeCustomers, lang, 'count', true)) +
    card(t.newCustomers, formatNumber(last.newCustomers, lang), change(last.newCustomers, prev?.newCustomers, lang, 'count', true)) +
    `</div>`
  );
};

const monthTable = (months: readonly MonthKpis[], lang: ReportLanguage): string => {
  const t = labels[lang];
  const rate = (v: number | null) => (v === null ? '–' : formatRate(v, lang));
  const head = [t.month, t.customers, t.repeatCustomers, t.repeatPurchaseRate, t.activeAtStart, t.retainedAtEnd, t.churnRate, t.npsResponses, t.nps, t.orders, t.revenue, t.newCustomers, t.activeCustomers];
  const rows = months.map((m) =>
    [m.month, formatNumber(m.customers, lang), formatNumber(m.repeatCustomers, lang), rate(m.repeatPurchaseRate), formatNumber(m.activeAtStart, lang), formatNumber(m.retainedAtEnd, lang), rate(m.churnRate), `${formatNumber(m.npsResponses, lang)} (${m.promoters}/${m.passives}/${m.detractors})`, m.nps === null ? '–' : formatNumber(m.nps, lang, 1), formatNumber(m.orders, lang), formatCents(m.revenueCents, lang), formatNumber(m.newCustomers, lang), formatNumber(m.activeCustomers, lang)],
  );
  return table(head, rows, t.monthsCaption);
};

const table = (head: readonly string[], rows: readonly (readonly string[])[], caption: string): string =>
  `<div class="scroll"><table><caption>${e(caption)}</caption><thead><tr>${head.map((h, i) => `<th scope="col"${i ? ' class="num"' : ''}>${e(h)}</th>`).join('')}</tr></thead>` +
  `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => (i ? `<td class="num">${e(c)}</td>` : `<th scope="row">${e(c)}</th>`)).join('')}</tr>`).join('')}</tbody></table></div>`;

export const funnelTable = (campaigns: readonly CampaignFunnel[], lang: ReportLanguage): string => {
  const t = labels[lang];
  if (campaigns.length === 0) return `<p class="empty">${e(t.noCampaigns)}</p>`;
  const n = (v: number | null) => (v === null ? '–' : formatNumber(v, lang));
  const money = (v: number | null) => (v === null ? '–' : formatCents(v, lang));
  const head = [t.campaign, t.sent, t.delivered, t.bounced, t.complained, t.clicked, t.unsubscribed, t.conversions, t.revenue];
  const rows: string[][] = [];
  for (const c of campaigns) {
    rows.push([c.campaignId, n(c.sent), n(c.delivered), n(c.bounced), n(c.complained), n(c.clicked), n(c.unsubscribed), n(c.conversions), money(c.revenueCents)]);
    if (c.occurrences.length > 1) {
      for (const o of c.occurrences) rows.push([`  ${o.occurrenceId.slice(c.campaignId.length + 1)}`, n(o.sent), n(o.delivered), n(o.bounced), n(o.complained), n(o.clicked), n(o.unsubscribed), n(o.conversions), money(o.revenueCents)]);
    }
    for (const v of c.variants ?? []) {
      const lift = v.lift ? ` (${t.lift} ${formatNumber(v.lift.percentPoints, lang, 1)} [${formatNumber(v.lift.low, lang, 1)}; ${formatNumber(v.lift.high, lang, 1)}] ${t.points})` : '';
      rows.push([`  ${v.holdout ? t.holdout : t.variant} ${v.variantId}${lift}`, n(v.sent), '', '', '', n(v.clicked), '', n(v.conversions), money(v.revenueCents)]);
    }
  }
  return table(head, rows, t.funnelCaption);
};

export const REPORT_STYLE = `
:root{color-scheme:light;--ink:#1d2433;--muted:#5b6475;--line:#d9dee7;--accent:#1f6f5c;--good:#1a7f37;--bad:#b42318;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0;color:var(--ink);background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px 16px 48px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:32px 0 12px}h3{font-size:.85rem;font-weight:600;color:var(--muted);margin:0 0 6px}
.meta{color:var(--muted);margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:14px}
.value{font-size:1.6rem;font-weight:700;margin:0 0 4px}
.delta{font-size:.8rem;color:var(--muted)}.delta.good{color:var(--good)}.delta.bad{color:var(--bad)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:12px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:10px;padding:10px}
figcaption{font-weight:600;margin-bottom:4px}
svg{width:100%;height:auto;font-size:13px;fill:var(--muted)}
svg.bars{max-width:640px}svg .grid{stroke:var(--line)}svg .line{fill:none;stroke:var(--accent);stroke-width:2.5}svg .dot{fill:var(--accent)}svg .bar{fill:var(--accent)}
.scroll{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%;font-size:.85rem}caption{text-align:left;padding:8px 10px;color:var(--muted)}
th,td{padding:6px 10px;border-top:1px solid var(--line);text-align:left;white-space:pre}
.num{text-align:right;font-variant-numeric:tabular-nums}
.note,.empty{color:var(--muted);font-size:.85rem}
footer{margin-top:32px;color:var(--muted);font-size:.8rem}
`;

/** The whole page. `generatedAt` is shown (pass the report's clock, for reproducible files). */
export const reportHtml = (report: Report, options: { lang: ReportLanguage; shopName?: string; generatedAt?: Date }): string => {
  const { lang } = options;
  const t = labels[lang];
  const months = report.months.map((m) => m.month);
  const title = options.shopName ? `${t.title} – ${options.shopName}` : t.title;
  const charts =
    lineChart(months, { title: t.repeatPurchaseRate, unit: '%', values: report.months.map((m) => m.repeatPurchaseRate), min: 0, max: 100 }, lang) +
    lineChart(months, { title: t.churnRate, unit: '%', values: report.months.map((m) => m.churnRate), min: 0, max: 100 }, lang) +
    lineChart(months, { title: t.nps, unit: '', values: report.months.map((m) => m.nps), min: -100, max: 100 }, lang);
  return (
    `<!doctype html>\n<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>${e(title)}</title><style>${REPORT_STYLE}</style></head><body><main>` +
    `<h1>${e(title)}</h1><p class="meta">${e(t.period(report.from, report.to, report.timeZone, report.activeDays))}</p>` +
    kpiCards(report.months, lang) +
    `<h2>${e(t.trends)}</h2><div class="charts">${charts}</div>` +
    `<h2>${e(t.funnel)}</h2>${funnelTable(report.campaigns, lang)}` +
    `<h2>${e(t.revenueByCampaign)}</h2>${revenueBars(report.campaigns, lang)}` +
    `<h2>${e(t.months)}</h2>${monthTable(report.months, lang)}` +
    `<footer>${e(t.definitions)}${options.generatedAt ? ` ${e(t.generated(options.generatedAt.toISOString().slice(0, 16).replace('T', ' ')))}` : ''}${report.kpiSource === 'profiles' ? ` ${e(t.fromProfiles)}` : ''}</footer>` +
    `</main></body></html>\n`
  );
};
