// The weekly report on AWS: the last twelve calendar months up to yesterday (in the report's
// zone), stored as JSON and HTML in the private report bucket, and optionally a short summary
// mail with a link to a marketer's address. Ports only (object store, mailer): the handler wires
// S3 and SES, the tests memory twins.
import { DateTime } from 'luxon';
import { buildReport, type FunnelSources, type KpiSource, type Report } from '#core/report';
import type { Mailer } from '#core/delivery/ports';
import { reportHtml } from './html';
import { escapeHtml } from '../track/pages';
import { formatCents, formatRate, labels, type ReportLanguage } from './text';

/** Where a report is kept: PutObject of a private, encrypted object. */
export interface ReportObjects {
  put(key: string, body: string, contentType: string): Promise<void>;
  /** A link the marketer opens (the S3 console's object page: the bucket stays private). */
  linkTo(key: string): string;
}

export interface WeeklyReportDeps {
  kpis: KpiSource;
  funnels: FunnelSources;
  objects: ReportObjects;
  timeZone: string;
  activeDays: number;
  lang: ReportLanguage;
  /** Summary mail: sender and recipient; without them no mail is sent. */
  mail?: { mailer: Mailer; from: string; to: string };
  shopName?: string;
}

export interface WeeklyReportResult {
  from: string;
  to: string;
  jsonKey: string;
  htmlKey: string;
  mailed: boolean;
}

/** The twelve calendar months up to the day before `at`, in `timeZone`. */
export const weeklyPeriod = (at: Date, timeZone: string): { from: string; to: string } => {
  const yesterday = DateTime.fromJSDate(at, { zone: timeZone }).minus({ days: 1 });
  return { from: yesterday.startOf('month').minus({ months: 11 }).toISODate()!, to: yesterday.toISODate()! };
};

/** The summary mail's text: the last month's KPIs and the link; no customer data. */
export const summaryText = (report: Report, link: string, lang: ReportLanguage): { subject: string; text: string } => {
  const t = labels[lang];
  const last = report.months[report.months.length - 1];
  const rate = (v: number | null | undefined) => (v === null || v === undefined ? '–' : formatRate(v, lang));
  const lines = [
    `${t.title} ${report.from} – ${report.to}`,
    '',
    ...(last
      ? [
          `${t.kpisOf(last.month)}:`,
          `${t.repeatPurchaseRate}: ${rate(last.repeatPurchaseRate)}`,
          `${t.churnRate}: ${rate(last.churnRate)}`,
          `${t.nps}: ${last.nps === null ? '–' : last.nps.toFixed(1)}`,
          `${t.revenue}: ${formatCents(last.revenueCents, lang)}`,
          `${t.activeCustomers}: ${last.activeCustomers}`,
        ]
      : []),
    '',
    link,
  ];
  return { subject: `${t.title}: ${report.to}`, text: `${lines.join('\n')}\n` };
};

export const runWeeklyReport = async (deps: WeeklyReportDeps, at: Date): Promise<WeeklyReportResult> => {
  const period = weeklyPeriod(at, deps.timeZone);
  const report = await buildReport({ kpis: deps.kpis, funnels: deps.funnels }, { ...period, timeZone: deps.timeZone, activeDays: deps.activeDays });
  const base = `reports/${period.to}`;
  const jsonKey = `${base}/report.json`;
  const htmlKey = `${base}/report.html`;
  await deps.objects.put(jsonKey, `${JSON.stringify(report, null, 2)}\n`, 'application/json; charset=utf-8');
  await deps.objects.put(htmlKey, reportHtml(report, { lang: deps.lang, generatedAt: at, ...(deps.shopName ? { shopName: deps.shopName } : {}) }), 'text/html; charset=utf-8');
  let mailed = false;
  if (deps.mail) {
    const link = deps.objects.linkTo(htmlKey);
    const { subject, text } = summaryText(report, link, deps.lang);
    const result = await deps.mail.mailer.send({
      from: deps.mail.from,
      to: deps.mail.to,
      subject,
      text,
      html: `<pre style="font-family:system-ui,sans-serif">${escapeHtml(text)}</pre>`,
      headers: [],
      tags: [{ name: 'stammkunde', value: 'weekly-report' }],
    });
    if (!result.ok) throw new Error(`report mail to the marketer not sent (${result.kind}): ${result.reason}`);
    mailed = true;
  }
  return { ...period, jsonKey, htmlKey, mailed };
};
