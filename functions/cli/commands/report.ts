// `stammkunde report --from <date|month> --to <date|month> (--table <name> | --stack <name>)
// [--endpoint <url>] [--time-zone <zone>] [--active-days <n>] [--format table|json|html]
// [--lang de|en] [--out <file>] [--rebuild]`: retention KPIs and campaign funnels of a deployed
// stack, or of a local state (`--endpoint` = the DynamoDB endpoint of `stammkunde local`).
// Reads the month counters ingest keeps (one Query) and per campaign its occurrences and click
// counts; another --time-zone or --active-days than ingest keeps is computed from every profile.
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoKpiStore } from '#adapters/dynamo-kpi-store';
import { createDynamoClickCounts } from '#adapters/dynamo-click-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { createCampaignOutcomes } from '#core/funnel-report';
import { DEFAULT_ACTIVE_DAYS } from '#core/kpis';
import { DEFAULT_SHOP_DELIVERY } from '#core/delivery/local-time';
import { buildReport, kpiSourceOf, rebuildKpis, reportPeriod, type Report } from '#core/report';
import { reportHtml } from '../../report/html';
import { reportTable } from '../../report/table';
import { REPORT_LANGUAGES, type ReportLanguage } from '../../report/text';

export type ReportFormat = 'table' | 'json' | 'html';

export interface ReportFlags extends TargetFlags {
  from: string;
  to: string;
  timeZone: string;
  activeDays: number;
  format?: ReportFormat;
  lang: ReportLanguage;
  out?: string;
  endpoint?: string;
  rebuild?: boolean;
}

/** The report as the chosen format's text. */
export const formatReport = (report: Report, format: ReportFormat, lang: ReportLanguage, generatedAt?: Date): string => {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'html') return reportHtml(report, { lang, ...(generatedAt ? { generatedAt } : {}) });
  return reportTable(report);
};

/** The format: --format, else from --out's extension (.json, .html), else the table. */
export const reportFormatOf = (format: string | undefined, out: string | undefined): ReportFormat => {
  const chosen = format ?? (out?.endsWith('.json') ? 'json' : out?.endsWith('.html') || out?.endsWith('.htm') ? 'html' : 'table');
  if (chosen !== 'table' && chosen !== 'json' && chosen !== 'html') throw new Error(`--format must be table, json or html, got "${chosen}"`);
  return chosen;
};

export const runReport = async (flags: ReportFlags, clients: AwsClients = {}, log: (line: string) => void = console.error): Promise<{ report: Report; text: string }> => {
  const format = reportFormatOf(flags.format, flags.out);
  reportPeriod(flags); // a bad --from/--to fails before anything is read or rebuilt
  const documentClient = clients.documentClient ?? (flags.endpoint ? createDocumentClient({ endpoint: flags.endpoint }) : undefined);
  const target = await resolveTarget(flags, { ...clients, ...(documentClient ? { documentClient } : {}) });
  try {
    const kpis = createDynamoKpiStore({ client: target.client, tableName: target.tableName });
    const customers = createDynamoStore({ client: target.client, tableName: target.tableName });
    const scope = { timeZone: flags.timeZone, activeDays: flags.activeDays };
    if (flags.rebuild) log(`rebuilt ${await rebuildKpis({ store: kpis, customers }, scope)} months of counters for ${scope.timeZone}, ${scope.activeDays} days from every profile`);
    const report = await buildReport(
      {
        kpis: kpiSourceOf({ store: kpis, customers }),
        funnels: {
          deliveries: target.store,
          clicks: createDynamoClickCounts({ client: target.client, tableName: target.tableName }),
          // Attributed conversions and revenue, A/B variants with their lift (core/funnel-report.ts).
          outcomes: createCampaignOutcomes(createDynamoFunnelStore({ client: target.client, tableName: target.tableName })),
        },
      },
      { from: flags.from, to: flags.to, timeZone: flags.timeZone, activeDays: flags.activeDays },
    );
    if (report.kpiSource === 'profiles') log(`no counters are kept for ${scope.timeZone}, ${scope.activeDays} days: computed from every profile (ingest keeps REPORT_TIME_ZONE / REPORT_ACTIVE_DAYS; --rebuild keeps this one until the next event)`);
    const text = formatReport(report, format, flags.lang, new Date());
    if (flags.out) {
      await mkdir(dirname(flags.out), { recursive: true });
      await writeFile(flags.out, text);
    }
    return { report, text };
  } finally {
    target.close();
    if (documentClient && !clients.documentClient) documentClient.destroy();
  }
};

const activeDays = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--active-days must be a whole number of days, at least 1, got "${value}"`);
  return Number(value);
};
const language = (value: string): ReportLanguage => {
  if (!(REPORT_LANGUAGES as readonly string[]).includes(value)) throw new Error(`--lang must be de or en, got "${value}"`);
  return value as ReportLanguage;
};

export const register = (program: Command): void => {
  addTargetOptions(
    program
      .command('report')
      .description('retention KPIs (repeat-purchase rate, churn, NPS, orders, revenue) per month and campaign funnels, as a table, JSON or a self-contained HTML page')
      .requiredOption('--from <date>', 'first day "YYYY-MM-DD" or month "YYYY-MM"')
      .requiredOption('--to <date>', 'last day "YYYY-MM-DD" or month "YYYY-MM"')
      .option('--time-zone <zone>', 'the months\' IANA time zone (ingest keeps counters for REPORT_TIME_ZONE)', DEFAULT_SHOP_DELIVERY.timeZone)
      .option('--active-days <n>', 'activity window W for churn, in days', activeDays, DEFAULT_ACTIVE_DAYS)
      .option('--format <format>', 'table, json or html (default: from --out, else table)')
      .option('--lang <lang>', 'de or en (html)', language, 'en' as ReportLanguage)
      .option('--out <file>', 'write the report to this file instead of the terminal')
      .option('--endpoint <url>', 'a DynamoDB endpoint (the dynalite of `stammkunde local`) instead of AWS')
      .option('--rebuild', 'recompute the kept counters of this zone and window from every profile first'),
  ).action(async (flags: ReportFlags) => {
    const { text } = await runReport(flags);
    if (flags.out) console.log(`report: ${flags.out}`);
    else process.stdout.write(text);
  });
};
